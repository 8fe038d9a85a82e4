"""Markdown -> plain text, the one function every extractor's output goes through before scoring."""

from __future__ import annotations

import re

_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,}).*$", re.MULTILINE)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$", re.MULTILINE)
_LINE_PREFIX = re.compile(r"^[ \t]*(?:(?:>[ \t]?)+|#{1,6}[ \t]+|[-*+][ \t]+|\d{1,9}[.)][ \t]+|:[ \t]+)+", re.MULTILINE)
_RULE = re.compile(r"^[ \t]*([-*_])([ \t]*\1){2,}[ \t]*$", re.MULTILINE)
_EMPHASIS = re.compile(r"((?<!\\)\*{1,3}|(?<![\w\\])_{1,3}|(?<!\\)_{1,3}(?!\w)|~~|`+)")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~^$])")
_HARD_BREAK = re.compile(r"\\$", re.MULTILINE)
_PIPE = re.compile(r"(?<!\\)\|")


def markdown_to_text(markdown: str) -> str:
    """Plain text of a Markdown document, for scoring.

    Images are dropped (alt text is not page text), links keep their text and lose
    their URL, and the markup is removed: heading, list, quote and definition
    markers, table pipes and rules, code fences (the code stays), emphasis and
    code-span markers, horizontal rules and backslash escapes. Line structure is kept.
    """
    text = _IMAGE.sub(" ", markdown)
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _FENCE.sub("", text)
    text = _TABLE_RULE.sub("", text)
    text = _RULE.sub("", text)
    text = _LINE_PREFIX.sub("", text)
    text = _PIPE.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    text = _ESCAPE.sub(r"\1", text)
    return _HARD_BREAK.sub("", text)
