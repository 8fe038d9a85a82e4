"""Cold start over stdio, as Heroku's registration path runs it: one process per tool call.

Measures, from spawning `python -m doc_reader stdio`:
  - spawn -> initialize result -> tools/list result
  - spawn -> initialize -> first read_document result (an HTML page and a PDF, sent as content_base64)
Prints the median (and min/max) of N runs as a Markdown table.

    .venv/bin/python -m bench.coldstart [--runs 10]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = "2025-11-25"


class Stdio:
    """A doc-reader stdio process spoken to in raw JSON-RPC lines."""

    def __init__(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOC_READER_")}
        env["DOC_READER_LOG_LEVEL"] = "WARNING"
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "doc_reader", "stdio"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.next_id = 0

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Send a request and wait for its response (notifications in between are skipped)."""
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"server exited during {method}")
            message = json.loads(line)
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def send(self, message: dict[str, Any]) -> None:
        """Write one JSON-RPC message."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def initialize(self) -> None:
        """The MCP handshake."""
        info = {"name": "coldstart-bench", "version": "1"}
        self.request("initialize", {"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": info})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def elapsed(self) -> float:
        """Milliseconds since spawn."""
        return (time.perf_counter() - self.started) * 1000

    def close(self) -> None:
        """Close stdin and wait for the process to exit."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run_list() -> tuple[float, float]:
    """(ms to the initialize result, ms to the tools/list result), both from spawn."""
    server = Stdio()
    try:
        server.initialize()
        initialized = server.elapsed()
        tools = server.request("tools/list", {})
        assert tools["tools"][0]["name"] == "read_document"
        return initialized, server.elapsed()
    finally:
        server.close()


def run_read(path: Path) -> float:
    """ms from spawn to the first read_document result for a local file sent as base64."""
    server = Stdio()
    try:
        server.initialize()
        arguments = {"content_base64": base64.b64encode(path.read_bytes()).decode(), "filename": path.name}
        result = server.request("tools/call", {"name": "read_document", "arguments": arguments})
        assert not result.get("isError"), result
        return server.elapsed()
    finally:
        server.close()


def _row(name: str, samples: list[float]) -> str:
    return f"| {name} | {statistics.median(samples):.0f} | {min(samples):.0f} | {max(samples):.0f} |"


def main() -> None:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    init, listed, html, pdf = [], [], [], []
    for _ in range(args.runs):
        first, second = run_list()
        init.append(first)
        listed.append(second)
        html.append(run_read(ROOT / "fixtures/html/article.html"))
        pdf.append(run_read(ROOT / "fixtures/pdf/report.pdf"))
    print(f"runs: {args.runs}, python {sys.version.split()[0]}")
    print("| from spawn to | median ms | min ms | max ms |")
    print("| --- | ---: | ---: | ---: |")
    print(_row("initialize result", init))
    print(_row("tools/list result", listed))
    print(_row("first read_document result (HTML, 1.4 kB)", html))
    print(_row("first read_document result (PDF, 7 kB)", pdf))


if __name__ == "__main__":
    main()
