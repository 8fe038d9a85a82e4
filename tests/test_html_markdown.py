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


def cleaned_body(html: str) -> lxml.html.HtmlElement:
    """A page's body after cleaning, as the converter hands it to `render`."""
    root, _ = parse(html)
    assert root is not None
    clean(root, Deadline(None))
    return root.find("body")


def prepared_body(html: str) -> lxml.html.HtmlElement:
    """A page's cleaned body with only the attributes rendering reads, as `render` hands it to BeautifulSoup."""
    body = cleaned_body(html)
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


def rendered(html: str) -> str:
    """The Markdown `render` makes of an HTML fragment's cleaned body."""
    return html_markdown.render(cleaned_body(html), images=True, deadline=Deadline(None))


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("<p>a<br>b</p>", "a\\\nb\n"),
        ("<p>a<br><br><br>b<br></p><p>c</p>", "a\n\nb\n\nc\n"),
        ("<p><b>a<br><br>b</b> <a href='https://e.com/'>c<br><br>d</a></p>", "**a\\\nb** [c d](https://e.com/)\n"),
        ("<div><br></div><p>x</p><div><br> <br></div>", "x\n"),
        ("<p><br><span><br>lead</span></p>", "lead\n"),
        ("<blockquote><p>q1<br>q2<br><br>q3</p></blockquote>", "> q1\\\n> q2\n>\n> q3\n"),
        ("<ul><li>one<br>two</li><li><br>three</li><li>four<br></li></ul>", "- one\\\n  two\n- three\n- four\n"),
        ("<ol><li><br>-1 degrees</li></ol>", "1. -1 degrees\n"),
        ("<ul><li><br><ul><li>sub</li></ul></li></ul>", "- - sub\n"),
        (
            "<table><tr><th>h</th><th>k</th></tr><tr><td>a<br>b</td><td>c</td></tr></table><h2>x<br>y</h2>",
            "| h | k |\n| --- | --- |\n| a b | c |\n\n## x y\n",
        ),
        (
            "<p><a href='https://e.com/'>foo<br>bar</a></p><p>C:\\ dir\\</p>",
            "[foo bar](https://e.com/)\n\nC:\\ dir\\\n",
        ),
        ("<p>a \ufdd0b</p><pre>x<br>  y</pre>", "a b\n\n```\nx\n  y\n```\n"),
    ],
)
def test_line_breaks_join_lines_of_a_paragraph_and_never_stand_alone(html: str, markdown: str) -> None:
    assert rendered(f"<html><body>{html}</body></html>") == markdown


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        (
            "<p><strong>Save</strong><b>$5</b> <b><strong>now</strong></b> <em>a<i>b</i></em><i>c</i></p>",
            "**Save$5** **now** *abc*\n",
        ),
        (
            "<p><strong>Book by May<br></strong>Travel <a href='https://e.com/'><br>Go<br></a></p>",
            "**Book by May**\\\nTravel\\\n[Go](https://e.com/)\n",
        ),
        # Bold-italic beside bold or italic: the run holding just the other kind trades tags and joins.
        (
            "<p><em><strong>a</strong></em><strong>b</strong> <i>x</i><b><i>y</i></b> "
            "<strong><em>c</em></strong><em>.</em></p>",
            "***a*b** *x**y*** ***c**.*\n",
        ),
        ("<p><em><em><strong>10</strong></em><strong>x</strong> today</em></p>", "***10x** today*\n"),
        # Runs touch across the edges of wrappers that render as their text alone.
        (
            "<ul><li><strong>A</strong><span><strong>:</strong></span></li><li><b>S</b><span><b>ay</b> x</span></li>"
            "<li>On <span><b>May</b></span><span><b>*</b></span></li></ul>",
            "- **A:**\n- **Say** x\n- On **May\\***\n",
        ),
        # A blank link between words is a space; at a block's edge it is nothing.
        (
            "<div><strong>A</strong><a href='https://e.com/'> </a><strong>B</strong> c<a href='https://e.com/'> </a>"
            "</div><div><p>x</p><a href='https://e.com/'> </a>y</div>",
            "**A** **B** c\n\nx\n\ny\n",
        ),
        ("<p>Eliz\n-\nProduct marketer</p><p>Title\n===</p>", "Eliz - Product marketer\n\nTitle ===\n"),
        (
            "<p>+</p><p>a<br>--</p><p>-</p><hr><blockquote><p>=</p></blockquote>",
            "\\+\n\na\\\n\\--\n\n\\-\n\n---\n\n> \\=\n",
        ),
        ("<h2> </h2><h3><img src='https://e.com/i.svg' alt=''></h3><p>x</p>", "x\n"),
        (
            "<p>a <img src='/s.gif' alt=''><img src='/m.png'><img src='/c.png' alt='Cat'>",
            "a ![](/m.png)![Cat](/c.png)\n",
        ),
        # The same picture twice in a row is shown once; apart, or as list items, it stays.
        (
            "<p>a</p><p><img src='https://e.com/c.png' alt='Check'></p><div><img src='https://e.com/c.png' "
            "alt='Check'></div><p>b</p><p><img src='https://e.com/c.png' alt='Check'></p>"
            "<ul><li><img src='https://e.com/c.png' alt='Check'></li>"
            "<li><img src='https://e.com/c.png' alt='Check'></li></ul>",
            "a\n\n![Check](https://e.com/c.png)\n\nb\n\n![Check](https://e.com/c.png)\n\n"
            "- ![Check](https://e.com/c.png)\n- ![Check](https://e.com/c.png)\n",
        ),
        # So is the same heading (one per screen size); apart, or at another level, it stays.
        (
            "<h2>Durable design</h2><div><h2 class='md:hidden'>Durable design</h2></div><p>x</p>"
            "<h2>Durable design</h2><h3>Durable design</h3>",
            "## Durable design\n\nx\n\n## Durable design\n\n### Durable design\n",
        ),
        # No alt: the name a screen reader would use (aria-label, then title); alt="" stays decorative.
        (
            "<p><img src='/a.png' title='Sales'> <img src='/b.png' aria-label='Logo' title='x'> "
            "<img src='/c.png' alt='' title='deco'></p>",
            "![Sales](/a.png) ![Logo](/b.png)\n",
        ),
        (
            "<table><tr><td></td><td></td></tr><tr><td>1</td><td>2</td></tr><tr><td> </td><td><br></td></tr></table>",
            "| | |\n| --- | --- |\n| 1 | 2 |\n",
        ),
        (
            "<table><caption>Cap</caption><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td><td>3|x</td></tr></table>",
            "Cap\n\n| a | b | |\n| --- | --- | --- |\n| 1 | 2 | 3\\|x |\n",
        ),
    ],
)
def test_markup_that_would_read_wrong_is_merged_or_dropped(html: str, markdown: str) -> None:
    assert rendered(f"<html><body>{html}</body></html>") == markdown


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        pytest.param(
            '<p>ok <img class="emoji" alt=":wave:" src="https://e.com/w.png"> go</p>', "ok :wave: go\n", id="emoji name"
        ),
        pytest.param(
            '<p><img alt="👍🏽" src="https://e.com/t.png"><img class="wp-smiley" alt=";)" src="https://e.com/s.png"></p>',
            "👍🏽;)\n",
            id="emoji and emoticon",
        ),
        pytest.param(
            '<p>a <img class="reaction--emoji" alt="Like" src="https://e.com/l.png"> b</p>',
            "a ![Like](https://e.com/l.png) b\n",
            id="a word on an emoji button stays a picture",
        ),
        pytest.param(
            "<table><tr><th>k</th><th>a</th><th>b</th></tr>"
            "<tr><td rowspan='2'>x</td><td>1</td><td rowspan='3'>y</td></tr><tr><td>2</td></tr>"
            "<tr><td>z</td><td>3</td></tr></table>",
            "| k | a | b |\n| --- | --- | --- |\n| x | 1 | y |\n| | 2 | |\n| z | 3 | |\n",
            id="rows under a spanning cell keep their columns",
        ),
        pytest.param(
            "<table><tbody><tr><td>r1</td><td>c</td></tr></tbody><tbody><tr><td>r2</td><td>d</td></tr></tbody></table>",
            "| | |\n| --- | --- |\n| r1 | c |\n| r2 | d |\n",
            id="a second tbody starts no second header",
        ),
        pytest.param(
            "<table><thead><tr><th></th></tr></thead><tbody><tr><td>a</td><td>b</td></tr></tbody></table>",
            "| | |\n| --- | --- |\n| a | b |\n",
            id="an empty header row leaves no header behind",
        ),
        pytest.param(
            "<table><tr><th>k</th><th>v<table><tr><th>1</th><th>2</th></tr><tr><td>a</td><td>b</td></tr></table></th></tr>"
            "<tr><td>x</td><td>y</td></tr></table>",
            "| k | v \\| 1 \\| 2 \\| \\| --- \\| --- \\| \\| a \\| b \\| |\n| --- | --- |\n| x | y |\n",
            id="a header row is as wide as its own cells, not those of a table inside one",
        ),
        pytest.param(
            "<table><tr><th>k</th><th>v</th></tr>"
            "<tr><td>a</td><td><ul><li>one</li><li>two <ul><li>2b</li></ul></li></ul></td></tr></table>",
            "| k | v |\n| --- | --- |\n| a | • one • two • 2b |\n",
            id="a list in a cell reads as bullets on one line",
        ),
        pytest.param("<p>x<sup>2</sup> H<sub>2</sub>O e<sup>i pi</sup></p>", "x^2 H_2O e^(i pi)\n", id="scripts"),
        pytest.param(
            "<p>Banner <sub><img src='https://e.com/b.png' alt='b'></sub></p>",
            "Banner ![b](https://e.com/b.png)\n",
            id="a picture in a script is not raised",
        ),
        pytest.param(
            "<p>note<sup><a href='https://e.com/#fn1'>1</a></sup></p>",
            "note^([1](https://e.com/#fn1))\n",
            id="a footnote link is raised",
        ),
        pytest.param(
            '<p>So <math display="block" alttext="{\\displaystyle \\{x\\} }"><mi>x</mi></math></p>',
            "So $$\\{x\\}$$\n",
            id="a display formula loses MediaWiki's style group",
        ),
        pytest.param(
            '<p><math alttext="{\\displaystyle a}+{\\displaystyle b}"><mi>a</mi></math></p>',
            "${\\displaystyle a}+{\\displaystyle b}$\n",
            id="a style group that is not the whole formula stays",
        ),
        pytest.param(
            "<dl><dt>A</dt><dd>x</dd><dd>y</dd><dt>B</dt> <dt>C</dt><dd>z</dd></dl>",
            "A\n: x\n: y\n\nB\nC\n: z\n",
            id="definitions sit under their terms, and terms in a row on adjacent lines",
        ),
        pytest.param(
            "<dl><dd>Indented.</dd></dl><dl><dt> </dt><dd>Term emptied.</dd></dl>",
            "Indented.\n\nTerm emptied.\n",
            id="a definition with no term above it is a paragraph",
        ),
    ],
)
def test_pictures_tables_and_scripts_read_as_on_screen(html: str, markdown: str) -> None:
    assert rendered(f"<html><body>{html}</body></html>") == markdown


def test_a_repeated_picture_goes_whatever_page_whitespace_precedes_it() -> None:
    # Britannica's header (dev page 4043) puts the same linked logo twice; the second line reaches `tidy`
    # with page whitespace before it: " [![...](...)](...)".
    logo = "[![Britannica](https://e.com/logo.png)](https://e.com/)"
    assert html_markdown.tidy(f"News\n\n{logo}\n\n {logo} \n\nText") == f"News\n\n{logo}\n\nText\n"
    assert html_markdown.tidy(f"- item\n\n  {logo}\n\n  {logo}\n") == f"- item\n\n  {logo}\n\n  {logo}\n"
