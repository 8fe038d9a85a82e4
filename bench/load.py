"""Load: N concurrent MCP clients against the Procfile's gunicorn with W workers, all on loopback.

Each client keeps one MCP session (Streamable HTTP, API key) and calls read_document on the
fixture documents served by a loopback fixture server: "cached" reads the same URLs again
(after a warm-up pass), "uncached" adds a unique query so every call fetches and converts.
Loops are bounded by --calls per client and by --seconds. Reports calls/s, p50/p99 latency,
errors and each worker's peak RSS (VmHWM).

    .venv/bin/python -m bench.load --clients 16 --workers 2 --calls 40 --seconds 60
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import WebProcess  # noqa: E402  (the same launcher the tests use: the Procfile's web command)
from tests.fixture_server import FixtureServer  # noqa: E402

API_KEY = "bench-key"
DOCUMENTS = [*sorted(f"html/{p.name}" for p in (ROOT / "fixtures/html").glob("*.html")), "pdf/report.pdf"]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _workers(root: int) -> list[int]:
    """gunicorn worker pids: the leaves under the process started for the Procfile command."""
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        kids = _children(pid)
        if not kids and pid != root:
            found.append(pid)
        stack += kids
    return found


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _client(
    base: str, urls: list[str], calls: int, deadline: float, latencies: list[float], errors: list[str]
) -> None:
    headers = {"x-api-key": API_KEY}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(60, read=60)) as http,
        Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client,
    ):
        await client.list_tools()
        for url in itertools.islice(itertools.cycle(urls), calls):
            if time.monotonic() > deadline:
                return
            started = time.perf_counter()
            try:
                result = await client.call_tool("read_document", {"url": url})
                if result.is_error:
                    errors.append(str(result.content)[:200])
            except Exception as exc:
                errors.append(repr(exc)[:200])
            latencies.append(time.perf_counter() - started)


async def _run(base: str, url_sets: list[list[str]], calls: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    async with anyio.create_task_group() as group:
        for urls in url_sets:
            group.start_soon(_client, base, urls, calls, deadline, latencies, errors)
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "calls": len(latencies),
        "elapsed": elapsed,
        "rate": len(latencies) / elapsed if elapsed else 0.0,
        "p50": statistics.median(ordered) * 1000 if ordered else 0.0,
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000 if ordered else 0.0,
        "errors": errors,
    }


def main() -> int:
    """Run the cached and uncached phases and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--calls", type=int, default=40, help="calls per client per phase (upper bound)")
    parser.add_argument("--seconds", type=float, default=60, help="time limit per phase")
    parser.add_argument("--redis-url", help="share the cache through this Redis (REDIS_URL)")
    args = parser.parse_args()

    env = {"API_KEY": API_KEY, "WEB_CONCURRENCY": str(args.workers), "DOC_READER_ALLOW_HOSTS": "127.0.0.1"}
    env["DOC_READER_LOG_LEVEL"] = "WARNING"
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    with FixtureServer() as site:
        web = WebProcess(**env)
        web.start()
        try:
            assert web.proc is not None
            workers = _workers(web.proc.pid)
            cached = [[site.url(doc) for doc in DOCUMENTS]] * args.clients
            # warm the cache in every worker: enough passes that each worker has seen each document
            anyio.run(_run, web.base, [cached[0]] * (2 * args.workers), 1 * len(DOCUMENTS), args.seconds)
            results = {"cached": anyio.run(_run, web.base, cached, args.calls, args.seconds)}
            uncached = [
                [site.url(f"{DOCUMENTS[(c + n) % len(DOCUMENTS)]}?c={c}&n={n}") for n in range(args.calls)]
                for c in range(args.clients)
            ]
            results["uncached"] = anyio.run(_run, web.base, uncached, args.calls, args.seconds)
            peaks = [_peak_rss_mib(pid) for pid in workers]
        finally:
            web.stop()

    cpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    model = next((line.split(":", 1)[1].strip() for line in cpu.splitlines() if "Model name" in line), "?")
    print(f"machine: {model}, nproc {os.cpu_count()}; python {sys.version.split()[0]}")
    print(
        f"clients {args.clients}, workers {args.workers}, calls/client/phase <= {args.calls}, {args.seconds:.0f} s cap"
    )
    print("| phase | calls | calls/s | p50 ms | p99 ms | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for phase, result in results.items():
        print(
            f"| {phase} | {result['calls']} | {result['rate']:.1f} | {result['p50']:.0f} | {result['p99']:.0f} "
            f"| {len(result['errors'])} |"
        )
    print("peak RSS per worker (MiB): " + ", ".join(f"{peak:.0f}" for peak in peaks))
    for phase, result in results.items():
        for error in result["errors"][:5]:
            print(f"{phase} error: {error}", file=sys.stderr)
    return 1 if any(result["errors"] for result in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
