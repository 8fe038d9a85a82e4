"""Cut a cleaned page into text blocks and describe each one with numbers a classifier can weigh.

A block is a block-level element (paragraph, heading, list item, cell, div...) with
the text it owns directly: its own text and that of its inline descendants, not
the text of block elements nested inside it. Every piece of text on the page
belongs to exactly one block. `features()` describes each block by its text
(length, link share, punctuation, phrases), its place (tag, depth, position,
landmarks and class/id words of its ancestors, repeated siblings, the smallest
element it shares with the page's `<h1>`), its
neighbours, its section heading and the page as a whole.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, field

import lxml.html
import numpy as np
from lxml import etree

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
BLOCK_TAGS = frozenset(
    {
        *_HEADINGS,
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "header",
        "hgroup",
        "html",
        "legend",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
# Blocks whose whole subtree is one block (code keeps its lines, a heading its parts).
_ATOMIC = frozenset({"pre", *_HEADINGS})

_REVIEW_NAMES = r"review|rating|stars|testimonial"
# Class/id words, grouped; each group is one bit of an element's name mask.
_NAME_GROUPS = (
    r"content|article|post|entry|story|body|text|prose|main|markdown|rte|rich|description|desc|copy|blog",
    r"nav|menu|breadcrumb|pagination|pager|toolbar|tabs?\b|skip",
    r"header|footer|masthead|banner|bottom|topbar|site-?info|colophon",
    r"sidebar|side|aside|widget|rail|secondary",
    r"related|recommend|similar|also|trending|popular|teaser|upsell|cross|more|next|prev",
    r"share|sharing|social|follow|facebook|twitter",
    r"comment|reply|respond|disqus|discussion",
    _REVIEW_NAMES,
    r"ad\b|ads\b|advert|sponsor|promo|dfp|gpt|adsense",
    r"cookie|consent|modal|popup|newsletter|subscribe|signup|overlay|gdpr|drawer|dialog|login",
    r"meta|byline|author|date|time|tag|categor|publish|posted",
    r"price|cart|basket|buy|checkout|qty|quantity|swatch|variant|option|size|colou?r|stock|shipping|delivery",
    r"card|tile|item|grid|list|product|thumb|result|collection",
    r"spec|attribute|feature|detail|info|summary|overview|tech",
    r"message|thread|topic|forum|answer|question|quote|signature|user|avatar|profile",
    r"title|headline|heading|name|caption",
    r"hidden|sr-only|visually-?hidden|screen-?reader|offscreen|collapse|dropdown|tooltip",
)


def _by_first_character(branches: list[str]) -> str:
    """The alternation of `branches` (each opening with a plain character) grouped by that character.

    Python's regex engine tries the branches of an alternation one by one; grouped, a position
    tries only those that open with its character. Branches keep their order within a group, so
    the same branch wins as in the plain alternation.
    """
    rests: dict[str, list[str]] = {}
    for branch in branches:
        rests.setdefault(branch[0], []).append(branch[1:])
    return "|".join(f"{first}(?:{'|'.join(rest)})" for first, rest in rests.items())


# A name word opens the value or follows a character that is not a lower-case letter; the value is
# searched with a space in front. One capturing group only: the engine saves every group's marks
# at every branch it tries.
_NAMES = re.compile(f"[^a-z]({_by_first_character([b for group in _NAME_GROUPS for b in group.split('|')])})")
_NAME_GROUP_PATTERNS = tuple(re.compile(group) for group in _NAME_GROUPS)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# The bit of `Block.near` and `Block.above` for names of customer reviews and ratings.
REVIEW_NAME_BIT = 1 << _NAME_GROUPS.index(_REVIEW_NAMES)
# Landmark bits follow the name bits.
_LANDMARKS = (
    ("main",),
    ("article",),
    ("nav",),
    ("aside",),
    ("header",),
    ("footer",),
    ("form",),
    ("ul", "ol", "dl", "menu"),
    ("table",),
    ("blockquote",),
    ("figure",),
    ("section",),
    ("a",),
)
_ROLE_LANDMARKS = {"main": 0, "article": 1, "navigation": 2, "complementary": 3, "banner": 4, "contentinfo": 5}
_LANDMARK_BIT = {tag: len(_NAME_GROUPS) + i for i, tags in enumerate(_LANDMARKS) for tag in tags}
_MASK_BITS = len(_NAME_GROUPS) + len(_LANDMARKS)

_CLAUSE = re.compile(r"[.,;:!?。，、]")
_SENTENCE_END = re.compile(r"[.!?。)\"”']\s*$")
_DIGIT = re.compile(r"\d")
_PRICE = re.compile(r"[$€£¥₹]\s?\d|\d[\d.,]*\s?(?:€|eur|usd|gbp|chf|kr|zł)\b", re.IGNORECASE)
_BOILERPLATE_PHRASES = (
    *("cookie", "privacy", "sign (?:in|up)", "log ?in", "subscribe", "newsletter", "add to (?:cart|bag|basket|wish)"),
    *("share", "follow us", "all rights reserved", "copyright", "©", "terms (?:of|and)", "skip to", "back to top"),
    *("read more", "learn more", "see (?:all|more)", "view (?:all|more)", "load more", "show more", "click here"),
    "javascript",
)
# Matched against lower-cased text (an IGNORECASE alternation tries every phrase everywhere).
_BOILERPLATE_PHRASE = re.compile(_by_first_character(list(_BOILERPLATE_PHRASES)))
_BOILERPLATE_HEADING = re.compile(
    r"^\W*(?:related\b|similar\b|recommended\b|you (?:may|might) (?:also )?(?:like|enjoy|be interested)"
    r"|(?:customers|people) (?:who )?(?:also )?(?:viewed|bought)|(?:also|recently) viewed|more (?:from|like this|to)"
    r"|explore|(?:popular|trending|latest|recent|top) \w+|read (?:next|more)|up next|share|follow|subscribe|sign up"
    r"|join|newsletter|suggested|leave a (?:reply|comment)|comments?\b|(?:customer |user |product )?reviews\b"
    r"|ratings?|questions? (?:&|and) answers|contact|about us|categories|tags|archives?|navigation|menu|search)",
    re.IGNORECASE,
)
# What a page's metadata (JSON-LD types, Open Graph) calls it, lower-cased.
PRODUCT_KINDS = frozenset({"product", "og:product", "productgroup", "offer", "og:product.item"})
ARTICLE_KINDS = frozenset(
    {"article", "newsarticle", "blogposting", "og:article", "report", "techarticle", "scholarlyarticle"}
)
_PAGE_KINDS = (
    PRODUCT_KINDS,
    ARTICLE_KINDS,
    frozenset({"discussionforumposting", "qapage", "socialmediaposting", "question"}),
    frozenset({"itemlist", "collectionpage", "searchresultspage", "offercatalog"}),
)


@dataclass(slots=True, eq=False)
class Block:
    """One block element, the text it owns and where it sits."""

    element: lxml.html.HtmlElement
    depth: int
    above: int  # name and landmark bits of the element and all its ancestors
    near: int  # name and landmark bits of the element, its parent and its grandparent
    pieces: list[str] = field(default_factory=list)
    words: int = 0
    link_words: int = 0
    images: bool = False  # owns an <img>

    @property
    def text(self) -> str:
        """The block's own text, whitespace-collapsed."""
        return " ".join(" ".join(self.pieces).split())


@dataclass(slots=True)
class Page:
    """A segmented page: its blocks in document order, and word counts of every element's subtree."""

    region: lxml.html.HtmlElement
    blocks: list[Block]
    words: dict[lxml.html.HtmlElement, int]
    link_words: dict[lxml.html.HtmlElement, int]
    # Blocks without words that hold images, each with the index in `blocks` of the next block.
    pictures: list[tuple[Block, int]] = field(default_factory=list)


def segment(region: lxml.html.HtmlElement) -> Page:
    """The text blocks of `region` in document order, with subtree word and link-word counts."""
    blocks: list[Block] = []
    words: dict[lxml.html.HtmlElement, int] = {}
    links: dict[lxml.html.HtmlElement, int] = {}
    # One entry per open element: (block owning its text, inside a link, own mask, above mask).
    stack: list[tuple[Block, bool, int, int]] = []
    counts: list[list[int]] = []  # [words, link words] of each open element's subtree so far

    def add(block: Block, count: list[int], text: str, link: bool) -> None:
        n = len(text.split())
        block.pieces.append(text)
        block.words += n
        count[0] += n
        if link:
            block.link_words += n
            count[1] += n

    for event, element in etree.iterwalk(region, events=("start", "end")):
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if event == "end":
            count = counts.pop()
            stack.pop()
            words[element], links[element] = count
            if counts:
                parent_count = counts[-1]
                parent_count[0] += count[0]
                parent_count[1] += count[1]
                tail = element.tail
                if tail and not tail.isspace():
                    add(stack[-1][0], parent_count, tail, stack[-1][1])
            continue
        mask = _mask(element)
        if stack:
            parent_block, parent_link, parent_mask, parent_above = stack[-1]
            link = parent_link or tag == "a"
            above = parent_above | mask
        else:
            parent_block, link, parent_mask, above = None, tag == "a", 0, mask
        if parent_block is None or (tag in BLOCK_TAGS and parent_block.element.tag not in _ATOMIC):
            grand_mask = stack[-2][2] if len(stack) > 1 else 0
            block = Block(element, len(stack), above, mask | parent_mask | grand_mask)
            blocks.append(block)
        else:
            block = parent_block
        if tag == "img":
            block.images = True
        stack.append((block, link, mask, above))
        count = [0, 0]
        counts.append(count)
        text = element.text
        if text and not text.isspace():
            add(block, count, text, link)
    worded: list[Block] = []
    pictures: list[tuple[Block, int]] = []
    for block in blocks:
        if block.words:
            worded.append(block)
        elif block.images:
            pictures.append((block, len(worded)))
    return Page(region, worded, words, links, pictures)


@functools.lru_cache(maxsize=4096)
def _name_mask(names: str) -> int:
    """Bits for the class/id word groups found in `names` (camelCase words count as separate words)."""
    mask = 0
    for word in _NAMES.findall(" " + _CAMEL.sub("-", names).lower()):
        mask |= _name_bit(word)
    return mask


@functools.cache
def _name_bit(word: str) -> int:
    """The bit of the first word group with a branch that matches all of `word` (the group of the branch found)."""
    return next(1 << bit for bit, group in enumerate(_NAME_GROUP_PATTERNS) if group.fullmatch(word))


def _mask(element: lxml.html.HtmlElement) -> int:
    """Bits for the element's class/id word groups, its landmark tag and its ARIA landmark role."""
    names = f"{element.get('class', '')} {element.get('id', '')}"
    mask = 0 if names == " " else _name_mask(names)
    bit = _LANDMARK_BIT.get(element.tag)
    if bit is not None:
        mask |= 1 << bit
    role = element.get("role")
    if role:
        landmark = _ROLE_LANDMARKS.get(role.strip().lower())
        if landmark is not None:
            mask |= 1 << (len(_NAME_GROUPS) + landmark)
    return mask


def _text_features(block: Block, text: str, lowered: str) -> list[float]:
    words = max(1, block.words)
    tokens = text.split()
    digits = len(_DIGIT.findall(text))
    return [
        math.log1p(block.words),
        block.link_words / words,
        len(_CLAUSE.findall(text)) / words,
        float(bool(_SENTENCE_END.search(text))),
        len(text.replace(" ", "")) / words,
        digits / max(1, len(text)),
        sum(map(str.isupper, [token[0] for token in tokens])) / words,
        float(bool(digits and _PRICE.search(text))),  # every price has a digit
        min(3.0, len(_BOILERPLATE_PHRASE.findall(lowered))),
    ]


_TEXT_FEATURES = 9
_NEIGHBOUR_FEATURES = 3
_TAG_CODES = {"p": 1, "li": 2, "td": 3, "th": 3, "dt": 4, "dd": 4, "pre": 5, "blockquote": 6, "figcaption": 7}
_BIT_SHIFTS = np.arange(_MASK_BITS, dtype=np.int64)
_PLACE_FEATURES = 20
_PAGE_FEATURES = 5 + len(_PAGE_KINDS)
FEATURE_COUNT = _TEXT_FEATURES + 2 * _NEIGHBOUR_FEATURES + 2 + _PLACE_FEATURES + 3 + 2 * _MASK_BITS + _PAGE_FEATURES


def features(page: Page, kinds: frozenset[str], selected: set[lxml.html.HtmlElement]) -> np.ndarray:
    """One row of numbers per block of `page` (see the module docstring), as a float32 matrix.

    `selected` holds the block elements that the rule-based selector kept: its verdict is
    one feature.
    """
    blocks = page.blocks
    n = len(blocks)
    if not n:
        return np.zeros((0, FEATURE_COUNT), dtype=np.float32)
    total = max(1, page.words.get(page.region, 0) or sum(b.words for b in blocks))
    texts = [b.text for b in blocks]
    lowered = [t.lower() for t in texts]
    repeats = Counter(lowered)
    own = np.array([_text_features(*row) for row in zip(blocks, texts, lowered, strict=True)], dtype=np.float64)
    own = own.reshape(n, _TEXT_FEATURES)
    pad = np.zeros((1, _NEIGHBOUR_FEATURES))
    neighbours = own[:, :_NEIGHBOUR_FEATURES]
    chosen = np.array([b.element in selected for b in blocks], dtype=np.float64)
    words = np.array([b.words for b in blocks], dtype=np.float64)
    first_h1 = next((i for i, b in enumerate(blocks) if b.element.tag == "h1"), n)
    rows: list[list[float]] = []
    siblings: _Siblings = {}
    title_box = _TitleBox(page, blocks[first_h1] if first_h1 < n else None, total)
    heading_boiler, heading_level, since_heading = 0.0, 0.0, 0
    for index, block in enumerate(blocks):
        element = block.element
        tag = element.tag
        if tag in _HEADINGS:
            heading_level = float(_HEADINGS.index(tag) + 1)
            heading_boiler = float(block.words <= 8 and bool(_BOILERPLATE_HEADING.match(texts[index])))
            since_heading = 0
        parent = element.getparent()
        grand = parent.getparent() if parent is not None else None
        rows.append(
            [
                heading_level if tag in _HEADINGS else 0.0,
                float(_TAG_CODES.get(tag, 0)),
                float(block.depth),
                (index - first_h1) / n,
                math.log1p(repeats[lowered[index]] - 1),
                heading_boiler,
                heading_level,
                math.log1p(since_heading),
                *_container(page, parent, total),
                *_container(page, grand, total),
                _repeats(element, siblings),
                _repeats(parent, siblings),
                _repeats(grand, siblings),
                *title_box(block),
            ]
        )
        since_heading += 1
    masks = np.array([[b.above, b.near] for b in blocks], dtype=np.int64).reshape(n, 2)
    bits = ((masks[:, :, None] >> _BIT_SHIFTS) & 1).reshape(n, 2 * _MASK_BITS)
    page_row = [
        math.log1p(total),
        sum(b.link_words for b in blocks) / total,
        math.log1p(n),
        float(words @ chosen) / total,
        *(float(bool(kinds & group)) for group in _PAGE_KINDS),
        float(first_h1 < n),
    ]
    columns = [
        own,
        np.vstack([pad, neighbours[:-1]])[:n],
        np.vstack([neighbours[1:], pad])[-n:],
        np.arange(n)[:, None] / max(1, n),
        (np.cumsum(words) - words)[:, None] / total,
        np.array(rows, dtype=np.float64).reshape(n, -1),
        chosen[:, None],
        np.r_[0.0, chosen[:-1]][:n, None],
        np.r_[chosen[1:], 0.0][-n:, None],
        bits,
        np.tile(np.array(page_row), (n, 1)),
    ]
    return np.hstack(columns).astype(np.float32)


class _TitleBox:
    """Where a block sits relative to the page's first `<h1>`: the smallest element holding both."""

    def __init__(self, page: Page, title: Block | None, total: int) -> None:
        self._page = page
        self._total = total
        self._depths: dict[lxml.html.HtmlElement, int] = {}
        node, depth = (title.element, title.depth) if title is not None else (None, -1)
        while depth >= 0 and node is not None:
            self._depths[node] = depth
            node, depth = node.getparent(), depth - 1
        self._meets = {element: element for element in self._depths}

    def __call__(self, block: Block) -> list[float]:
        """That element's words (log, share of the page) and how far below it the block sits."""
        if not self._depths:
            return [0.0, 0.0, -1.0]
        path = []
        node = block.element
        while node not in self._meets:
            path.append(node)
            node = node.getparent()
        meet = self._meets[node]
        for element in path:
            self._meets[element] = meet
        words = self._page.words.get(meet, 0)
        return [math.log1p(words), words / self._total, float(block.depth - self._depths[meet])]


def _container(page: Page, element: lxml.html.HtmlElement | None, total: int) -> list[float]:
    if element is None:
        return [0.0, 0.0, 0.0]
    words = page.words.get(element, 0)
    return [math.log1p(words), page.link_words.get(element, 0) / max(1, words), words / total]


_Siblings = dict[lxml.html.HtmlElement, float]


def _repeats(element: lxml.html.HtmlElement | None, cache: _Siblings) -> float:
    """log(how many siblings share the element's tag and class): cards in a grid, posts in a thread.

    `cache` holds the answer for every child of each parent met so far (blocks share parents).
    """
    if element is None:
        return 0.0
    value = cache.get(element)
    if value is not None:
        return value
    parent = element.getparent()
    if parent is None:
        return 0.0
    children = [child for child in parent if isinstance(child.tag, str)]
    keys = [(child.tag, child.get("class", "")) for child in children]
    counts = Counter(keys)
    for child, key in zip(children, keys, strict=True):
        cache[child] = math.log(counts[key])
    return cache[element]


def keep_blocks(page: Page, keep: list[bool], pictures: list[bool]) -> None:
    """Remove the own text of every block not in `keep`, in place; a table row stays whole if any cell stays,
    and a table whose header stays keeps all its rows.

    Blocks nested inside a removed block keep their text when they are kept; elements
    left with no text and no image are removed. A block of pictures stays when `pictures`
    says so or when the blocks on both sides of it stay (a figure inside the article, not
    a logo in the banner). A term (`<dt>`) of plain text whose definitions all go, goes too:
    a label without its value ("Joined", "Messages") tells nothing.
    """
    keep = _without_bare_terms(page, keep)
    for (block, after), kept in zip(page.pictures, pictures, strict=True):
        if not (kept or (0 < after < len(keep) and keep[after - 1] and keep[after])):
            _strip(block.element)
    rows: dict[lxml.html.HtmlElement, bool] = {}
    headed: set[lxml.html.HtmlElement] = set()  # tables whose header cells stay
    for block, kept in zip(page.blocks, keep, strict=True):
        if block.element.tag in ("td", "th"):
            row = block.element.getparent()
            rows[row] = rows.get(row, False) or kept
            if kept and block.element.tag == "th" and (table := _table_of(row)) is not None:
                headed.add(table)
    doomed = [
        b.element
        for b, kept in zip(page.blocks, keep, strict=True)
        if not kept
        and not (
            b.element.tag in ("td", "th")
            and (rows.get(b.element.getparent()) or _table_of(b.element.getparent()) in headed)
        )
    ]
    for element in doomed:
        _strip(element)
    _prune_empty(page.region)


def _table_of(row: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The `<table>` a row belongs to (through `<thead>`/`<tbody>`/`<tfoot>`), or None."""
    parent = row.getparent()
    if parent is not None and parent.tag in ("thead", "tbody", "tfoot"):
        parent = parent.getparent()
    return parent if parent is not None and parent.tag == "table" else None


def _without_bare_terms(page: Page, keep: list[bool]) -> list[bool]:
    """`keep` with each kept plain-text `<dt>` dropped when it has definitions and none of them is kept."""
    if not any(block.element.tag == "dt" for block in page.blocks):
        return keep
    index = {block.element: i for i, block in enumerate(page.blocks)}
    keep = list(keep)
    for i, block in enumerate(page.blocks):
        if block.element.tag != "dt" or not keep[i] or next(block.element.iter("a", "img"), None) is not None:
            continue  # a term with a link or picture is a name (a post's author), not a label
        definitions: list[int] = []
        for sibling in block.element.itersiblings():
            if sibling.tag != "dd":
                break
            if sibling in index:  # a definition with words (one of pictures alone is not judged here)
                definitions.append(index[sibling])
        if definitions and not any(keep[j] for j in definitions):
            keep[i] = False
    return keep


# Elements that mean something without text: line breaks, rules, pictures, table structure.
_MEANINGFUL_EMPTY = frozenset({"br", "hr", "img", "td", "th", "pre"})


def _prune_empty(root: lxml.html.HtmlElement) -> None:
    """Remove the elements that hold no text and no picture (what emptied blocks leave behind)."""
    for element in reversed(list(root.iter())):
        parent = element.getparent()
        if parent is None or element.tag in _MEANINGFUL_EMPTY or (element.text and not element.text.isspace()):
            continue
        if element.tag == "tr":
            if element.text_content().strip() or next(element.iter("img"), None) is not None:
                continue
        elif any(isinstance(c.tag, str) or (c.tail and not c.tail.isspace()) for c in element):
            continue
        element.drop_tree()


def _strip(element: lxml.html.HtmlElement) -> None:
    """Remove the text `element` owns and its inline children, keeping nested blocks (none in code or headings)."""
    element.text = None
    atomic = element.tag in _ATOMIC
    for child in list(element):
        child.tail = None
        if atomic or not isinstance(child.tag, str):
            element.remove(child)
        elif child.tag in BLOCK_TAGS:
            continue
        elif any(isinstance(d.tag, str) and d.tag in BLOCK_TAGS for d in child.iterdescendants()):
            _strip(child)
        else:
            element.remove(child)
