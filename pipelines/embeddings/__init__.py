"""The embedding refresh: re-embed every course into a new retrieval index with Ray workers when
the embedding model setting changes, switch searches to it in one transaction, and on a schedule
re-embed only the lessons changed since the last run. Entry point: ``pipeline.run(config)``."""
