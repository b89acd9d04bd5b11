"""HTTP conventions shared by every domain: error shape, request ids, logs, metrics, rate limits."""
