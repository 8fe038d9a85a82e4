"""Guarded, bounded fetching: `doc_reader.fetch.client.fetch()` is the one entry point.

Nothing is imported here, so that `guard` (needed to validate settings at start-up)
loads without pulling in httpx: stdio cold start pays for httpx only on a URL read.
"""
