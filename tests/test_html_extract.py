"""Main-content selection rules of `html_extract`: comment threads, overlays, boilerplate sections."""

from __future__ import annotations

import lxml.html

from doc_reader.convert.base import ConvertOptions, Deadline, StreamInfo
from doc_reader.convert.html import CONVERTER
from doc_reader.convert.html_clean import clean
from doc_reader.convert.html_extract import body_of, drop_overlays, select
from doc_reader.convert.html_metadata import read_metadata

ARTICLE = " ".join(["The article explains one idea in plain words."] * 12)
COMMENTS = "".join(f"<div class='comment'><p>{f'Reader opinion number {i} here. ' * 6}</p></div>" for i in range(5))


def convert(html: str) -> str:
    """Markdown of `html` with `extract="main"`."""
    info = StreamInfo(kind="html", url="https://example.com/post")
    return CONVERTER.convert(html.encode(), info, ConvertOptions()).markdown


def rules(html: str) -> str:
    """The text the rule-based selector alone keeps (the classifier's input, see html_classify)."""
    root = lxml.html.document_fromstring(html)
    kinds = read_metadata(root, None).kinds  # before cleaning, which removes the JSON-LD scripts
    clean(root, Deadline(None))
    body = body_of(root)
    drop_overlays(body, kinds)
    content = select(body)
    return " ".join(content.text_content().split())


def page(head: str = "", body: str = "") -> str:
    """An HTML page with `head` and `body`."""
    return f"<html><head><title>Post</title>{head}</head><body>{body}</body></html>"


def test_comment_thread_larger_than_the_article_is_dropped() -> None:
    # The thread is dropped while at least 30% of the page's words are left.
    markdown = convert(
        page(body=f"<div><h1>Post</h1><p>{ARTICLE}</p><section id='comments'>{COMMENTS}</section></div>")
    )
    assert "The article explains" in markdown
    assert "Reader opinion" not in markdown


def test_comments_are_the_content_of_a_discussion_page() -> None:
    ld = '<script type="application/ld+json">{"@type": "DiscussionForumPosting", "headline": "Post"}</script>'
    markdown = convert(page(ld, f"<div><h1>Post</h1><p>{ARTICLE}</p><section id='comments'>{COMMENTS}</section></div>"))
    assert "Reader opinion number 4 here." in markdown


def test_comment_thread_that_is_the_whole_page_is_kept() -> None:
    markdown = convert(page(body=f"<div class='comments'><p>Short intro.</p>{COMMENTS}</div>"))
    assert "Reader opinion number 0 here." in markdown


def test_large_modal_is_dropped_but_never_the_article() -> None:
    policy = "<div class='modal'><h2>Privacy policy</h2><p>" + "We collect data. " * 60 + "</p></div>"
    markdown = convert(page(body=f"<main><h1>Shoe</h1><p>{ARTICLE}</p></main>{policy}"))
    assert "The article explains" in markdown and "We collect data" not in markdown
    wrapped = convert(page(body=f"<div class='modal-open'><article><h1>Shoe</h1><p>{ARTICLE}</p></article></div>"))
    assert "The article explains" in wrapped


def test_rules_drop_sections_introduced_by_boilerplate_headings() -> None:
    related = "<ul>" + "".join(f"<li>Other shoe {i} at a fair price</li>" for i in range(5)) + "</ul>"
    body = (
        f"<main><h1>Shoe</h1><p>{ARTICLE}</p><h2>Details</h2><p>Leather upper, rubber sole.</p>"
        f"<div><h2>You may also like</h2>{related}</div>"
        "<div><h2>Customer reviews</h2><p>Great shoe, five stars from me.</p></div></main>"
    )
    kept = rules(page(body=body))
    assert "Leather upper" in kept and "Details" in kept
    assert "Other shoe" not in kept and "You may also like" not in kept
    assert "five stars" not in kept


def test_a_boilerplate_heading_after_text_keeps_that_text() -> None:
    body = f"<main><h1>Post</h1><div><p>{ARTICLE}</p><h3>Related</h3><p>Another post.</p></div></main>"
    markdown = convert(page(body=body))
    assert "The article explains" in markdown and "Related" not in markdown


def test_metadata_reports_the_page_kinds() -> None:
    head = (
        '<meta property="og:type" content="Product">'
        '<script type="application/ld+json">{"@graph": [{"@type": ["Product", "Thing"]}, {"@type": "WebSite"}]}'
        "</script>"
    )
    meta = read_metadata(lxml.html.document_fromstring(page(head, "<p>x</p>")), None)
    assert meta.kinds == frozenset({"og:product", "product", "thing"})


def test_consent_dialog_is_dropped_however_large() -> None:
    consent = "<div id='onetrust-consent-sdk'><p>" + "These cookies track you. " * 200 + "</p></div>"
    markdown = convert(page(body=f"<div><h1>Post</h1><p>{ARTICLE}</p></div>{consent}"))
    assert "The article explains" in markdown
    assert "cookies track" not in markdown


def test_without_landmarks_the_densest_prose_block_is_chosen() -> None:
    links = "".join(f"<li><a href='/p{i}'>Other product number {i}</a></li>" for i in range(20))
    picker = "<div><span>S</span> <span>M</span> <span>L</span> <span>Add to cart</span></div>"
    prose = f"<div><h1>Shoe</h1><p>{ARTICLE}</p><p>{ARTICLE}</p></div>"
    markdown = convert(page(body=f"<div><div><ul>{links}</ul></div>{picker}<div>{prose}</div></div>"))
    assert "# Shoe" in markdown and "The article explains" in markdown
    assert "Other product" not in markdown and "Add to cart" not in markdown


def test_a_page_of_links_without_prose_keeps_its_links() -> None:
    cards = "".join(f"<li><a href='/r{i}'>Recipe number {i} with tomatoes</a></li>" for i in range(20))
    markdown = convert(page(body=f"<div><h1>Recipes</h1><ul>{cards}</ul><p>Short intro to recipes.</p></div>"))
    assert "Recipe number 19" in markdown


def test_a_grid_of_product_cards_outscores_the_seo_paragraph_beside_it() -> None:
    tile = "<div class='tile'><a href='/e{0}'>Silver earring model {0} in sterling silver</a><span>$490</span></div>"
    grid = "".join(tile.format(i) for i in range(24))
    seo = f"<div class='seo'><p>{ARTICLE}</p></div>"
    markdown = convert(page(body=f"<div><div class='grid'>{grid}</div>{seo}</div>"))
    assert "Silver earring model 23" in markdown
    assert "The article explains" in markdown
