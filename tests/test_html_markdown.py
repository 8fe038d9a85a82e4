"""The renderer builds BeautifulSoup's tree straight from lxml's: the same tree a parse of the serialised page gives."""

from __future__ import annotations

import copy
from pathlib import Path

import lxml.html
import pytest
from bs4 import BeautifulSoup, PageElement

from doc_reader.convert import html_markdown
from doc_reader.convert.base import Deadline
from doc_reader.convert.html_clean import clean, parse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "html"


def shape(soup: BeautifulSoup) -> list[tuple[object, ...]]:
    """Every node in document order (the `next_element` chain): kind, name, attributes, text, and where
    its parent, previous element and siblings sit in that order (-1 for none, -2 for the document)."""
    nodes: list[PageElement] = []
    node: PageElement | None = soup.contents[0]
    while node is not None:
        nodes.append(node)
        node = node.next_element
    position = {id(node): index for index, node in enumerate(nodes)} | {id(soup): -2, id(None): -1}
    return [
        (
            type(node).__name__.strip("_"),
            node.name,
            dict(getattr(node, "attrs", {})),
            None if hasattr(node, "contents") else str(node),
            *(position[id(link)] for link in (node.parent, node.previous_element, node.previous_sibling)),
            position[id(node.next_sibling)],
        )
        for node in nodes
    ]


def prepared_body(html: str) -> lxml.html.HtmlElement:
    """A page's cleaned body with only the attributes rendering reads, as `render` hands it over."""
    root, _ = parse(html)
    assert root is not None
    clean(root, Deadline(None))
    body = root.find("body")
    html_markdown._drop_unread_attributes(body)
    return body


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.html")))
def test_tree_matches_beautifulsoups_parse_of_the_serialised_page(name: str) -> None:
    body = prepared_body((FIXTURES / name).read_text(encoding="utf-8"))
    parsed = BeautifulSoup(lxml.html.tostring(body, encoding="unicode"), "lxml")
    built = html_markdown._soup(copy.deepcopy(body))
    assert len(shape(built)) > 20
    assert shape(built) == shape(parsed)
    assert str(built) == str(parsed)


def test_fragment_sits_in_html_body_and_whitespace_collapses_outside_pre() -> None:
    fragment = lxml.html.fragment_fromstring("<div>\n\n  <p>a</p>  <pre>\n  x\n</pre>\t</div>")
    built = html_markdown._soup(fragment)
    assert [tag.name for tag in built.find_all(True)] == ["html", "body", "div", "p", "pre"]
    assert [str(s) for s in built.div.contents if isinstance(s, str)] == ["\n", " ", " "]
    assert built.pre.string == "\n  x\n"


def test_link_targets_are_percent_encoded_outside_printable_ascii() -> None:
    fragment = lxml.html.fragment_fromstring('<p><a href=" /naïve–page?q=a b&amp;r=[1]">x</a><img src="/é.png"></p>')
    built = html_markdown._soup(fragment)
    assert built.a["href"] == "/na%C3%AFve%E2%80%93page?q=a%20b&r=[1]"
    assert built.img["src"] == "/%C3%A9.png"


def test_a_whole_document_is_not_wrapped_again() -> None:
    root = lxml.html.document_fromstring("<html><head><title>t</title></head><body><p>x</p></body></html>")
    parsed = BeautifulSoup(lxml.html.tostring(root, encoding="unicode"), "lxml")
    built = html_markdown._soup(copy.deepcopy(root))
    assert [tag.name for tag in built.find_all(True)] == ["html", "head", "title", "body", "p"]
    assert shape(built) == shape(parsed)
