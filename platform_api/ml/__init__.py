"""What the ML engineers' pages read: the registered models with their aliases, the latest
evaluation runs per suite and the promotion decisions, from the MLflow store the pipelines write."""
