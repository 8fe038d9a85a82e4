"""Who may call the HTTP endpoint: API keys, compared in constant time."""

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
