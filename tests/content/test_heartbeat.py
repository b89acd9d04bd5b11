"""The content runner's heartbeat: what `wc status` and `wc run` call a live runner."""

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from platform_api.content.heartbeat import (
    STALE_SECONDS,
    beat_file,
    beat_until,
    live_beats,
    write_beat,
)


def test_a_fresh_beat_of_a_live_process_is_live_until_it_stops(tmp_path: Path) -> None:
    write_beat(tmp_path)
    assert [beat.pid for beat in live_beats(tmp_path)] == [os.getpid()]

    async def stop_beating() -> None:
        stop = asyncio.Event()
        stop.set()
        await beat_until(tmp_path, stop)

    asyncio.run(stop_beating())
    assert live_beats(tmp_path) == []  # a stopped runner removes its file


def test_a_stale_beat_or_a_dead_process_is_not_live(tmp_path: Path) -> None:
    exited = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(exited.stdout)
    beat_file(tmp_path, dead_pid).write_text(json.dumps({"pid": dead_pid, "at": time.time()}))
    old = time.time() - STALE_SECONDS - 1
    beat_file(tmp_path, os.getpid()).write_text(json.dumps({"pid": os.getpid(), "at": old}))
    beat_file(tmp_path, 1).write_text("{half a file")
    assert live_beats(tmp_path) == []
