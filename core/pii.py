"""Removes personal data from free text before it is kept for analytics, evaluation or training.

Placeholders keep a sentence readable ("write to me at [EMAIL]") so the text still serves as data.
The patterns are narrow on purpose: statistics questions are full of numbers, and a scrubber that
ate "p = 0.05", "n = 100" or "1,500" would ruin the very text it protects. Digit runs therefore
count as personal only in the shapes people write them in (grouped phone numbers, Luhn-valid
card numbers, ``ddd-dd-dddd`` social security numbers, dotted quads).
"""

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

EMAIL = "[EMAIL]"
PHONE = "[PHONE]"
NAME = "[NAME]"
CARD = "[CARD]"
SSN = "[SSN]"
IP = "[IP]"
ADDRESS = "[ADDRESS]"
QUERY = "[QUERY]"

# Scheme length is bounded and starts only at a run's beginning, keeping the scan linear.
_URL = re.compile(r"(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}://[^\s<>\"']+", re.IGNORECASE)
_URL_TRAILING_PUNCTUATION = ".,;:!?)]}'\""
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
# Contiguous 13-19 digits, or the groupings printed on cards (4-4-4-4[-3], 4-6-4/5).
_CARD = re.compile(
    r"(?<![\d.,+-])"
    r"(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?|\d{4}([ -])\d{6}\2\d{4,5})"
    r"(?!\d|[.,-]\d)"
)
# "+" straight before the country code, then groups; 8-15 digits are checked in _phone.
_INTERNATIONAL_PHONE = re.compile(r"(?<![\w+)\]])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,6}(?!\w)")
# North American numbers need a separator other than a space between area code and exchange
# ("555-123-4567", "(555) 123-4567"): three space-separated numbers are too often data.
_US_PHONE = re.compile(
    r"(?<![\w+.-])(?:1[ .-]?)?(?:\([2-9]\d{2}\)[ .-]?|[2-9]\d{2}[.-])\d{3}[ .-]\d{4}(?!\w|[.-]\d)"
)
_IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    r"(?!\w|\.\d)"
)
# Colon-delimited hex groups (at most 8), checked by ``ipaddress`` in _ipv6.
_IPV6_CANDIDATE = re.compile(
    r"(?<![\w:.\[])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:]|\.\w)"
)
_DIGIT = re.compile(r"\d")
_STREET_TYPES = (
    "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Terrace|Way"
)
# A house number, one to three capitalised words (or "5th") and a street type: "221B Baker Street".
_ADDRESS = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?\s+(?:(?:[A-Z][a-z]+|\d+(?:st|nd|rd|th))\.?\s+){{1,3}}"
    rf"(?:{_STREET_TYPES})\b\.?"
)


def scrub(text: str, known: Iterable[str] = ()) -> str:
    """Replace personal data in ``text`` with placeholders such as ``[EMAIL]`` and ``[PHONE]``.

    ``known`` holds strings known to identify the learner (name, e-mail, user name); they are
    replaced wherever they occur as whole words, ignoring case. Pass a first name on its own if
    it should be caught without the surname. Plain URLs are kept; their user info is dropped and
    their query string replaced with ``[QUERY]``, where tokens and addresses tend to hide.
    """
    # Each pattern runs only where what it cannot match without is there ("://", "@", a digit,
    # two colons): the same result, and most sentences skip most of the scans.
    if "://" in text:
        text = _URL.sub(_url, text)
    if "@" in text:
        text = _EMAIL.sub(EMAIL, text)
    text = _scrub_known(text, known)
    if _DIGIT.search(text):
        text = _SSN.sub(SSN, text)
        text = _INTERNATIONAL_PHONE.sub(_phone, text)
        text = _CARD.sub(_card, text)
        text = _US_PHONE.sub(PHONE, text)
        text = _IPV4.sub(IP, text)
    if text.count(":") >= 2:
        text = _IPV6_CANDIDATE.sub(_ipv6, text)
    return _ADDRESS.sub(ADDRESS, text) if _DIGIT.search(text) else text


def _url(match: re.Match[str]) -> str:
    url = match.group()
    kept = url.rstrip(_URL_TRAILING_PUNCTUATION)
    trailing = url[len(kept) :]
    parts = urlsplit(kept)
    if "@" not in parts.netloc and not parts.query and not parts.fragment:
        return url
    host = parts.netloc.rpartition("@")[2]
    query = QUERY if parts.query else ""
    return urlunsplit((parts.scheme, host, parts.path, query, "")) + trailing


def _scrub_known(text: str, known: Iterable[str]) -> str:
    # Longest first, so "Ada Lovelace" is replaced whole before "Ada" is looked for.
    for value in sorted({value.strip() for value in known}, key=len, reverse=True):
        if len(value) < 2:
            continue
        words = r"\s+".join(re.escape(word) for word in value.split())
        pattern = re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)
        text = pattern.sub(EMAIL if "@" in value else NAME, text)
    return text


def _only_digits(text: str) -> str:
    return "".join(character for character in text if character.isdigit())


def _passes_luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = _only_digits(match.group())
    # Card numbers start with 2-6 (Mastercard 2-series, Amex/Diners, Visa, Mastercard, Discover).
    is_card = digits[0] in "23456" and _passes_luhn(digits)
    return CARD if is_card else match.group()


def _phone(match: re.Match[str]) -> str:
    return PHONE if 8 <= len(_only_digits(match.group())) <= 15 else match.group()


def _ipv6(match: re.Match[str]) -> str:
    candidate = match.group()
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return candidate
    groups = [group for group in candidate.split(":") if group]
    # "1::2" is a valid address but also slicing or a ratio; demand letters or more groups.
    looks_like_address = len(groups) >= 3 or (
        len(groups) == 2 and any(c.isalpha() for c in candidate)
    )
    return IP if looks_like_address else candidate
