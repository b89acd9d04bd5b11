"""Runs content jobs on Ray: claims topics from PostgreSQL and hands them to worker actors.

The runner (``wc content runner``, or ``wc generate`` for its own job) is the driver; workers are
Ray actors, so on a cluster they spread over its nodes unchanged. All state lives in PostgreSQL:
a killed worker is restarted by Ray and its topic queued again; a killed runner leaves leases
that expire, after which the next runner claims those topics. Results are stored under the lease,
so a topic is never stored twice.

Ray does not always fail the tasks a killed worker held: now and then one never resolves (seen
in the fault tests), which held its topic, renewed forever, in a dead worker. So the runner also
asks each worker for its process id every few seconds; a new one means Ray restarted it, and the
topics sent to the old process are queued again. A worker killed in its constructor loses
nothing: Ray hands its new process the topics queued for the old one. A Ray that does not start
(its local start times out on a loaded machine) is tried again with back-off; the topics wait
unclaimed.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.backoff import exponential_delay
from core.infra.database import Database, database_unavailable
from platform_api.content import store
from platform_api.content.worker import LlmUnavailable, TopicOutcome, TopicWorker, WorkerConfig
from serving.ray_runtime import start_ray, stop_ray

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5
# An idle runner holds no Ray: it checks the database this often for work.
IDLE_POLL_SECONDS = 2.0
DATABASE_RETRY_SECONDS = 2.0
# Back-off while the LLM is unreachable: no topic is claimed until it has passed.
LLM_RETRY_BASE_SECONDS = 2.0
LLM_RETRY_MAX_SECONDS = 60.0
# Back-off while Ray does not start (a local start times out now and then on a loaded machine; a
# cluster may be unreachable): the runner stays up and tries again.
RAY_RETRY_BASE_SECONDS = 5.0
RAY_RETRY_MAX_SECONDS = 120.0
MAX_REASON_CHARS = 2000
# How often each worker is asked for its process id (a new one: Ray restarted it).
INCARNATION_CHECK_SECONDS = 5.0
# The niceness of a local Ray's workers, as `wc serve`'s (whose Ray `wc run`'s runner joins). At
# Ray's default, 15, the 20-topic test job took 187 s against 82 s at 0 (Intel Xeon, 2 cores): the
# workers' own CPU work waited on the LLM engine beside them instead of sharing the cores.
WORKER_NICENESS = 0
# The actor's second concurrency group: its process id is answered while topics fill the first.
HEALTH_GROUP = "health"


def reason_of(error: BaseException) -> str:
    """What went wrong in a worker, in one line: the original exception, not Ray's wrapping of
    it (its remote traceback, in colour, runs to kilobytes)."""
    cause = getattr(error, "cause", None) or error
    return f"{type(cause).__name__}: {cause}"[:MAX_REASON_CHARS]


@dataclass(frozen=True)
class InFlight:
    """A topic sent to worker ``worker`` at ``sent_at`` (monotonic seconds)."""

    claim: store.Claim
    ref: Any
    worker: int
    sent_at: float


@dataclass(frozen=True)
class Ping:
    """A question for worker ``worker``'s process id, sent at ``sent_at``."""

    worker: int
    sent_at: float
    answer: "asyncio.Future[int]"


def forget(future: "asyncio.Future[Any]") -> None:
    """Drop a future nobody will read: its outcome is consumed when it comes, so that asyncio
    does not log an exception never retrieved (a dead worker's tasks fail late)."""
    future.add_done_callback(lambda done: done.cancelled() or done.exception())


def lost_to_restart(in_flight: Iterable[InFlight], ping: Ping) -> list[InFlight]:
    """The topics a restarted worker lost: those sent to it before the ping its new process
    answered. A topic sent later may be queued for the new process; it is left to finish."""
    return [s for s in in_flight if s.worker == ping.worker and s.sent_at < ping.sent_at]


class ContentRunner:
    def __init__(
        self,
        database: Database,
        config: WorkerConfig,
        *,
        ray_address: str = "",
        only_job: uuid.UUID | None = None,
        ray_logs: Path | None = None,
    ) -> None:
        self._database = database
        self._ray_logs = ray_logs
        self._config = config
        self._settings = config.content
        self._ray_address = ray_address
        self._only_job = only_job
        self._workers: list[Any] = []
        self._load: dict[int, int] = {}
        self._in_flight: dict[asyncio.Future[Any], InFlight] = {}
        # Workers Ray is restarting after they died, each with a readiness probe: nothing is sent
        # to them meanwhile (it would fail at once and use up a topic's attempts).
        self._restarting: dict[int, Ping] = {}
        # Each worker's process id as it last answered, and the questions not yet answered.
        self._pids: dict[int, int] = {}
        self._pings: dict[int, Ping] = {}
        self._pinged = 0.0
        self.finished_jobs: set[uuid.UUID] = set()
        self._llm_failures = 0
        self._paused_until = 0.0
        self._ray_failures = 0

    @property
    def capacity(self) -> int:
        return self._settings.workers * self._settings.items_per_worker

    def start_workers(self) -> None:
        start_ray(self._ray_address, logs_link=self._ray_logs, worker_niceness=WORKER_NICENESS)
        import ray  # after start_ray: a local Ray's loopback switch is read at import

        # Ray's overloads do not list concurrency_groups, which .options() refuses.
        remote = ray.remote(concurrency_groups={HEALTH_GROUP: 1})  # type: ignore[call-overload]
        actor = remote(TopicWorker).options(
            max_concurrency=self._settings.items_per_worker,
            max_restarts=-1,
            max_task_retries=0,
            num_cpus=1,
        )
        self._workers = [actor.remote(self._config) for _ in range(self._settings.workers)]
        self._load = dict.fromkeys(range(len(self._workers)), 0)
        logger.info("content workers started", extra={"workers": len(self._workers)})

    async def _start_workers_or_wait(self) -> bool:
        """Start Ray and the workers; when that fails, say so, wait, and return False (the next
        turn tries again, while the topics wait in the database, unclaimed)."""
        try:
            await asyncio.to_thread(self.start_workers)
        except Exception as error:
            self._ray_failures += 1
            delay = exponential_delay(
                self._ray_failures, RAY_RETRY_BASE_SECONDS, RAY_RETRY_MAX_SECONDS
            )
            logger.warning(
                "ray did not start; trying again in %.0f s",
                delay,
                extra={"attempt": self._ray_failures, "error": reason_of(error)[:300]},
            )
            await asyncio.to_thread(stop_ray)
            await asyncio.sleep(delay)
            return False
        self._ray_failures = 0
        return True

    async def run(
        self,
        *,
        until: Callable[[set[uuid.UUID]], bool] | None = None,
        stop: asyncio.Event | None = None,
    ) -> None:
        """Work until ``until(finished job ids)`` is true or ``stop`` is set.

        Ray and the workers start with the first topic to claim: a runner beside an API that
        nobody submits jobs to costs a database query every few seconds, nothing more.
        """
        renewed = time.monotonic()
        try:
            while not (stop and stop.is_set()):
                try:
                    renewed = await self._turn(renewed)
                except Exception as error:
                    if not database_unavailable(error):
                        raise
                    # A restart or failover of PostgreSQL: leases keep the topics in flight
                    # ours, and a result not recorded is generated again after its lease ends.
                    logger.warning(
                        "database unavailable; the runner waits and goes on",
                        extra={"error": str(error)[:300]},
                    )
                    await asyncio.sleep(DATABASE_RETRY_SECONDS)
                    continue
                if until and until(self.finished_jobs):
                    return
        finally:
            await self._abandon_in_flight()

    async def _turn(self, renewed: float) -> float:
        """One pass: claim, send, collect, renew leases; when the leases were last renewed."""
        if not self._workers:
            if not await store.has_claimable(self._database):
                await self._close_finished_jobs()
                await asyncio.sleep(IDLE_POLL_SECONDS)
                return renewed
            if not await self._start_workers_or_wait():
                return renewed
        await self._check_incarnations()  # first: a worker's first question precedes its topics
        await self._fill()
        await self._cancel_requested()
        await self._collect()
        if time.monotonic() - renewed > self._settings.lease_seconds / 3:
            claims = [sent.claim for sent in self._in_flight.values()]
            await store.renew_leases(self._database, claims, self._settings.lease_seconds)
            renewed = time.monotonic()
        await self._close_finished_jobs()
        return renewed

    async def _fill(self) -> None:
        ready = self._ready_workers()
        free = len(ready) * self._settings.items_per_worker - len(self._in_flight)
        if not ready or free <= 0 or time.monotonic() < self._paused_until:
            return
        claims = await store.claim_topics(
            self._database,
            free,
            self._settings.lease_seconds,
            self._settings.tenant_max_running,
            self._only_job,
        )
        for claim in claims:
            index = min(ready, key=self._load.__getitem__)
            ref = self._workers[index].generate.remote(claim)
            sent = InFlight(claim, ref, index, time.monotonic())
            self._in_flight[asyncio.wrap_future(ref.future())] = sent
            self._load[index] += 1

    async def _collect(self) -> None:
        if not self._in_flight:
            await asyncio.sleep(POLL_SECONDS)
            return
        done, _ = await asyncio.wait(
            self._in_flight, timeout=POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
        for future in done:
            sent = self._in_flight.pop(future)
            self._load[sent.worker] -= 1
            await self._settle(sent.claim, future, sent.worker)

    async def _check_incarnations(self) -> None:
        """Read the workers' answers, then ask again every ``INCARNATION_CHECK_SECONDS``."""
        for pings in (self._restarting, self._pings):
            for index, ping in list(pings.items()):
                if not ping.answer.done():
                    continue
                del pings[index]
                if ping.answer.cancelled() or ping.answer.exception() is not None:
                    if pings is self._restarting:
                        self._watch_restart(index)  # still restarting: ask again
                    continue  # it died: its topics fail, or the next answer shows it
                await self._answered(ping, ping.answer.result())
        if time.monotonic() - self._pinged < INCARNATION_CHECK_SECONDS:
            return
        self._pinged = time.monotonic()
        for index in self._ready_workers():
            if index not in self._pings:  # one question at a time: an unread one would be lost
                self._pings[index] = self._ping(index)

    async def _answered(self, ping: Ping, pid: int) -> None:
        """A new process id: Ray restarted the worker, and what it held before is lost."""
        if pid == self._pids.get(ping.worker):
            return
        self._pids[ping.worker] = pid
        lost = lost_to_restart(self._in_flight.values(), ping)
        for future, sent in list(self._in_flight.items()):
            if sent in lost:
                logger.warning(
                    "content worker restarted; topic queued again",
                    extra={"topic_id": str(sent.claim.topic_id), "worker": sent.worker},
                )
                del self._in_flight[future]
                forget(future)
                self._load[sent.worker] -= 1
                await store.release(self._database, sent.claim, "its worker died")

    def _ping(self, index: int) -> Ping:
        """Ask worker ``index`` for its process id (answered beside its running topics)."""
        ref = self._workers[index].process_id.options(concurrency_group=HEALTH_GROUP).remote()
        return Ping(index, time.monotonic(), asyncio.wrap_future(ref.future()))

    def _watch_restart(self, index: int) -> None:
        """Hold worker ``index`` back until Ray has restarted it (``max_restarts=-1``): until
        its new process answers with its id."""
        if index not in self._restarting:
            if (pending := self._pings.pop(index, None)) is not None:
                forget(pending.answer)
            self._restarting[index] = self._ping(index)

    def _ready_workers(self) -> list[int]:
        """Workers that may take topics: those not restarting."""
        return [index for index in self._load if index not in self._restarting]

    async def _settle(self, claim: store.Claim, future: asyncio.Future[Any], index: int) -> None:
        from ray.exceptions import RayActorError, TaskCancelledError

        try:
            outcome: TopicOutcome = future.result()
        except LlmUnavailable as error:
            await self._llm_unavailable(claim, error)
            return
        except (TaskCancelledError, asyncio.CancelledError):
            await store.cancel_topic(self._database, claim)
            return
        except RayActorError as error:
            logger.warning(
                "content worker died; topic queued again",
                extra={"topic_id": str(claim.topic_id), "error": str(error)[:300]},
            )
            self._watch_restart(index)
            await store.release(self._database, claim, "its worker died")
            return
        except Exception as error:  # the graph raised: the database unreachable, a bug
            logger.exception("topic failed in its worker", extra={"topic_id": str(claim.topic_id)})
            await store.release(self._database, claim, reason_of(error))
            return
        self._llm_failures = 0
        logger.info("topic generated", extra=outcome.model_dump(mode="json"))

    async def _llm_unavailable(self, claim: store.Claim, error: Exception) -> None:
        self._llm_failures += 1
        delay = exponential_delay(self._llm_failures, LLM_RETRY_BASE_SECONDS, LLM_RETRY_MAX_SECONDS)
        self._paused_until = time.monotonic() + delay
        logger.warning(
            "the LLM is unreachable; topic queued again, claiming paused for %.0f s "
            "(check WC_LLM_BASE_URL and the LLM application)",
            delay,
            extra={"topic_id": str(claim.topic_id), "error": reason_of(error)},
        )
        await store.release(self._database, claim, reason_of(error), count_attempt=False)

    async def _cancel_requested(self) -> None:
        import ray

        if not self._in_flight:
            return
        cancelling = await store.cancelling_jobs(self._database)
        for sent in self._in_flight.values():
            if sent.claim.job_id in cancelling:
                ray.cancel(sent.ref)

    async def _close_finished_jobs(self) -> None:
        for job_id in await store.finish_jobs(self._database):
            logger.info("content job finished", extra={"job_id": str(job_id)})
            self.finished_jobs.add(job_id)

    async def _abandon_in_flight(self) -> None:
        """On stop, hand unfinished topics back at once rather than when their leases expire."""
        import ray

        for future, sent in list(self._in_flight.items()):
            ray.cancel(sent.ref)
            future.cancel()
            await store.release(self._database, sent.claim, "its runner stopped")
        self._in_flight.clear()
