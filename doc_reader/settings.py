"""Every environment variable doc-reader reads, in one place.

Variables use the `DOC_READER_` prefix except the platform conventions Heroku
sets or users expect (`API_KEY`, `PORT`, `WEB_CONCURRENCY`). README.md and
app.json document each one; keep the three in step.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MB = 1024 * 1024
MAX_LENGTH_LIMIT = 1_000_000  # most characters one call may return
DEFAULT_MAX_LENGTH = 40_000


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


CommaList = Annotated[list[str], NoDecode, BeforeValidator(_split_list)]


class Settings(BaseSettings):
    """Configuration from the environment; build one with `get_settings()`."""

    model_config = SettingsConfigDict(env_prefix="DOC_READER_", extra="ignore", populate_by_name=True)

    # --- HTTP server ---
    api_keys: CommaList = Field(
        default_factory=list,
        validation_alias="API_KEY",
        description="Comma-separated API keys accepted as `Authorization: Bearer` or `x-api-key`.",
    )
    allowed_origins: CommaList = Field(
        default_factory=lambda: ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"],
        description="Browser origins allowed to call /mcp (a trailing :* allows any port).",
    )
    http_allowed_hosts: CommaList = Field(
        default_factory=list,
        description="Host header values accepted on /mcp (a trailing :* allows any port). Empty: any host.",
    )

    # --- Fetching ---
    allow_hosts: CommaList = Field(
        default_factory=list,
        description="Private targets the fetcher may reach anyway: host, host:port or CIDR.",
    )
    allow_private: bool = Field(default=False, description="Turn the address guard off (fully trusted networks only).")
    user_agent: str = Field(default="doc-reader/0.1 (+https://github.com/doc-reader/doc-reader; MCP document reader)")
    fetch_timeout: float = Field(default=20.0, gt=0, description="Total seconds for one fetch, redirects included.")
    connect_timeout: float = Field(default=5.0, gt=0, description="Seconds to open a connection.")
    stall_timeout: float = Field(default=10.0, gt=0, description="Seconds without a byte before a fetch is cut off.")
    max_redirects: int = Field(default=5, ge=0, le=20)
    max_download_bytes: int = Field(default=25 * MB, gt=0, description="Largest body fetched (after decompression).")

    # --- Input and conversion ---
    max_input_bytes: int = Field(default=10 * MB, gt=0, description="Largest decoded `content_base64` document.")
    convert_timeout: float = Field(default=20.0, gt=0, description="Seconds one conversion may take.")
    request_timeout: float = Field(
        default=25.0, gt=0, description="Seconds one call may take in all, fetch and conversion (under Heroku's 30 s)."
    )
    max_conversions: int = Field(
        default=4, ge=1, description="Conversions running at once per worker process; more wait their turn."
    )
    max_pdf_pages: int = Field(default=500, gt=0, description="PDF pages converted per call; `pages` selects others.")
    max_html_bytes: int = Field(default=2 * MB, gt=0, description="HTML converted per page; longer pages are cut.")
    max_output_chars: int = Field(
        default=5_000_000, gt=0, description="Characters of Markdown kept per document; the rest is cut with a note."
    )
    default_max_length: int = Field(
        default=DEFAULT_MAX_LENGTH, ge=1000, le=MAX_LENGTH_LIMIT, description="Characters returned per call by default."
    )

    # --- Cache ---
    cache_ttl: float = Field(default=900.0, ge=0, description="Seconds a converted document stays cached (0: off).")
    cache_max_bytes: int = Field(default=64 * MB, ge=0, description="In-process cache budget in bytes.")
    redis_url: str | None = Field(
        default=None,
        validation_alias="REDIS_URL",
        description="redis:// or rediss:// URL: cache and rate limits shared by every worker and dyno.",
    )
    redis_timeout: float = Field(
        default=0.5, gt=0, description="Seconds a Redis command may take before it is skipped."
    )

    # --- OAuth 2.1 resource server (besides API keys) ---
    oauth_issuer: str | None = Field(default=None, description="The IdP's issuer URL (`iss`); turns OAuth on.")
    oauth_audience: str | None = Field(
        default=None, description="This server's resource URL, e.g. https://my-app.herokuapp.com/mcp (`aud`)."
    )
    oauth_scopes: CommaList = Field(default_factory=list, description="Scopes every token must carry.")
    oauth_jwks_url: str | None = Field(default=None, description="JWKS URL; default: from the issuer's metadata.")
    oauth_algorithms: CommaList = Field(
        default_factory=lambda: ["RS256", "ES256", "PS256", "EdDSA"], description="Signature algorithms accepted."
    )
    oauth_leeway: float = Field(default=30.0, ge=0, le=300, description="Seconds of clock skew allowed on exp/nbf.")

    # --- Rate limits ---
    rate_limit: float = Field(
        default=0.0, ge=0, description="Requests per minute per API key or token subject (0: off)."
    )
    rate_burst: int = Field(
        default=60, ge=1, description="Requests a caller may make at once before the limit applies."
    )

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = Field(default="json", description="json: one JSON object per line on stderr.")

    @field_validator("allow_hosts")
    @classmethod
    def _allow_hosts_parse(cls, value: list[str]) -> list[str]:
        # Fail at start-up on a typo, not on the first fetch.
        from doc_reader.fetch.guard import AllowList

        AllowList.parse(value)
        return value

    @property
    def max_request_body_bytes(self) -> int:
        """The HTTP body limit: a base64 document at the input cap plus room for the JSON-RPC envelope."""
        return (self.max_input_bytes + 2) // 3 * 4 + 64 * 1024


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
