"""The whole platform, started through ``wc run`` (the ``make run`` code path: the API, the local
LLM application and the content runner), inside a network namespace of its own that looks like a
machine on a network: loopback plus an interface with the address 192.0.2.2 and a default route
through it (a veth pair whose peer stays in the namespace, so nothing can leave). There Ray and
vLLM would pick 192.0.2.2 as "their" address, as they do on a laptop on Wi-Fi.

One start serves every test here: start-up needs no address outside 127.0.0.0/8, every TCP
socket of the instance stays on loopback (one documented exception), the console says when each
part is ready and nothing else, and ``wc status`` reports on the running instance.
"""

import fcntl
import ipaddress
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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtures.llm import prepared_bundled_model

WC = str(Path(sys.executable).with_name("wc"))
API_PORT, LLM_PORT = 8000, 8001  # the namespace is empty: the default ports are free
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
            ["nsenter", f"--target={self.process.pid}", "--net", "--", *command],
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=180,
        )


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
        **os.environ,
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
        process.terminate()
        try:
            process.wait(120)
        except subprocess.TimeoutExpired:
            process.kill()
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

    seen = _watch_sockets(instance.process.pid, seconds=20)
    assert any(command.startswith("ray::TopicWorker") for *_, command in seen), (
        "no content worker came up"
    )
    outside = [
        socket for socket in seen if not _on_loopback(socket[1]) or not _on_loopback(socket[2])
    ]
    allowed = [
        (state, local, remote, owner, command)
        for state, local, remote, owner, command in outside
        if state == "LISTEN" and local.startswith("[::]:") and command.startswith(SERVE_REPLICA)
    ]
    assert sorted(set(outside) - set(allowed)) == [], "sockets off loopback"
    # Exactly one such listener per Serve replica (the ingress, the LLM server, the proctor host).
    listeners = {(local, owner) for _, local, _, owner, _ in allowed}
    assert len(listeners) == 3 and len({owner for _, owner in listeners}) == 3, allowed


# state, local, remote, owning process id (0 when none) and its title (Ray renames a worker
# process after the method it runs)
Socket = tuple[str, str, str, int, str]
STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "06": "TIME_WAIT", "0A": "LISTEN"}


def _watch_sockets(pid: int, seconds: float) -> set[Socket]:
    """Every TCP socket of the namespace seen over ``seconds``, once the content worker exists:
    the namespace holds the instance alone, so its tables are the instance's sockets."""
    deadline = time.monotonic() + 180
    seen: set[Socket] = set()
    until = None
    while time.monotonic() < deadline and (until is None or time.monotonic() < until):
        owners = _socket_owners(pid)
        snapshot = _namespace_sockets(pid, owners)
        seen |= snapshot
        if until is None and any(c.startswith("ray::TopicWorker") for *_, c in snapshot):
            until = time.monotonic() + seconds
        time.sleep(0.5)
    return seen


def _socket_owners(pid: int) -> dict[str, tuple[int, str]]:
    """Socket inode → (process id, command line), for every process in ``pid``'s network
    namespace."""
    namespace = os.readlink(f"/proc/{pid}/ns/net")
    owners: dict[str, tuple[int, str]] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{entry}/ns/net") != namespace:
                continue
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            for fd in os.listdir(f"/proc/{entry}/fd"):
                target = os.readlink(f"/proc/{entry}/fd/{fd}")
                if target.startswith("socket:["):
                    owners[target[8:-1]] = (int(entry), command.strip())
        except OSError:  # the process exited meanwhile
            continue
    return owners


def _namespace_sockets(pid: int, owners: dict[str, tuple[int, str]]) -> set[Socket]:
    sockets = set()
    for table in ("tcp", "tcp6"):
        for row in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = row.split()
            state = STATES.get(fields[3], fields[3])
            sockets.add(
                (
                    state,
                    _address(fields[1]),
                    _address(fields[2]),
                    *owners.get(fields[9], (0, "")),
                )
            )
    return sockets


def _address(hex_address: str) -> str:
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    if len(raw) == 4:
        return f"{ipaddress.IPv4Address(raw[::-1])}:{int(port, 16)}"
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return f"[{ipaddress.IPv6Address(words)}]:{int(port, 16)}"


def _on_loopback(address: str) -> bool:
    host = address.rsplit(":", 1)[0].strip("[]")
    ip = ipaddress.ip_address(host)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback or (ip.is_unspecified and address.endswith(":0"))
