"""Embedded video players: a link to the video's own page where the player was.

A page shows a YouTube or Vimeo video in an `<iframe>`; frames are dropped with the
other embedded content (`html_clean`), which left no trace of the video. The player's
address names the video, so it becomes a link to the video's page, labelled with the
frame's `title` (what a screen reader announces, as `alt` is for a picture) unless that
only says "YouTube video player".
"""

from __future__ import annotations

import re

import lxml.html

# A player's address and the address of the video's page, from the video's id.
_PLAYERS = (
    (
        re.compile(r"https?://(?:www\.)?youtube(?:-nocookie)?\.com/embed/([\w-]{6,})"),
        "https://www.youtube.com/watch?v={}",
    ),
    (re.compile(r"https?://player\.vimeo\.com/video/(\d+)"), "https://vimeo.com/{}"),
)
# Titles that say only what the frame is, not what the video is.
_GENERIC_TITLE = re.compile(r"(?:youtube|vimeo)?\s*(?:embed(?:ded)?\s*)?(?:video)?\s*(?:player)?", re.IGNORECASE)
_MAX_TITLE_CHARACTERS = 200


def video_page(frame: lxml.html.HtmlElement) -> str | None:
    """The address of the video that `frame` (an `<iframe>`) plays, if it is a YouTube or Vimeo player."""
    source = (frame.get("src") or "").strip()
    if not source or source.startswith("about:"):
        source = (frame.get("data-src") or "").strip()  # lazy-loaded players
    for player, page in _PLAYERS:
        match = player.match(source)
        if match is not None:
            return page.format(match.group(1))
    return None


def link_videos(frames: list[tuple[lxml.html.HtmlElement, str]]) -> None:
    """Replace each player frame with a link to its video's page (`frames`: frame and page address)."""
    for frame, page in frames:
        parent = frame.getparent()
        if parent is None:
            continue
        title = " ".join((frame.get("title") or "").split())[:_MAX_TITLE_CHARACTERS]
        link = frame.makeelement("a", {"href": page})
        link.text = "Video" if _GENERIC_TITLE.fullmatch(title) else f"Video: {title}"
        link.tail = frame.tail
        parent.replace(frame, link)
