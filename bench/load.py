"""Load test of `POST /v1/moderate` (one post a request) against a real `jaga serve` process.

Open-loop: requests are sent on a fixed schedule (default 200/s) whatever the server's speed, so a
slow server shows up as latency, not as a politely lower request rate. Prints achieved requests/s,
p50/p90/p99 latency, error count, the server's peak memory and the CPU time per request of the
server and of this generator. The server and this generator share
the machine's cores: compare runs on the same machine only.

    python bench/load.py [--rate 200] [--seconds 20] [--workers 1] [--database-url URL] [--client raw|httpx]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import make_posts


def start_server(home: Path, port: int, workers: int, database_url: str | None) -> tuple[subprocess.Popen[bytes], str]:
    env = {**os.environ, "JAGA_HOME": str(home), "JAGA_RATE_LIMIT": "100000"}
    env.pop("JAGA_DATABASE_URL", None)
    if database_url:
        env["JAGA_DATABASE_URL"] = database_url
    token = subprocess.run([sys.executable, "-m", "jaga.cli", "keys", "create", "load", "--org", "bench", "--role", "platform"],
                           env=env, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    server = subprocess.Popen([sys.executable, "-m", "jaga.cli", "serve", "--port", str(port), "--workers", str(workers)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server, token
        except httpx.HTTPError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("the server did not start")


async def run_load(port: int, token: str, rate: float, seconds: float,
                   client: str = "raw") -> tuple[list[float], list[str]]:
    posts = make_posts(int(rate * seconds) + 10)
    send: RawSender | HttpxSender = RawSender(port, token) if client == "raw" else HttpxSender(port, token)
    latencies: list[float] = []
    errors: list[str] = []

    async def one(index: int) -> None:
        started = time.perf_counter()
        try:
            status = await send(posts[index])
            if status != 200:
                errors.append(f"HTTP {status}")
        except (OSError, httpx.HTTPError, asyncio.IncompleteReadError, ValueError) as error:
            errors.append(f"{type(error).__name__}: {error}")
        latencies.append(time.perf_counter() - started)

    tasks = []
    # No garbage collection in the generator while it measures: its full collections (15-20 ms over
    # the posts and tasks it holds) were counted as server latency, most of the p99 on a quiet server.
    gc.disable()
    try:
        begin = time.perf_counter()
        for index in range(int(rate * seconds)):
            delay = begin + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(index)))
        await asyncio.gather(*tasks)
    finally:
        gc.enable()
    await send.close()
    return latencies, errors


class RawSender:
    """HTTP/1.1 over kept-alive asyncio streams, a connection per request in flight: about a tenth
    of httpx's CPU per request, so the generator takes less of the two cores the server needs."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.all: list[asyncio.StreamWriter] = []

    async def __call__(self, post: dict[str, object]) -> int:
        body = json.dumps({"post": post}).encode()
        if self.idle:
            try:
                return await self._send(*self.idle.pop(), body)
            except (asyncio.IncompleteReadError, ConnectionError):
                pass  # the server closed a kept-alive connection that sat idle: send on a new one
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.all.append(writer)
        return await self._send(reader, writer, body)

    async def _send(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes) -> int:
        writer.write(b"POST /v1/moderate HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                     b"Authorization: Bearer " + self.token.encode() + b"\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\n\r\n" + body)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        await reader.readexactly(length)
        self.idle.append((reader, writer))
        return status

    async def close(self) -> None:
        for writer in self.all:
            writer.close()


class HttpxSender:
    """The reference client (about 3 ms of CPU a request on these machines)."""

    def __init__(self, port: int, token: str) -> None:
        self.client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30,
                                        limits=httpx.Limits(max_connections=512, max_keepalive_connections=512),
                                        headers={"Authorization": f"Bearer {token}"})

    async def __call__(self, post: dict[str, object]) -> int:
        return (await self.client.post("/v1/moderate", json={"post": post})).status_code

    async def close(self) -> None:
        await self.client.aclose()


def cpu_seconds_of(pid: int) -> float:
    """CPU time of the server process and its worker processes (Linux /proc)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def peak_rss_of(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database-url", help="e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test "
                                               "(default: a fresh SQLite file)")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="raw: kept-alive asyncio streams (light); httpx: the reference client (~3 ms CPU a request)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        server, token = start_server(Path(home), args.port, args.workers, args.database_url)
        try:
            asyncio.run(run_load(args.port, token, min(args.rate, 20), 2, args.client))  # warm up
            started, server_cpu, own_cpu = time.perf_counter(), cpu_seconds_of(server.pid), time.process_time()
            latencies, errors = asyncio.run(run_load(args.port, token, args.rate, args.seconds, args.client))
            elapsed = time.perf_counter() - started
            server_cpu, own_cpu = cpu_seconds_of(server.pid) - server_cpu, time.process_time() - own_cpu
            milliseconds = np.array(latencies) * 1000
            print(json.dumps({
                "target_rps": args.rate, "achieved_rps": round(len(latencies) / elapsed, 1), "requests": len(latencies),
                "errors": len(errors), "error_examples": sorted(set(errors))[:3], "p50_ms": round(float(np.percentile(milliseconds, 50)), 1),
                "p90_ms": round(float(np.percentile(milliseconds, 90)), 1),
                "p99_ms": round(float(np.percentile(milliseconds, 99)), 1), "workers": args.workers, "client": args.client,
                "database": "postgresql" if args.database_url else "sqlite",
                "server_cpu_ms_per_request": round(1000 * server_cpu / len(latencies), 2),
                "generator_cpu_ms_per_request": round(1000 * own_cpu / len(latencies), 2),
                "server_peak_rss_mb": round(peak_rss_of(server.pid))}))
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
