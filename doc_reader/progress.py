"""Progress of one call as a single 0-100 scale the client can show.

The download fills 0-50 and the conversion 50-100, so values only ever grow
(the protocol requires it) although the two phases count different things
(bytes, pages). While a converter reports nothing, a heartbeat nudges the value
every few seconds: clients see the call is alive, and an SSE response sends
bytes long before the Heroku router's 30-second first-byte limit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

import anyio
import anyio.from_thread

log = logging.getLogger(__name__)

ProgressFn = Callable[[float, float | None, str], Awaitable[None]]
TOTAL = 100.0
_DOWNLOAD_SHARE = 50.0
_MIN_INTERVAL = 0.25  # seconds between notifications (the final one of each phase always goes out)
HEARTBEAT_INTERVAL = 2.0


class CallProgress:
    """Turns download and conversion events into throttled, strictly increasing notifications."""

    def __init__(self, send: ProgressFn | None) -> None:
        self._send = send
        self._value = 0.0
        self._last_sent = float("-inf")

    async def _report(self, value: float, message: str, *, final: bool = False) -> None:
        if self._send is None:
            return
        value = max(value, self._value + 0.01)  # strictly increasing, even for a heartbeat
        now = time.monotonic()
        if value >= TOTAL or (not final and now - self._last_sent < _MIN_INTERVAL):
            return
        self._value, self._last_sent = value, now
        try:
            await self._send(round(value, 2), TOTAL, message)
        except Exception:  # a client that stopped listening must not fail the call
            log.debug("progress notification dropped", exc_info=True)

    async def downloaded(self, received: int, total: int | None) -> None:
        """Bytes received so far (of `total` when the server said)."""
        # Without a length, approach the phase's end without reaching it.
        share = received / total if total else received / (received + 1_000_000)
        await self._report(_DOWNLOAD_SHARE * min(share, 1.0), f"downloaded {received} bytes", final=received == total)

    async def converted(self, done: int, total: int, message: str) -> None:
        """Units (PDF pages) converted so far, of `total`."""
        share = done / total if total else 0.0
        await self._report(_DOWNLOAD_SHARE + (TOTAL - _DOWNLOAD_SHARE) * share * 0.99, message, final=done == total)

    def converted_from_thread(self) -> Callable[[int, int, str], None] | None:
        """`converted` as a plain function a converter thread can call (None when nobody listens)."""
        if self._send is None:
            return None

        def report(done: int, total: int, message: str) -> None:
            try:
                anyio.from_thread.run(self.converted, done, total, message)
            except RuntimeError:  # the event loop is gone (the call was abandoned): nobody to tell
                log.debug("progress notification dropped", exc_info=True)

        return report

    async def heartbeat(self, message: str) -> None:
        """Nudge the value every HEARTBEAT_INTERVAL seconds until cancelled."""
        if self._send is None:
            return
        started = time.monotonic()
        while True:
            await anyio.sleep(HEARTBEAT_INTERVAL)
            await self._report(self._value, f"{message} ({time.monotonic() - started:.0f} s)", final=True)
