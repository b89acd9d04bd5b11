"""The object detector: a YOLOv8 model exported to ONNX by ultralytics, run with onnxruntime.

A frame is letterboxed into the model's input (scaled to fit, padded with ultralytics' grey), the
raw output ``(1, 4 + classes, anchors)`` (box centre and size in input pixels, then one score per
class) is thresholded and reduced by per-class NMS, and the boxes come back in frame pixels.
Class names come from the metadata ultralytics writes into the file.
"""

import ast
from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from proctor.signals import Image

# ultralytics pads letterboxed images with this grey; a model trained on it expects it.
PAD_GREY = 114
# Boxes of one class overlapping more than this are taken for one object. ultralytics predicts
# with 0.7; lower here, so that two people sitting side by side stay two.
NMS_IOU = 0.5

Boxes = NDArray[np.float32]


class UnusableDetector(ValueError):
    """The file is not a YOLOv8 detection model exported by ultralytics without NMS."""


@dataclass(frozen=True)
class Detection:
    label: str
    confidence: float
    box: tuple[int, int, int, int]  # left, top, right, bottom, in frame pixels


@dataclass(frozen=True)
class Letterbox:
    """How a frame was fitted into the model's input: scaled by ``scale``, then padded."""

    scale: float
    pad_left: int
    pad_top: int

    def to_frame(self, boxes: Boxes, height: int, width: int) -> Boxes:
        """Input-pixel boxes (left, top, right, bottom) back to frame pixels, clipped."""
        offset = np.array([self.pad_left, self.pad_top] * 2, dtype=np.float32)
        frame_boxes = (boxes - offset) / self.scale
        limits = np.array([width, height] * 2, dtype=np.float32)
        return np.clip(frame_boxes, 0, limits)


def letterbox(image: Image, input_size: tuple[int, int]) -> tuple[NDArray[np.float32], Letterbox]:
    """The model's input blob (1, 3, height, width; RGB in 0..1) and how it was fitted."""
    input_height, input_width = input_size
    height, width = image.shape[:2]
    scale = min(input_height / height, input_width / width)
    fitted_width, fitted_height = round(width * scale), round(height * scale)
    if (fitted_width, fitted_height) != (width, height):
        image = np.asarray(
            cv2.resize(image, (fitted_width, fitted_height), interpolation=cv2.INTER_LINEAR),
            dtype=np.uint8,
        )
    pad_left = (input_width - fitted_width) // 2
    pad_top = (input_height - fitted_height) // 2
    padded = cv2.copyMakeBorder(
        image,
        pad_top,
        input_height - fitted_height - pad_top,
        pad_left,
        input_width - fitted_width - pad_left,
        cv2.BORDER_CONSTANT,
        value=(PAD_GREY, PAD_GREY, PAD_GREY),
    )
    blob = cv2.dnn.blobFromImage(padded, scalefactor=1 / 255, swapRB=True)
    return np.asarray(blob, dtype=np.float32), Letterbox(scale, pad_left, pad_top)


def class_labels(metadata: Mapping[str, str]) -> tuple[str, ...]:
    """Class names by index, from ultralytics' ``names`` metadata (a dict's repr)."""
    if metadata.get("task", "detect") != "detect" or "names" not in metadata:
        raise UnusableDetector("no detection class names in the model's metadata")
    names = ast.literal_eval(metadata["names"])
    return tuple(str(names[index]).lower() for index in range(len(names)))


def input_size(metadata: Mapping[str, str], input_shape: list[int | str]) -> tuple[int, int]:
    """(height, width) of the model's input: the exported ``imgsz``, else the static shape."""
    if "imgsz" in metadata:
        height, width = ast.literal_eval(metadata["imgsz"])
        return int(height), int(width)
    height, width = input_shape[2:]
    if not (isinstance(height, int) and isinstance(width, int)):
        raise UnusableDetector("the model's input size is neither in its metadata nor static")
    return height, width


class OnnxDetector:
    """One loaded model; ``detect`` is safe to call from several threads (onnxruntime's run is)."""

    def __init__(self, model: bytes | str, min_confidence: float, threads: int = 1) -> None:
        options = ort.SessionOptions()
        # Sessions share the replica's cores: one thread per detection keeps one session's
        # frame from taking every core, and ORT_SEQUENTIAL needs no inter-op pool.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        model_input = self._session.get_inputs()[0]
        metadata = self._session.get_modelmeta().custom_metadata_map
        self._input_name = model_input.name
        self.labels = class_labels(metadata)
        self.input_size = input_size(metadata, model_input.shape)
        self.min_confidence = min_confidence
        rows = self._session.get_outputs()[0].shape[1]
        if rows != 4 + len(self.labels):
            raise UnusableDetector(
                f"output rows {rows} are not 4 + {len(self.labels)} classes "
                "(an export with nms=True or another task)"
            )

    def detect(self, image: Image) -> list[Detection]:
        blob, fit = letterbox(image, self.input_size)
        (output,) = self._session.run(None, {self._input_name: blob})
        return self._decode(output[0], fit, image.shape[0], image.shape[1])

    def _decode(
        self, output: NDArray[np.float32], fit: Letterbox, height: int, width: int
    ) -> list[Detection]:
        scores = output[4:]
        best_scores = scores.max(axis=0)
        candidates = np.flatnonzero(best_scores >= self.min_confidence)
        if candidates.size == 0:
            return []
        class_ids = scores[:, candidates].argmax(axis=0)
        confidences = best_scores[candidates]
        centre_x, centre_y, box_width, box_height = output[:4, candidates]
        left, top = centre_x - box_width / 2, centre_y - box_height / 2
        kept = cv2.dnn.NMSBoxesBatched(
            np.stack([left, top, box_width, box_height], axis=1).tolist(),
            confidences.tolist(),
            class_ids.tolist(),
            self.min_confidence,
            NMS_IOU,
        )
        kept_indices = np.asarray(kept, dtype=np.intp).reshape(-1)
        corners = np.stack([left, top, left + box_width, top + box_height], axis=1)[kept_indices]
        frame_boxes = fit.to_frame(corners, height, width).round().astype(int)
        return [
            Detection(
                label=self.labels[int(class_ids[index])],
                confidence=round(float(confidences[index]), 3),
                box=(int(box_left), int(box_top), int(box_right), int(box_bottom)),
            )
            for index, (box_left, box_top, box_right, box_bottom) in zip(
                kept_indices, frame_boxes, strict=True
            )
        ]
