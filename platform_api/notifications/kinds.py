"""The kinds of notification the platform sends, and the variables their templates may use.

A kind's templates are checked against ``variables`` when an admin saves one, so a template can
only name what every sender of that kind provides. ``configurable`` kinds appear on a person's
notification settings; account mail (a verification link, a parent's consent request) is always
e-mailed at once, and the digest is the e-mail that carries the others.
"""

from dataclasses import dataclass

# Every template may use these; e-mail templates also get ``unsubscribe_url`` (empty for account
# mail, which cannot be unsubscribed from).
COMMON_VARIABLES = frozenset({"recipient_name", "site_url", "unsubscribe_url"})
# What ``notify`` passes besides the kind's payload.
NOTICE_VARIABLES = frozenset({"title", "body"})


@dataclass(frozen=True)
class NotificationKind:
    name: str
    label: str
    variables: frozenset[str]
    configurable: bool = True

    @property
    def allowed_variables(self) -> frozenset[str]:
        return COMMON_VARIABLES | self.variables


def _notice(name: str, label: str, *payload: str) -> NotificationKind:
    return NotificationKind(name, label, NOTICE_VARIABLES | frozenset(payload))


# What a notification of a kind not listed here (a test's, a plugin's) is sent with.
GENERIC = _notice("notification", "Other notifications")
DIGEST = NotificationKind(
    "notification.digest",
    "Digest of e-mails held for you",
    frozenset({"items", "count", "period"}),
    configurable=False,
)
EMAIL_VERIFICATION = NotificationKind(
    "account.email_verification",
    "Confirm your e-mail address",
    frozenset({"link"}),
    configurable=False,
)
PARENTAL_CONSENT = NotificationKind(
    "account.parental_consent",
    "A parent's consent to a child's account",
    frozenset({"child_name", "link"}),
    configurable=False,
)

KINDS: dict[str, NotificationKind] = {
    kind.name: kind
    for kind in (
        _notice(
            "tutor.flagged_turn",
            "A learner's message to the tutor was flagged",
            "flag_id",
            "session_id",
            "turn_id",
            "course_id",
            "category",
        ),
        _notice("assessment_graded", "Your work was graded", "sitting_id", "grade_version"),
        _notice("assignment.due_soon", "An assignment is due soon", "assignment_id", "due_at"),
        _notice("proctor.reviewed", "A proctoring review of your exam", "sitting_id", "decision"),
        _notice("webhook.disabled", "A webhook of yours was disabled", "subscription_id", "url"),
        GENERIC,
        DIGEST,
        EMAIL_VERIFICATION,
        PARENTAL_CONSENT,
    )
}


def kind_of(name: str) -> NotificationKind:
    """The kind's definition; an unlisted kind is sent as a generic notification."""
    return KINDS.get(name, GENERIC)


def configurable_kinds() -> list[NotificationKind]:
    return [kind for kind in KINDS.values() if kind.configurable]
