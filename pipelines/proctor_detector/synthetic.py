"""A small labelled detection set the project can make honestly: objects composited into real
photographs that ship with scikit-image, written in YOLO format with their true boxes.

The objects: a *book* is a crop of ``skimage.data.page()`` (a real scanned page of text), framed
by a cover edge; a *phone* is drawn (a dark body around a lit screen of app tiles), since no
photograph of a phone ships in a package. It proves the pipeline (train → export → register →
detect), not accuracy on real webcams: that needs a real dataset or operator-supplied weights.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

Image = NDArray[np.uint8]  # BGR
Box = tuple[int, int, int, int]  # left, top, right, bottom

# COCO's names, so that the proctor reads a model trained here as it reads COCO weights.
CLASS_NAMES = ("cell phone", "book")
PHONE, BOOK = 0, 1
FRAME_SIZE = (320, 240)  # width, height: a webcam frame at the proctor's analysis width
# Photographs (not drawings, not text) among scikit-image's bundled images.
BACKGROUND_NAMES = (
    "astronaut",
    "camera",
    "coffee",
    "chelsea",
    "rocket",
    "brick",
    "gravel",
    "grass",
    "coins",
    "moon",
    "hubble_deep_field",
    "immunohistochemistry",
)
EMPTY_SHARE = 0.1  # frames with no object, so the model also learns what is not one
MAX_OVERLAP = 0.1  # two objects in one frame overlap at most this (IoU), so both stay visible
JPEG_QUALITY = 90


@dataclass(frozen=True)
class Sprite:
    """An object's pixels and its opacity (0..1), cut to the object's extent."""

    pixels: Image
    alpha: NDArray[np.float32]


@dataclass(frozen=True)
class Composite:
    image: Image
    objects: list[tuple[int, Box]]  # class index, true box in pixels


def package_backgrounds() -> list[Image]:
    """The bundled photographs as BGR images."""
    from skimage import data

    images = []
    for name in BACKGROUND_NAMES:
        image = getattr(data, name)()
        colour = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR if image.ndim == 2 else cv2.COLOR_RGB2BGR)
        images.append(colour)
    return images


def webcam_view(photo: Image, rng: np.random.Generator) -> Image:
    """A random 4:3 crop of a photograph at frame size, sometimes mirrored, as a webcam sees."""
    width, height = FRAME_SIZE
    photo_height, photo_width = photo.shape[:2]
    crop_width = int(min(photo_width, photo_height * width / height) * rng.uniform(0.6, 1.0))
    crop_height = int(crop_width * height / width)
    left = int(rng.integers(0, photo_width - crop_width + 1))
    top = int(rng.integers(0, photo_height - crop_height + 1))
    view = cv2.resize(photo[top : top + crop_height, left : left + crop_width], FRAME_SIZE)
    mirrored = view[:, ::-1] if rng.random() < 0.5 else view
    return np.ascontiguousarray(mirrored, dtype=np.uint8)


def draw_phone(rng: np.random.Generator, height: int) -> Sprite:
    """A smartphone drawn front on and upright: a rounded body (mostly dark), a lit screen of
    coloured app tiles."""
    width = max(12, int(height * rng.uniform(0.45, 0.55)))
    body_colour = rng.integers(10, 70, 3) if rng.random() < 0.7 else rng.integers(150, 210, 3)
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[:] = body_colour
    bezel = max(2, width // 12)
    screen = pixels[bezel * 2 : height - bezel * 2, bezel : width - bezel]
    screen[:] = rng.integers(40, 255, 3)
    tile = max(3, screen.shape[1] // 4)
    for row in range(0, screen.shape[0] - tile, tile + 2):
        for column in range(1, screen.shape[1] - tile, tile + 1):
            screen[row + 1 : row + tile, column : column + tile - 1] = rng.integers(0, 255, 3)
    alpha = np.zeros((height, width), np.float32)
    radius = max(2, width // 6)
    cv2.rectangle(alpha, (radius, 0), (width - 1 - radius, height - 1), 1.0, -1)
    cv2.rectangle(alpha, (0, radius), (width - 1, height - 1 - radius), 1.0, -1)
    for x in (radius, width - 1 - radius):
        for y in (radius, height - 1 - radius):
            cv2.circle(alpha, (x, y), radius, 1.0, -1)
    return Sprite(pixels, alpha)


def book_page(page: Image, rng: np.random.Generator, height: int) -> Sprite:
    """A crop of a real scanned page, tinted like paper, inside a coloured cover edge."""
    page_height, page_width = page.shape[:2]
    crop_height = int(page_height * rng.uniform(0.6, 1.0))
    crop_width = min(page_width, int(crop_height * rng.uniform(0.7, 1.6)))
    top = int(rng.integers(0, page_height - crop_height + 1))
    left = int(rng.integers(0, page_width - crop_width + 1))
    crop = page[top : top + crop_height, left : left + crop_width]
    width = max(12, int(height * crop_width / crop_height))
    paper = cv2.resize(crop, (width, height)).astype(np.float32)
    tint = rng.uniform((0.75, 0.85, 0.9), (0.95, 1.0, 1.0))
    pixels = (paper * tint).astype(np.uint8)
    cover = max(2, height // 25)
    cover_colour = tuple(int(c) for c in rng.integers(0, 200, 3))
    cv2.rectangle(pixels, (0, 0), (width - 1, height - 1), cover_colour, cover)
    return Sprite(pixels, np.ones((height, width), np.float32))


def paste(frame: Image, sprite: Sprite, left: int, top: int, brightness: float) -> Box:
    """Blend the sprite into the frame at (left, top); returns its box."""
    height, width = sprite.alpha.shape
    region = frame[top : top + height, left : left + width].astype(np.float32)
    alpha = sprite.alpha[..., None]
    lit = np.clip(sprite.pixels.astype(np.float32) * brightness, 0, 255)
    frame[top : top + height, left : left + width] = (alpha * lit + (1 - alpha) * region).astype(
        np.uint8
    )
    return left, top, left + width, top + height


def iou(first: Box, second: Box) -> float:
    """Intersection over union of two boxes."""
    left, top = max(first[0], second[0]), max(first[1], second[1])
    right, bottom = min(first[2], second[2]), min(first[3], second[3])
    overlap = max(0, right - left) * max(0, bottom - top)

    def area(box: Box) -> int:
        return (box[2] - box[0]) * (box[3] - box[1])

    union = area(first) + area(second) - overlap
    return overlap / union if union else 0.0


def sprite_for(class_index: int, page: Image, rng: np.random.Generator) -> Sprite:
    frame_height = FRAME_SIZE[1]
    if class_index == PHONE:
        return draw_phone(rng, int(frame_height * rng.uniform(0.25, 0.5)))
    return book_page(page, rng, int(frame_height * rng.uniform(0.3, 0.55)))


def compose(
    background: Image, classes: list[int], page: Image, rng: np.random.Generator
) -> Composite:
    """A webcam view of ``background`` with one object of each class in ``classes``, placed
    whole inside the frame and apart from each other."""
    frame = webcam_view(background, rng)
    objects: list[tuple[int, Box]] = []
    for class_index in classes:
        sprite = sprite_for(class_index, page, rng)
        height, width = sprite.alpha.shape
        for _attempt in range(20):
            left = int(rng.integers(0, FRAME_SIZE[0] - width + 1))
            top = int(rng.integers(0, FRAME_SIZE[1] - height + 1))
            box = (left, top, left + width, top + height)
            if all(iou(box, placed) <= MAX_OVERLAP for _, placed in objects):
                paste(frame, sprite, left, top, rng.uniform(0.7, 1.1))
                objects.append((class_index, box))
                break
    if rng.random() < 0.3:  # a webcam's soft focus
        frame = np.asarray(cv2.GaussianBlur(frame, (3, 3), 0), dtype=np.uint8)
    return Composite(frame, objects)


def random_classes(rng: np.random.Generator) -> list[int]:
    if rng.random() < EMPTY_SHARE:
        return []
    count = 1 if rng.random() < 0.7 else 2
    return [int(index) for index in rng.integers(0, len(CLASS_NAMES), count)]


def yolo_label(composite: Composite) -> str:
    """One line per object: class, then box centre and size as fractions of the frame."""
    width, height = FRAME_SIZE
    lines = []
    for class_index, (left, top, right, bottom) in composite.objects:
        centre_x, centre_y = (left + right) / 2 / width, (top + bottom) / 2 / height
        box_width, box_height = (right - left) / width, (bottom - top) / height
        lines.append(
            f"{class_index} {centre_x:.6f} {centre_y:.6f} {box_width:.6f} {box_height:.6f}"
        )
    return "\n".join(lines) + ("\n" if lines else "")


def write_dataset(out_dir: Path, images: int, seed: int = 0, val_share: float = 0.25) -> Path:
    """Write ``images`` composites (a ``val_share`` of them for validation) in YOLO format under
    ``out_dir``; returns the data YAML that ultralytics trains on."""
    from skimage import data

    rng = np.random.default_rng(seed)
    backgrounds = package_backgrounds()
    page = cv2.cvtColor(data.page(), cv2.COLOR_GRAY2BGR)
    val_count = max(1, round(images * val_share))
    for index in range(images):
        split = "val" if index < val_count else "train"
        background = backgrounds[int(rng.integers(0, len(backgrounds)))]
        composite = compose(background, random_classes(rng), page, rng)
        for kind in ("images", "labels"):
            (out_dir / kind / split).mkdir(parents=True, exist_ok=True)
        name = f"{index:05d}"
        image_path = out_dir / "images" / split / f"{name}.jpg"
        cv2.imwrite(str(image_path), composite.image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        (out_dir / "labels" / split / f"{name}.txt").write_text(yolo_label(composite))
    return write_data_yaml(out_dir)


def write_data_yaml(out_dir: Path) -> Path:
    # JSON is YAML: ultralytics reads this file with a YAML loader, and no YAML writer is needed.
    description = {
        "path": str(out_dir.resolve()),
        "train": "images/train",
        "val": "images/val",
        "names": list(CLASS_NAMES),
    }
    path = out_dir / "data.yaml"
    path.write_text(json.dumps(description, indent=2) + "\n")
    return path
