"""The pipeline, top to bottom: source -> guarded fetch -> sniff -> convert -> page -> result.

`Reader.read()` is what the MCP tool and the CLI call. It is async: network I/O
runs on the event loop, conversion runs in a worker thread with a deadline.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any, Literal, Self
from urllib.parse import urlsplit

import anyio
import anyio.from_thread
import anyio.to_thread
from pydantic import BaseModel, Field, model_validator

from doc_reader import logs
from doc_reader.cache import CachedDocument, DocumentCache, cache_key, make_cache
from doc_reader.convert import ConvertOptions, Deadline, convert_stream
from doc_reader.convert.base import TOO_SLOW
from doc_reader.convert.links import LinkStyle
from doc_reader.document import Document, Kind
from doc_reader.errors import ConversionError, DocReaderError
from doc_reader.fetch.guard import Resolver, system_resolver
from doc_reader.limits import clip_input, clip_output
from doc_reader.paging import Window, window
from doc_reader.progress import CallProgress, ProgressFn
from doc_reader.settings import DEFAULT_MAX_LENGTH, MAX_LENGTH_LIMIT, Settings
from doc_reader.sniff import describe
from doc_reader.source import Source, load_base64, load_url

log = logging.getLogger(__name__)


class ReadRequest(BaseModel):
    """One call's arguments. The MCP tool's input schema is generated from these fields, and they validate it."""

    url: str | None = Field(
        default=None, description="http(s) URL of the document to read. Give this or content_base64."
    )
    content_base64: str | None = Field(
        default=None, description="The document's bytes, base64-encoded (a data: URL is fine). Give this or url."
    )
    filename: str | None = Field(
        default=None, description="Name of the uploaded file, e.g. report.pdf; used as a type hint."
    )
    extract: Literal["main", "full"] = Field(
        default="main", description='"main": the readable main content of a web page; "full": the whole visible page.'
    )
    pages: str | None = Field(default=None, description='PDF pages to read, 1-based, e.g. "1-3,7". Default: all.')
    images: bool = Field(default=True, description="Keep images as ![alt](url); false drops them.")
    links: LinkStyle = Field(
        default="inline",
        description='"inline": [text](url); "references": text[^1] with the URLs listed at the end (shorter prose).',
    )
    max_length: int = Field(
        default=DEFAULT_MAX_LENGTH,
        ge=1000,
        le=MAX_LENGTH_LIMIT,
        description="Most characters of Markdown to return in this call.",
    )
    start_index: int = Field(
        default=0, ge=0, description="Character offset to start from: the previous call's next_start_index."
    )

    @model_validator(mode="after")
    def _exactly_one_source(self) -> Self:
        if self.content_base64 is not None and not self.content_base64.strip() and not self.url:
            raise ValueError("content_base64 is empty; send the document's bytes.")
        if bool(self.url) == bool(self.content_base64):
            raise ValueError("Give exactly one of `url` or `content_base64`.")
        return self

    @property
    def source_label(self) -> str:
        """What to call the source in results and logs: the URL, the filename, or a generic label."""
        return self.url or self.filename or "uploaded document"


class ReadResult(BaseModel):
    """One window of a converted document (the tool's structured output)."""

    source: str = Field(description="The URL or filename the document came from.")
    final_url: str | None = Field(default=None, description="The URL after redirects (URL sources only).")
    kind: Kind = Field(description="What the document was detected as.")
    title: str | None = None
    markdown: str = Field(description="This window of the document's Markdown.")
    total_length: int = Field(description="Characters of Markdown in the whole document.")
    start_index: int = Field(description="Where this window starts in the whole Markdown.")
    next_start_index: int | None = Field(description="Pass as start_index to read on; null when nothing is left.")
    page_count: int | None = Field(default=None, description="Pages in the PDF.")
    metadata: dict[str, str] = Field(default_factory=dict, description="Author, dates, site name and the like.")
    notes: list[str] = Field(default_factory=list, description="Limits reached, unreadable pages and so on.")


class Reader:
    """Reads documents for callers, sharing settings, the cache and the resolver between calls."""

    def __init__(
        self, settings: Settings, *, cache: DocumentCache | None = None, resolver: Resolver = system_resolver
    ) -> None:
        self.settings = settings
        self.cache = cache if cache is not None else make_cache(settings)
        self.resolver = resolver
        # Bounds memory: each conversion may hold a few hundred MB at the size caps.
        self._conversions = anyio.CapacityLimiter(settings.max_conversions)
        if settings.allow_private:
            log.warning("DOC_READER_ALLOW_PRIVATE=true: the fetch address guard is OFF; private addresses reachable")

    async def read(self, request: ReadRequest, progress: ProgressFn | None = None) -> ReadResult:
        """Return the requested window of the document, converting it (or taking it from the cache) first."""
        call: dict[str, Any] = {"tool": "read_document", "source_host": _host(request), "cached": False}
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await self._read(request, CallProgress(progress), call)
            outcome = "ok"
            return result
        except BaseException as exc:
            outcome = "cancelled" if isinstance(exc, anyio.get_cancelled_exc_class()) else type(exc).__name__
            raise
        finally:
            call.update(outcome=outcome, duration_ms=round((time.perf_counter() - started) * 1000, 1))
            if logs.request_id.get() is None:
                call["request_id"] = logs.new_request_id()
            log.info("read_document %s", outcome, extra=call)

    async def _read(self, request: ReadRequest, progress: CallProgress, call: dict[str, Any]) -> ReadResult:
        options = ConvertOptions(
            extract=request.extract,
            pages=request.pages,
            max_pages=self.settings.max_pdf_pages,
            images=request.images,
            links=request.links,
        )
        entry = await self._document(request, options, progress, call)
        doc = entry.document
        call.update(kind=doc.kind, pages=doc.page_count, chars=len(doc.markdown))
        win: Window = window(doc.markdown, request.start_index, request.max_length)
        return ReadResult(
            source=request.source_label,
            final_url=entry.final_url,
            kind=doc.kind,
            title=doc.title,
            markdown=win.text,
            total_length=win.total,
            start_index=win.start,
            next_start_index=win.next_start,
            page_count=doc.page_count,
            metadata=doc.metadata,
            notes=doc.notes,
        )

    async def _document(
        self, request: ReadRequest, options: ConvertOptions, progress: CallProgress, call: dict[str, Any]
    ) -> CachedDocument:
        started = time.monotonic()
        source = None
        if request.content_base64:
            # Decoding up to 13 MB of base64 and hashing it is CPU work: keep it off the event loop (one hop).
            source, key = await anyio.to_thread.run_sync(
                _load_upload, request.content_base64, request.filename, self.settings, options
            )
            call["bytes"] = len(source.data)
        else:
            key = cache_key(request.url or "", **_option_key(options))
        cached = await self.cache.get(key)
        if cached is not None:
            call["cached"] = True
            return cached
        if source is None:
            source = await load_url(
                request.url or "", self.settings, resolver=self.resolver, progress=progress.downloaded
            )
            call["bytes"] = len(source.data)
        # The whole call stays within request_timeout: a slow download leaves less time to convert.
        remaining = self.settings.request_timeout - (time.monotonic() - started)
        document = await self._convert(
            source, options, progress, min(self.settings.convert_timeout, max(remaining, 1.0))
        )
        entry = CachedDocument(document=document, final_url=source.final_url)
        await self.cache.put(key, entry)
        return entry

    def _convert_in_thread(self, source: Source, options: ConvertOptions) -> Document:
        """Sniff, clip, convert and clip again: all the CPU work of a call, kept off the event loop."""
        kind = "document"
        try:
            info = describe(source.data, source.content_type, source.filename, source.final_url or source.url)
            kind = f"{info.kind} document"
            data, notes = clip_input(source.data, info, self.settings.max_html_bytes)
            return clip_output(convert_stream(data, info, options), self.settings.max_output_chars, notes)
        except DocReaderError:
            raise
        except Exception:  # a converter bug met hostile input: a clear answer here, the traceback in the log
            log.exception("converting a %s failed", kind)
            raise ConversionError(f"This {kind} could not be converted; it may be malformed.") from None

    async def _convert(
        self, source: Source, options: ConvertOptions, progress: CallProgress, seconds: float
    ) -> Document:
        deadline = Deadline(seconds)
        options = replace(options, deadline=deadline, progress=progress.converted_from_thread())
        try:
            # A little grace past the converter's own deadline: it stops itself; this only guards a stuck C call.
            with anyio.fail_after(seconds + 5):
                return await _with_heartbeat(
                    partial(self._convert_in_thread, source, options), self._conversions, progress, "converting"
                )
        except TimeoutError:
            raise ConversionError(TOO_SLOW) from None
        finally:
            deadline.cancel()


async def _with_heartbeat(
    work: Callable[[], Document], limiter: anyio.CapacityLimiter, progress: CallProgress, message: str
) -> Document:
    """Run `work` in a worker thread (one of `limiter`'s) while progress heartbeats go out on the event loop."""
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(progress.heartbeat, message)
            try:
                return await anyio.to_thread.run_sync(work, abandon_on_cancel=True, limiter=limiter)
            finally:
                group.cancel_scope.cancel()
    except ExceptionGroup as errors:  # the heartbeat never raises, so the one error is the conversion's
        raise errors.exceptions[0] from None


def _host(request: ReadRequest) -> str:
    if not request.url:
        return "upload"
    try:
        return (urlsplit(request.url).hostname or "") if "://" in request.url else ""
    except ValueError:  # a malformed URL: the fetcher reports it; the log line just has no host
        return ""


def _load_upload(
    content_base64: str, filename: str | None, settings: Settings, options: ConvertOptions
) -> tuple[Source, str]:
    """Decode an uploaded document and compute its cache key (run in a worker thread)."""
    source = load_base64(content_base64, filename, settings)
    return source, cache_key(source.data, filename=filename, **_option_key(options))


def _option_key(options: ConvertOptions) -> dict[str, object]:
    return {
        "extract": options.extract,
        "pages": options.pages,
        "max_pages": options.max_pages,
        "images": options.images,
        "links": options.links,
    }


def validation_message(error: Exception) -> str:
    """One sentence from a pydantic ValidationError (or any ValueError) for the model to read."""
    errors = getattr(error, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        return f"{where}: {message}" if where else message
    return str(error)


__all__ = ["ReadRequest", "ReadResult", "Reader", "validation_message"]
