"""LoRA fine-tuning of the served base model on an SFT dataset (pipelines/datasets' format),
tracked in MLflow: ``pipeline.run(config)`` is one MLflow run that trains with peft in a plain torch
loop, checkpoints so that a killed run resumes, and registers the merged weights (a folder vLLM
serves) as a new version of ``tutor-llm`` with the adapter as an artifact and the dataset, base
model and code version as lineage. ``wc finetune run`` is its command line.

Modules: ``config`` (what a run takes), ``lineage`` (dataset, base model, code version),
``data`` (chat rows → tokens and batches), ``train`` (the LoRA model and one step), ``loop`` (the
steps with metrics and checkpoints), ``checkpoints``, ``tracking`` (the MLflow run), ``register``
(merge, log, register), ``pipeline`` (``run``), ``cli``.
"""
