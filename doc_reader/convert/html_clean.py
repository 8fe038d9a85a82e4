"""Parse HTML into an lxml tree and remove everything a reader cannot see.

Removed here, for both `extract` modes: scripts, styles, embedded frames (a video
player leaves a link to its video, `html_video`) and widgets, form controls (a task
list's checkbox leaves `[x]` or `[ ]`), comments, and hidden elements (`hidden`,
`aria-hidden="true"`, inline `display:none` / `visibility:hidden`, `<template>`, and
visually-hidden class names such as `sr-only`).
Hidden text is a common carrier for prompt injection, so it never reaches the
Markdown, except what the page itself shows: a panel that a tab or accordion control
opens (`_disclosed`), the parts React's streaming scripts move into place
(`_reveal_streamed`), and the TeX of formulas that scripts or pictures draw
(`html_math`). Code blocks lose the line numbers beside them and become plain
text (`html_code`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from doc_reader.convert.base import Deadline
from doc_reader.convert.html_code import flatten_code, remove_line_numbers
from doc_reader.convert.html_math import is_formula_source, show_formulas
from doc_reader.convert.html_video import show_videos, video_page

# Never visible, or not text: dropped with everything inside.
DROP_TAGS = frozenset(
    {
        "script",
        "style",
        "template",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "svg",
        "canvas",
        "map",
        "audio",
        "video",
        "source",
        "track",
        "input",
        "select",
        "option",
        "optgroup",
        "textarea",
        "datalist",
        "output",
        "progress",
        "meter",
        "dialog",
        "link",
        "meta",
        "base",
        "title",
        "head",
    }
)
# A <form> with fewer words than this is a search box or sign-up widget; a larger one
# (ASP.NET wraps whole pages in <form>) is kept and only loses its controls. Likewise a
# <noscript> is usually "enable JavaScript" or a tracking pixel, but some sites
# (Discourse forums) put the whole server-rendered page in one.
_FORM_MIN_WORDS = 60
# A button whose text is a question of at least this many words opens an FAQ answer.
_QUESTION_MIN_WORDS = 3
# Pages hide <html>/<body> until their scripts run ("anti-flicker"); the text is still the page.
_ALWAYS_SHOWN = frozenset({"html", "body"})
_HIDDEN_MAX_SHARE = 0.6
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# The class names stylesheets conventionally use to move text off screen for screen readers alone ("Skip
# to content", "(opens in a new tab)", icon names). In a one-off count on the dev pages 8,668 such elements' texts are
# not in the ground truth and 828 are (mostly words such as "Search" that the page shows elsewhere); of the
# "assistive" names (`assistive-text`, Salesforce's `selected-assistive-text`, UsableNet's), 197 are not and none is.
_VISUALLY_HIDDEN = re.compile(
    r"(?<![\w-])(?:sr-only|sr_only|screen-?reader-(?:text|only)|visually-?hidden|visually_hidden|hidden-visually"
    r"|u-hiddenvisually|element-invisible|show-for-sr|skip-?link|[\w-]*assistive[\w-]*)(?![\w-])",
    re.IGNORECASE,
)
# Responsive class names that set an element's display from a screen width up (Tailwind's `md:hidden`,
# Bootstrap's `d-lg-none`): the widest one decides what a wide screen shows. Breakpoints by width.
_BREAKPOINTS = {"sm": 1, "md": 2, "lg": 3, "xl": 4, "2xl": 5, "xxl": 5}
_DISPLAYS = "hidden|none|block|flex|inline|inline-block|inline-flex|grid|inline-grid|table|contents"
_RESPONSIVE_DISPLAY = re.compile(rf"(?:(sm|md|lg|xl|2xl):|d-(sm|md|lg|xl|xxl)-)({_DISPLAYS})")
# Names that hide an element on wide screens outright (Bootstrap 3, Foundation, common custom names).
_NARROW_ONLY = re.compile(
    r"(?<![\w-])(?:hidden-lg|hide-for-large|hide-for-medium|show-for-small-only|show-for-medium-only|visible-xs"
    r"|visible-sm|mobile-only|only-mobile|hide-desktop|hidden-desktop|hide-on-desktop)(?![\w-])"
)
# lxml refuses str input that carries an XML encoding declaration, and control characters.
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# Unicode noncharacters (never text) that the renderer writes (`html_markdown`), for `<br>` and before a
# table's header row: removed too.
BREAK_MARKER = "\ufdd0"
HEADER_ROW_MARKER = "\ufdd1"
_CONTROL_CHARACTERS = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]))
_CONTROL_CHARACTERS += BREAK_MARKER + HEADER_ROW_MARKER
_CONTROL = re.compile(f"[{re.escape(_CONTROL_CHARACTERS)}]")
_MENU_ROLES = frozenset({"navigation", "menu", "menubar"})
# Tabs, tab panels and the controls that open panels: one walk finds every role and aria-controls.
_ROLES_AND_CONTROLS = etree.XPath("//@role | //@aria-controls")
_IDS = etree.XPath("//@id")
# The attribute that carries a tab panel's name from cleaning to rendering.
TAB_LABEL = "data-doc-reader-tab"
_TAB_LABEL_MAX_WORDS = 8
# A framework may hide a wrapper around the panel that the control names, this many levels up.
_PANEL_WRAPPERS = 2
# React's inline calls that move a streamed segment: $RC("B:0","S:0") and $RS("S:1","P:1").
_REACT_MOVE = re.compile(r'\$R([CS])\("([^"]+)","([^"]+)"')
_LINKED = etree.XPath("descendant-or-self::a[@href] | descendant-or-self::img[@src]")
# Where lazy loaders keep an image's real URL: a script moves it into `src` (over a placeholder) on screen.
_LAZY_SOURCES = ("data-src", "data-lazy-src", "data-original", "data-srcset")
# What such an attribute must look like to be a URL (pages keep other things there too: "false", "Facebook").
_URL_LIKE = re.compile(r"\S*[/.]\S*")
# Deeper trees are flattened: nothing readable needs more, and renderers recurse.
MAX_DEPTH = 100
_CHECK_EVERY = 2000
# Inline elements that stylesheets often lay out as separate boxes (flex items, table-like specs).
_INLINE = frozenset(
    {"span", "a", "b", "strong", "i", "em", "label", "small", "font", "abbr", "time", "cite", "mark", "u", "s"}
)


# lxml.html picks each element's Python class in Python, per element, every time one is touched;
# this C-level lookup gives every element the same HtmlElement class (we use no form-field classes).
_FAST_LOOKUP = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)


def parse(text: str) -> tuple[lxml.html.HtmlElement | None, bool]:
    """Parse HTML into an `<html>` element (None when there is no markup at all).

    The flag is True when the parser stopped early because elements nest deeper than
    libxml2 allows (2048 levels); the text after that point is lost.
    """
    text = _XML_DECL.sub("", text, count=1)
    # One substring search per character is a third of one regex pass, and pages rarely hold any.
    if any(character in text for character in _CONTROL_CHARACTERS):
        text = _CONTROL.sub("", text)
    if not text.strip():
        return None, False
    parser = lxml.html.HTMLParser(huge_tree=True)
    parser.set_element_class_lookup(_FAST_LOOKUP)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        return None, False
    return root, any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log)


def is_hidden(element: lxml.html.HtmlElement, *, aria: bool = True) -> bool:
    """True if the element is not shown on screen: an attribute, an inline style, or a visually-hidden class.

    `aria=False` leaves `aria-hidden` out: it hides an element from screen readers, not from the screen.
    """
    # Called for every element: one call lists the attribute names, and most elements have none.
    names = element.keys()
    if not names:
        return False
    if "hidden" in names:
        return True
    if aria and "aria-hidden" in names and element.get("aria-hidden", "").strip().lower() == "true":
        return True
    if "style" in names and _HIDDEN_STYLE.search(element.get("style", "")) is not None:
        return True
    if "class" not in names:
        return False
    classes = element.get("class", "").lower()
    # Substrings every visually-hidden name holds, tested before the regular expression.
    maybe = (
        "sr" in classes
        or "isual" in classes
        or "reader" in classes
        or "skip" in classes
        or "invisible" in classes
        or "assistive" in classes
    )
    return maybe and _VISUALLY_HIDDEN.search(classes) is not None


def for_narrow_screens(element: lxml.html.HtmlElement) -> bool:
    """True if a responsive class name hides the element or an ancestor on a wide screen: a phone's copy."""
    return any(_hidden_when_wide(node.get("class", "").lower()) for node in (element, *element.iterancestors()))


def _hidden_when_wide(classes: str) -> bool:
    """Whether class names `classes` hide their element on a wide screen."""
    widest, hidden = 0, False
    for name in classes.split():
        match = _RESPONSIVE_DISPLAY.fullmatch(name)
        if match is not None and (width := _BREAKPOINTS[match.group(1) or match.group(2)]) >= widest:
            widest, hidden = width, match.group(3) in ("hidden", "none")
    return hidden or (_NARROW_ONLY.search(classes) is not None and "visible-lg" not in classes)


def clean(root: lxml.html.HtmlElement, deadline: Deadline) -> None:
    """Remove invisible and non-text content from `root` in place, and flatten over-deep nesting."""
    remove_line_numbers(root)
    doomed: list[etree._Element] = []
    hidden: list[lxml.html.HtmlElement] = []
    small: list[lxml.html.HtmlElement] = []
    questions: list[lxml.html.HtmlElement] = []
    buttons: list[lxml.html.HtmlElement] = []
    formulas: list[lxml.html.HtmlElement] = []
    tasks: list[lxml.html.HtmlElement] = []
    videos: list[tuple[lxml.html.HtmlElement, str]] = []
    for count, element in enumerate(root.iter()):
        if count % _CHECK_EVERY == 0:
            deadline.check()
        if element.tag == "button":
            (questions if _asks_a_question(element) else buttons).append(element)
        elif element.tag == "input" and _is_task_box(element):
            tasks.append(element)
        elif element.tag == "iframe" and not is_hidden(element) and (page := video_page(element)) is not None:
            videos.append((element, page))
        elif not isinstance(element.tag, str) or element.tag in DROP_TAGS:  # comments, PIs, entities too
            (formulas if element.tag == "script" and is_formula_source(element) else doomed).append(element)
        elif element.tag not in _ALWAYS_SHOWN and is_hidden(element):
            (formulas if is_formula_source(element) else hidden).append(element)
        elif element.tag in ("form", "noscript"):
            small.append(element)
    doomed += show_formulas(root, formulas, is_hidden)
    for box in tasks:
        _mark_task(box)
    show_videos(videos)
    tab_parts, controls = _widget_parts(root)
    _name_tab_panels(tab_parts)
    disclosed = _disclosed(root, hidden, controls)
    doomed += _controls_among(questions, root, disclosed)
    hidden = _reveal_streamed([element for element in hidden if element not in disclosed], doomed)
    for element in doomed:
        _remove(element)
    total = words(root) if hidden or buttons else 0
    for button in buttons:
        # libxml2 leaves a <button> open around <div>s left open inside it, where a browser closes
        # it at </button>: a button holding most of the page is that accident, and only its tag goes.
        if button.getparent() is not None and words(button) > _HIDDEN_MAX_SHARE * total:
            button.drop_tag()
        else:
            _remove(button)
    if hidden:
        for element in hidden:
            # Server-rendered apps ship the whole page in a hidden wrapper that scripts reveal;
            # that wrapper is the page, not a hidden aside (injections are a small part of a page).
            if element.getparent() is not None and words(element) <= _HIDDEN_MAX_SHARE * total:
                _remove(element)
    for element in small:
        if element.getparent() is not None and words(element) < _FORM_MIN_WORDS:
            _remove(element)
        elif element.tag == "noscript":
            element.tag = "div"
    _flatten_deep(root, deadline)
    for pre in list(root.iter("pre")):
        flatten_code(pre)
    _separate_touching_words(root)


def _is_task_box(element: lxml.html.HtmlElement) -> bool:
    """Whether `element` (an `<input>`) is the checkbox a task list item opens with (GitHub, MkDocs, markdown-it).

    Those are disabled or named as tasks; a shop's filter list of live checkboxes is a form.
    """
    if element.get("type", "").strip().lower() != "checkbox":
        return False
    if element.get("disabled") is None and "task" not in element.get("class", ""):
        return False
    holder = element.getparent()
    if holder is not None and holder.tag == "label":
        if holder.index(element) != 0 or (holder.text and not holder.text.isspace()):
            return False
        element = holder
        holder = holder.getparent()
    return (
        holder is not None
        and holder.tag == "li"
        and holder.index(element) == 0
        and not (holder.text and not holder.text.isspace())
    )


def _mark_task(box: lxml.html.HtmlElement) -> None:
    """Put `[x]` or `[ ]` where a task's checkbox is, so the Markdown list item reads `- [x] task`."""
    parent = box.getparent()
    if parent is None:
        return
    parent.text = "[x] " if box.get("checked") is not None else "[ ] "  # the box comes first (`_is_task_box`)
    box.tail = (box.tail or "").lstrip()
    _remove(box)


def _reveal_streamed(hidden: list[lxml.html.HtmlElement], doomed: list[etree._Element]) -> list[lxml.html.HtmlElement]:
    """Put React's streamed content where the page's scripts put it; return the elements still hidden.

    React's streaming server renders (Next.js) send late parts of a page at the end of the body as
    `<div hidden id="S:n">`; an inline script (`$RC("B:m","S:n")`, `$RS("S:n","P:n")`) moves each
    into its placeholder `<template id="B:m">` or `<template id="P:n">`, dropping the boundary's
    "Loading..." fallback up to its `<!--/$-->` comment. Without the scripts (saved pages), a
    segment goes to the placeholder with its own number. A segment inside a `<template>` is not in
    the document, so no script finds it: it stays hidden. The `doomed` scripts, templates and
    comments are read before they go.
    """
    segments = {e.get("id", ""): e for e in hidden if e.tag == "div" and e.get("id", "").startswith("S:")}
    if not segments:
        return hidden
    placeholders = {e.get("id"): e for e in doomed if e.tag == "template" and e.get("id", "")[:2] in ("B:", "P:")}
    targets: dict[str, str] = {}
    for script in (e for e in doomed if e.tag == "script" and e.text and "$R" in e.text):
        for kind, first, second in _REACT_MOVE.findall(script.text):
            targets[second if kind == "C" else first] = first if kind == "C" else second
    revealed = set()
    for name, segment in segments.items():
        number = name[2:]
        placeholder = placeholders.get(targets.get(name, f"P:{number}"))
        if placeholder is None:
            placeholder = placeholders.get(f"B:{number}")
        inert = any(ancestor.tag in DROP_TAGS for ancestor in segment.iterancestors())  # a <template>'s content
        if placeholder is None or placeholder.getparent() is None or inert or segment in placeholder.iterancestors():
            continue
        if placeholder.get("id", "").startswith("B:"):
            _drop_fallback(placeholder)
        segment.tail = None  # whitespace between the streamed parts
        placeholder.addprevious(segment)
        segment.drop_tag()
        revealed.add(segment)
    return [e for e in hidden if e not in revealed]


def _drop_fallback(template: lxml.html.HtmlElement) -> None:
    """Remove what follows a Suspense boundary's template up to its closing `<!--/$-->` comment, if there is one."""
    fallback: list[etree._Element] = []
    depth = 0
    node = template.getnext()
    while node is not None:
        if not isinstance(node.tag, str) and node.text in ("/$", "$", "$?", "$!"):
            if node.text == "/$" and depth == 0:
                break
            depth += -1 if node.text == "/$" else 1
        fallback.append(node)
        node = node.getnext()
    if node is None:
        return
    template.tail = None
    parent = template.getparent()
    for element in fallback:
        parent.remove(element)


def _asks_a_question(button: lxml.html.HtmlElement) -> bool:
    """Whether a `<button>` reads as a question (an FAQ toggle), which is content, not a control.

    FAQ sections put each question in the button that opens its answer; dropping the button
    left answers without their questions. Other buttons ("Add to cart", "Menu") still go.
    """
    text = button.text_content().strip()
    return text.endswith("?") and len(text.split()) >= _QUESTION_MIN_WORDS


def _widget_parts(root: lxml.html.HtmlElement) -> tuple[list[lxml.html.HtmlElement], list[lxml.html.HtmlElement]]:
    """The tabs and tab panels of the page, and the controls that open a panel (see `_disclosed`)."""
    tab_parts, controls = [], []
    for attribute in _ROLES_AND_CONTROLS(root):
        element = attribute.getparent()
        if attribute.attrname == "role":
            if attribute in ("tab", "tabpanel"):
                tab_parts.append(element)
        elif _opens(element):
            controls.append(element)
    return tab_parts, controls


def _opens(control: lxml.html.HtmlElement) -> bool:
    """A tab, a collapsed control, or a link or `role="button"` that does not say whether it is expanded."""
    role, expanded = control.get("role"), control.get("aria-expanded")
    return role == "tab" or expanded == "false" or (expanded is None and (control.tag == "a" or role == "button"))


def _disclosed(
    root: lxml.html.HtmlElement, hidden: list[lxml.html.HtmlElement], controls: list[lxml.html.HtmlElement]
) -> set[lxml.html.HtmlElement]:
    """The hidden elements a control on the page opens with one click: tab panels and accordion panels.

    They are the page's content behind tabs and accordions (FAQ answers, each language's
    instructions). A control names its panel in `aria-controls` (a tab, or a collapsed control:
    `aria-expanded="false"`, or a link or `role="button"` that does not say), or a tab panel names
    its tab in `aria-labelledby`; the hidden element is the panel or holds it (frameworks hide a
    wrapper). Hidden text that nothing on the page opens stays hidden, and so do drop-down menus,
    the same widget inside navigation.
    """
    targets = {name for control in controls if (name := _controlled_id(control)) is not None}
    # An id reference list, though pages also give tabs ids with spaces ("tab-C# (.NET Core)").
    labelled = {
        element: {label, *label.split()[:1]}
        for element in hidden
        if element.get("role") == "tabpanel" and (label := element.get("aria-labelledby", "").strip())
    }
    wanted = targets.union(*labelled.values())
    if not wanted:
        return set()
    found = _elements_by_id(root, wanted)
    disclosed = {
        panel
        for panel, names in labelled.items()
        if any(e.get("role") == "tab" for n in names for e in found.get(n, ()))
    }
    hidden_set = set(hidden)
    for node in (element for name in targets for element in found.get(name, ())):
        for _ in range(_PANEL_WRAPPERS + 1):
            if node is None or _is_navigation(node):
                break
            if node in hidden_set:
                if not any(_is_navigation(ancestor) for ancestor in node.iterancestors()):
                    disclosed.add(node)
                break
            node = node.getparent()
    return disclosed


def _controlled_id(control: lxml.html.HtmlElement) -> str | None:
    """The id of the panel `control` opens: the first name in its `aria-controls`, if any.

    Some pages write the reference as a fragment ("#tab-1").
    """
    names = control.get("aria-controls", "").split()
    return names[0].removeprefix("#") if names else None


def _elements_by_id(root: lxml.html.HtmlElement, names: set[str]) -> dict[str, list[lxml.html.HtmlElement]]:
    """The elements whose `id` is one of `names`, by id, in document order (pages repeat ids)."""
    found: dict[str, list[lxml.html.HtmlElement]] = defaultdict(list)
    for name in _IDS(root):
        if name in names:
            found[str(name)].append(name.getparent())
    return found


def _name_tab_panels(parts: list[lxml.html.HtmlElement]) -> None:
    """Give each tab panel the text of its tab (`TAB_LABEL`), for the renderer to write above it.

    Once every panel is read, a panel's tab is the only thing saying what it is for ("Java" over
    "Run mvn install"); tabs are often buttons, which cleaning removes. A page with one panel has
    no need for it.
    """
    panels = [element for element in parts if element.get("role") == "tabpanel"]
    if len(panels) < 2:
        return
    tabs = [element for element in parts if element.get("role") == "tab"]
    by_id = {tab.get("id"): tab for tab in tabs if tab.get("id")}
    by_panel = {name: tab for tab in tabs if (name := _controlled_id(tab)) is not None}
    for panel in panels:
        label = panel.get("aria-labelledby", "").strip()
        tab = by_panel.get(panel.get("id", ""))
        for name in (label, *label.split()[:1]):
            tab = by_id.get(name) if tab is None else tab
        text = " ".join(tab.text_content().split()) if tab is not None else ""
        if text and len(text.split()) <= _TAB_LABEL_MAX_WORDS:
            panel.set(TAB_LABEL, text)


def _is_navigation(element: lxml.html.HtmlElement) -> bool:
    return element.tag == "nav" or element.get("role") in _MENU_ROLES


def _controls_among(
    questions: list[lxml.html.HtmlElement], root: lxml.html.HtmlElement, disclosed: set[lxml.html.HtmlElement]
) -> list[lxml.html.HtmlElement]:
    """Keep each question button as text, except those that are hidden or open a hidden panel (returned).

    The panel is the element the button's `aria-controls` names, else the one after it; a
    `disclosed` panel is not hidden. Hidden text never reaches the Markdown, so a question whose
    answer is hidden would stand alone: it goes too.
    """
    if not questions:
        return []
    references = [(button.get("aria-controls") or "").split()[:1] for button in questions]
    ids = _elements_by_id(root, {name for names in references for name in names})
    controls = []
    for button, targets in zip(questions, references, strict=True):
        # The last element with the id, as a page script's lookup table would hold it.
        panel = (ids[targets[0]][-1] if targets[0] in ids else None) if targets else button.getnext()
        if is_hidden(button) or (panel is not None and panel not in disclosed and is_hidden(panel)):
            controls.append(button)
        else:
            button.tag = "div"
    return controls


def words(element: lxml.html.HtmlElement) -> int:
    """The number of whitespace-separated words in the element's text."""
    return len(element.text_content().split())


def _remove(element: etree._Element) -> None:
    """Remove `element` and its subtree but keep the text that follows it (its tail)."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _flatten_deep(root: lxml.html.HtmlElement, deadline: Deadline) -> None:
    """Unwrap elements nested deeper than MAX_DEPTH so that no later step recurses too far."""
    too_deep: list[lxml.html.HtmlElement] = []
    depth = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if event == "start" and depth > MAX_DEPTH:
            too_deep.append(element)
    for count, element in enumerate(reversed(too_deep)):
        if count % _CHECK_EVERY == 0:
            deadline.check()
        element.drop_tag()


def _separate_touching_words(root: lxml.html.HtmlElement) -> None:
    """Put a space between touching inline siblings whose words would otherwise run together.

    `<span>Intended Audience</span><span>Trade</span>` shows as two boxes (the site's
    stylesheet, which is not read, makes them blocks or flex items) but reads "AudienceTrade"
    as text. A space goes in where a lower-case letter or a digit meets an upper-case letter or
    a digit, or a capital meets a capitalised word ("DIY|Home"): the dev pages' ground truth
    spaces such junctions 1,876 times and glues them 14 times. Other pairs ("f|or", "ACT|UARIAL")
    are as often one word split for styling. Code is left as written.
    """
    first: dict[etree._Element, str] = {}
    last: dict[etree._Element, str] = {}
    in_code = {piece for code in root.iter("code", "kbd", "samp") for piece in code.iterdescendants()}
    for element in root.iter(*_INLINE):
        following = element.getnext()
        if element.tail or following is None or following.tag not in _INLINE or element in in_code:
            continue
        left, right = _last_character(element, last), _first_characters(following, first)
        if _starts_a_word(left, right):
            element.tail = " "


def _starts_a_word(left: str, right: str) -> bool:
    """True if text ending in `left` and text starting with `right` (two characters) are two words."""
    if left.islower() or left.isdigit():
        return right[:1].isupper() or right[:1].isdigit()
    return left.isupper() and right[:1].isupper() and right[1:].islower()


def _first_characters(element: etree._Element, seen: dict[etree._Element, str]) -> str:
    """The first two characters of the element's first piece of text (children's included), or ""."""
    if element not in seen:
        found = (element.text or "")[:2]
        for child in element if not found else ():
            found = _first_characters(child, seen) or (child.tail or "")[:2]
            if found:
                break
        seen[element] = found
    return seen[element]


def _last_character(element: etree._Element, seen: dict[etree._Element, str]) -> str:
    """The last character of the element's text (children's text and tails included), or ""."""
    if element not in seen:
        found = ""
        for child in reversed(element):
            found = (child.tail or "")[-1:] or _last_character(child, seen)
            if found:
                break
        seen[element] = found or (element.text or "")[-1:]
    return seen[element]


def base_url(root: lxml.html.HtmlElement, url: str | None) -> str | None:
    """The URL that relative links resolve against: `<base href>` joined to the page URL."""
    base = str(root.xpath("string(//base[@href][1]/@href)")).strip()
    if not base:
        return url
    try:
        return urljoin(url or "", base)
    except ValueError:
        return url


def make_links_absolute(element: lxml.html.HtmlElement, base: str | None) -> None:
    """Resolve relative links and image sources in `element` against `base`."""
    _promote_lazy_sources(element)
    if not base:
        return
    # Only links and image sources reach the Markdown (lxml's own version also walks every
    # attribute that may hold a URL, and stylesheets).
    for node in _LINKED(element):
        attribute = "href" if node.tag == "a" else "src"
        value = node.get(attribute)
        try:
            absolute = urljoin(base, value.strip())
        except ValueError:  # an unparsable URL (a bad IPv6 host): the link goes, its text stays
            del node.attrib[attribute]
            continue
        if absolute != value:
            node.set(attribute, absolute)


def _promote_lazy_sources(element: lxml.html.HtmlElement) -> None:
    """Give lazy-loaded images their real URL in `src`.

    Pages ship a placeholder there (a grey pixel, `placeholder.svg`), an inline `data:` image or
    nothing; a `srcset` alone stands in for a missing `src` only, as it does in a browser.
    """
    for image in element.iter("img"):
        src = (image.get("src") or "").strip()
        missing = not src or src.lower().startswith("data:")
        for attribute in (*_LAZY_SOURCES, "srcset") if missing else _LAZY_SOURCES:
            value = (image.get(attribute) or "").strip()
            if attribute.endswith("srcset"):
                value = value.split(",")[0].strip().split(" ")[0]
            if _URL_LIKE.fullmatch(value) and not value.lower().startswith("data:"):
                image.set("src", value)
                break
