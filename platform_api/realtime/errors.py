"""Errors of the WebSocket hub's transport: frames it does not read (hub.py has the protocol)."""

from core.errors import AppError


class UnsupportedFrame(AppError):
    """A binary frame: the hub speaks JSON text only."""

    status_code = 400
    code = "unsupported_frame"


class FrameTooLarge(AppError):
    """A text frame past the hub's limit: no valid frame is that long."""

    status_code = 413
    code = "frame_too_large"
