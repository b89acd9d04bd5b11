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
from click.testing import Result
from sqlalchemy import func, select
from typer.testing import CliRunner

from core.infra.objects import ObjectStore
from platform_api.cli import app
from platform_api.proctor.models import ProctorEvent, ProctoringSession
from platform_api.proctor.privacy.purge import PurgeCounts, RetentionPolicy, purge_due
from platform_api.proctor.privacy.scheduled import purge_and_log
from proctor.signals import SignalKind
from proctor.timeline import Severity
from serving.proctoring.evidence import evidence_prefix
from tests.assessments.factory import created, set_clock
from tests.fixtures.app import Account, Api
from tests.fixtures.servers import S3Server
from tests.proctoring.conftest import s3_settings
from tests.proctoring.factory import (
    ProctoredExam,
    decide,
    proctored_exam,
    ready_to_stream,
    report,
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


async def _decide(
    api: Api, reviewer: Account, sitting: Proctored, decision: str, version: int, at: datetime
) -> datetime:
    """A review decision made at ``at`` (the server's clock moved there); its time."""
    set_clock(api, at)
    try:
        decided = await decide(api, reviewer, sitting.sitting_id, decision, version)
    finally:
        set_clock(api, None)
    assert decided.status_code == 201, decided.text
    return datetime.fromisoformat(decided.json()["decided_at"])


async def test_evidence_goes_30_days_after_the_final_decision_and_never_under_appeal(
    s3_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    api = s3_api
    proctored = await proctored_exam(api, learners=3)
    clean, appealed, unreviewed = await _ended_sittings(api, proctored)
    teacher, now = proctored.room.teacher, datetime.now(UTC)
    decided = await _decide(api, teacher, clean, "clean", 0, now)
    await _decide(api, teacher, appealed, "violation", 0, now)
    await created(
        api,
        appealed.learner,
        f"/api/v1/proctor/sittings/{appealed.sitting_id}/appeal",
        {"reason": "I was reading the question aloud."},
    )

    assert await _purge(api, decided + 29 * DAY) == PurgeCounts()
    for sitting in (clean, appealed, unreviewed):
        assert await _kept(api, sitting) == (3, 3, None)

    day_31 = decided + 31 * DAY
    with caplog.at_level("INFO", logger="platform_api.proctor.privacy.scheduled"):
        caplog.clear()  # the app's own run at its start
        await purge_and_log(api.stores, day_31)  # the scheduled job's run
    [line] = [r for r in caplog.records if r.getMessage() == "proctor evidence purge"]
    assert (line.sessions, line.keyframes, line.events) == (1, 3, 3)  # type: ignore[attr-defined]
    assert await _kept(api, clean) == (0, 0, day_31)
    assert await _kept(api, appealed) == (3, 3, None), "an open appeal holds the evidence"
    assert await _kept(api, unreviewed) == (3, 3, None)
    shown = (await report(api, teacher, clean.sitting_id)).json()
    [session] = shown["sessions"]
    assert (session["summary"], datetime.fromisoformat(session["purged_at"])) == (SUMMARY, day_31)
    assert [e for e in shown["entries"] if e["source"] != "tutor"] == []
    assert shown["severity_counts"] == {"high": 1, "medium": 1, "low": 1}
    assert [d["decision"] for d in shown["decisions"]] == ["clean"], "decisions stay"
    assert await _purge(api, day_31) == PurgeCounts(), "a re-run is a no-op"

    # The second review settles the appeal: the 30 days count from it.
    second = await _decide(api, await api.account("admin"), appealed, "clean", 1, now + 5 * DAY)
    assert await _purge(api, second + 29 * DAY) == PurgeCounts()
    assert (await _purge(api, second + 31 * DAY)).sessions == 1
    assert await _kept(api, appealed) == (0, 0, second + 31 * DAY)
    # Nobody reviewed the third: 90 days after its end.
    assert await _kept(api, unreviewed) == (3, 3, None)
    assert (await _purge(api, now + 91 * DAY)).sessions == 1
    assert (await _kept(api, unreviewed))[:2] == (0, 0)


async def test_wc_proctor_purge_counts_then_purges(
    s3_api: Api, database_url_for_test: str, s3_server: S3Server
) -> None:
    api = s3_api
    proctored = await proctored_exam(api, learners=1)
    [sitting] = await _ended_sittings(api, proctored)
    month_ago = datetime.now(UTC) - 31 * DAY
    await _decide(api, proctored.room.teacher, sitting, "clean", 0, month_ago)
    settings = {"database_url": database_url_for_test, **s3_settings(s3_server)}
    env = {f"WC_{name.upper()}": value for name, value in settings.items()}

    async def wc(*args: str) -> Result:  # in-process: a `wc` process takes seconds to import
        return await asyncio.to_thread(CliRunner().invoke, app, ["proctor", *args], env=env)

    dry = await wc("purge", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.strip() == "Due for purging: 1 sessions, 3 keyframes, 3 events"
    assert await _kept(api, sitting) == (3, 3, None)
    done = await wc("purge")
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == "Purged: 1 sessions, 3 keyframes, 3 events"
    keyframes, events, purged_at = await _kept(api, sitting)
    assert (keyframes, events) == (0, 0) and purged_at is not None


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
