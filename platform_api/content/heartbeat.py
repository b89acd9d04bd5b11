"""The content runner's heartbeat: one small file per runner process under ``<data_dir>/run``.

A runner rewrites its file every few seconds from its event loop, so a fresh file whose process
exists says: a runner on this machine is alive and its loop turns. It does not say that its Ray
workers or the LLM answer (`wc status` checks the LLM itself).
"""

import asyncio
import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

BEAT_SECONDS = 5.0
# A beat older than this is a runner that stopped or hangs.
STALE_SECONDS = 3 * BEAT_SECONDS


@dataclass(frozen=True)
class Beat:
    pid: int
    age_seconds: float


def beat_file(run_dir: Path, pid: int) -> Path:
    return run_dir / f"content-runner-{pid}.json"


def write_beat(run_dir: Path) -> None:
    """Rewrite this process's file atomically (a reader never sees half of it)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = beat_file(run_dir, os.getpid())
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps({"pid": os.getpid(), "at": time.time()}))
    partial.replace(path)


async def beat_until(run_dir: Path, stop: asyncio.Event) -> None:
    """Beat until ``stop`` is set, then remove the file: a stopped runner is not alive."""
    try:
        while not stop.is_set():
            await asyncio.to_thread(write_beat, run_dir)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), BEAT_SECONDS)
    finally:
        beat_file(run_dir, os.getpid()).unlink(missing_ok=True)


def live_beats(run_dir: Path) -> list[Beat]:
    """The runners whose beat is fresh and whose process exists."""
    beats = []
    for path in run_dir.glob("content-runner-*.json"):
        try:
            content = json.loads(path.read_text())
            beat = Beat(int(content["pid"]), time.time() - float(content["at"]))
        except (OSError, ValueError, KeyError):
            continue
        if beat.age_seconds < STALE_SECONDS and _process_exists(beat.pid):
            beats.append(beat)
    return beats


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True
