"""Formulas: the TeX source a page draws them from, where the drawing is not text.

Math libraries draw a formula with glyphs laid out by scripts or as a picture, and keep
its source where cleaning would drop it: MathJax 2 in `<script type="math/tex">` (the
only copy in a page as served, before scripts run; after them, a drawn copy stands
before it), MediaWiki (Wikipedia) in a hidden `<math>` beside a picture whose alt text
is the same TeX. Each such formula becomes one `<math>` element whose text is its TeX,
which the renderer writes as `$...$` (`$$...$$` for a display formula).
KaTeX and MathJax 3 need nothing here: their MathML copy is visible to cleaning.

Only what a reader sees is revealed (hidden text carries prompt injections): a MathJax
source when the page loads MathJax, which draws it, and MediaWiki's TeX from the alt text
of the picture the page shows.
"""

from __future__ import annotations

from collections.abc import Callable

import lxml.html

_MATHJAX_TEX = "math/tex"
_MEDIAWIKI_FORMULA = "mwe-math-element"


def is_formula_source(element: lxml.html.HtmlElement) -> bool:
    """Whether `element` (a script or a hidden element) holds or draws a formula that `show_formulas` reveals."""
    if element.tag == "script":
        return element.get("type", "").strip().lower().startswith(_MATHJAX_TEX)
    parent = element.getparent()
    return parent is not None and _MEDIAWIKI_FORMULA in parent.get("class", "")


def show_formulas(
    root: lxml.html.HtmlElement, sources: list[lxml.html.HtmlElement], hidden: Callable[..., bool]
) -> list[lxml.html.HtmlElement]:
    """Replace each formula that `sources` (from `is_formula_source`) hold with a `<math>` of its TeX.

    `hidden` is cleaning's test for an element off screen (`html_clean.is_hidden`). Returns the sources it
    leaves, to be removed: MathJax sources on a page that does not load MathJax.
    """
    left: list[lxml.html.HtmlElement] = []
    drawn: bool | None = None
    for source in sources:
        if source.tag == "script":
            if drawn is None:
                drawn = _loads_mathjax(root)
            if not drawn:
                left.append(source)
                continue
            _drop_drawn_copy(source)
            _replace_with_formula(source, source.text or "", "mode=display" in source.get("type", "").lower())
            continue
        formula = source.getparent()
        if formula is None or formula.getparent() is None:
            continue  # its formula is already replaced (MediaWiki hides two parts of each)
        # MediaWiki hides its picture from screen readers alone (`aria-hidden`): it is on screen.
        picture = next((p for p in formula.iter("img") if not hidden(p, aria=False)), None)
        tex = picture.get("alt", "") if picture is not None and not hidden(formula) else ""
        _replace_with_formula(formula, tex, "block" in formula.get("class", ""))
    return left


def _loads_mathjax(root: lxml.html.HtmlElement) -> bool:
    """Whether a script of the page is MathJax or its configuration (which draws the `math/tex` sources)."""
    return any(
        "mathjax" in f"{script.get('src', '')} {script.get('type', '')}".lower() for script in root.iter("script")
    )


def _drop_drawn_copy(script: lxml.html.HtmlElement) -> None:
    """Remove MathJax 2's drawn formula and preview, the `MathJax*` elements right before its source."""
    previous = script.getprevious()
    while previous is not None and previous.get("class", "").startswith("MathJax"):
        drawn, previous = previous, previous.getprevious()
        drawn.drop_tree()


def _replace_with_formula(element: lxml.html.HtmlElement, tex: str, block: bool) -> None:
    """Put a `<math>` whose text is `tex` where `element` is; no TeX, no element."""
    tex = " ".join(tex.split())
    if not tex:
        element.drop_tree()
        return
    formula = element.makeelement("math", {"display": "block"} if block else {})
    formula.text = tex
    formula.tail = element.tail
    parent = element.getparent()
    if parent is not None:
        parent.replace(element, formula)
