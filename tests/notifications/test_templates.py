"""The shipped templates: one per kind in the default locale, each within its kind's variables,
and each renders; the sandbox keeps a template away from Python's internals."""

import pytest
from jinja2.exceptions import SecurityError

from platform_api.notifications.kinds import KINDS, NotificationKind
from platform_api.notifications.templates import (
    DEFAULT_LOCALE,
    TemplateParts,
    check_template,
    locale_candidates,
    render,
    shipped_template,
)

SAMPLE = {
    "items": [{"kind": "k", "subject": "One", "body": "First line\nsecond line"}],
    "count": 1,
    "period": "daily",
}


@pytest.mark.parametrize("kind", KINDS.values(), ids=lambda kind: kind.name)
def test_every_kind_ships_a_template_that_checks_and_renders(kind: NotificationKind) -> None:
    parts = shipped_template(kind.name, DEFAULT_LOCALE)
    assert parts is not None
    check_template(kind, parts)
    variables = {name: f"<{name}>" for name in kind.allowed_variables} | {
        key: value for key, value in SAMPLE.items() if key in kind.allowed_variables
    }
    message = render(parts, variables)
    assert message.subject and "\n" not in message.subject
    assert message.text.endswith("\n") and "<" in message.text
    if message.html is not None:
        assert "&lt;body&gt;" in message.html  # the HTML part escapes what it is given


def test_locales_fall_back_to_the_language_then_the_default() -> None:
    assert locale_candidates("de-AT") == ["de-AT", "de", "en"]
    assert locale_candidates("en") == ["en"]


def test_the_sandbox_refuses_python_internals() -> None:
    escape = TemplateParts("{{ title.__class__.__mro__ }}", "x")
    with pytest.raises(SecurityError):
        render(escape, {"title": "t"})
