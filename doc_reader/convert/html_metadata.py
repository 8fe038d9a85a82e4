"""Title and page facts (byline, date, site, language, description, canonical URL).

Sources, most specific first: JSON-LD (`Article`, `NewsArticle`, `Product`...),
Open Graph / `article:*` meta properties, plain `<meta name>` tags, then the
markup itself (`<title>`, `<h1>`, `<html lang>`, `<link rel=canonical>`).
Must run before cleaning, which drops `<head>` and scripts.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import lxml.html

# Metadata key -> meta name/property values, best first.
_META_KEYS: dict[str, tuple[str, ...]] = {
    "author": ("author", "article:author", "citation_author", "dc.creator", "parsely-author", "sailthru.author"),
    "published": (
        "article:published_time",
        "citation_publication_date",
        "dc.date",
        "date",
        "parsely-pub-date",
        "sailthru.date",
        "og:published_time",
    ),
    "site_name": ("og:site_name", "application-name", "twitter:site"),
    "description": ("description", "og:description", "twitter:description", "dc.description"),
}
_LD_KEYS: dict[str, tuple[str, ...]] = {
    "author": ("author", "creator"),
    "published": ("datePublished", "dateCreated", "uploadDate"),
    "site_name": ("publisher",),
    "description": ("description",),
}
_MAX_VALUE = 500
# What sits between a headline and the site's name in a <title>: "Headline | Site", "Site – Headline".
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|\-–—·•»/]|::)\s+")
_NOT_WORD = re.compile(r"\W+")
_MAX_LD_BYTES = 200_000
_LD_NAME_DEPTH = 4


@dataclass
class PageMeta:
    """What the page says about itself."""

    title: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    # Lower-cased JSON-LD @type values and "og:<og:type>": what kind of page this says it is.
    kinds: frozenset[str] = frozenset()


def read_metadata(root: lxml.html.HtmlElement, url: str | None) -> PageMeta:
    """Collect the title and the metadata fields from `root` (an uncleaned `<html>` tree)."""
    metas = _meta_values(root)
    linked, kinds = _json_ld_values(root)
    if metas.get("og:type"):
        kinds.add(f"og:{metas['og:type'].lower()}")
    found: dict[str, str] = {}
    for key, names in _META_KEYS.items():
        value = linked.get(key) or next((metas[n] for n in names if metas.get(n)), None)
        # article:author is often a profile URL; a name is more useful, so skip bare URLs.
        if value and not (key == "author" and value.startswith("http")):
            found[key] = value
    language = root.get("lang") or root.get("xml:lang") or metas.get("og:locale") or metas.get("content-language")
    if language:
        found["language"] = language.strip()
    canonical = str(root.xpath("string(//link[@rel='canonical'][1]/@href)")).strip() or metas.get("og:url")
    if canonical and canonical.startswith(("http://", "https://")):
        found["canonical_url"] = canonical
    metadata = {k: v[:_MAX_VALUE] for k, v in found.items()}
    title = _title(root, metas, linked)
    if title:
        title = without_site_name(title, found.get("site_name"), url)
    return PageMeta(title=title, metadata=metadata, kinds=frozenset(kinds))


def _title(root: lxml.html.HtmlElement, metas: dict[str, str], linked: dict[str, str]) -> str | None:
    """og:title, else the first `<h1>` when `<title>` contains it (no site suffix), else `<title>`, else `<h1>`."""
    head_title, heading = _text(root.find(".//title")), _text(root.find(".//body//h1"))
    if heading and heading.lower() in head_title.lower():
        head_title = heading
    return metas.get("og:title") or linked.get("headline") or head_title or heading or None


def without_site_name(title: str, site_name: str | None, url: str | None) -> str:
    """`title` without a leading or trailing part that names the site ("Headline | Site" -> "Headline").

    A part names the site when it is the page's site name, its host name or the host name's
    first label (`www.` aside: "LuccaAM", "NutritionFacts.org"), compared without case or
    punctuation; the site name stays in the metadata.
    """
    separators = list(_TITLE_SEPARATOR.finditer(title))
    if not separators:
        return title
    host = (urlsplit(url or "").hostname or "").removeprefix("www.")
    names = {name_key(site_name or ""), name_key(host), name_key(host.split(".")[0])} - {""}
    if name_key(title[separators[-1].end() :]) in names:
        return title[: separators[-1].start()]
    if name_key(title[: separators[0].start()]) in names:
        return title[separators[0].end() :]
    return title


def name_key(text: str) -> str:
    """`text` as names are compared: lower-case, without spaces or punctuation ("NutritionFacts.org")."""
    return _NOT_WORD.sub("", text.lower())


def _text(element: lxml.html.HtmlElement | None) -> str:
    return " ".join(element.text_content().split()) if element is not None else ""


def _meta_values(root: lxml.html.HtmlElement) -> dict[str, str]:
    """`<meta name|property|itemprop|http-equiv=... content=...>` as a lower-cased name -> value map (first wins)."""
    values: dict[str, str] = {}
    for meta in root.iter("meta"):
        content = " ".join((meta.get("content") or "").split())
        if not content:
            continue
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            name = (meta.get(attribute) or "").strip().lower()
            if name:
                values.setdefault(name, content)
    return values


def _json_ld_values(root: lxml.html.HtmlElement) -> tuple[dict[str, str], set[str]]:
    """Headline, author, date, publisher and description from the page's JSON-LD objects, and their @types."""
    values: dict[str, str] = {}
    kinds: set[str] = set()
    for script in root.xpath("//script[@type='application/ld+json']"):
        text = script.text or ""
        if len(text) > _MAX_LD_BYTES:
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
            continue
        for item in _ld_items(data):
            kinds.update(kind.lower() for kind in _ld_types(item) if isinstance(kind, str))
            for key, names in {"headline": ("headline",), **_LD_KEYS}.items():
                if key not in values:
                    value = next((_ld_name(item.get(n)) for n in names if _ld_name(item.get(n))), "")
                    if value:
                        values[key] = value
    return values, kinds


def _ld_items(data: Any) -> Iterator[dict[str, Any]]:
    """The JSON-LD objects that describe the page itself (articles, products...), not breadcrumbs or sites."""
    queue = deque([data])
    while queue:
        item = queue.popleft()
        if isinstance(item, list):
            queue.extend(item)
        elif isinstance(item, dict):
            graph = item.get("@graph")
            if isinstance(graph, list | dict):
                queue.append(graph)
            if not {"BreadcrumbList", "WebSite", "Organization", "SearchAction"} & {str(k) for k in _ld_types(item)}:
                yield item


def _ld_types(item: dict[str, Any]) -> list[Any]:
    """The `@type` of a JSON-LD object as a list."""
    kinds = item.get("@type")
    return kinds if isinstance(kinds, list) else [kinds]


def _ld_name(value: Any, depth: int = 0) -> str:
    """A JSON-LD value as text: a string, an object's `name`, or the names of a list joined by commas.

    Names nested deeper than a few levels are not read (a page can nest them a thousand deep).
    """
    if isinstance(value, str):
        return " ".join(value.split())
    if depth >= _LD_NAME_DEPTH:
        return ""
    if isinstance(value, dict):
        return _ld_name(value.get("name"), depth + 1)
    if isinstance(value, list):
        return ", ".join(name for name in (_ld_name(v, depth + 1) for v in value[:5]) if name)
    return ""
