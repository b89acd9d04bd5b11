"""Frames at analysis size: one resize rule for sampled frames and enrolment photos alike."""

from typing import cast

import cv2

from proctor.signals import Image


def resize_for_analysis(image: Image, width: int) -> Image:
    """``image`` scaled to ``width`` pixels wide, keeping its aspect ratio."""
    height, original_width = image.shape[:2]
    scaled_height = max(1, round(height * width / original_width))
    # Area averaging when shrinking avoids the aliasing that breaks HOG gradients.
    interpolation = cv2.INTER_AREA if width < original_width else cv2.INTER_LINEAR
    resized = cv2.resize(image, (width, scaled_height), interpolation=interpolation)
    return cast(Image, resized)  # OpenCV's stubs type every result as any numeric array
