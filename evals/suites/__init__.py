"""The eval suites, one package each: ``dataset``, ``scorer``, ``thresholds``."""
