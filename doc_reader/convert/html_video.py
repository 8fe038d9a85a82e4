"""Embedded video players: a link to the video's own page where the player was.

A page shows a YouTube, Vimeo, Dailymotion, Loom, TED or Wistia video in an `<iframe>`;
frames are dropped with the other embedded content (`html_clean`), which left no trace of
the video. The player's address names the video, so the frame becomes a picture element
without a source that carries the video's page in `VIDEO_PAGE` and, as its `alt`, the
frame's `title` (what a screen reader announces) unless that only says "YouTube video
player". Like a picture, it has no text of its own for the block classifier and stays
where the content around it stays; the renderer writes it as a link,
`[Video: title](https://www.youtube.com/watch?v=…)`.
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
    (
        re.compile(r"https?://(?:www\.)?dailymotion\.com/embed/video/([A-Za-z0-9]+)"),
        "https://www.dailymotion.com/video/{}",
    ),
    (
        re.compile(r"https?://geo\.dailymotion\.com/player(?:/\w+)?\.html\?(?:.*&)?video=([A-Za-z0-9]+)"),
        "https://www.dailymotion.com/video/{}",
    ),
    (re.compile(r"https?://(?:www\.)?loom\.com/embed/([0-9a-f]{16,})"), "https://www.loom.com/share/{}"),
    (re.compile(r"https?://embed\.ted\.com/talks/([\w-]+)"), "https://www.ted.com/talks/{}"),
    # Wistia's player page is the only address a frame gives (the media's page is per account).
    (
        re.compile(r"https?://fast\.wistia\.(?:net|com)/embed/(?:iframe|medias)/(\w+)"),
        "https://fast.wistia.net/embed/iframe/{}",
    ),
)
# Titles that say only what the frame is, not what the video is.
_GENERIC_TITLE = re.compile(
    r"(?:youtube|vimeo|dailymotion|loom|ted|wistia)?\s*(?:embed(?:ded)?\s*)?(?:video)?\s*(?:player)?", re.IGNORECASE
)
_MAX_TITLE_CHARACTERS = 200
# The attribute of the picture element that stands for a player: the address of the video's page.
VIDEO_PAGE = "data-doc-reader-video"


def video_page(frame: lxml.html.HtmlElement) -> str | None:
    """The address of the video that `frame` (an `<iframe>`) plays, if it is a player of a video site we know."""
    source = (frame.get("src") or "").strip()
    if not source or source.startswith("about:"):
        source = (frame.get("data-src") or "").strip()  # lazy-loaded players
    for player, page in _PLAYERS:
        match = player.match(source)
        if match is not None:
            return page.format(match.group(1))
    return None


def show_videos(frames: list[tuple[lxml.html.HtmlElement, str]]) -> None:
    """Replace each player frame with a picture element standing for its video (`frames`: frame and page address)."""
    for frame, page in frames:
        parent = frame.getparent()
        if parent is None:
            continue
        title = " ".join((frame.get("title") or "").split())[:_MAX_TITLE_CHARACTERS]
        label = "Video" if _GENERIC_TITLE.fullmatch(title) else f"Video: {title}"
        video = frame.makeelement("img", {VIDEO_PAGE: page, "alt": label})
        video.tail = frame.tail
        parent.replace(frame, video)
