"""The whole platform, started through ``wc run`` (the ``make run`` code path: the API, the local
LLM application and the content runner), inside a network namespace of its own that looks like a
machine on a network: loopback plus an interface with the address 192.0.2.2 and a default route
through it (a veth pair whose peer stays in the namespace, so nothing can leave). There Ray and
vLLM would pick 192.0.2.2 as "their" address, as they do on a laptop on Wi-Fi.

One start serves every test here: start-up needs no address outside 127.0.0.0/8, every TCP
and UDP socket of the namespace stays on loopback (one documented exception) while a content job
runs and while a learner's webcam streams a proctored sitting to the proctor over WebRTC, the
console says when each part is ready and nothing else, and ``wc status`` reports on the running
instance.
"""

import fcntl
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import termios
import textwrap
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from core.processes import stop_process
from serving.ray_runtime import LOCAL_RAY_SWITCHES
from tests.fixtures.llm import prepared_bundled_model
from tests.fixtures.namespace_sockets import Socket, watch_sockets

WC = str(Path(sys.executable).with_name("wc"))
ROOT = Path(__file__).resolve().parents[1]
API_PORT, LLM_PORT = 8000, 8001  # the namespace is empty: the default ports are free
API_URL = f"http://127.0.0.1:{API_PORT}"
SITTING_TIMEOUT_SECONDS = 150
EXAM_TIMEOUT_SECONDS = 300
START_TIMEOUT_SECONDS = 480
NAMESPACE_SETUP = (
    "ip link set lo up"
    " && ip link add veth0 type veth peer name veth1"
    " && ip addr add 192.0.2.2/24 dev veth0"
    " && ip link set veth1 up && ip link set veth0 up"
    " && ip route add default via 192.0.2.1 dev veth0"
    ' && exec "$0" run'
)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
# Lines that only Ray, Serve, vLLM or a library's warning would print.
FOREIGN_MARKERS = re.compile(
    r"pid=|ray::|raylet|Serve|vLLM|vllm|Triton|Deployment|RuntimeDirWarning|Warning:|"
    r"authentication_token|INFO \d|WARNING \d"
)
# Ray Serve 2.60 binds each replica's inter-deployment gRPC server to "[::]:0" in code
# (ray/serve/_private/replica.py, _on_initialized), with no setting (docs/scaling.md).
SERVE_REPLICA = "ray::ServeReplica:"
PROCTOR_REPLICA = "ProctorHost"  # in its replica's process title
SERVE_DEPLOYMENTS = {"WaterClassroomIngress", "LLMServer", PROCTOR_REPLICA}
# What Serve's controller logs when a replica fails or stops, and what the raylet's memory monitor
# logs when it kills workers (not its periodic state dumps, which mention memory too).
REPLICA_TROUBLE = re.compile(
    r"WARNING|ERROR|Stopping Replica|Killing \d+ worker|OOM kill reason|Selected to kill"
)


@dataclass
class Instance:
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    data_dir: Path
    console: bytearray

    def console_text(self) -> str:
        """The lines a person sees: a line rewritten after a carriage return (a spinner) shows
        its last state only."""
        text = ANSI.sub("", bytes(self.console).decode(errors="replace"))
        return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in text.split("\n"))

    def inside(self, *command: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        """Run ``command`` in the instance's network namespace."""
        return subprocess.run(
            self._entering(command),
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=180,
        )

    def spawn_inside(
        self, command: list[str], stdout: IO[str], stderr: IO[str], **extra_env: str
    ) -> subprocess.Popen[str]:
        """Start ``command`` in the instance's network namespace; it runs on meanwhile."""
        return subprocess.Popen(
            self._entering(command),
            env={**self.env, **extra_env},
            stdout=stdout,
            stderr=stderr,
            text=True,
        )

    def _entering(self, command: Sequence[str]) -> list[str]:
        return ["nsenter", f"--target={self.process.pid}", "--net", "--", *command]

    def replica_trouble(self) -> str:
        """What the LLM application's Serve controller and raylet logged about replicas stopped,
        failing their health checks or killed for memory: why a listener was not seen."""
        logs = (self.data_dir / "logs" / "ray-llm").resolve()
        found = [
            f"{path.name}: {line}"
            for path in [*sorted(logs.glob("serve/controller_*.log")), logs / "raylet.out"]
            if path.exists()
            for line in path.read_text(errors="replace").splitlines()
            if REPLICA_TROUBLE.search(line)
        ]
        return "\n".join(found[-40:]) or "(nothing logged about replicas)"


def _can_unshare() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


def _read_terminal(master: int, into: bytearray) -> None:
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed: every process holding it exited
            return
        if not chunk:
            return
        into.extend(chunk)


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    """``wc run`` on a pseudo-terminal (what a person sees) in its own network namespace."""
    if not _can_unshare():
        pytest.fail("unshare -n is not available: run the suite as root (CI does)")
    data_dir = tmp_path_factory.mktemp("instance") / "data"
    env = {
        # Without the test process's own loopback switches: `wc run` must set them itself.
        **{k: v for k, v in os.environ.items() if k not in LOCAL_RAY_SWITCHES},
        "TERM": "xterm-256color",
        "WC_DATA_DIR": str(data_dir),
        "WC_PORT": str(API_PORT),
        "WC_SERVE_PORT": str(LLM_PORT),
        "WC_LLM_BASE_URL": f"http://127.0.0.1:{LLM_PORT}/v1",
        "WC_MODEL_SOURCE": str(prepared_bundled_model()),
        "WC_LOG_FORMAT": "auto",
        "WC_DATABASE_URL": "",
        "WC_REDIS_URL": "",
        "WC_AMQP_URL": "",
        "WC_S3_ENDPOINT_URL": "",
        "WC_CONTENT_WORKERS": "1",
        # This instance's vLLM engine runs beside the session's LLM application and the test
        # process: with the default 2 GiB KV cache (allocated whole at start) the machine reached
        # Ray's memory-monitor threshold (95 % of 24 GiB) during the content job, and Ray killed
        # the instance's Serve controller and replicas. A few short requests need far less.
        "WC_CPU_KV_CACHE_GIB": "1",
    }
    master, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
    process = subprocess.Popen(
        ["unshare", "-n", "sh", "-c", NAMESPACE_SETUP, WC],
        env=env,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,
    )
    os.close(terminal)
    started = Instance(process, env, data_dir, bytearray())
    threading.Thread(target=_read_terminal, args=(master, started.console), daemon=True).start()
    try:
        _wait_for_ready(started)
        yield started
    finally:
        stop_process(process, grace_seconds=120)
        os.close(master)


def _wait_for_ready(instance: Instance) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        text = instance.console_text()
        if "Water Classroom is ready" in text or " stopped" in text:
            return
        if instance.process.poll() is not None:
            break
        time.sleep(1)
    raise AssertionError(f"wc run did not get ready:\n{instance.console_text()[-4000:]}")


@pytest.mark.slow
def test_the_console_says_when_each_part_is_ready_and_little_else(instance: Instance) -> None:
    lines = [line for line in instance.console_text().splitlines() if line.strip()]
    text = "\n".join(lines)
    assert f"API ready: http://127.0.0.1:{API_PORT} (docs: " in text, text
    assert f"LLM ready: smollm2-135m-instruct answers at http://127.0.0.1:{LLM_PORT}/v1" in text
    assert "content runner ready: pid " in text, text
    assert "MLflow UI ready: http://127.0.0.1:5000" in text, text  # the embedded store's UI
    assert f"Water Classroom is ready on http://127.0.0.1:{API_PORT}" in text, text
    assert len(lines) <= 20, text
    assert not [line for line in lines if line.lstrip().startswith("{")], text
    assert not [line for line in lines if FOREIGN_MARKERS.search(line)], text

    logs = instance.data_dir / "logs"
    assert "Deployment Options" in (logs / "llm.log").read_text()  # Serve's driver output
    assert "content runner: 1 worker(s)" in (logs / "content-runner.log").read_text()
    ray_llm = (logs / "ray-llm").resolve()  # a link to that Ray's session logs
    assert any(
        "Started vLLM engine" in path.read_text(errors="replace")
        for path in ray_llm.glob("worker-*.err")
    ), f"no vLLM start in {ray_llm}"


@pytest.mark.slow
def test_wc_status_reports_each_part_and_fails_when_one_is_down(instance: Instance) -> None:
    up = instance.inside(WC, "status")
    assert up.returncode == 0, up.stderr
    assert f"✓ up   API: http://127.0.0.1:{API_PORT}" in up.stderr, up.stderr
    assert "✓ up   LLM: smollm2-135m-instruct answers" in up.stderr, up.stderr
    assert "✓ up   content runner: pid " in up.stderr, up.stderr

    nothing_there = f"http://127.0.0.1:{LLM_PORT + 100}/v1"
    down = instance.inside(WC, "status", WC_LLM_BASE_URL=nothing_there)
    assert down.returncode == 1, down.stderr
    assert f"✗ down LLM: {nothing_there} does not answer" in down.stderr, down.stderr
    assert "✓ up   API" in down.stderr and "✓ up   content runner" in down.stderr


@pytest.mark.slow
def test_a_proctor_session_streams_and_every_socket_stays_on_loopback(
    instance: Instance, tmp_path: Path
) -> None:
    """A learner's webcam (aiortc) inside the namespace streams to the instance's proctor
    through the offer endpoint, while every TCP and UDP socket of the namespace is watched.
    It runs before the content job, whose generation would hold the CPU meanwhile."""
    result, seen = _run_watched(
        instance, tmp_path, SITTING_TIMEOUT_SECONDS, "tests.proctoring.instance_sitting", API_URL
    )

    _assert_loopback_host_candidates_only(result["answer"]["sdp"])
    live, ended = result["live"], result["ended"]
    assert (live["status"], live["connection"]) == ("live", "connected"), live
    assert ended["status"] == "ended" and ended["identity_verified"], ended
    kinds = [event["kind"] for event in ended["events"]]
    assert "face_absent" in kinds and "identity_mismatch" not in kinds, ended["events"]

    proctor_udp = [s for s in seen if s.protocol == "udp" and PROCTOR_REPLICA in s.command]
    assert proctor_udp, "the proctor's peer bound no UDP socket"
    assert {s.local.rsplit(":", 1)[0] for s in proctor_udp} == {"127.0.0.1"}, proctor_udp
    _assert_on_loopback_but_serve_listeners(seen, instance)


@pytest.mark.slow
def test_a_proctored_exam_in_chromium_streams_and_the_review_shows_the_face_leaving(
    instance: Instance, tmp_path: Path
) -> None:
    """The exam page in Chromium (a fake webcam fed from a file, tests/web/instance_exam.py)
    inside the namespace: consent, enrolment from the camera, the stream to the proctor over
    WebRTC, "proctoring on", a copy event on the data channel, submit; the face that left the
    picture for 5 s is on the teacher's review page. The platform's sockets stay on loopback;
    the browser's are the learner's machine's, not the platform's, and are not judged here."""
    shots = Path(os.environ.get("WC_SCREENSHOTS_DIR") or tmp_path)
    # Watched until the exam and its review are done, not while Chromium shuts down (its closing
    # sockets can no longer be told from anyone else's).
    done = tmp_path / "exam-done"
    result, seen = _run_watched(
        instance,
        tmp_path,
        EXAM_TIMEOUT_SECONDS,
        "tests.web.instance_exam",
        API_URL,
        str(shots),
        str(done),
        done=done,
    )
    assert "Proctoring on" in result["indicator"] and result["session"][0] == "ended", result
    assert {"face_absent", "copy_paste"} <= set(result["session"][1]), result
    assert "Face absent" in result["timeline"], result
    _assert_on_loopback_but_serve_listeners({s for s in seen if not _browser(s)}, instance)


def _run_watched(
    instance: Instance,
    folder: Path,
    timeout: float,
    module: str,
    *args: str,
    done: Path | None = None,
) -> tuple[dict[str, Any], set[Socket]]:
    """``python -m MODULE ARGS`` in the namespace while every socket there is watched (until it
    exits, or until it creates ``done``): the JSON object it prints, and the sockets seen."""
    output, errors = folder / f"{module}.json", folder / f"{module}.log"
    with output.open("w") as stdout, errors.open("w") as stderr:
        run = instance.spawn_inside(
            [sys.executable, "-m", module, *args],
            stdout=stdout,
            stderr=stderr,
            PYTHONPATH=str(ROOT),
        )
        seen = watch_sockets(
            instance.process.pid,
            lambda _: run.poll() is None and not (done and done.exists()),
            timeout=timeout,
        )
        run.wait(timeout)  # a script that said it is done may still be closing its browser
    run.kill()  # in case it ran past the timeout; a no-op once it exited
    assert run.wait() == 0, errors.read_text()[-6000:]
    result: dict[str, Any] = json.loads(output.read_text())
    return result, seen


def _browser(socket: Socket) -> bool:
    return "chrom" in socket.command.lower()


def _assert_loopback_host_candidates_only(sdp: str) -> None:
    """The answer offers the proctor on 127.0.0.1 host candidates only: no LAN address, no mDNS
    name, no server-reflexive or relayed candidate."""
    candidates = [line.split() for line in sdp.splitlines() if line.startswith("a=candidate:")]
    assert candidates, sdp
    assert {(fields[4], fields[7]) for fields in candidates} == {("127.0.0.1", "host")}, sdp
    assert ".local" not in sdp and "192.0.2.2" not in sdp, sdp


SUBMIT = textwrap.dedent(
    """
    from sqlalchemy import select
    from platform_api.auth.admin import create_or_promote_admin
    from core.curriculum.models import Course
    from platform_api.wiring import run_with_database

    async def work(database):
        async with database.session() as session:
            await create_or_promote_admin(session, "ops@example.org", "Operator", "x" * 12)
            return await session.scalar(select(Course.id).limit(1))

    print(run_with_database(work))
    """
)


@pytest.mark.slow
def test_every_socket_stays_on_loopback_with_a_content_job_running(
    instance: Instance, tmp_path: Path
) -> None:
    course = instance.inside(sys.executable, "-c", SUBMIT)
    assert course.returncode == 0, course.stderr[-3000:]
    topics = tmp_path / "topics.csv"
    topics.write_text("topic,objectives\nAdding fractions,Add two fractions\n")
    submitted = instance.inside(
        WC,
        "generate",
        "--detach",
        "--allow-ungrounded",
        "--input",
        str(topics),
        "--course",
        course.stdout.strip(),
    )
    assert submitted.returncode == 0, submitted.stderr[-3000:]

    # Watched for 20 s of the worker's run, and on until every Serve replica's listener was seen:
    # when the suite's memory neared Ray's threshold during the job (a second Ray starting, before
    # the runner joined the LLM application's), Ray's memory monitor killed replicas, and a
    # replaced replica listens only once its constructor has run again.
    seen = watch_sockets(
        instance.process.pid,
        _until_seconds_after(_has_content_worker, 20, then=_serve_listeners_seen()),
        timeout=360,
    )
    assert _has_content_worker(seen), "no content worker came up"
    _assert_on_loopback_but_serve_listeners(seen, instance)
    # The worker ran on the LLM application's Ray, whose address `wc serve` wrote for `wc run`:
    # the namespace held one Ray (one GCS server), listening there.
    gcs = {socket for socket in seen if "gcs_server" in socket.command.split(" ", 1)[0]}
    assert len({socket.pid for socket in gcs}) == 1, sorted(gcs)
    port = (instance.data_dir / "llm-ray-address").read_text().rsplit(":", 1)[1]
    listening = {socket.local for socket in gcs if socket.state == "LISTEN"}
    assert port in {local.rsplit(":", 1)[1] for local in listening}, (port, sorted(listening))


def _has_content_worker(sockets: set[Socket]) -> bool:
    return any(socket.command.startswith("ray::TopicWorker") for socket in sockets)


def _until_seconds_after(
    appeared: Callable[[set[Socket]], bool],
    seconds: float,
    then: Callable[[set[Socket]], bool] = lambda _: True,
) -> Callable[[set[Socket]], bool]:
    """Keep watching until ``seconds`` after a reading where ``appeared`` first held, and on
    until ``then`` (called with every reading) holds."""
    since: list[float] = []

    def keep_watching(reading: set[Socket]) -> bool:
        done = then(reading)
        if not since and appeared(reading):
            since.append(time.monotonic())
        return not since or time.monotonic() < since[0] + seconds or not done

    return keep_watching


def _serve_listeners_seen() -> Callable[[set[Socket]], bool]:
    """Whether every Serve deployment's replica listener was in one of the readings so far."""
    deployments: set[str] = set()

    def every_one(reading: set[Socket]) -> bool:
        deployments.update(filter(None, map(_serve_deployment, reading)))
        return deployments >= SERVE_DEPLOYMENTS

    return every_one


def _serve_deployment(socket: Socket) -> str | None:
    """The deployment whose replica holds ``socket``, when it is that replica's ``[::]``
    listener."""
    listening = (socket.protocol, socket.state) == ("tcp", "LISTEN")
    if not (listening and socket.local.startswith("[::]:")):
        return None
    if not socket.command.startswith(SERVE_REPLICA):
        return None
    # "ray::ServeReplica:<app>:<deployment>[:<model>][.<method>]"
    return socket.command.split(":")[4].split(".")[0]


def _assert_on_loopback_but_serve_listeners(seen: set[Socket], instance: Instance) -> None:
    """Every socket is on loopback, but for Ray Serve's one ``[::]`` gRPC listener in each Serve
    replica: the ingress, the LLM server and the proctor host, whose autoscaler may add a
    replica (a second proctor host while the exam streams), each with its own listener."""
    outside = {socket for socket in seen if not socket.on_loopback}
    allowed = {socket for socket in outside if _serve_deployment(socket)}
    assert sorted(outside - allowed) == [], "sockets off loopback"
    listeners = {(socket.local, socket.pid) for socket in allowed}
    assert len(listeners) == len({pid for _, pid in listeners}), sorted(allowed)  # one each
    deployments = set(map(_serve_deployment, allowed))
    assert deployments == SERVE_DEPLOYMENTS, f"{sorted(allowed)}\n{instance.replica_trouble()}"
