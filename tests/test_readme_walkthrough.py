"""The README's copy-paste walk-through works, run as written against ``wc run``, which also
serves the web client (built by ``make run`` and ``make test``) at / and its deep links."""

import os
import re
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.fixtures.postgres import free_port
from tests.fixtures.servers import http_answers, start_process, wait_until

README = Path(__file__).resolve().parents[1] / "README.md"
READY_SECONDS = 120
SHUTDOWN_SECONDS = 120


def walkthrough_script() -> str:
    text = README.read_text()
    section = text[text.index("## A first walk through the API") :]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match, "the README lost its walk-through"
    return match.group(1)


@pytest.mark.slow
def test_readme_walkthrough(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "WC_DATA_DIR": str(tmp_path),
        "WC_PORT": str(port),
        "WC_DATABASE_URL": "",
        "WC_SERVE_LLM": "false",
        "WC_CONTENT_RUNNER": "false",
        "WC_MLFLOW_UI_PORT": str(free_port()),
    }
    log = tmp_path / "wc-run.log"
    server = start_process([str(Path(sys.executable).with_name("wc")), "run"], log, env=env)
    try:
        ready = f"http://127.0.0.1:{port}/readyz"
        wait_until(lambda: http_answers(ready), server, "wc run", READY_SECONDS, log)
        script = walkthrough_script().replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=120
        )
        # The web client `make run` builds is served at / and at its deep links.
        for path in ("/", f"/courses/{uuid.uuid4()}/lessons/{uuid.uuid4()}"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as page:
                assert page.status == 200 and '<div id="root">' in page.read().decode()
    finally:
        server.terminate()
        # Publishing the lesson embeds it in a worker thread, which the process joins before
        # it exits; on a machine loaded by the rest of the suite loading the encoder alone took
        # over 30 s once (idle: the process exits within 2 s).
        server.wait(SHUTDOWN_SECONDS)
    assert result.returncode == 0, result.stderr
    assert '"error"' not in result.stdout, result.stdout
    assert '"status":"published"' in result.stdout
    assert '"total":1' in result.stdout
