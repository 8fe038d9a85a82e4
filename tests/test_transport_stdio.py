"""The Procfile's `mcp-doc-reader:` command over stdio, the way Heroku's registration and desktop clients run it."""

from __future__ import annotations

import base64

import jsonschema
import pytest
from mcp import Client, StdioServerParameters

from tests.conftest import ROOT, process_env, procfile_command

pytestmark = pytest.mark.anyio
PDF_BASE64 = base64.b64encode((ROOT / "fixtures/pdf/report.pdf").read_bytes()).decode()


def stdio_server(**env: str) -> StdioServerParameters:
    """The `mcp*` Procfile process, started exactly as written (through bash, like a dyno)."""
    process = next(line.split(":", 1)[0] for line in (ROOT / "Procfile").read_text().splitlines() if line[:3] == "mcp")
    return StdioServerParameters(
        command="bash", args=["-c", procfile_command(process)], env=process_env(**env), cwd=str(ROOT)
    )


async def test_heroku_registration_lists_a_valid_tool() -> None:
    # What Managed Inference and Agents does: run the mcp* process in a one-off dyno and list its tools.
    async with Client(stdio_server(DYNO="run.1"), mode="legacy") as client:
        tools = (await client.list_tools()).tools
    assert [tool.name for tool in tools] == ["read_document"]
    for tool in tools:
        assert tool.description and "start_index" in tool.description
        jsonschema.Draft202012Validator.check_schema(tool.input_schema)
        assert tool.input_schema["type"] == "object"
        assert not {"oneOf", "anyOf", "allOf"} & tool.input_schema.keys()
        assert set(tool.input_schema["properties"]) >= {
            "url",
            "content_base64",
            "filename",
            "extract",
            "pages",
            "images",
            "links",
        }
        assert tool.output_schema is not None
        jsonschema.Draft202012Validator.check_schema(tool.output_schema)
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is True
        assert tool.annotations.open_world_hint is True
        assert tool.annotations.destructive_hint is False
        assert tool.annotations.idempotent_hint is True
        assert tool.annotations.title


async def test_stdio_reads_url_and_base64(site) -> None:
    pdf = PDF_BASE64
    async with Client(stdio_server(DOC_READER_ALLOW_HOSTS="127.0.0.1")) as client:
        page = await client.call_tool("read_document", {"url": site.url("site/article.html")})
        doc = await client.call_tool("read_document", {"content_base64": pdf, "pages": "1"})
        refused = await client.call_tool("read_document", {"url": "http://169.254.169.254/latest/meta-data/"})
        after = await client.call_tool("read_document", {"url": site.url("site/data.json")})
    assert page.structured_content["title"] == "Field Guide to Widgets"
    assert "## Measurements" in page.content[0].text
    assert doc.structured_content["kind"] == "pdf" and "Annual Widget Survey" in doc.structured_content["markdown"]
    assert refused.is_error and "not allowed" in refused.content[0].text
    assert "169.254" not in refused.content[0].text
    assert after.structured_content["kind"] == "json"
