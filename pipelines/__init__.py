"""Pipelines: jobs that train or build something and record it in MLflow. One folder per
pipeline, each with a ``run(config)`` entry point that is one MLflow run; the ``wc`` CLI and the
scheduler call the same entry points. Pipelines read stores and call services; they never import
the web layer.
"""

from core import boot as _boot  # noqa: F401  (offline switches before MLflow or ultralytics)
