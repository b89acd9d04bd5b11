"""The purge of proctoring evidence, on the tests' S3 server and real rows, with an injected
clock: nothing before the retention has passed, keyframes and events gone after it with their
summary left, an open appeal holding everything, an interrupted run finished by the next, and
concurrent runs never purging a session twice."""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from core.infra.objects import ObjectStore
from platform_api.proctor.models import ProctorEvent, ProctoringSession
from platform_api.proctor.privacy.purge import PurgeCounts, RetentionPolicy, purge_due
from proctor.signals import SignalKind
from proctor.timeline import Severity
from serving.proctoring.evidence import evidence_prefix
from tests.fixtures.app import Account, Api
from tests.proctoring.factory import (
    ProctoredExam,
    proctored_exam,
    ready_to_stream,
    submitted,
)
from tests.proctoring.recorded import Staged, record_staged

DAY = timedelta(days=1)
STAGED = [
    Staged(SignalKind.FACE_ABSENT, Severity.HIGH, keyframes=2),
    Staged(SignalKind.LOOKING_AWAY, Severity.MEDIUM, keyframes=1),
    Staged(SignalKind.TAB_HIDDEN, Severity.LOW, keyframes=0, analyser="client"),
]
SUMMARY = [
    {"kind": "face_absent", "severity": "high", "events": 1, "keyframes": 2},
    {"kind": "looking_away", "severity": "medium", "events": 1, "keyframes": 1},
    {"kind": "tab_hidden", "severity": "low", "events": 1, "keyframes": 0},
]


@dataclass(frozen=True)
class Proctored:
    """An ended sitting whose session recorded ``STAGED`` (3 events, 3 keyframes)."""

    learner: Account
    sitting_id: str
    session_id: str

    @property
    def prefix(self) -> str:
        return evidence_prefix(uuid.UUID(self.session_id).hex)


async def _ended_sittings(api: Api, proctored: ProctoredExam) -> list[Proctored]:
    ended = []
    for learner in proctored.room.learners:
        ready = await ready_to_stream(api, proctored, learner)
        sitting_id, session_id = ready["sitting"]["id"], ready["session"]["id"]
        await record_staged(api, uuid.UUID(session_id), STAGED)
        await submitted(api, learner, sitting_id, session_id)
        ended.append(Proctored(learner, sitting_id, session_id))
    return ended


async def _purge(api: Api, now: datetime, objects: ObjectStore | None = None) -> PurgeCounts:
    policy = RetentionPolicy.from_settings(api.settings)
    return await purge_due(api.stores.database, objects or api.stores.objects, policy, now)


async def _kept(api: Api, sitting: Proctored) -> tuple[int, int, datetime | None]:
    """(keyframes in the store, event rows, purged_at) of the sitting's session."""
    keys = await api.stores.objects.list_keys(sitting.prefix)
    session_id = uuid.UUID(sitting.session_id)
    async with api.stores.database.session() as session:
        events = await session.scalar(
            select(func.count()).where(ProctorEvent.session_id == session_id)
        )
        record = await session.get(ProctoringSession, session_id)
    assert record is not None
    return len(keys), int(events or 0), record.purged_at


class ProcessDied(Exception):
    """The purging process stopped right after the store deleted a session's keyframes."""


class DiesAfterDeleting:
    """The real object store, in a process that dies after its first prefix deletion."""

    def __init__(self, store: ObjectStore) -> None:
        self._store = store

    async def delete_prefix(self, prefix: str) -> int:
        await self._store.delete_prefix(prefix)
        raise ProcessDied(prefix)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


async def test_an_interrupted_purge_is_finished_later_and_concurrent_runs_share_it(
    s3_api: Api,
) -> None:
    api = s3_api
    sittings = await _ended_sittings(api, await proctored_exam(api, learners=3))
    unreviewed_due = datetime.now(UTC) + 91 * DAY  # never reviewed: 90 days after the end
    assert await _purge(api, unreviewed_due - 2 * DAY) == PurgeCounts()

    dying: Any = DiesAfterDeleting(api.stores.objects)
    with pytest.raises(ProcessDied):
        await _purge(api, unreviewed_due, dying)
    kept = [await _kept(api, sitting) for sitting in sittings]
    assert sorted(kept) == [(0, 3, None), (3, 3, None), (3, 3, None)], "rows untouched"

    runs = await asyncio.gather(_purge(api, unreviewed_due), _purge(api, unreviewed_due))

    assert sum(run.sessions for run in runs) == 3, "each session purged exactly once"
    assert sum(run.events for run in runs) == 9
    assert sum(run.keyframes for run in runs) == 6, "the dead run's deletions are not redone"
    for sitting in sittings:
        assert await _kept(api, sitting) == (0, 0, unreviewed_due)
        shown = await api.client.get(
            f"/api/v1/proctor/sessions/{sitting.session_id}", headers=sitting.learner.headers
        )
        body = shown.json()
        assert (body["events"], body["summary"]) == ([], SUMMARY)
        assert datetime.fromisoformat(body["purged_at"]) == unreviewed_due
    assert await _purge(api, unreviewed_due + DAY) == PurgeCounts(), "a re-run is a no-op"
