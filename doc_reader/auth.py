"""Who may call the HTTP endpoint: API keys, compared in constant time (OAuth tokens: doc_reader.oauth)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The key a request presents, from `Authorization: Bearer <key>` or `x-api-key: <key>`."""
    authorization = headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return headers.get("x-api-key") or None


def key_matches(presented: str | None, keys: Sequence[str]) -> bool:
    """True if `presented` equals one of `keys`; every key is compared, in constant time."""
    if not presented:
        return False
    candidate = presented.encode()
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(candidate, key.encode())
    return matched


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


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if there is one."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None
