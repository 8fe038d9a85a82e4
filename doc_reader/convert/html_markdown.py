"""Render a cleaned lxml subtree as Markdown (BeautifulSoup + markdownify, with fixes).

markdownify does the walk; this module changes what it gets wrong for our
readers: fenced code keeps its language and exact whitespace, table cells
escape `|`, a table has one header row decided from its own cells, layout
tables become plain blocks and empty rows go, links never
carry `javascript:` or empty text (a blank link between words is a space),
images use their lazy-load source and can be switched off (decorative ones,
`alt=""`, always are), text that looks like an HTML tag is escaped so that no
raw HTML reaches the output, `<br>` is a hard break only inside a paragraph
(never a line of its own), newlines in the page's text are spaces (so they
cannot start a list or underline a heading), and bold and italic runs that
nest or touch (also across `<span>`-like wrappers, or a bold-italic run beside
a bold or an italic one) merge instead of printing `****`.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from typing import Any
from urllib.parse import quote

import lxml.html
from bs4 import BeautifulSoup, NavigableString, Tag
from lxml import etree
from markdownify import STRIP, MarkdownConverter, should_remove_whitespace_outside

from doc_reader.convert.base import Deadline
from doc_reader.convert.html_clean import BREAK_MARKER, HEADER_ROW_MARKER, TAB_LABEL
from doc_reader.convert.html_video import VIDEO_PAGE
from doc_reader.convert.links import Links, LinkStyle, destination

_LANGUAGE_CLASS = re.compile(r"(?:^|\s)(?:language|lang|highlight-source|highlight|brush)(?:-|:\s*)([A-Za-z0-9_+#.]+)")
_NOT_LANGUAGES = frozenset({"default", "none", "nohighlight", "plaintext"})
# Permalink anchors next to headings ("¶", "#") carry no text worth keeping.
_PERMALINK_MARKS = frozenset({"¶", "#", "§", "🔗", "link"})
_UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")
# Targets that lead nowhere: a script call anywhere in the URL ("/en/javascript:void(0)", "#javascript:"),
# or a mail, phone or text scheme with no address.
_DEAD_TARGET = re.compile(r"javascript:|^(?:mailto|tel|sms):$", re.IGNORECASE)
_TAG_LIKE = re.compile(r"<(?=[A-Za-z/!?])")
_INNER_SPACES = re.compile(r"(?<=\S) {2,}(?=\S)")
_FENCE = re.compile(r"^(`{3,}|~{3,})")
# `<br>` renders as this marker and a newline; `tidy` turns the marker into a hard break (`\\`) only
# between two lines of one paragraph, so no line is a lone backslash. Not whitespace to markdownify,
# and never in the page's text (`html_clean.parse` removes it).
_BREAK = BREAK_MARKER
_RULE = "---"
# Where a rule (`<hr>`) is decoration, not a break between blocks: `- ---`, `[---](url)`, a cell's `---`.
_RULELESS = frozenset({"li", "a", "dt", "dd", "_inline"})
_LIST_ITEM = re.compile(r"(?:[-*+]|\d+[.)]) ")
_EMAIL_PROTECTION = "/cdn-cgi/l/email-protection"
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# A line of these alone would read as an empty list item, a heading underline or a rule (markdownify's own
# rule, `---`, is the one such line it writes).
_MARKERS_ONLY = re.compile(r"(?!---$)[-+*=#_]+")
# Separators left at a line's edge by items that were not selected ("Add a comment |", "| May 4").
_EDGE_SEPARATORS = re.compile(r"^\| +|(?: +[|•·])+$")
# Page text of separators alone ("|", "•", "·"), between items the stylesheet lays out in a row: a lone
# "|" (several would be an empty table row), or runs of the others.
_SEPARATORS_ONLY = re.compile(r"\||[•·∙‧◦▪‣/–—]+(?: +[•·∙‧◦▪‣/–—]+)*")
# Reading text, outside `<pre>`: no-break spaces become spaces; invisible characters (zero-width
# space, word joiner, byte-order mark, soft hyphen) go, and so do zero-width joiners that join nothing.
_READER_TEXT = str.maketrans(
    {"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u200b": None, "\u2060": None, "\ufeff": None, "\u00ad": None}
)
# An underscore between two letters or digits can neither open nor close emphasis (CommonMark), so
# `snake_case` and `a_b.html` in page text need no backslash.
_INNER_UNDERSCORE = re.compile(r"(?<=[^\W_])\\_(?=[^\W_])")
_LOOSE_JOINERS = re.compile(r"(?<!\S)[\u200c\u200d]+|[\u200c\u200d]+(?!\S)")
# Two or more line breaks in a row inside bold or italic text: one break there (a paragraph cannot start).
_BREAK_RUN = re.compile(f"{_BREAK}\n(?:[ \t]*{_BREAK}\n)+")
# Blockquote markers and indentation (or stray spaces) before a line's text.
_LINE_PREFIX = re.compile(r"[\s>]*")
# A paragraph that is one picture (a linked one too).
_PICTURE_LINE = re.compile(r"\[?!\[[^\]]*\]\([^)]*\)(?:\]\([^)]*\))?")
# A heading line (a "#" in text at a line start is written escaped).
_HEADING_LINE = re.compile(r"#{1,6} ")
_CELL_BORDER = re.compile(r"(?<!\\)\|")
# Inline markup that renders as the same Markdown emphasis.
_EMPHASIS = {"b": "strong", "strong": "strong", "i": "em", "em": "em"}
# Inline wrappers markdownify writes as their content alone: a run at their edge touches the runs outside.
_TRANSPARENT = frozenset({"span", "font", "u", "small", "mark"})
# Tables whose cells hold these are page layout, not data.
_TABLE_PARTS = ("thead", "tbody", "tfoot", "tr", "td", "th", "caption")
# Attributes the renderer reads: links, images, list starts, cell spans, MathML sources, code languages.
# Empty cells before or after a cell where cells above span its row (`_fill_row_spans`).
_SPANNED_BEFORE, _SPANNED_AFTER = "data-doc-reader-spanned-before", "data-doc-reader-spanned-after"
_READ_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "alt",
        "start",
        "colspan",
        "encoding",
        "alttext",
        "display",
        VIDEO_PAGE,
        _SPANNED_BEFORE,
        _SPANNED_AFTER,
    }
)
_CODE_ATTRIBUTES = _READ_ATTRIBUTES | {"class", "data-lang", "data-language"}
# Link attributes keep the escaping a round trip through libxml2's serialiser gave them: ASCII-only URLs.
_URI_ATTRIBUTES = frozenset({"href", "src"})
_PRINTABLE_ASCII = "".join(map(chr, range(0x21, 0x7F)))
# What BeautifulSoup counts as whitespace when it collapses whitespace-only text.
_ASCII_SPACES = " \n\t\f\r"
_MAX_SPAN = 50
# Numbers the renderer reads from attributes; int() refuses "²" and runs of over 4,300 digits.
_SMALL_NUMBER = re.compile(r"[0-9]{1,6}")
# MediaWiki wraps each formula's TeX in `{\displaystyle ...}` (or `\textstyle`), which says nothing to a reader.
_TEX_STYLE = re.compile(r"\{\\(?:display|text)style\b(.*)\}", re.DOTALL)
_CELL_BULLET = re.compile(r"^(\s*)[-*+] ", re.MULTILINE)
_EMOJI_CLASS = re.compile(r"emoji|smiley|emoticon", re.IGNORECASE)
# What an emoji picture's alt says besides the emoji itself: a short name (":wave:") or an emoticon (";)").
_EMOJI_NAME = re.compile(r":[\w+-]+:|[^\w\s]{1,4}\w?")
# Symbols, modifiers (skin tones are "Sk"), joiners and variation selectors ("Cf", "Mn").
_EMOJI_CATEGORIES = frozenset({"So", "Sk", "Cf", "Mn"})
_EMOJI_MAX_CHARACTERS = 12
_TAB_PANELS = etree.XPath(f"descendant-or-self::*/@{TAB_LABEL}/..")
_LAYOUT_CELL_CONTENT = ".//td//*[self::table or self::h1 or self::h2 or self::h3 or self::h4 or self::blockquote]"


def render(element: lxml.html.HtmlElement, *, images: bool, deadline: Deadline, links: LinkStyle = "inline") -> str:
    """Markdown for `element` (already cleaned and with absolute links), checking `deadline` as it goes."""
    _unwrap_layout_tables(element)
    _fill_row_spans(element)
    _lift_captions(element)
    _link_headings(element)
    _merge_adjacent_emphasis(element)
    _name_images(element)
    _emoji_as_text(element)
    _reveal_protected_emails(element)
    _label_tab_panels(element)
    _drop_unread_attributes(element)
    soup = _soup(element)
    deadline.check()
    writer = Links(links)
    markdown = _Converter(images=images, deadline=deadline, links=writer).convert_soup(soup)
    return writer.finish(tidy(markdown))


def tidy(markdown: str) -> str:
    """Strip trailing spaces, collapse inner space and blank-line runs, leaving fenced code exactly as it is.

    Line breaks (`_BREAK`) become `\\` between two lines of text; at a paragraph's start or end they
    go, and a run of them splits the paragraph in two. A rule (`---`) separates text: one at the start
    or end, or right after another, goes (the sections between them were not selected or were empty),
    as does a picture or heading right after the same line (a row of icons whose labels were not
    selected, one picture or heading per screen size). A line is indented only under a list item or definition.
    """
    lines: list[str] = []
    fence: str | None = None
    for line in markdown.split("\n"):
        marker = _FENCE.match(line)
        if fence is not None:
            if marker and line.rstrip() == marker.group(1) and marker.group(1).startswith(fence):
                fence = None
            lines.append(line)
            continue
        if marker:
            fence = marker.group(1)
        line = _INNER_SPACES.sub(" ", line.rstrip())
        previous = next((kept for kept in reversed(lines) if kept), None)
        if line[:1] == " " and not _indents_under(previous):
            line = line.lstrip(" ")  # page whitespace, not structure: 4 spaces would start a code block
        if (line == _RULE and previous in (None, _RULE)) or (line == previous and _repeats_freely(line)):
            continue
        _add_line(lines, line)
    while lines and lines[-1] in ("", _RULE):
        lines.pop()
    if lines and lines[-1].endswith(_BREAK):
        lines[-1] = lines[-1][:-1].rstrip()
    text = "\n".join(lines).replace(_BREAK, "").strip("\n")
    return text + "\n" if text else ""


def _repeats_freely(line: str) -> bool:
    """Whether a second copy of `line` right after the first adds nothing: a heading or a picture alone."""
    return _HEADING_LINE.match(line) is not None or _PICTURE_LINE.fullmatch(line) is not None


def _indents_under(previous: str | None) -> bool:
    """Whether a line after `previous` (the last line with text) may be indented: under a list item or
    definition, or inside one (the renderer writes no indented code blocks)."""
    return previous is not None and (
        previous[:1] == " " or previous[:1] == ":" or _LIST_ITEM.match(previous) is not None
    )


def _add_line(lines: list[str], line: str) -> None:
    """Append `line` unless it repeats a blank line, resolving a line break at the end of the line before."""
    prefix = _LINE_PREFIX.match(line).group()  # type: ignore[union-attr]
    body = line[len(prefix) :]
    text = body.removesuffix(_BREAK)
    if ("|" in text or "•" in text or "·" in text) and not (text.startswith("|") and text.endswith("|")):
        end = body[len(text) :]
        text = _EDGE_SEPARATORS.sub("", text)  # a table row starts and ends with "|"
        body = text + end
        line = prefix + body
    if _SEPARATORS_ONLY.fullmatch(text):
        line, body = prefix.rstrip(), ""
    elif _MARKERS_ONLY.fullmatch(text):  # page text such as "+" or "===" on a line of its own
        body = "\\" + body
        line = prefix + body
    previous = lines[-1] if lines else ""
    if previous.endswith(_BREAK):
        before = previous[:-1].rstrip()
        if body and body != _BREAK:
            lines[-1] = before + "\\"
        else:  # the paragraph ends here; a second break in a row stands for a blank line
            lines[-1] = before
            line = prefix.rstrip()
    elif body == _BREAK:  # a break with no text before it in its paragraph
        return
    if line or previous:
        lines.append(line)


def _name_images(element: lxml.html.HtmlElement) -> None:
    """Give an image without `alt` the name a screen reader would use instead: `aria-label`, else `title`."""
    for image in element.iter("img"):
        if image.get("alt") is None:
            name = (image.get("aria-label") or "").strip() or (image.get("title") or "").strip()
            if name:
                image.set("alt", name)


def _emoji_as_text(element: lxml.html.HtmlElement) -> None:
    """Put an emoji picture's `alt` text in its place ("🙂", ":wave:"), as a reader copying the text gets it.

    Blogs, forums and social sites draw emoji as small images (WordPress `wp-smiley`, Discourse and
    Twemoji `emoji`); as Markdown images they would be a link each in the middle of a sentence. An
    emoji picture's `alt` is emoji, or a short name or emoticon on a picture whose class says emoji
    (a reaction button's "Like" stays a picture).
    """
    for image in list(element.iter("img")):
        alt = (image.get("alt") or "").strip()
        named = _EMOJI_CLASS.search(image.get("class", "")) and _EMOJI_NAME.fullmatch(alt)
        if alt and (named or _is_emoji(alt)):
            image.tail = alt + (image.tail or "")
            image.drop_tree()  # keeps the tail


def _is_emoji(text: str) -> bool:
    """True if `text` is a few emoji: symbols, with their joiners, variation selectors and skin tones."""
    categories = [unicodedata.category(character) for character in text]
    return len(text) <= _EMOJI_MAX_CHARACTERS and "So" in categories and set(categories) <= _EMOJI_CATEGORIES


def _reveal_protected_emails(element: lxml.html.HtmlElement) -> None:
    """Show the addresses Cloudflare's email protection hides behind "[email protected]".

    The page carries each address XOR-encoded in hex (`data-cfemail`, or the link's fragment) and a
    script decodes it for the reader; the first byte is the key.
    """
    for node in element.iter("a", "span"):
        href = node.get("href") or ""
        encoded = node.get("data-cfemail") or (href.partition("#")[2] if _EMAIL_PROTECTION in href else "")
        address = _cloudflare_address(encoded) if encoded else None
        if address is None:
            continue
        if node.get("data-cfemail") is not None:
            for child in list(node):
                node.remove(child)
            node.text = address
        if node.tag == "a":
            node.set("href", f"mailto:{address}")
        elif (link := node.getparent()) is not None and link.tag == "a" and _EMAIL_PROTECTION in link.get("href", ""):
            link.set("href", f"mailto:{address}")


def _cloudflare_address(encoded: str) -> str | None:
    """The address in Cloudflare's hex encoding, or None when it does not decode to one."""
    try:
        data = bytes.fromhex(encoded)
    except ValueError:
        return None
    address = bytes(byte ^ data[0] for byte in data[1:]).decode("utf-8", "replace") if data else ""
    return address if "@" in address and address.isprintable() and " " not in address else None


def _label_tab_panels(element: lxml.html.HtmlElement) -> None:
    """Open each tab panel that still has text with its tab's name in bold (`html_clean._name_tab_panels`)."""
    for panel in _TAB_PANELS(element):
        if not panel.text_content().strip():
            continue
        label = lxml.html.Element("p")
        strong = lxml.html.Element("strong")
        strong.text = panel.get(TAB_LABEL)
        label.append(strong)
        label.tail = panel.text
        panel.text = None
        panel.insert(0, label)


def _drop_unread_attributes(element: lxml.html.HtmlElement) -> None:
    """Remove the attributes rendering never reads (BeautifulSoup spends much of its time on them).

    Class names matter only for a code block's language: on `<pre>`, `<code>` and two levels above `<pre>`.
    A list's `start` that is not a small number of ASCII digits goes too: markdownify reads it with
    `int()`, which refuses "²" and runs of over 4,300 digits (spans are read by `_span`, which checks).
    """
    code_classes = set()
    for pre in element.iter("pre"):
        parent = pre.getparent()
        code_classes.update((pre, parent, parent.getparent() if parent is not None else None))
    code_classes.update(element.iter("code"))
    for node in element.iter():
        attributes = node.attrib
        if not attributes or not isinstance(node.tag, str):
            continue
        keep = _CODE_ATTRIBUTES if node in code_classes else _READ_ATTRIBUTES
        for name in [name for name in attributes if name not in keep]:
            with contextlib.suppress(KeyError, ValueError):  # lxml cannot address some names ("{x}y", "{}")
                del attributes[name]
        start = attributes.get("start")
        if start is not None and not _SMALL_NUMBER.fullmatch(start.strip()):
            del attributes["start"]


def _soup(element: lxml.html.HtmlElement) -> BeautifulSoup:
    """The tree BeautifulSoup's lxml builder would make of `element` serialised, built from lxml's directly.

    Like a parse of the serialised fragment, the element (with its tail) sits in `html > body`
    (or is the body, or the whole document), and text of ASCII whitespace alone outside
    `<pre>`/`<textarea>` becomes one space or newline. Unlike a parse, nothing is moved: libxml2
    would wrap a stray `<li>` in a list of its own and read `<xmp>` text raw. Skipping the
    serialiser and BeautifulSoup's parser callbacks took about 40% off rendering. The cleaned tree
    has no comments, so none are made.
    """
    soup = BeautifulSoup("", "lxml", element_classes={Tag: _Tag})
    tree = _SoupTree(soup)
    if element.tag == "html":
        tree.add(element)
        return soup
    html = tree.open("html", {})
    if element.tag == "body":
        tree.add(element)
    else:
        body = tree.open("body", {})
        tree.add(element)
        tree.close(body)
    tree.close(html)
    return soup


def _escape_uri(uri: str) -> str:
    """`uri` as libxml2 serialises a link: leading blanks dropped, bytes outside printable ASCII percent-encoded."""
    return quote(uri.lstrip(" \t\n\r"), safe=_PRINTABLE_ASCII)


class _SoupTree:
    """Appends BeautifulSoup nodes in document order, keeping every link bs4's own builder keeps."""

    def __init__(self, soup: BeautifulSoup) -> None:
        self._soup = soup
        self._builder = soup.builder
        self._parent: Tag = soup
        self._last: Any = None  # as after a parse, the document itself links to nothing
        self._text: list[str] = []
        self._preserve = 0
        self._containers: list[str] = []

    def add(self, element: lxml.html.HtmlElement) -> None:
        """Append `element`, its descendants and its tail."""
        if isinstance(element.tag, str):
            attrs = dict(element.items())  # `attrib` cannot look up names such as "{}"
            for name in _URI_ATTRIBUTES.intersection(attrs):
                attrs[name] = _escape_uri(attrs[name])
            tag = self.open(element.tag, attrs)
            if element.text:
                self._text.append(element.text)
            for child in element:
                self.add(child)
            self.close(tag)
        if element.tail:
            self._text.append(element.tail)

    def open(self, name: str, attrs: dict[str, str]) -> Tag:
        """Append a new element and make it the parent of what follows."""
        self._flush()
        tag = _Tag(self._soup, self._builder, name, None, None, attrs, self._parent, self._last)
        self._parent.contents.append(tag)
        self._parent = self._last = tag
        if name in self._builder.preserve_whitespace_tags:
            self._preserve += 1
        if name in self._builder.string_containers:
            self._containers.append(name)
        return tag

    def close(self, tag: Tag) -> None:
        """End `tag`: what follows goes to its parent."""
        self._flush()
        if tag.name in self._builder.preserve_whitespace_tags:
            self._preserve -= 1
        if tag.name in self._builder.string_containers:
            self._containers.pop()
        self._parent = tag.parent

    def _flush(self) -> None:
        if not self._text:
            return
        text = "".join(self._text)
        self._text = []
        if not self._preserve and not text.strip(_ASCII_SPACES):
            text = "\n" if "\n" in text else " "
        container = self._builder.string_containers.get(self._containers[-1]) if self._containers else None
        string = (container or NavigableString)(text)
        string.setup(self._parent, self._last)
        self._parent.contents.append(string)
        self._last = string


def _unwrap_layout_tables(element: lxml.html.HtmlElement) -> None:
    """Turn tables used for layout (one column, or nested tables and headings in cells) into plain blocks."""
    for table in reversed(list(element.iter("table"))):
        widths = {len(row.xpath("./td | ./th")) for row in table.xpath("./tr | ./*/tr")}
        if widths <= {0, 1} or table.xpath(_LAYOUT_CELL_CONTENT):
            # Inner tables were handled first (reversed order); leave the parts of those that stayed tables.
            parts = [p for p in table.iter(*_TABLE_PARTS) if next(p.iterancestors("table")) is table]
            for part in [table, *parts]:
                part.tag = "div"


def _fill_row_spans(element: lxml.html.HtmlElement) -> None:
    """Mark where a row needs empty cells because a cell above spans it (`rowspan`), so later cells keep their columns.

    A pipe table has no row spans: without the empty cells, the row below a spanning cell shifts
    left. The counts go in attributes that `_cell` reads (as it reads `colspan`), not in elements:
    spans on spans can ask for fifty empty cells a row.
    """
    for table in element.iter("table"):
        if table.find(".//*[@rowspan]") is None:
            continue
        spanned: dict[int, int] = {}  # column -> rows, from the current one down, that a cell above covers
        for row in table.xpath("./tr | ./*/tr"):
            column, last = 0, None
            for cell in [child for child in row if child.tag in ("td", "th")]:
                column = _skip_spanned(cell, _SPANNED_BEFORE, column, spanned)
                width, height = _span(cell.get("colspan")), _span(cell.get("rowspan"))
                spanned.update(dict.fromkeys(range(column, min(column + width, _MAX_SPAN)), height))
                column, last = column + width, cell
            if last is not None:  # a row of spanned cells alone has no text, and empty rows go
                _skip_spanned(last, _SPANNED_AFTER, column, spanned)
            spanned = {spanned_column: rows - 1 for spanned_column, rows in spanned.items() if rows > 1}


def _skip_spanned(cell: lxml.html.HtmlElement, side: str, column: int, spanned: dict[int, int]) -> int:
    """The first column from `column` that no cell above spans; how many were skipped goes in `cell`'s `side`."""
    start = column
    while spanned.get(column, 0) > 0:
        column += 1
    if column > start:
        cell.set(side, str(column - start))
    return column


def _span(value: str | None, low: int = 1) -> int:
    """A count of cells (`colspan`, `rowspan`, spanned cells) from `low` to 50; junk is `low`."""
    value = (value or "").strip()
    return max(low, min(_MAX_SPAN, int(value))) if _SMALL_NUMBER.fullmatch(value) else low


def _lift_captions(element: lxml.html.HtmlElement) -> None:
    """Move each table's caption just before the table: markdownify writes no header row after one."""
    for caption in list(element.iter("caption")):
        table = caption.getparent()
        if table is not None and table.tag == "table" and table.getparent() is not None:
            table.addprevious(caption)


def _link_headings(element: lxml.html.HtmlElement) -> None:
    """Move a link that wraps a heading (a card: title, summary, picture) onto the heading's text.

    Markdown cannot put a heading inside link text (`[### Title Summary](url)` reads as text with
    hashes); `### [Title](url)` followed by the summary keeps both the outline and the target.
    """
    cards = [(a, heading) for a in element.iter("a") if (heading := next(a.iter(*_HEADINGS), None)) is not None]
    for link, heading in cards:
        href = link.get("href")
        if href is not None:
            inner = heading.makeelement("a", {"href": href})
            inner.text, heading.text = heading.text, None
            inner.extend(heading)
            heading.append(inner)
        link.drop_tag()


def _merge_adjacent_emphasis(element: lxml.html.HtmlElement) -> None:
    """Join bold (or italic) runs that touch, so `**a****b**` comes out as `**ab**`.

    Runs touch across the edges of wrappers that render as their text alone: `<b>a</b><span><b>b</b>
    c</span>` reads `**ab** c`. A run holding nothing but a run of the other kind trades tags with it
    to join a touching run of that kind: `<b><i>a</i></b><i>.</i>` reads `***a**.*`, not `***a****.*`.
    """
    for run in list(element.iter(*_EMPHASIS)):
        if run.getparent() is not None:  # else already merged into a run before it
            _absorb_touching_runs(run, element)


def _absorb_touching_runs(run: lxml.html.HtmlElement, root: lxml.html.HtmlElement) -> None:
    """Move into `run` the content of each run that touches it, removing those runs.

    One walk forward from `run`'s end, building its text once and entering or leaving each wrapper
    once: thousands of `<b>` in a row, or deep in wrappers, stay linear.
    """
    family = _EMPHASIS[run.tag]
    last: lxml.html.HtmlElement | None = None  # the element whose tail ends run's text, or None for run.text
    pieces: list[str] | None = None  # run's text after `last`, once a run has joined
    parent, previous = run.getparent(), run  # the walk stands in `parent`, after `previous` (None: at its start)
    while not (previous.tail if previous is not None else parent.text):
        following = previous.getnext() if previous is not None else next(iter(parent), None)
        if following is None:  # the end of a wrapper: step out of it
            if parent is root or parent.tag not in _TRANSPARENT:
                break
            parent, previous = parent.getparent(), parent
            continue
        if following.tag in _TRANSPARENT:
            parent, previous = following, None
            continue
        kind = _EMPHASIS.get(following.tag)
        if kind is None:
            break
        if kind != family:
            if _holds_only(following, family):
                _swap_with_child(following)
            elif pieces is None and _holds_only(run, kind):
                _swap_with_child(run)
                family = kind
            else:
                break
        if pieces is None:
            last = next(reversed(run), None)
            pieces = [(last.tail if last is not None else run.text) or ""]
        pieces.append(following.text or "")
        children = list(following)
        if children:
            _set_text(run, last, "".join(pieces))
            run.extend(children)
            last = children[-1]
            pieces = [last.tail or ""]
        _set_text(parent, previous, following.tail or "")
        parent.remove(following)
    if pieces is not None:
        _set_text(run, last, "".join(pieces))


def _holds_only(run: lxml.html.HtmlElement, family: str) -> bool:
    """Whether `run` holds one run of `family` and nothing else (so the two can trade tags)."""
    child = next(iter(run), None)  # not len(): lxml counts every child
    return (
        not run.text
        and child is not None
        and _EMPHASIS.get(child.tag) == family
        and not child.tail
        and child.getnext() is None
    )


def _swap_with_child(run: lxml.html.HtmlElement) -> None:
    """`<b><i>x</i></b>` as `<i><b>x</b></i>`: the same text, its outer tag now the inner one's."""
    child = run[0]
    run.tag, child.tag = child.tag, run.tag


def _set_text(element: lxml.html.HtmlElement, last: lxml.html.HtmlElement | None, text: str) -> None:
    """Set the text after `last` inside `element` (its tail, or `element.text` when `last` is None)."""
    if last is None:
        element.text = text or None
    else:
        last.tail = text or None


class _Tag(Tag):
    """A bs4 Tag that answers markdownify's per-element `find_parent("pre")` with a plain walk up.

    bs4's general matcher builds a filter per call; markdownify asks for every element.
    """

    def find_parent(self, name: Any = None, attrs: Any = None, **kwargs: Any) -> Any:
        """The nearest ancestor named `name` (a plain walk for a tag name alone; bs4's search otherwise)."""
        if not isinstance(name, str) or attrs or kwargs:
            return super().find_parent(name, attrs, **kwargs)
        parent = self.parent
        while parent is not None and parent.name != name:
            parent = parent.parent
        return parent


def _code_language(pre: Tag) -> str:
    """The language named by a `language-*`-style class on a `<pre>`, its `<code>` or two wrappers up."""
    parent = pre.parent
    for node in (pre, pre.find("code"), parent, parent.parent if parent is not None else None):
        if isinstance(node, Tag):
            match = _LANGUAGE_CLASS.search(" ".join(node.get_attribute_list("class") or []))
            named = node.get("data-lang") or node.get("data-language") or ""
            language = (match.group(1) if match else str(named)).strip().lower()
            if language and language not in _NOT_LANGUAGES:
                return language
    return ""


class _Converter(MarkdownConverter):
    """markdownify with the fixes described in the module docstring."""

    def __init__(self, *, images: bool, deadline: Deadline, links: Links) -> None:
        super().__init__(
            heading_style="ATX",
            bullets="-",
            strip_document=STRIP,
            # Newlines in the page's text become spaces (with no width to fill to): a source line
            # starting with "-", "1." or "===" would otherwise start a list or underline a heading.
            wrap=True,
            wrap_width=None,
            code_language_callback=_code_language,
            keep_inline_images_in=["td", "th"],
        )
        self._images = images
        self._deadline = deadline
        self._links = links
        self._tags = 0

    def process_tag(self, node: Tag, parent_tags: Any = None) -> str:
        """Render one element; every 1000 elements, stop if the conversion is past its deadline."""
        self._tags += 1
        if self._tags % 1000 == 0:
            self._deadline.check()
        return super().process_tag(node, parent_tags)

    def escape(self, text: str, parent_tags: Any) -> str:
        """Reading text (see `_READER_TEXT`) with markdownify's escaping, less the backslash before an
        underscore inside a word, plus one before `<` and a letter so text never reads as an HTML tag.
        Code is never escaped, so it keeps its characters."""
        # Called for every piece of text: the checks skip the regular expressions that cannot match.
        escaped = super().escape(text if text.isascii() else _reading(text), parent_tags)
        if "\\_" in escaped:
            escaped = _INNER_UNDERSCORE.sub("_", escaped)
        return _TAG_LIKE.sub(r"\\<", escaped) if "<" in escaped else escaped

    def convert_a(self, el: Tag, text: str, parent_tags: Any) -> str:
        """Links keep their text; unsafe, dead or missing targets leave it alone; empty links go, blank ones
        are a space."""
        href = str(el.get("href") or "").strip()
        lead, label, trail = _edges(text)
        if not label:  # a link of blanks alone still parts the words (or bold runs) either side of it
            return " " if " " in lead and _between_words(el) else ""
        if label in _PERMALINK_MARKS:
            return ""
        unsafe = href.lower().startswith(_UNSAFE_SCHEMES) or _DEAD_TARGET.search(href)
        if "_noformat" in parent_tags or not href or unsafe:
            return text
        # Link text is one line: breaks inside it are spaces.
        return f"{lead}{self._links.link(' '.join(label.replace(_BREAK, ' ').split()), href)}{trail}"

    def _emphasis(self, el: Tag, text: str, parent_tags: Any) -> str:
        """Bold or italic, unless an enclosing element already is (`****x****` reads as nothing)."""
        family = _EMPHASIS[el.name]
        if any(_EMPHASIS.get(tag) == family for tag in parent_tags):
            return text
        # Line breaks at the edges go outside the markers: `**a\\` + newline + `**` would not close.
        lead, core, trail = _edges(text)
        core = _BREAK_RUN.sub(f"{_BREAK}\n", core)
        markup = MarkdownConverter.convert_strong if family == "strong" else MarkdownConverter.convert_em
        return lead + markup(self, el, core, parent_tags) + trail

    def convert_div(self, el: Tag, text: str, parent_tags: Any) -> str:
        """A block; an empty one still ends the line it interrupts, as on screen (`**a****b**` otherwise)."""
        if not text.strip() and "_inline" not in parent_tags:
            return "\n\n"
        return super().convert_div(el, text, parent_tags)

    convert_article = convert_section = convert_div

    def convert_li(self, el: Tag, text: str, parent_tags: Any) -> str:
        """A list item, without line breaks before or after its text (an item of breaks alone is no item);
        inside a link, its text alone (link text holds no list marker)."""
        if "a" in parent_tags:
            return text.strip() + " "
        return super().convert_li(el, _edges(text)[1], parent_tags)

    def convert_hr(self, el: Tag, text: str, parent_tags: Any) -> str:
        """A rule between blocks; inside a list item, link, definition, heading or cell only a separation."""
        if _RULELESS.isdisjoint(parent_tags):
            return super().convert_hr(el, text, parent_tags)
        return " " if "a" in parent_tags or "_inline" in parent_tags else "\n\n"

    def convert_blockquote(self, el: Tag, text: str, parent_tags: Any) -> str:
        """A quote; inside a link, its text alone (link text holds no `>` marker)."""
        if "a" in parent_tags:
            return text.strip() + " "
        return super().convert_blockquote(el, text, parent_tags)

    convert_b = convert_strong = convert_i = convert_em = _emphasis

    def convert_hN(self, n: int, el: Tag, text: str, parent_tags: Any) -> str:
        """An ATX heading; nothing for a heading without text."""
        return super().convert_hN(n, el, text, parent_tags) if text.strip() else ""

    def convert_dt(self, el: Tag, text: str, parent_tags: Any) -> str:
        """A term on its own line; a term right after another term shares its block (PHP Markdown Extra)."""
        term = super().convert_dt(el, text, parent_tags)
        previous = el.find_previous_sibling()
        return term.lstrip("\n") if previous is not None and previous.name == "dt" and term.strip() else term

    def convert_dd(self, el: Tag, text: str, parent_tags: Any) -> str:
        """A definition as `: text` under its term; with no term above it (none, or one emptied by the
        extraction) a paragraph, since a `:` line under nothing reads as a stray colon."""
        if _term_of(el) is not None:
            return super().convert_dd(el, text, parent_tags)
        return self.convert_div(el, text, parent_tags)

    def convert_tr(self, el: Tag, text: str, parent_tags: Any) -> str:
        """A table row as one line, marked for `convert_table` when it is a header row (all `<th>`, or the
        one row of a `<thead>`); an empty row goes.

        Only the row's own cells count: markdownify searches each row's whole subtree, counting the
        cells of tables nested in it (quadratic on nested tables).
        """
        if not text.replace("|", "").strip():
            return ""
        section = el.parent
        header = all(cell.name == "th" for cell in el.find_all(["td", "th"], recursive=False)) or (
            section is not None and section.name == "thead" and len(section.find_all("tr", recursive=False)) == 1
        )
        return f"{HEADER_ROW_MARKER if header and 'table' in parent_tags else ''}|{text}\n"

    def convert_table(self, el: Tag, text: str, parent_tags: Any) -> str:
        """A pipe table: its first row is the header when it is a header row, else an empty header goes
        above it; the header is as wide as the widest row (GFM drops the cells past the header's).

        Deciding here, once per table, lets an empty first row go without leaving a header behind, and a
        second `<tbody>` start no second header (markdownify does both in `convert_tr`).
        """
        lines = text.strip().split("\n")
        rows = [line.removeprefix(HEADER_ROW_MARKER) for line in lines]
        if not any(rows):
            return ""
        width = max(1, *map(_cell_count, rows))
        header = rows.pop(0) if lines[0].startswith(HEADER_ROW_MARKER) else "|"
        header += " |" * (width - _cell_count(header))
        return super().convert_table(el, "\n".join([header, "|" + " --- |" * width, *rows]), parent_tags)

    def convert_img(self, el: Tag, text: str, parent_tags: Any) -> str:
        """`![alt](src)`, alt text alone inside headings, nothing when images are off, decorative or without source.

        `alt=""` marks an image as decorative (HTML's own rule): icons, spacers, separators. A video
        player (`html_video`) is a link to the video's page, whether images are on or off.
        """
        src = str(el.get("src") or "").strip()
        alt = " ".join(_reading(str(el.get("alt") or "")).split()).replace("[", "(").replace("]", ")")
        if video := el.get(VIDEO_PAGE):
            return alt if "_inline" in parent_tags else self._links.link(alt, str(video))
        decorative = el.get("alt") is not None and not alt
        if not self._images or decorative or not src or src.lower().startswith(_UNSAFE_SCHEMES):
            return ""
        if "_inline" in parent_tags and el.parent is not None and el.parent.name not in ("td", "th"):
            return alt
        return f"![{alt}]({destination(src)})"

    def convert_br(self, el: Tag, text: str, parent_tags: Any) -> str:
        """A line break (resolved by `tidy`); a plain newline inside `<pre>`, a space in headings and cells."""
        if "pre" in parent_tags:
            return "\n"
        if "_inline" in parent_tags:
            return super().convert_br(el, text, parent_tags)
        return f"{_BREAK}\n{text}"

    def convert_pre(self, el: Tag, text: str, parent_tags: Any) -> str:
        """A fenced block, longer than any backtick run inside, with the language and exact whitespace."""
        if not text.strip():
            return ""
        text = text.strip("\n")
        longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
        fence = "`" * (longest + 1)
        return f"\n\n{fence}{_code_language(el)}\n{text}\n{fence}\n\n"

    def _cell(self, el: Tag, text: str) -> str:
        span = _span(el.get("colspan"))
        before, after = (_span(el.get(side), low=0) for side in (_SPANNED_BEFORE, _SPANNED_AFTER))
        # A cell holds one line: bullets become "•" there, as a "-" mid-line reads as a dash.
        text = _CELL_BULLET.sub("\\1• ", text.replace(_BREAK, " "))
        cell = " ".join(text.split()).replace("|", "\\|")
        return " |" * before + f" {cell} |" + " |" * (span - 1 + after)

    def convert_td(self, el: Tag, text: str, parent_tags: Any) -> str:
        """A pipe-table cell with `|` escaped; colspan adds empty cells after it."""
        return self._cell(el, text)

    def convert_th(self, el: Tag, text: str, parent_tags: Any) -> str:
        """A pipe-table header cell (same rules as data cells)."""
        return self._cell(el, text)

    def convert_sup(self, el: Tag, text: str, parent_tags: Any) -> str:
        """`x^2`, or `x^(n+1)` when the superscript is longer than one word."""
        return _script("^", text)

    def convert_sub(self, el: Tag, text: str, parent_tags: Any) -> str:
        """`H_2O`, or `x_(i,j)` for longer subscripts."""
        return _script("_", text)

    def convert_math(self, el: Tag, text: str, parent_tags: Any) -> str:
        """MathML as its TeX annotation or alt text when there is one, else its text: `$x^2$`, `$$x^2$$` for display."""
        tex = el.find("annotation", attrs={"encoding": "application/x-tex"})
        source = (tex.get_text() if isinstance(tex, Tag) else "") or str(el.get("alttext") or "") or el.get_text(" ")
        source = " ".join(source.split())
        source = _without_style_wrapper(source)
        if not source:
            return ""
        return f"$${source}$$" if el.get("display") == "block" else f"${source}$"


def _without_style_wrapper(tex: str) -> str:
    """`tex` without an outer `{\\displaystyle ...}` group (one group around the whole formula only)."""
    style = _TEX_STYLE.fullmatch(tex)
    if style is None:
        return tex
    depth, index = 0, 0
    while index < len(tex):
        if tex[index] == "\\":
            index += 2  # an escaped character, such as \{, opens or closes nothing
            continue
        depth += {"{": 1, "}": -1}.get(tex[index], 0)
        if depth == 0 and index < len(tex) - 1:
            return tex  # the first group closes before the end: `{\displaystyle a}+{b}`
        index += 1
    return style.group(1).strip()


def _reading(text: str) -> str:
    """`text` as a reader sees it: plain spaces, no invisible characters (see `_READER_TEXT`)."""
    text = text.translate(_READER_TEXT)
    return _LOOSE_JOINERS.sub("", text) if "\u200c" in text or "\u200d" in text else text


def _between_words(el: Tag) -> bool:
    """Whether `el` has text or an inline element right before and right after it (no break, block or blank)."""
    for sibling in (el.previous_sibling, el.next_sibling):
        if sibling is None or (isinstance(sibling, NavigableString) and not sibling.strip()):
            return False
        if isinstance(sibling, Tag) and (sibling.name == "br" or should_remove_whitespace_outside(sibling)):
            return False
    return True


def _term_of(dd: Tag) -> Tag | None:
    """The `<dt>` with text that a definition belongs to: the nearest term before it, past other definitions."""
    sibling = dd.find_previous_sibling(lambda tag: tag.name != "dd")
    if sibling is None or sibling.name != "dt" or not sibling.get_text().strip():
        return None
    return sibling


def _cell_count(row: str) -> int:
    """How many cells a pipe-table row has (cell text escapes its own pipes)."""
    return len(_CELL_BORDER.findall(row)) - 1


def _edges(text: str) -> tuple[str, str, str]:
    """`text` as its leading whitespace and line breaks, what lies between, and its trailing ones.

    A scan, not a regex: a lazy pattern backtracks quadratically over a long run of breaks.
    """
    start, end = 0, len(text)
    while start < end and (text[start] == _BREAK or text[start].isspace()):
        start += 1
    while end > start and (text[end - 1] == _BREAK or text[end - 1].isspace()):
        end -= 1
    return text[:start], text[start:end], text[end:]


def _script(marker: str, text: str) -> str:
    """`text` raised or lowered: `^2`, `^(n+1)`; pictures and text of several lines stay as they are.

    Pages wrap banners and whole paragraphs in `<sup>`/`<sub>` for their size; `_(![banner](url))`
    would read as neither.
    """
    text = text.strip()
    if not text or "![" in text or "\n" in text:
        return text
    return f"{marker}{text}" if re.fullmatch(r"\w{1,4}", text) else f"{marker}({text})"
