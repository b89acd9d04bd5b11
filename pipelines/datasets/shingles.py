"""Text as the duplicate checks see it: normalised (case, accents, punctuation and spacing gone)
and cut into word shingles hashed to stable 32-bit numbers (CRC-32: the same in every process,
unlike ``hash``)."""

import re
import unicodedata
import zlib

import numpy as np
from numpy.typing import NDArray

_NOT_WORD = re.compile(r"[\W_]+")
# The combining-mark blocks: accents that NFKD splits off their letters.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalise(text: str) -> str:
    """'The Mean, (x̄ = μ)!' → 'the mean x μ'; what exact duplicates are compared on. Letters of
    every script stay (statistics is written with Greek ones); accents, case and punctuation go."""
    folded = text.casefold()
    if not folded.isascii():
        folded = _COMBINING.sub("", unicodedata.normalize("NFKD", folded))
    return _NOT_WORD.sub(" ", folded).strip()


def shingles(normalised: str, width: int) -> NDArray[np.uint32]:
    """The sorted, distinct hashes of every run of ``width`` words; a shorter text is one
    shingle (itself), an empty text none."""
    words = normalised.split()
    if not words:
        return np.empty(0, np.uint32)
    runs = [" ".join(words[i : i + width]) for i in range(max(1, len(words) - width + 1))]
    return np.unique(np.fromiter((zlib.crc32(r.encode()) for r in runs), np.uint32, len(runs)))
