"""How a learner's typed answer is read: an option key, or a number followed by its unit.

One reading for both sides of an answer: the sittings API refuses what it cannot read (422), and
rule grading grades exactly what was accepted, so an accepted answer is never a silent zero.
"""

import math
import re

# A number as people type it: sign (a Unicode minus reads as "-"), thousands separators,
# decimals, an exponent, or a fraction; the rest of the answer is its unit.
_NUMBER = re.compile(
    r"^\s*(?P<sign>[-+])?\s*"
    r"(?:(?P<num>\d+)\s*/\s*(?P<den>\d+)"
    r"|(?P<value>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE](?P<exp>[-+]?\d+))?)"
    r"(?P<rest>.*)$",
    re.DOTALL,
)
# What may follow the number: a unit such as "m/s^2", "km h-1", "%", "°C" (no "_000" or "abc!").
_UNIT = re.compile(r"[^\W\d_][\w°%µΩ/^*·.\- ²³]*|[%°][\w]*", re.UNICODE)
_OPTION_KEY = re.compile(r"^\(?([A-Za-z0-9]{1,3})[).:]?$")


def option_key(answer: str) -> str | None:
    """'b', 'B', '(b)', 'b.' → 'b'."""
    match = _OPTION_KEY.match(answer.strip())
    return match.group(1).lower() if match else None


def parse_number(text: str) -> tuple[float, str] | None:
    """The number an answer states and its unit ('' if none), or None when it states none."""
    match = _NUMBER.match(text.replace("\u2212", "-"))
    if match is None:
        return None
    sign = -1.0 if match.group("sign") == "-" else 1.0
    if match.group("num") is not None:
        denominator = int(match.group("den"))
        if denominator == 0:
            return None
        value = int(match.group("num")) / denominator
    else:
        exponent = f"e{match.group('exp')}" if match.group("exp") is not None else ""
        value = float(match.group("value").replace(",", "") + exponent)  # 1e999 → inf
    unit = match.group("rest").strip()
    if not math.isfinite(value) or (unit and not _UNIT.fullmatch(unit)):
        return None
    return sign * value, unit
