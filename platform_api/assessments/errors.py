"""The assessments domain's own refusals, each a 409 or 422 with a stable code of its own.

A client (the exam page, a retrying mobile app) tells these apart by ``code``: a closed sitting
is final, an exam that is not open yet is worth retrying later.
"""

from core.errors import Conflict, ValidationFailed


class SittingClosed(Conflict):
    """The sitting was submitted, or its server deadline passed: nothing more is accepted."""

    code = "sitting_closed"


class OutsideWindow(Conflict):
    """The assignment is not open for this learner now (before its window, or after it)."""

    code = "outside_window"


class AttemptsExhausted(Conflict):
    code = "attempts_exhausted"


class SittingAlreadyOpen(Conflict):
    """The learner already has an open sitting of this assignment, or of another exam."""

    code = "sitting_already_open"


class SittingNotReopenable(Conflict):
    code = "sitting_not_reopenable"


class InvalidAnswer(ValidationFailed):
    """The answer does not fit the item: an unknown option key, a number that is not one."""

    code = "invalid_answer"


class ItemNotInSitting(ValidationFailed):
    code = "item_not_in_sitting"
