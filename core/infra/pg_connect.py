"""Opening a PostgreSQL connection: a hung attempt is abandoned early and tried again.

asyncpg waits 60 s for a connection by default, and one attempt that hangs (a dropped SYN under
load, a starved server, a restarting proxy) then fails the request or job that needed it. Here an
attempt gets ``ATTEMPT_SECONDS``, and a timed-out or refused one is retried after a short pause,
``ATTEMPTS`` times in all; any other error (bad password, missing database) is raised at once.
"""

import asyncio
import logging

import asyncpg
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

ATTEMPT_SECONDS = 15.0
ATTEMPTS = 3
PAUSE_SECONDS = 1.0


def driver_dsn(url: str) -> str:
    """The asyncpg DSN of a SQLAlchemy URL (``postgresql+asyncpg://…`` → ``postgresql://…``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def connect(url: str) -> asyncpg.Connection:
    """A connection to ``url`` (SQLAlchemy or libpq form), retried as the module says."""
    dsn = driver_dsn(url)
    for attempt in range(1, ATTEMPTS):
        try:
            return await asyncpg.connect(dsn, timeout=ATTEMPT_SECONDS)
        except (TimeoutError, OSError) as error:
            logger.warning(
                "postgres connection attempt failed; trying again",
                extra={"attempt": attempt, "error": repr(error)},
            )
            await asyncio.sleep(PAUSE_SECONDS * attempt)
    return await asyncpg.connect(dsn, timeout=ATTEMPT_SECONDS)
