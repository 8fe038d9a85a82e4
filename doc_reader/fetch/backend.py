"""An httpcore network backend that connects only to addresses the guard has checked.

httpx hands the backend the URL's host name; we resolve it through the guard and
open the TCP connection to the checked IP itself, so no second DNS lookup can
swap in another target (DNS rebinding). TLS is started later by httpcore with
the original host name, so SNI and certificate verification are unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import anyio
import httpcore
from httpcore._backends.auto import AutoBackend

from doc_reader.fetch.guard import AddressGuard, BlockedAddressError

log = logging.getLogger(__name__)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolve-check-connect in one step, for every connection httpx opens (redirect hops included)."""

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard
        self._inner = AutoBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to the first reachable checked address of `host`; the name is resolved exactly once here."""
        try:
            with anyio.fail_after(timeout):
                addresses = await self._guard.resolve(host, port)
        except TimeoutError:
            # Same answer as "does not resolve": a slow internal resolver must not be told apart either.
            log.warning("fetch: resolving %r timed out", host)
            raise BlockedAddressError() from None
        error: Exception | None = None
        for ip in addresses:
            try:
                return await self._inner.connect_tcp(str(ip), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        """Unix sockets are never a fetch target."""
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        """Delegate to the event loop's sleep."""
        await self._inner.sleep(seconds)
