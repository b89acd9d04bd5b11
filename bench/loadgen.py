"""A small closed-loop HTTP/1.1 load generator: N keep-alive connections, each sending GETs back to
back for a fixed time. Light enough to share a 2-core machine with the server it measures, and the
same generator drives every target, so the ratios between targets are fair."""

import asyncio
import statistics
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def _connection(
    host: str,
    port: int,
    request: bytes,
    stop_at: float,
    warm_until: float,
    latencies: list[float],
    counts: list[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while (now := time.perf_counter()) < stop_at:
            writer.write(request)
            status = await _read_response(reader)
            done = time.perf_counter()
            if now >= warm_until:
                counts[0 if status == 200 else 1] += 1
                latencies.append((done - now) * 1000)
    finally:
        writer.close()


async def run_load(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    concurrency: int,
    seconds: float,
    warmup: float = 2.0,
) -> LoadResult:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    latencies: list[float] = []
    counts = [0, 0]
    start = time.perf_counter()
    warm_until, stop_at = start + warmup, start + warmup + seconds
    await asyncio.gather(
        *(
            _connection(host, port, request, stop_at, warm_until, latencies, counts)
            for _ in range(concurrency)
        )
    )
    measured = time.perf_counter() - warm_until
    return LoadResult(counts[0], counts[1], measured, latencies)
