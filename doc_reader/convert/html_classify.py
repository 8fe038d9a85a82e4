"""`extract="main"`: keep the blocks a learned classifier calls main content.

Consent dialogs, overlays and comment threads go first, whatever their size (as
in the rules). The page is then cut into text blocks (`html_blocks`), each described by about a
hundred numbers, one of them the verdict of the rule-based selector
(`html_extract.select`); a tree ensemble (`html_model`, trained on the WCXB
development pages by `bench/train_html.py`) scores every block, and the text of
blocks below the threshold is removed, as are the customer reviews of a product
page. When nothing is kept of a page that has text, the rule-based selection is
used instead, so no page with visible text comes back empty.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable

import lxml.html
import numpy as np

from doc_reader.convert import html_model
from doc_reader.convert.base import Deadline
from doc_reader.convert.html_blocks import (
    ARTICLE_KINDS,
    PRODUCT_KINDS,
    REVIEW_NAME_BIT,
    Page,
    features,
    keep_blocks,
    segment,
)
from doc_reader.convert.html_clean import for_narrow_screens
from doc_reader.convert.html_extract import body_of, drop_overlays, select

# Blocks scoring at least this are kept (chosen on cross-validated development pages).
THRESHOLD = 0.35
_MARK = "data-doc-reader-block"
# Kept blocks of at least this many words are kept once...
_COPY_MIN_WORDS = 4
# ...unless their text is kept this often: then it is a field every item of a list repeats.
_FIELD_MIN_COPIES = 4
Predict = Callable[[np.ndarray], np.ndarray]
# Short blocks (author names, prices, dates) of one template are decided together when it repeats this often.
_TEMPLATE_MAX_WORDS = 3
_TEMPLATE_MIN_BLOCKS = 3
# Structure the rules keep stays even when the classifier doubts it: headings, code, captions.
_STRUCTURE = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "pre", "caption", "figcaption", "th", "dt"})


def page_features(
    root: lxml.html.HtmlElement, kinds: frozenset[str], deadline: Deadline | None = None
) -> tuple[Page, np.ndarray, set[lxml.html.HtmlElement]]:
    """The blocks of a cleaned page's body, their feature rows and the block elements the rules keep."""
    deadline = deadline or Deadline(None)
    body = body_of(root)
    drop_overlays(body, kinds)
    page = segment(body)
    deadline.check()
    selected = rule_selection(root, page)
    deadline.check()
    return page, features(page, kinds, selected), selected


def select_main(
    root: lxml.html.HtmlElement, kinds: frozenset[str], deadline: Deadline, predict: Predict | None = None
) -> lxml.html.HtmlElement:
    """The page's body with every block that is not main content emptied (`root` is changed in place).

    `predict` replaces the shipped model (the training script passes cross-validated models).
    """
    page, rows, selected = page_features(root, kinds, deadline)
    deadline.check()
    if not page.blocks:
        return page.region
    rules = [block.element in selected for block in page.blocks]
    probabilities = template_consensus(page, (predict or html_model.load().predict)(rows))
    keep = [
        bool(p >= THRESHOLD) or (rule and block.element.tag in _STRUCTURE)
        for p, rule, block in zip(probabilities, rules, page.blocks, strict=True)
    ]
    keep = without_reviews(page, keep, kinds)
    if not any(keep):
        keep = rules if any(rules) else [True] * len(keep)
    keep_blocks(page, without_copies(page, keep), [block.element in selected for block, _ in page.pictures])
    return page.region


def without_reviews(page: Page, keep: list[bool], kinds: frozenset[str]) -> list[bool]:
    """`keep` without the customer reviews of a product page: blocks whose class or id (or their
    parent's or grandparent's) names reviews, ratings or testimonials.

    A product page describes the product; its reviews are other people's words about it, which
    the development set's ground truth leaves out on most shops (bench/README round 18). A page
    that is also an article (a buying guide with product markup) keeps them: there they are the text.
    """
    if not kinds & PRODUCT_KINDS or kinds & ARTICLE_KINDS:
        return keep
    return [kept and not block.near & REVIEW_NAME_BIT for kept, block in zip(keep, page.blocks, strict=True)]


def template_consensus(page: Page, probabilities: np.ndarray) -> np.ndarray:
    """`probabilities` with each short block's score replaced by the mean over its template.

    A template is the tag and classes of a block, its parent and its grandparent: a forum
    thread's author lines share one, as do a grid's prices. Scored one by one they straddle
    the threshold, and a thread that shows some authors but not others puts the next post
    under the wrong name; decided together they stay or go as one. On the development pages
    this moves F1 by less than the noise between training seeds (bench/README round 9).
    """
    templates: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for index, block in enumerate(page.blocks):
        if block.words <= _TEMPLATE_MAX_WORDS:
            templates[_template(block.element)].append(index)
    result = probabilities.copy()
    for members in templates.values():
        if len(members) >= _TEMPLATE_MIN_BLOCKS:
            result[members] = probabilities[members].mean()
    return result


def _template(element: lxml.html.HtmlElement) -> tuple[str, ...]:
    """Tag and sorted classes of the element, its parent and its grandparent."""
    parts = []
    node: lxml.html.HtmlElement | None = element
    for _ in range(3):
        if node is None:
            break
        parts.append(f"{node.tag}.{'.'.join(sorted((node.get('class') or '').split()))}")
        node = node.getparent()
    return tuple(parts)


def without_copies(page: Page, keep: list[bool]) -> list[bool]:
    """`keep` with one copy of each kept block whose text is kept more than once.

    Responsive page builders ship the same article two or three times (one copy per
    screen size, all but one hidden by a stylesheet we do not read): the copy kept is the
    first one that no responsive class name reserves for narrow screens (`md:hidden`,
    `d-lg-none`), so the text sits where a wide screen shows it, else the first copy. Short
    repeated labels ("Reply", "Add to cart") are left alone, and so is a text kept four
    times or more: a field of every item in a list ("Anywhere in the World" under each
    job, a coupon's conditions), which the reader needs with each item.
    """
    # Where each text of a kept block long enough to count as a copy is kept.
    places: defaultdict[str, list[int]] = defaultdict(list)
    for index, (block, kept) in enumerate(zip(page.blocks, keep, strict=True)):
        if kept and block.words >= _COPY_MIN_WORDS:
            places[block.text].append(index)
    dropped: set[int] = set()
    for indices in places.values():
        if 1 < len(indices) < _FIELD_MIN_COPIES:
            wide = next((i for i in indices if not for_narrow_screens(page.blocks[i].element)), indices[0])
            dropped.update(i for i in indices if i != wide)
    return [kept and index not in dropped for index, kept in enumerate(keep)]


def rule_selection(root: lxml.html.HtmlElement, page: Page) -> set[lxml.html.HtmlElement]:
    """The block elements of `page` (with words or pictures) that the rule-based selector keeps.

    The selector removes what it rejects, so it runs on a copy of `root` whose blocks carry
    their index in an attribute. Overlays and comment threads are already gone from `root`.
    """
    elements = [block.element for block in page.blocks] + [block.element for block, _ in page.pictures]
    for index, element in enumerate(elements):
        element.set(_MARK, str(index))
    duplicate = copy.deepcopy(root)
    for element in elements:
        del element.attrib[_MARK]
    content = select(body_of(duplicate))
    marked = content.xpath(f"descendant-or-self::*[@{_MARK}]/@{_MARK}")
    return {elements[int(index)] for index in marked}
