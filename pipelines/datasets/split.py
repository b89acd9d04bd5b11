"""Train/validation split by group: a hash of the group (a learner, a course, a book) decides, so
all of a learner's turns land on one side, and a group keeps its side as the data grows."""

import hashlib

TRAIN = "train"
VALIDATION = "validation"


def split_of(group: str, validation_fraction: float, salt: str) -> str:
    digest = hashlib.sha256(f"{salt}\0{group}".encode()).digest()
    position = int.from_bytes(digest[:8], "big") / 2**64  # uniform in [0, 1)
    return VALIDATION if position < validation_fraction else TRAIN
