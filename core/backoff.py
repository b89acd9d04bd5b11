"""Exponential back-off: how long to wait before trying again."""


def exponential_delay(attempt: int, base_seconds: float, max_seconds: float) -> float:
    """``base_seconds`` after the first failed attempt, doubling with each one after it, never
    more than ``max_seconds``."""
    return min(base_seconds * 2 ** (attempt - 1), max_seconds)
