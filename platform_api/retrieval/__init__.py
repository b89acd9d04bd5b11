"""Command-line tools over the retrieval index (``wc ingest``, ``wc search``)."""
