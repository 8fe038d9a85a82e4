"""Choose the part of a cleaned page that is its main content.

`extract="full"` keeps the whole `<body>`. `extract="main"` first removes page
chrome (navigation, banner, page footer, sidebars, by tag and by ARIA role),
then prefers `<main>` / `role=main`, then a single dominant `<article>`, then
the body.
"""

from __future__ import annotations

import lxml.html

from doc_reader.convert.base import Extract

# Landmarks that are never the main content.
_CHROME_XPATH = (
    "//nav | //aside"
    " | //*[@role='navigation' or @role='banner' or @role='contentinfo' or @role='complementary' or @role='search']"
)
# <header>/<footer> are page chrome only when not inside sectioning content (HTML spec: banner/contentinfo).
_PAGE_HEADER_FOOTER = "//*[self::header or self::footer][not(ancestor::article or ancestor::main or ancestor::section)]"
# A candidate must hold at least this share of the page's text to be the main content.
_MIN_SHARE = 0.25
# One article is the content when it holds this share of all articles' text; else they all are.
_DOMINANT = 0.6


def body_of(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The `<body>` element (lxml always creates one for HTML documents)."""
    body = root.find("body")
    return body if body is not None else root


def select(root: lxml.html.HtmlElement, extract: Extract) -> lxml.html.HtmlElement:
    """The element to render: the body for "full", the main content for "main"."""
    body = body_of(root)
    if extract == "full":
        return body
    remove_chrome(body)
    landmark = _landmark(body)
    return body if landmark is None else landmark


def remove_chrome(body: lxml.html.HtmlElement) -> None:
    """Remove navigation, banner, page footer and sidebar regions from `body` in place."""
    for element in body.xpath(_CHROME_XPATH + " | " + _PAGE_HEADER_FOOTER):
        if element.getparent() is not None and element is not body:
            element.drop_tree()


def _landmark(body: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """`<main>`, `role=main` or the `<article>`(s), if that holds enough of the page's text.

    Several articles of similar size (forum posts, blog index cards) are kept together
    through their nearest common ancestor.
    """
    total = _words(body) or 1
    for xpath in ("//main", "//*[@role='main']", "//article"):
        candidates = body.xpath(xpath)
        if not candidates:
            continue
        sizes = [_words(el) for el in candidates]
        best = candidates[sizes.index(max(sizes))]
        if xpath == "//article" and max(sizes) < _DOMINANT * sum(sizes):
            best = _common_ancestor(candidates)
        if _words(best) / total >= _MIN_SHARE:
            return best
    return None


def _words(element: lxml.html.HtmlElement) -> int:
    return len(element.text_content().split())


def _common_ancestor(elements: list[lxml.html.HtmlElement]) -> lxml.html.HtmlElement:
    """The deepest element that contains all of `elements`."""
    shared = [elements[0], *elements[0].iterancestors()]
    for element in elements[1:]:
        lineage = {id(el) for el in (element, *element.iterancestors())}
        shared = [el for el in shared if id(el) in lineage]
    return shared[0]
