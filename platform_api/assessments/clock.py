"""The server's clock, the only time sittings are judged by (never the client's).

Routes take ``Now`` and the deadline sweeper takes a clock function, so a test can move time
forward (``app.dependency_overrides[server_now]``) instead of sleeping through an exam.
"""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends


def server_now() -> datetime:
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(server_now)]
