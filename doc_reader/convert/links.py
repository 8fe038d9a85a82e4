"""How links are written: inline `[text](url)`, or numbered references listed after the text.

References keep long URLs out of the prose (`links="references"`): the text reads
`[text][1]` and the document ends with `[1]: url` lines, one per distinct target,
numbered in order of first use.
"""

from __future__ import annotations

from typing import Literal

LinkStyle = Literal["inline", "references"]


class Links:
    """Writes the links of one document in one style, collecting the targets references need."""

    def __init__(self, style: LinkStyle) -> None:
        self._style = style
        self._numbers: dict[str, int] = {}

    def link(self, text: str, target: str) -> str:
        """`text` linked to `target` (already escaped for a Markdown link)."""
        if self._style == "inline":
            return f"[{text}]({target})"
        number = self._numbers.setdefault(target, len(self._numbers) + 1)
        return f"[{text}][{number}]"

    def finish(self, markdown: str) -> str:
        """`markdown` followed by the reference definitions, if any (ends with one newline, as it came)."""
        if not self._numbers:
            return markdown
        definitions = "\n".join(f"[{number}]: {target}" for target, number in self._numbers.items())
        return f"{markdown.rstrip()}\n\n{definitions}\n"
