"""The proctor's object detector: train YOLOv8 on a YOLO-format dataset, export it to ONNX and
register it in MLflow as ``proctor-detector``.

Ultralytics (AGPL-3.0) and the torch + torchvision it needs cannot import beside vLLM's torch, so
training runs in its own environment (``make vision-env``, ``.venv-vision``): ``pipeline.run``
runs here and starts ``train`` there as a subprocess. Nothing in this package imports
ultralytics except ``train``, and this ``__init__`` imports nothing, so that ``train`` starts in
the vision environment without the main one's packages.
"""
