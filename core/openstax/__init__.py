"""OpenStax books (collection XML + CNXML modules) parsed into plain dataclasses: read by the
importer, the eval suites and the training-data pipeline alike."""
