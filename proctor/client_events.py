"""What the learner's browser reports on the data channel, checked before it becomes a signal.

A message is one JSON object, at most ``MAX_MESSAGE_BYTES``: ``{"type": "tab_hidden"}``. Types
come in pairs, one that starts a suspicion and one that ends it (``tab_hidden``/``tab_visible``,
``window_blur``/``window_focus``, ``fullscreen_exit``/``fullscreen_enter``,
``screen_extended``/``screen_single``, the last where the browser's Window Management API tells),
and ``copy`` and ``paste``, which are moments. The browser's clock is not trusted: a signal is
timed when the proctor receives it.
"""

import enum

from pydantic import BaseModel, ConfigDict, ValidationError

from proctor.signals import Signal, SignalKind, SignalStatus

MAX_MESSAGE_BYTES = 1024
ANALYSER = "client"


class ClientEventType(enum.StrEnum):
    TAB_HIDDEN = "tab_hidden"
    TAB_VISIBLE = "tab_visible"
    WINDOW_BLUR = "window_blur"
    WINDOW_FOCUS = "window_focus"
    FULLSCREEN_EXIT = "fullscreen_exit"
    FULLSCREEN_ENTER = "fullscreen_enter"
    COPY = "copy"
    PASTE = "paste"
    SCREEN_EXTENDED = "screen_extended"
    SCREEN_SINGLE = "screen_single"


class ClientEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ClientEventType


class InvalidClientEvent(ValueError):
    """A data-channel message that is not a client event: counted and ignored by the peer."""


_SUSPICIOUS, _OK = SignalStatus.SUSPICIOUS, SignalStatus.OK
_READING: dict[ClientEventType, tuple[SignalKind, SignalStatus]] = {
    ClientEventType.TAB_HIDDEN: (SignalKind.TAB_HIDDEN, _SUSPICIOUS),
    ClientEventType.TAB_VISIBLE: (SignalKind.TAB_HIDDEN, _OK),
    ClientEventType.WINDOW_BLUR: (SignalKind.WINDOW_BLUR, _SUSPICIOUS),
    ClientEventType.WINDOW_FOCUS: (SignalKind.WINDOW_BLUR, _OK),
    ClientEventType.FULLSCREEN_EXIT: (SignalKind.FULLSCREEN_EXIT, _SUSPICIOUS),
    ClientEventType.FULLSCREEN_ENTER: (SignalKind.FULLSCREEN_EXIT, _OK),
    ClientEventType.COPY: (SignalKind.COPY_PASTE, _SUSPICIOUS),
    ClientEventType.PASTE: (SignalKind.COPY_PASTE, _SUSPICIOUS),
    ClientEventType.SCREEN_EXTENDED: (SignalKind.SECOND_SCREEN, _SUSPICIOUS),
    ClientEventType.SCREEN_SINGLE: (SignalKind.SECOND_SCREEN, _OK),
}


def parse_client_event(message: str | bytes) -> ClientEvent:
    """The event a message carries; ``InvalidClientEvent`` for anything else (too long, not
    JSON, an unknown type, extra fields)."""
    # A str has at least as many bytes as characters: its length bounds it before encoding.
    if len(message) > MAX_MESSAGE_BYTES:
        raise InvalidClientEvent(f"message longer than {MAX_MESSAGE_BYTES} bytes")
    raw = message.encode() if isinstance(message, str) else message
    if len(raw) > MAX_MESSAGE_BYTES:
        raise InvalidClientEvent(f"message longer than {MAX_MESSAGE_BYTES} bytes")
    try:
        return ClientEvent.model_validate_json(raw)
    except ValidationError as error:
        raise InvalidClientEvent(str(error)) from error


def client_event_signal(event: ClientEvent, at: float) -> Signal:
    """The signal an event stands for, at ``at`` seconds of the session's media time."""
    kind, status = _READING[event.type]
    return Signal(
        analyser=ANALYSER, at=at, status=status, kind=kind, detail={"event": event.type.value}
    )
