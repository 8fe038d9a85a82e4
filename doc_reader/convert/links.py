"""How links are written: inline `[text](url)`, or footnote-style references listed after the text.

References keep long URLs out of the prose (`links="references"`): a link reads
`text[^1]` and the document ends with `[^1]: url` lines, one per distinct target,
numbered in order of first use. The caret keeps them apart from bracketed numbers
in the text itself (a paper's `[1]` citations).
"""

from __future__ import annotations

import re
from typing import Literal

LinkStyle = Literal["inline", "references"]
# Our markers only: page text such as "[^99999…]" must not reach int().
_MARKER = re.compile(r"\[\^([0-9]{1,9})\]")


def destination(url: str) -> str:
    """`url` as a Markdown link destination: spaces and parentheses percent-encoded.

    CommonMark ends a destination at a space and reads an unbalanced `(` or `)` as no link at all.
    """
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


class Links:
    """Writes the links of one document in one style, collecting the targets references need."""

    def __init__(self, style: LinkStyle) -> None:
        self._style = style
        self._numbers: dict[str, int] = {}

    def link(self, text: str, url: str) -> str:
        """`text` linked to `url`."""
        target = destination(url)
        if self._style == "inline":
            return f"[{text}]({target})"
        number = self._numbers.setdefault(target, len(self._numbers) + 1)
        return f"{text}[^{number}]"

    def finish(self, markdown: str) -> str:
        """`markdown` followed by the definitions of the references it uses (ends with one newline, as it came).

        A link the renderer numbered but then dropped with its parent's text (MathML keeps only its
        TeX) gets no definition.
        """
        used = {int(number) for number in _MARKER.findall(markdown)} if self._numbers else set()
        definitions = [f"[^{number}]: {target}" for target, number in self._numbers.items() if number in used]
        if not definitions:
            return markdown
        return f"{markdown.rstrip()}\n\n" + "\n".join(definitions) + "\n"
