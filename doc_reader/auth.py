"""Who may call the HTTP endpoint: API keys, compared in constant time (OAuth tokens: doc_reader.oauth)."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping, Sequence


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The key a request presents, from `Authorization: Bearer <key>` or `x-api-key: <key>`."""
    return bearer_token(headers) or headers.get("x-api-key") or None


def matching_key(presented: str | None, keys: Sequence[str]) -> int | None:
    """The 1-based position of `presented` in `keys` (every key compared in constant time), or None."""
    if not presented:
        return None
    candidate = presented.encode()
    found = None
    for position, key in enumerate(keys, start=1):
        if hmac.compare_digest(candidate, key.encode()) and found is None:
            found = position
    return found


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if there is one."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None
