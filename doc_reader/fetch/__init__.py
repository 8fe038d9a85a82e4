"""Guarded, bounded fetching: `fetch()` is the one entry point."""

from doc_reader.fetch.client import Fetched, check_url, fetch

__all__ = ["Fetched", "check_url", "fetch"]
