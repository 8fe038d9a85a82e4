"""Shared fixtures: the loopback document server, settings that may reach it, and Procfile launchers."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult

from doc_reader.reader import Reader
from doc_reader.server import build_server
from doc_reader.settings import Settings
from tests.fixture_server import FixtureServer

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def site() -> Iterator[FixtureServer]:
    """The loopback server with every fixture document."""
    with FixtureServer() as server:
        yield server


@pytest.fixture
def settings() -> Settings:
    """Settings that allow the loopback fixture server and nothing else private."""
    return Settings(allow_hosts=["127.0.0.1"], cache_ttl=0)


@pytest.fixture
def server(settings: Settings):
    """An in-process MCP server (use with `mcp.Client(server)`)."""
    return build_server(settings, Reader(settings))


def procfile_command(process: str) -> str:
    """The command line of a Procfile process type, exactly as written there."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            return command.strip()
    raise KeyError(process)


def process_env(**extra: str) -> dict[str, str]:
    """The environment a Procfile command runs with: this venv first on PATH, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOC_READER_", "API_KEY"))}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class WebProcess:
    """The Procfile's `web:` command, started as written, with PORT set."""

    def __init__(self, **env: str) -> None:
        self.port = free_port()
        self.env = process_env(PORT=str(self.port), **env)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> WebProcess:
        """Start and wait until /healthz answers."""
        self.proc = subprocess.Popen(
            ["bash", "-c", procfile_command("web")],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"web process exited: {self.output()}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"web process did not become healthy: {shlex.quote(procfile_command('web'))}")

    def output(self) -> str:
        """What the process printed (after it stopped)."""
        assert self.proc is not None and self.proc.stdout is not None
        return self.proc.stdout.read().decode(errors="replace")

    def stop(self) -> None:
        """SIGTERM the process group and wait."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()


@pytest.fixture(scope="module")
def web() -> Iterator[WebProcess]:
    """The web process with two workers and an API key, allowed to reach the fixture server."""
    process = WebProcess(API_KEY="test-key-1,test-key-2", WEB_CONCURRENCY="2", DOC_READER_ALLOW_HOSTS="127.0.0.1")
    process.start()
    yield process
    process.stop()


class RedisServer:
    """A throwaway `redis-server` on loopback (no persistence); `stop()` kills it, `pause()` freezes it."""

    def __init__(self, *extra: str) -> None:
        self.port = free_port()
        self.extra = extra
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """redis://127.0.0.1:PORT/0"""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, port_args: tuple[str, ...] | None = None, timeout: float = 10) -> RedisServer:
        """Start and wait until the port accepts connections; skip the test if redis-server cannot run."""
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (.ci/run installs it with apt-get install redis-server)")
        args = port_args if port_args is not None else ("--port", str(self.port))
        command = [binary, *args, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", *self.extra]
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                error = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                pytest.skip(f"redis-server could not be started: {error.strip()[:300]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        pytest.skip(f"redis-server did not listen on 127.0.0.1:{self.port} within {timeout} s")
        raise AssertionError  # unreachable: pytest.skip raises

    def pause(self) -> None:
        """SIGSTOP the server: connections stay open but nothing answers."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT after `pause()`."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Kill the server and wait for it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A fresh redis-server for one test (skipped, with the reason, when redis-server cannot start)."""
    server = RedisServer().start()
    yield server
    server.stop()


async def call_http_tool(
    base: str,
    arguments: dict[str, Any],
    headers: dict[str, str] | None = None,
    progress: Callable[[float, float | None, str | None], Awaitable[None]] | None = None,
    ready: Callable[[], None] | None = None,
) -> CallToolResult:
    """Call `read_document` on a running HTTP server at `base` (http://host:port) with one MCP client session.

    The tool list is fetched first (the client validates the result against the output schema), then
    `ready()` is called just before the call itself.
    """
    async with (
        httpx2.AsyncClient(headers=headers or {}, timeout=httpx2.Timeout(60, read=60)) as http,
        Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client,
    ):
        await client.list_tools()
        if ready is not None:
            ready()
        return await client.call_tool("read_document", arguments, progress_callback=progress)
