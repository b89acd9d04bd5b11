"""Validation of object keys, shared by every object store so they refuse the same keys."""

MAX_KEY_LENGTH = 1024


def validate_key(key: str) -> str:
    """Return ``key`` if it is a relative ``/``-separated path; raise ``ValueError`` otherwise.

    Refused: empty keys, absolute keys, empty segments (``a//b``, trailing ``/``), ``.`` and ``..``
    segments, backslashes and control characters.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"object key must be 1 to {MAX_KEY_LENGTH} characters: {key!r}")
    if key.startswith("/"):
        raise ValueError(f"object key must be relative: {key!r}")
    if "\\" in key or any(ord(char) < 32 or ord(char) == 127 for char in key):
        raise ValueError(f"object key has a backslash or a control character: {key!r}")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise ValueError(f"object key has an empty, '.' or '..' segment: {key!r}")
    return key


def validate_prefix(prefix: str) -> str:
    """Return ``prefix`` if it is empty or a valid key, optionally ending with one ``/``."""
    if prefix:
        validate_key(prefix.removesuffix("/"))
    return prefix
