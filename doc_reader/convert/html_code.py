"""Code blocks: the code as a reader copies it, one `<pre>` of plain text each.

Highlighters number the lines beside the code. Some put the numbers in a table
cell next to the code's own cell (Pygments' `highlighttable`, Hugo's `lntable`,
Rouge's `rouge-table`, highlight.js line numbers: one row per line), others in a
span at the start of each line (`<span class="linenos">`, Chroma's `ln`,
react-syntax-highlighter, Docusaurus). Copying the code leaves them out, and so
does `remove_line_numbers`: a number column would otherwise become a table
around the code or digits glued to every line (`1def f():`).
"""

from __future__ import annotations

import itertools
import re

import lxml.html
from lxml import etree

# Elements that put their content on lines of its own inside `<pre>` (editors wrap each line in a `<div>`).
_CODE_LINE_TAGS = frozenset(
    {"div", "p", "li", "tr", "ul", "ol", "table", "section", "h1", "h2", "h3", "h4", "h5", "h6"}
)
# Line numbers: whole numbers of up to nine digits (longer runs are data, and int() refuses huge ones).
_NUMBERS = re.compile(r"\s*\d{1,9}(?:\s+\d{1,9})*\s*")
# Class names of line-number elements: `linenos`, `lineno`, `line-number`, `codeLineNumber_x1`, `hljs-ln-n`...
_NUMBER_CLASS = re.compile(r"line-?num|lineno|(?:^|\s)(?:ln|lnt|gutter|hljs-ln-n)(?:\s|$)", re.IGNORECASE)
_UNSELECTABLE = re.compile(r"user-select\s*:\s*none", re.IGNORECASE)
# `.name{...user-select:none...}` in a stylesheet (CSS-in-JS libraries put one next to each element).
_UNSELECTABLE_RULE = re.compile(r"\.([\w-]+)\s*\{[^}]*user-select\s*:\s*none", re.IGNORECASE)


def remove_line_numbers(root: lxml.html.HtmlElement) -> None:
    """Remove the line numbers that highlighters show beside the code of `root`'s `<pre>` blocks.

    Line numbers count the code's lines in a table cell beside the code's cell, or are the
    whole text of an element in the code that a class names a line number or that cannot be
    selected (`user-select: none`, inline or in a `<style>` rule; number literals are neither).
    Run before `<style>` elements go.
    """
    blocks = list(root.iter("pre"))
    for pre in blocks:
        _unwrap_number_table(pre)
    unselectable: set[str] | None = None
    # Blocks inside blocks are read with the outermost one: each element once, however deep they nest.
    for pre in [pre for pre in blocks if next(pre.iterancestors("pre"), None) is None]:
        for row in list(pre.iter("tr")):
            if len(row) == 2 and isinstance(row[1].tag, str) and _numbers_lines(row[0], row[1]):
                row[0].drop_tree()
        for element in list(pre.iterdescendants("span", "div", "a", "td")):
            if len(element) or not element.text or _NUMBERS.fullmatch(element.text) is None:
                continue
            classes = element.get("class", "")
            if not (_NUMBER_CLASS.search(classes) or _UNSELECTABLE.search(element.get("style", ""))):
                if not classes:
                    continue
                if unselectable is None:
                    unselectable = _unselectable_classes(root)
                if unselectable.isdisjoint(classes.split()):
                    continue
            element.drop_tree()


def _unwrap_number_table(pre: lxml.html.HtmlElement) -> None:
    """Put the cell holding `pre` in place of its one-row, two-cell table if the other cell numbers its lines.

    The other cell may be blank: a number column whose numbers went as line-number elements.
    """
    cell = next(pre.iterancestors("td", "th"), None)
    if cell is None:
        return
    row, table = cell.getparent(), next(cell.iterancestors("table"), None)
    # Two cells, one row: highlighters write no more, and bigger tables would make this quadratic.
    if row is None or table is None or table.getparent() is None or len(row) != 2:
        return
    if next(itertools.islice(table.iter("tr"), 1, None), None) is not None:
        return
    other = row[1] if row[0] is cell else row[0]
    if not _numbers_lines(other, pre, blank=True):
        return
    parent = table.getparent()
    index = parent.index(table)
    for offset, child in enumerate(list(cell)):
        parent.insert(index + offset, child)
    table.drop_tree()


def _numbers_lines(cell: lxml.html.HtmlElement, code: lxml.html.HtmlElement, *, blank: bool = False) -> bool:
    """True if `cell` is a table cell whose whole numbers count up by one, as many as `code` has lines.

    Code of numbers alone is not numbered that way ("1 | 2" is a table). With `blank`, an empty
    cell counts too (its numbers went as line-number elements). The cell is read before the code:
    most cells hold no numbers, and code can be long.
    """
    if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
        return False
    text = cell.text_content()
    if _NUMBERS.fullmatch(text) is None:
        return blank and not text.strip()
    numbers = [int(number) for number in text.split()]
    if not all(b == a + 1 for a, b in itertools.pairwise(numbers)):
        return False
    lines = code.text_content()
    return _NUMBERS.fullmatch(lines) is None and len(numbers) == lines.rstrip("\n").count("\n") + 1


def _unselectable_classes(root: lxml.html.HtmlElement) -> set[str]:
    """The class names that the page's `<style>` rules make unselectable."""
    names: set[str] = set()
    for style in root.iter("style"):
        text = style.text or ""
        if "user-select" in text:
            names.update(_UNSELECTABLE_RULE.findall(text))
    return names


def flatten_code(pre: lxml.html.HtmlElement) -> None:
    """Make a `<pre>`'s content its text as a browser shows it, in one `<code>` that keeps the language.

    Highlighters wrap every token in a `<span>` (spaces too: `<span class="w"> </span>`) and
    editors every line in a `<div>`; later steps that drop empty elements or part touching words
    must not see those pieces, and a line in a `<div>` is a line, not a paragraph.
    """
    if len(pre) == 0:
        return
    code = next(pre.iter("code"), None)
    parts: list[str] = [pre.text] if pre.text else []
    for event, element in etree.iterwalk(pre, events=("start", "end")):
        if element is pre:
            continue
        if element.tag in _CODE_LINE_TAGS and parts and not parts[-1].endswith("\n"):
            parts.append("\n")  # a block starts and ends on a line of its own
        text = ("\n" if element.tag == "br" else element.text) if event == "start" else element.tail
        if text:
            parts.append(text)
    for child in list(pre):
        pre.remove(child)
    if code is None:
        pre.text = "".join(parts)
        return
    for child in list(code):
        code.remove(child)
    code.text, code.tail, pre.text = "".join(parts), None, None
    pre.append(code)
