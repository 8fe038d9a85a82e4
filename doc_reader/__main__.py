"""Command line: `doc-reader stdio | serve | read` (also `python -m doc_reader ...`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import anyio

from doc_reader import logs
from doc_reader.convert.base import Extract
from doc_reader.convert.links import LinkStyle
from doc_reader.settings import MAX_LENGTH_LIMIT, get_settings


def _configure_logging(*, interactive: bool) -> None:
    # stdout belongs to the MCP protocol in stdio mode: every log line goes to stderr, as JSON by default.
    # A person running `read` sees only real problems, as plain text (DOC_READER_LOG_LEVEL=DEBUG shows all).
    settings = get_settings()
    if interactive:
        logs.configure("DEBUG" if settings.log_level == "DEBUG" else "ERROR", "text")
    else:
        logs.configure(settings.log_level, settings.log_format)


def run_stdio() -> None:
    """Serve MCP over stdin/stdout (Claude Desktop, Cursor, Heroku's one-off dynos)."""
    from doc_reader.server import build_server

    anyio.run(build_server().run_stdio_async)


def run_http(host: str, port: int) -> None:
    """Serve Streamable HTTP at http://HOST:PORT/mcp with one uvicorn process (gunicorn runs several)."""
    import uvicorn

    from doc_reader.http_app import create_app, ensure_safe_bind

    settings = get_settings()
    ensure_safe_bind(host, settings)
    print(f"doc-reader: serving http://{host}:{port}/mcp", file=sys.stderr)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        log_config=logs.gunicorn_logconfig(settings.log_level, settings.log_format),
        timeout_graceful_shutdown=25,
    )


def read(
    target: str,
    *,
    extract: Extract,
    pages: str | None,
    images: bool,
    links: LinkStyle,
    max_length: int,
    start_index: int,
) -> int:
    """Print a URL's or a local file's Markdown; return the exit status."""
    from pydantic import ValidationError

    from doc_reader.errors import DocReaderError
    from doc_reader.reader import Reader, ReadRequest, validation_message

    settings = get_settings()
    reader = Reader(settings)
    try:
        if target.startswith(("http://", "https://")):
            source = {"url": target}
        else:
            source = {"content_base64": _file_base64(Path(target)), "filename": Path(target).name}
        request = ReadRequest(
            **source,
            extract=extract,
            pages=pages,
            images=images,
            links=links,
            max_length=max_length,
            start_index=start_index,
        )
        result = anyio.run(reader.read, request)
    except (DocReaderError, OSError) as exc:
        print(f"doc-reader: {exc}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        print(f"doc-reader: {validation_message(exc)}", file=sys.stderr)
        return 2
    sys.stdout.write(result.markdown)
    if result.next_start_index is not None:
        print(f"\ndoc-reader: more is left; rerun with --start-index {result.next_start_index}", file=sys.stderr)
    return 0


def _file_base64(path: Path) -> str:
    import base64

    return base64.b64encode(path.read_bytes()).decode("ascii")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `doc-reader` command."""
    parser = argparse.ArgumentParser(prog="doc-reader", description="Read documents as clean Markdown (MCP server).")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("stdio", help="serve MCP over stdin/stdout")
    serve = commands.add_parser("serve", help="serve MCP over Streamable HTTP at /mcp")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    read_cmd = commands.add_parser("read", help="print a URL's or a file's Markdown")
    read_cmd.add_argument("target", help="an http(s) URL or a local file path")
    read_cmd.add_argument("--extract", choices=("main", "full"), default="main")
    read_cmd.add_argument("--pages", help='PDF pages, e.g. "1-3,7"')
    read_cmd.add_argument(
        "--max-length", type=int, default=MAX_LENGTH_LIMIT, help=f"characters to print (default: {MAX_LENGTH_LIMIT})"
    )
    read_cmd.add_argument("--start-index", type=int, default=0)
    read_cmd.add_argument(
        "--links",
        choices=("inline", "references"),
        default="inline",
        help="references: text[^1], URLs listed at the end",
    )
    read_cmd.add_argument("--no-images", action="store_true", help="drop images")
    args = parser.parse_args(argv)

    _configure_logging(interactive=args.command == "read")
    if args.command == "stdio":
        run_stdio()
        return 0
    if args.command == "serve":
        run_http(args.host, args.port)
        return 0
    return read(
        args.target,
        extract=args.extract,
        pages=args.pages,
        images=not args.no_images,
        links=args.links,
        max_length=args.max_length,
        start_index=args.start_index,
    )


if __name__ == "__main__":
    sys.exit(main())
