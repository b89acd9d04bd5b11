"""The chat-format SFT dataset built from captured use: tutor turns learners liked (ClickHouse),
teacher-approved generated items (PostgreSQL) and OpenStax worked solutions, scrubbed of personal
data, deduplicated, split by learner, with every eval question held out, and logged to MLflow
(``pipeline.run``). The format is the contract with ``pipelines.finetune``: see ``rows``.
"""
