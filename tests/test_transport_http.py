"""The Procfile's `web:` command (gunicorn, 2 uvicorn workers) with the real MCP client over Streamable HTTP."""

from __future__ import annotations

import base64
import subprocess

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import ROOT, WebProcess, process_env, procfile_command

pytestmark = pytest.mark.anyio


def connect(web: WebProcess, key: str | None = "test-key-1", mode: str = "auto", **headers: str) -> Client:
    if key:
        headers["Authorization"] = f"Bearer {key}"
    http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=60))
    return Client(streamable_http_client(f"{web.base}/mcp", http_client=http), mode=mode)


async def test_tools_list_over_http_has_annotations_and_schemas(web) -> None:
    async with connect(web, mode="legacy") as client:
        tool = (await client.list_tools()).tools[0]
    assert tool.name == "read_document"
    assert tool.annotations.read_only_hint and tool.annotations.open_world_hint
    assert tool.output_schema["properties"]["next_start_index"]


async def test_reads_over_http_from_url_and_base64_and_pages(web, site) -> None:
    pdf = base64.b64encode((ROOT / "fixtures/pdf/report.pdf").read_bytes()).decode()
    async with connect(web) as client:
        page = await client.call_tool("read_document", {"url": site.url("site/article.html")})
        doc = await client.call_tool("read_document", {"content_base64": pdf, "pages": "2-3"})
    assert "| Round | 0 | 12 |" in page.structured_content["markdown"]
    assert doc.structured_content["page_count"] == 4
    assert "<!-- page 2 -->" in doc.structured_content["markdown"]
    assert "<!-- page 1 -->" not in doc.structured_content["markdown"]


async def test_pagination_over_http_reassembles(web, site) -> None:
    whole = (ROOT / "fixtures/site/long.md").read_text()
    pieces, start = [], 0
    async with connect(web, key="test-key-2") as client:
        while start is not None:
            data = (
                await client.call_tool(
                    "read_document", {"url": site.url("site/long.md"), "max_length": 20000, "start_index": start}
                )
            ).structured_content
            pieces.append(data["markdown"])
            start = data["next_start_index"]
    assert len(pieces) > 5 and "".join(pieces) == whole


async def test_many_sequential_calls_across_workers_all_succeed(web, site) -> None:
    # A new connection per call, so the kernel spreads them over both gunicorn workers.
    for i in range(20):
        async with connect(web) as client:
            result = await client.call_tool("read_document", {"url": site.url(f"site/data.json?i={i}")})
        assert not result.is_error, result.content
        assert '"sides"' in result.structured_content["markdown"]


async def test_auth_rejects_missing_and_wrong_keys_and_accepts_x_api_key(web) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=web.base) as http:
        missing = await http.post("/mcp", json=body, headers=headers)
        wrong = await http.post("/mcp", json=body, headers={**headers, "Authorization": "Bearer nope"})
        health = await http.get("/healthz")
    assert missing.status_code == 401 and wrong.status_code == 401
    assert "API key" in missing.json()["error"]
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    async with connect(web, key=None, **{"x-api-key": "test-key-2"}) as client:
        assert (await client.list_tools()).tools


async def test_any_host_is_served_but_foreign_browser_origins_are_refused(web) -> None:
    async with connect(web, Host="my-app-1234.herokuapp.com") as client:
        assert (await client.list_tools()).tools
    async with httpx.AsyncClient(base_url=web.base) as http:
        evil = await http.post(
            "/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
            headers={"Authorization": "Bearer test-key-1", "Origin": "https://evil.example"},
        )
    assert evil.status_code == 403


async def test_oversized_body_is_refused_and_the_server_keeps_serving(web) -> None:
    huge = "A" * (15 * 1024 * 1024)
    async with httpx.AsyncClient(base_url=web.base, timeout=60) as http:
        response = await http.post(
            "/mcp",
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "tools/call",
                "params": {"name": "read_document", "arguments": {"content_base64": huge}},
            },
            headers={"Authorization": "Bearer test-key-1", "Accept": "application/json, text/event-stream"},
        )
    assert response.status_code == 413
    async with connect(web) as client:
        assert (await client.list_tools()).tools


def test_refuses_to_start_on_a_public_address_without_a_key() -> None:
    web = WebProcess()  # no API_KEY; the Procfile binds 0.0.0.0
    result = subprocess.run(
        ["bash", "-c", procfile_command("web")], cwd=ROOT, env=web.env, capture_output=True, timeout=60, check=False
    )
    assert result.returncode != 0
    assert "without authentication: set API_KEY" in (result.stdout + result.stderr).decode()


def test_make_run_command_serves_on_loopback_without_a_key() -> None:
    # `make run` runs `python -m doc_reader serve --host 127.0.0.1 --port 8000`; same command on a free port.
    web = WebProcess()
    web.proc = subprocess.Popen(
        ["python", "-m", "doc_reader", "serve", "--host", "127.0.0.1", "--port", str(web.port)],
        cwd=ROOT,
        env=process_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{web.base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                subprocess.run(["sleep", "0.1"], check=True)
        ping = httpx.post(
            f"{web.base}/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
            headers={"Accept": "application/json, text/event-stream", "Content-Type": "application/json"},
        )
        assert ping.status_code == 200
    finally:
        web.stop()
