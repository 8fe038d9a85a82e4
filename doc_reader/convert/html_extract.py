"""The rule-based selector: choose the part of a cleaned page that is its main content.

`drop_overlays` removes consent dialogs, overlays and comment threads of any size;
`select` then removes page chrome (navigation, banner, page footer, sidebars, by tag
and by ARIA role), prefers `<main>` /
`role=main`, then a single dominant `<article>`, then the body; within that it
narrows to the densest prose block (readability-style text and link density) when
that keeps most of the prose, and prunes boilerplate blocks by class/id name, link
lists in prose, and sections whose heading introduces other pages ("Related
products", "Customer reviews").
"""

from __future__ import annotations

import re
from collections.abc import Callable

import lxml.html
from lxml import etree

from doc_reader.convert.html_clean import words as _words

# Landmarks that are never the main content.
# Roles are found through the attribute nodes, which is a third of the time of testing every element.
_CHROME_XPATH = (
    "//nav | //aside | //@role[.='navigation' or .='banner' or .='contentinfo' or .='complementary' or .='search']/.."
)
# <header>/<footer> are page chrome only when not inside sectioning content (HTML spec: banner/contentinfo).
_PAGE_HEADER_FOOTER = "(//header | //footer)[not(ancestor::article or ancestor::main or ancestor::section)]"
_CHROME = etree.XPath(f"{_CHROME_XPATH} | {_PAGE_HEADER_FOOTER}")
_CONTENT = etree.XPath(".//main | .//article | descendant::*/@role[.='main']/.. | .//h1")
# Chrome never holds more than this share of a page's words.
_CHROME_MAX_SHARE = 0.5
# An off-canvas drawer (cart, menu); an "accordion drawer" is an expandable section of the content.
_DRAWER = r"(?<!accordion[_-])drawer"
# Class/id words of blocks that are never main content.
_BOILERPLATE = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|social|related|recommend\w*|newsletter|subscribe|signup|sidebar"
    r"|breadcrumbs?|cookies?|consent|advert\w*|ads?|adsense|promo|sponsor\w*|popup|modal|menu|navbar|nav|skip"
    r"|pagination|pager|toolbar|masthead|login|footer|author-?bio|about-author"
    rf"|trending|popular|upsell|cross-?sell|recently-viewed|{_DRAWER}|mini-?cart|cart|facets?|filters?|quick-?view"
    r"|off-?canvas|announcement|mega-?menu|wishlist)(?:$|[\s_-])"
)
# Blocks that are never the page, whatever their size: overlays that scripts open, and comment
# threads under an article (on discussion pages the comments are the content).
_OVERLAY_WORDS = rf"modal|popup|{_DRAWER}|off-?canvas|cookies?|consent"
_COMMENT_WORDS = r"comments?|comment-?list|disqus|respond"


def _class_words(words: str) -> re.Pattern[str]:
    """A regex for any of `words` as a whole word of a lower-cased class/id string."""
    return re.compile(rf"(?:^|[\s_-])(?:{words})(?:$|[\s_-])")


_OVERLAY = _class_words(_OVERLAY_WORDS)
# Consent dialogs (cookie banners) are never content, however much legal text they hold.
_CONSENT = _class_words("consent")
_OVERLAY_OR_COMMENTS = _class_words(f"{_OVERLAY_WORDS}|{_COMMENT_WORDS}")
_DISCUSSION_KINDS = frozenset({"discussionforumposting", "qapage", "socialmediaposting"})
_NAME_VALUES = etree.XPath("descendant::*/@class | descendant::*/@id")
_NOT_BOILERPLATE = etree.XPath("self::main | self::article | .//main | .//article | .//h1")
# What must be left of the content after dropping a large overlay or comment thread.
_MIN_REST_SHARE = 0.3
_MIN_REST_WORDS = 50
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Headings that introduce blocks about other pages, not this one.
_BOILERPLATE_HEADING = re.compile(
    r"^\W*(?:related\b|similar\b|recommended\b|you (?:may|might) (?:also )?(?:like|enjoy|be interested)"
    r"|(?:customers|people) (?:who )?(?:also )?(?:viewed|bought)|(?:also|recently) viewed"
    r"|more (?:from|like this|to explore)"
    r"|explore (?:related|more)|(?:popular|trending|latest|recent) (?:posts|articles|products|stories|news)"
    r"|read (?:next|more)\W*$|up next|share (?:this|on)|follow us|subscribe|sign up|join our|newsletter"
    r"|suggested (?:topics|threads|products|articles)|leave a (?:reply|comment)"
    r"|(?:customer |user |product )?reviews\b|ratings? (?:&|and) reviews|questions? (?:&|and) answers)",
    re.IGNORECASE,
)
_HEADING_MAX_WORDS = 8
_LIST_TAGS = frozenset({"ul", "ol", "div", "section", "table", "dl", "p"})
# Content whose link words are below this share is prose: link lists inside it are boilerplate.
_PROSE_LINK_DENSITY = 0.3
_LINK_LIST_DENSITY = 0.6
_LINK_LIST_MAX_WORDS = 150
_BLOCK_MAX_SHARE = 0.5
# A candidate must hold at least this share of the page's text to be the main content.
_MIN_SHARE = 0.25
# One article is the content when it holds this share of all articles' text; else they all are.
_DOMINANT = 0.6


def body_of(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The `<body>`, or the whole document when the parser put visible text into `<head>`.

    libxml2 does that on some malformed pages; cleaning has already removed `<title>`,
    `<meta>` and the like, so any text left in the head is page text.
    """
    head, body = root.find("head"), root.find("body")
    if body is None or (head is not None and head.text_content().strip()):
        return root
    return body


def select(body: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The main content of `body` by the rules, removing what they reject (`body` is changed in place).

    Overlays and comment threads must already be gone (`drop_overlays`): the caller knows
    from the page's metadata whether comments are its content.
    """
    remove_chrome(body)
    landmark = _landmark(body)
    content = _narrow(body) if landmark is None else _narrow(landmark, _MIN_LANDMARK_PROSE_SHARE)
    prune(content)
    drop_boilerplate_sections(content)
    return content


def remove_chrome(body: lxml.html.HtmlElement) -> None:
    """Remove navigation, banner, page footer and sidebar regions from `body` in place."""
    chrome = _CHROME(body)
    total = (_words(body) or 1) if chrome else 1
    for element in chrome:
        if element.getparent() is None or element is body or _holds_content(element, total):
            continue
        element.drop_tree()


def _holds_content(element: lxml.html.HtmlElement, total: int) -> bool:
    """True when a chrome element wraps the content anyway (unclosed tags in a menu swallow the page)."""
    return bool(_CONTENT(element)) or _words(element) > _CHROME_MAX_SHARE * total


def drop_overlays(body: lxml.html.HtmlElement, kinds: frozenset[str]) -> None:
    """Remove consent dialogs, overlays and (except on discussion pages) comment threads, however large."""
    names = _OVERLAY if kinds & _DISCUSSION_KINDS else _OVERLAY_OR_COMMENTS
    # One walk finds both passes' candidates: every consent block is also an overlay.
    candidates = _named(body, names)
    _drop_large(body, [element for element in candidates if _CONSENT.search(_names(element))], min_share=0.0)
    _drop_large(body, [element for element in candidates if body in element.iterancestors()])


def _drop_large(
    content: lxml.html.HtmlElement, candidates: list[lxml.html.HtmlElement], min_share: float = _MIN_REST_SHARE
) -> None:
    """Remove `candidates` (blocks named as boilerplate, in document order), however large, if enough is left.

    Enough is `min_share` of the content's words and at least `_MIN_REST_WORDS` words.
    """
    if not candidates:
        return
    total = _words(content)
    matched: list[lxml.html.HtmlElement] = []
    for element in candidates:
        # A matching block is dropped or kept whole: the parts of a thread too big to drop stay.
        if matched and matched[-1] in element.iterancestors():
            continue
        if not _NOT_BOILERPLATE(element):
            matched.append(element)
    for element in matched:
        rest = total - _words(element)
        if rest >= max(_MIN_REST_WORDS, min_share * total):
            element.drop_tree()
            total = rest


def prune(content: lxml.html.HtmlElement) -> None:
    """Remove boilerplate blocks inside the chosen content: by class/id name, and link lists in prose.

    Nothing is removed when the blocks together hold most of the content's words (a page
    that calls its whole article `post-share-wrapper` still has an article).
    """
    total = _words(content) or 1
    prose = _link_words(content) / total < _PROSE_LINK_DENSITY
    boilerplate = set(_named(content, _BOILERPLATE))

    def doomed_block(element: lxml.html.HtmlElement) -> bool:
        named = element in boilerplate
        if not (named or (prose and element.tag in _LIST_TAGS)):
            return False  # decided without counting words, which reads the whole subtree
        words = _words(element)
        return words <= _BLOCK_MAX_SHARE * total and (named or _is_link_list(element, words))

    doomed = _outermost(content, doomed_block)
    # Many small removals that add up to most of the page mean the names lied (page builders
    # call every block a "widget"): then keep everything.
    if sum(_words(element) for element in doomed) <= _BLOCK_MAX_SHARE * total:
        for element in doomed:
            element.drop_tree()


def _outermost(
    content: lxml.html.HtmlElement, test: Callable[[lxml.html.HtmlElement], bool]
) -> list[lxml.html.HtmlElement]:
    """The descendants of `content` that pass `test`, in document order, none inside another."""
    found: list[lxml.html.HtmlElement] = []
    walker = etree.iterwalk(content, events=("start",))
    for _, element in walker:
        if element is not content and isinstance(element.tag, str) and test(element):
            found.append(element)
            walker.skip_subtree()
    return found


def _named(region: lxml.html.HtmlElement, pattern: re.Pattern[str]) -> list[lxml.html.HtmlElement]:
    """The descendants of `region` with a class or id that `pattern` finds (lower-cased), in document order.

    One walk over the attribute values: most elements have neither, and a name word never spans
    the class and the id, so each value is searched alone.
    """
    found: dict[lxml.html.HtmlElement, None] = {}
    verdicts: dict[str, bool] = {}  # cards and rows repeat their class names: search each value once
    for value in _NAME_VALUES(region):
        hit = verdicts.get(value)
        if hit is None:
            hit = verdicts[value] = pattern.search(value.lower()) is not None
        if hit:
            found[value.getparent()] = None
    return list(found)


def _names(element: lxml.html.HtmlElement) -> str:
    return f"{element.get('class', '')} {element.get('id', '')}".lower()


def _link_words(element: lxml.html.HtmlElement) -> int:
    return sum(len(a.text_content().split()) for a in element.iter("a"))


def _is_link_list(element: lxml.html.HtmlElement, words: int) -> bool:
    """A short block that is mostly links (related articles, tag clouds, share bars)."""
    return 0 < words < _LINK_LIST_MAX_WORDS and _link_words(element) / words > _LINK_LIST_DENSITY


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


def _common_ancestor(elements: list[lxml.html.HtmlElement]) -> lxml.html.HtmlElement:
    """The deepest element that contains all of `elements`."""
    shared = [elements[0], *elements[0].iterancestors()]
    for element in elements[1:]:
        lineage = {id(el) for el in (element, *element.iterancestors())}
        shared = [el for el in shared if id(el) in lineage]
    # Malformed markup can leave candidates in detached subtrees with no common ancestor.
    return shared[0] if shared else max(elements, key=_words)


def drop_boilerplate_sections(content: lxml.html.HtmlElement) -> None:
    """Remove sections whose heading says they are about other pages ("Related products", "Subscribe")."""
    total = _words(content) or 1
    for heading in list(content.iter(*_HEADINGS)):
        text = heading.text_content().strip()
        if (
            heading.getparent() is None
            or len(text.split()) > _HEADING_MAX_WORDS
            or not _BOILERPLATE_HEADING.match(text)
        ):
            continue
        section = _section_of(heading, content)
        if _words(section) <= _BLOCK_MAX_SHARE * total:
            section.drop_tree()


def _section_of(heading: lxml.html.HtmlElement, content: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The largest ancestor of `heading` (inside `content`) that opens with it and holds no peer heading."""
    level = _HEADINGS.index(heading.tag)
    peers = _HEADINGS[: level + 1]
    section = heading
    for parent in heading.iterancestors():
        if parent is content or _text_before(section) or sum(1 for _ in parent.iter(*peers)) > 1:
            break
        section = parent
    return section


def _text_before(element: lxml.html.HtmlElement) -> bool:
    """True when the parent of `element` has text before it."""
    parent = element.getparent()
    if (parent.text or "").strip():
        return True
    return any(
        sibling.text_content().strip() or (sibling.tail or "").strip()
        for sibling in element.itersiblings(preceding=True)
    )


# Elements whose own text the density scorer does not count.
_NON_TEXT = frozenset({"a", "script", "style"})
# Ancestor weights: a paragraph counts fully for its parent and grandparent, less further up.
_ANCESTOR_WEIGHTS = (1.0, 1.0, 0.5, 1 / 3)
# Punctuation that ends or splits a clause: text that has it reads like sentences.
_CLAUSE_MARK = re.compile(r"[.,;:!?。，]")
# A sibling of the best container is kept when it scores this share of the best.
_SIBLING_SHARE = 0.2
# Siblings that are short plain text (headings, intros) stay with the chosen block.
_CAPTION_MAX_WORDS = 30
_CAPTION_LINK_SHARE = 0.5
_Counts = dict[lxml.html.HtmlElement, int]
# A grid of cards: this many same-tag, same-class siblings holding this share of their parent's
# words, this many words a card on average; a card scores its words up to a cap.
_GRID_MIN_CARDS = 3
_GRID_MIN_SHARE = 0.6
_CARD_MIN_WORDS = 5
_CARD_MAX_POINTS = 10
_GRID_LINK_SHARE = 0.5
# The chosen block (with its kept siblings) must hold this share of the page's non-link words.
_MIN_PROSE_SHARE = 0.5
# Inside a landmark the page already said where its content is: trim less eagerly.
_MIN_LANDMARK_PROSE_SHARE = 0.7


def densest_block(region: lxml.html.HtmlElement, share: float = _MIN_PROSE_SHARE) -> lxml.html.HtmlElement | None:
    """The container of the prose inside `region` (a landmark or the body), readability-style.

    Every text-bearing element scores its non-link words (more when they read like
    sentences) for its nearest ancestors; a container's score is then discounted by its
    link density. The best container is kept with those siblings that score well or are
    short plain text; the other siblings are removed. None when the result would hold less
    than `share` of the region's non-link words or `_MIN_SHARE` of all its words.
    """
    own, total, links = _text_counts(region)
    scores: dict[lxml.html.HtmlElement, float] = {}
    for element, (words, marks) in own.items():
        if words < 3:
            continue
        points = (words if marks else min(words, 10)) + 3 * marks
        for weight, ancestor in zip(_ANCESTOR_WEIGHTS, element.iterancestors(), strict=False):
            if ancestor not in total:
                break
            scores[ancestor] = scores.get(ancestor, 0.0) + weight * points
    if not scores:
        return None
    final = {el: score * (1 - links[el] / max(1, total[el])) for el, score in scores.items()}
    for grid, points in _card_grids(total, links).items():
        final[grid] = max(final.get(grid, 0.0), points)
    best = max(final, key=final.__getitem__)
    prose = total[region] - links[region]
    parent = best.getparent()
    siblings = [] if best is region or parent is None else [el for el in parent if el is not best]
    kept = [
        el for el in siblings if final.get(el, 0.0) >= _SIBLING_SHARE * final[best] or _is_caption(el, total, links)
    ]
    chosen = [best, *kept]
    if (
        sum(total[el] - links[el] for el in chosen) < share * prose
        or sum(total[el] for el in chosen) < _MIN_SHARE * total[region]
    ):
        return None
    if not kept:
        return best
    for element in siblings:
        if element not in kept and isinstance(element.tag, str):
            element.drop_tree()
    return parent


def _card_grids(total: _Counts, links: _Counts) -> dict[lxml.html.HtmlElement, float]:
    """Score per grid of repeated cards (product tiles, article teasers), scored as one unit.

    A grid is an element with at least `_GRID_MIN_CARDS` children of the same tag and
    class that hold most of its words, `_CARD_MIN_WORDS` words a card on average (menus
    are lists of one- or two-word items), mostly as link text. The density score
    discounts link text to nothing (cards of prose score already); as a unit each card
    counts its words up to `_CARD_MAX_POINTS`, so a grid can outscore a paragraph beside it.
    """
    grids: dict[lxml.html.HtmlElement, float] = {}
    for element, words in total.items():
        if (
            words < _CARD_MIN_WORDS * _GRID_MIN_CARDS
            or len(element) < _GRID_MIN_CARDS
            or links[element] < _GRID_LINK_SHARE * words
        ):
            continue
        groups: dict[tuple[str, str], list[int]] = {}
        for child in element:
            if isinstance(child.tag, str):
                groups.setdefault((child.tag, child.get("class", "")), []).append(total.get(child, 0))
        cards = max(groups.values(), key=sum, default=[])
        if (
            len(cards) >= _GRID_MIN_CARDS
            and sum(cards) >= _GRID_MIN_SHARE * words
            and sum(cards) >= _CARD_MIN_WORDS * len(cards)
        ):
            grids[element] = float(sum(min(card, _CARD_MAX_POINTS) for card in cards))
    return grids


def _is_caption(element: lxml.html.HtmlElement, total: _Counts, links: _Counts) -> bool:
    """A short block of plain text (a heading, an intro line) next to the content: it belongs to it."""
    words = total.get(element, 0)
    return 0 < words <= _CAPTION_MAX_WORDS and links[element] < _CAPTION_LINK_SHARE * words


def _text_counts(
    region: lxml.html.HtmlElement,
) -> tuple[dict[lxml.html.HtmlElement, tuple[int, int]], _Counts, _Counts]:
    """Per element: own (words, clause marks) outside links; words and link words of its subtree."""
    own: dict[lxml.html.HtmlElement, tuple[int, int]] = {}
    total: _Counts = {}
    links: _Counts = {}
    in_link: set[lxml.html.HtmlElement] = set()
    order = list(region.iter(etree.Element))
    parents = [element.getparent() for element in order]
    for element, parent in zip(order, parents, strict=True):
        linked = element.tag == "a" or parent in in_link
        if linked:
            in_link.add(element)
        text = element.text or ""
        if len(element):  # the tails of its children (comments too) are its own text
            text = " ".join([text, *[child.tail or "" for child in element]])
        words = len(text.split())
        total[element] = words
        links[element] = words if linked else 0
        if not linked and element.tag not in _NON_TEXT:
            own[element] = (words, len(_CLAUSE_MARK.findall(text)))
    for element, parent in zip(reversed(order), reversed(parents), strict=True):
        if element is not region and parent in total:
            total[parent] += total[element]
            links[parent] += links[element]
    return own, total, links


def _narrow(region: lxml.html.HtmlElement, share: float = _MIN_PROSE_SHARE) -> lxml.html.HtmlElement:
    """The densest prose block of `region`, or `region` itself when none holds enough of it."""
    block = densest_block(region, share)
    return region if block is None else block
