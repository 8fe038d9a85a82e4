"""The learned main-content stage: blocks, features, the tree evaluator and what is kept."""

from __future__ import annotations

import re

import lxml.html
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from doc_reader.convert import html_model
from doc_reader.convert.base import ConvertOptions, Deadline, StreamInfo
from doc_reader.convert.html import html_document
from doc_reader.convert.html_blocks import _NAME_GROUPS, FEATURE_COUNT, _name_mask, features, keep_blocks, segment
from doc_reader.convert.html_classify import (
    Predict,
    select_main,
    template_consensus,
    without_copies,
    without_reviews,
)
from doc_reader.errors import ConversionError


def body(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html).find("body")


def markdown(html: str, predict: Predict | None = None) -> str:
    info = StreamInfo(kind="html", url="https://example.com/a/page.html")
    return html_document(html.encode(), info, ConvertOptions(), predict).markdown


def test_every_piece_of_text_belongs_to_one_block() -> None:
    page = segment(body("<div>intro <p>para <a href='/x'>the link</a> text</p> tail <span>more</span></div>"))
    assert [(b.element.tag, b.text, b.words, b.link_words) for b in page.blocks] == [
        ("div", "intro tail more", 3, 0),
        ("p", "para the link text", 4, 2),
    ]


def test_headings_and_code_are_one_block_whatever_is_inside() -> None:
    page = segment(body("<h2><div>Part</div> one</h2><pre><div>a = 1</div>\nb = 2</pre>"))
    assert [(b.element.tag, b.text) for b in page.blocks] == [("h2", "Part one"), ("pre", "a = 1 b = 2")]


def test_features_have_the_shape_the_shipped_model_reads() -> None:
    root = body("<nav><a href='/'>Home</a></nav><main><h1>Title</h1><p>Some text, here.</p></main>")
    page = segment(root)
    rows = features(page, frozenset({"article"}), {page.blocks[1].element})
    assert rows.shape == (3, FEATURE_COUNT) == (3, html_model.load().features)
    assert rows.dtype == np.float32


# The plain alternation the name words are defined by: at each word start the first branch that matches wins.
_PLAIN_NAMES = re.compile(
    "(?:^|[^a-z])(?:" + "|".join(f"(?P<g{bit}>{group})" for bit, group in enumerate(_NAME_GROUPS)) + ")"
)


def plain_name_mask(names: str) -> int:
    mask = 0
    for match in _PLAIN_NAMES.finditer(re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", names).lower()):
        mask |= 1 << int(str(match.lastgroup)[1:])
    return mask


@pytest.mark.parametrize(
    "names",
    [
        "posted-on",  # "post" (content) wins over "posted" (meta), as in the plain alternation
        "site-info footer",  # "site-info" takes the "-info" with it
        "tab tabs tabular ad ad_slot ads-top adsense",  # \b after "tab", "ad", "ads"
        "productCard sidebarWidget XMLHttp a1B",  # camelCase words
        "  main\ncontent ",
        "",
        "ÉTÉ Ünïcode sr-only visually-hidden screenreader",
    ],
)
def test_name_words_are_found_as_the_plain_alternation_finds_them(names: str) -> None:
    assert _name_mask(names) == plain_name_mask(names)


_BRANCHES = [branch.replace("\\b", "").replace("?", "") for group in _NAME_GROUPS for branch in group.split("|")]


@given(st.lists(st.sampled_from([*_BRANCHES, "-", "_", " ", "1", "X", "s", "ed", "ing", "Content"]), max_size=8))
def test_any_run_of_name_words_gets_the_plain_alternations_bits(pieces: list[str]) -> None:
    names = "".join(pieces)
    assert _name_mask(names) == plain_name_mask(names)


def test_tree_evaluator_walks_splits_and_sums_leaves() -> None:
    # Tree 1: x0 <= 0.5 ? -1.0 : (x1 <= 2 ? 0.5 : 2.0). Tree 2: a single leaf, 0.25.
    model = html_model.TreeEnsemble(
        {
            "features": 2,
            "depth": 2,
            "feature": [[0, 0, 1, 0, 0], [0, 0, 0, 0, 0]],
            "threshold": [[0.5, 1e308, 2.0, 1e308, 1e308], [1e308] * 5],
            "left": [[1, 1, 3, 3, 4], [0, 1, 2, 3, 4]],
            "right": [[2, 1, 4, 3, 4], [0, 1, 2, 3, 4]],
            "value": [[0.0, -1.0, 0.0, 0.5, 2.0], [0.25, 0, 0, 0, 0]],
        }
    )
    rows = np.array([[0.0, 9.0], [1.0, 1.0], [1.0, 3.0]], dtype=np.float32)
    expected = 1 / (1 + np.exp(-np.array([-0.75, 0.75, 2.25])))
    assert np.allclose(model.predict(rows), expected)
    with pytest.raises(ValueError, match="reads 2 features"):
        model.predict(np.zeros((1, 3), dtype=np.float32))


def test_tree_evaluator_compares_float32_features_exactly_against_float64_thresholds() -> None:
    # float32(0.1) is just above the float64 0.1: LightGBM sends it right; a naive float32 threshold would not.
    model = html_model.TreeEnsemble(
        {
            "features": 1,
            "depth": 1,
            "feature": [[0, 0, 0]],
            "threshold": [[0.1, 1e308, 1e308]],
            "left": [[1, 1, 2]],
            "right": [[2, 1, 2]],
            "value": [[0.0, -1.0, 1.0]],
        }
    )
    below = np.nextafter(np.float32(0.1), np.float32(0))
    rows = np.array([[np.float32(0.1)], [below]], dtype=np.float32)
    assert np.allclose(model.predict(rows), 1 / (1 + np.exp(-np.array([1.0, -1.0]))))


def test_dropped_block_keeps_the_kept_blocks_inside_it() -> None:
    root = body("<div>Menu Shop Blog <p>The article text.</p> Footer links</div>")
    page = segment(root)
    keep_blocks(page, [False, True], [])
    assert " ".join(root.text_content().split()) == "The article text."


def test_table_row_stays_whole_when_one_cell_is_kept() -> None:
    root = body("<table><tr><th>Weight</th><td>5 kg</td></tr><tr><td>Ad</td><td>Buy now</td></tr></table>")
    page = segment(root)
    keep_blocks(page, [False, True, False, False], [])
    assert [" ".join(tr.text_content().split()) for tr in root.iter("tr")] == ["Weight5 kg"]


def test_a_table_whose_header_stays_keeps_its_rows() -> None:
    root = body(
        "<table><tr><th>Size</th><th>EU</th></tr><tr><td>8</td><td>42</td></tr></table>"
        "<table><tbody><tr><td>Ad</td><td>Buy now</td></tr></tbody></table>"
    )
    page = segment(root)
    keep_blocks(page, [True, True, False, False, False, False], [])
    assert [" ".join(tr.text_content().split()) for tr in root.iter("tr")] == ["SizeEU", "842"]


def test_a_term_goes_when_all_its_definitions_go() -> None:
    root = body(
        "<dl><dt>Joined</dt><dd>Jun 4, 2024</dd><dt>Weight</dt><dd>5 kg</dd><dd>11 lb</dd>"
        "<dt>Rating</dt><dd><img src='stars.png' alt=''></dd><dt><a href='/u/ann'>ann</a></dt><dd>Posts: 12</dd></dl>"
    )
    page = segment(root)
    # Blocks: Joined, Jun 4, Weight, 5 kg, 11 lb, Rating (the picture-only definition is not a worded
    # block), ann (a name: it stays without its definitions), Posts.
    keep_blocks(page, [True, False, True, False, True, True, True, False], [True])
    kept = [" ".join(e.text_content().split()) for e in root.iter("dt", "dd")]
    assert kept == ["Weight", "11 lb", "Rating", "", "ann"]


def test_pictures_stay_inside_the_content_and_go_with_the_banner() -> None:
    html = (
        "<header><img src='logo.png' alt='Logo'></header><nav><a href='/'>Home page</a></nav>"
        "<p>First paragraph.</p><figure><img src='chart.png' alt='Chart'></figure><p>Second paragraph.</p>"
    )
    root = body(html)
    page = segment(root)
    keep_blocks(page, [False, True, True], [False, False])
    assert [img.get("src") for img in root.iter("img")] == ["chart.png"]


def test_later_copies_of_long_blocks_are_dropped_short_labels_are_not() -> None:
    root = body("<p>The same long paragraph here.</p><p>Reply</p><p>The same long paragraph here.</p><p>Reply</p>")
    page = segment(root)
    assert without_copies(page, [True] * 4) == [True, True, False, True]


def test_a_field_every_item_of_a_list_repeats_stays_with_each_item() -> None:
    job = "<li><h3>{}</h3><p>Anywhere in the World</p></li>"
    article = "The article once for phones and once for desktops."
    jobs = "".join(job.format(f"Job {n}") for n in range(4))
    page = segment(body(f"<p>{article}</p><ul>{jobs}</ul><p>{article}</p>"))
    kept = without_copies(page, [True] * len(page.blocks))
    # The field is kept four times, so each job keeps it; the article's second copy goes.
    assert [b.text for b, k in zip(page.blocks, kept, strict=True) if k] == [
        article,
        *(text for n in range(4) for text in (f"Job {n}", "Anywhere in the World")),
    ]
    three = segment(body("".join(job.format(f"Job {n}") for n in range(3))))
    assert [b.text for b, k in zip(three.blocks, without_copies(three, [True] * 6), strict=True) if k].count(
        "Anywhere in the World"
    ) == 1


@pytest.mark.parametrize(
    "phone",
    ["md:hidden", "block lg:hidden", "d-block d-lg-none", "visible-xs", "mobile-only", "hidden md:block lg:hidden"],
)
def test_the_copy_kept_is_the_one_a_wide_screen_shows(phone: str) -> None:
    text = "The larger camera sensor balances bright and shadowy areas."
    root = body(
        f"<section><div class='{phone}'><p>{text}</p></div><h3>High Dynamic Range</h3>"
        f"<div class='hidden md:block'><p>{text}</p></div></section>"
    )
    page = segment(root)
    kept = without_copies(page, [True] * len(page.blocks))
    assert [b.text for b, k in zip(page.blocks, kept, strict=True) if k] == ["High Dynamic Range", text]
    assert kept == [False, True, True]


@pytest.mark.parametrize(
    "wide",
    ["md:block", "hidden md:flex", "d-none d-md-block", "sm:hidden md:block", "lg:hidden-x", "visible-xs visible-lg"],
)
def test_without_a_phone_only_copy_the_first_copy_stays(wide: str) -> None:
    text = "The larger camera sensor balances bright and shadowy areas."
    page = segment(body(f"<div class='{wide}'><p>{text}</p></div><h3>High Dynamic Range</h3><p>{text}</p>"))
    assert without_copies(page, [True] * len(page.blocks)) == [True, True, False]


PRODUCT_PAGE = (
    "<h1>Trail Pack 25</h1><div class='description'><p>A light pack for day hikes, with a rain cover.</p></div>"
    "<section id='reviews'><h2>Customer reviews</h2><ul class='review-list'><li><div class='review-body'>"
    "<p>Great pack, I carried it on every hike this summer.</p></div></li></ul></section>"
    "<div class='testimonial'><p>Our customers love it.</p></div>"
)


@pytest.mark.parametrize(
    ("kinds", "kept"),
    [
        # A product page: the reviews (named on the block, its parent or grandparent) go, with their heading.
        ({"product"}, ["Trail Pack 25", "A light pack for day hikes, with a rain cover."]),
        # A buying guide with product markup is an article: its reviews are its text.
        ({"product", "article"}, None),
        ({"webpage"}, None),
    ],
)
def test_a_product_page_drops_its_customer_reviews(kinds: set[str], kept: list[str] | None) -> None:
    page = segment(body(PRODUCT_PAGE))
    everything = [b.text for b in page.blocks]
    result = without_reviews(page, [True] * len(page.blocks), frozenset(kinds))
    assert [b.text for b, k in zip(page.blocks, result, strict=True) if k] == (kept or everything)


def test_short_blocks_of_one_template_share_their_score() -> None:
    post = "<article class='post'><div class='author'>{}</div><p>A reply long enough to be its own block.</p></article>"
    authors = "".join(post.format(name) for name in ("ann", "bob", "ann"))
    page = segment(body(f"<div id='thread'>{authors}</div><div class='author'>solo</div><p class='x'>Tag</p>"))
    assert [b.text for b in page.blocks if b.words < 3] == ["ann", "bob", "ann", "solo", "Tag"]
    scores = np.array([0.45, 0.9, 0.41, 0.8, 0.33, 0.9, 0.1, 0.2])
    # The three author lines share a template (div.author in article.post in div); the lone ones do not.
    assert template_consensus(page, scores).round(3).tolist() == [0.397, 0.9, 0.397, 0.8, 0.397, 0.9, 0.1, 0.2]


def test_rules_take_over_when_the_classifier_keeps_nothing() -> None:
    html = "<nav><a href='/'>Home</a> <a href='/b'>Blog</a></nav><main><p>Only this paragraph is content.</p></main>"
    output = markdown(html, lambda rows: np.zeros(len(rows)))
    assert "Only this paragraph is content." in output
    assert "Blog" not in output


def test_headings_and_code_the_rules_keep_survive_a_doubting_classifier() -> None:
    html = "<main><h2>Install</h2><pre><code>pip install doc-reader</code></pre><p>Then run it, please.</p></main>"
    output = markdown(html, lambda rows: np.where(rows[:, 0] > np.log1p(3), 1.0, 0.0))
    assert output == "## Install\n\n```\npip install doc-reader\n```\n\nThen run it, please.\n"


def test_shipped_model_drops_navigation_and_keeps_the_article() -> None:
    html = (
        "<header><a href='/'>Acme News</a> <a href='/world'>World</a> <a href='/sport'>Sport</a></header>"
        "<article><h1>Rivers rise after storm</h1><p>Heavy rain overnight raised the river by two metres, "
        "and the town council opened its flood barriers at dawn.</p><p>Residents near the bridge were told "
        "to move cars to higher ground, while schools stayed open as usual.</p></article>"
        "<footer><a href='/privacy'>Privacy policy</a> <a href='/terms'>Terms of use</a> © 2026 Acme</footer>"
    )
    output = markdown(html)
    assert output.startswith("# Rivers rise after storm\n\nHeavy rain overnight")
    assert "schools stayed open as usual." in output
    for chrome in ("World", "Sport", "Privacy", "© 2026"):
        assert chrome not in output


def test_a_past_deadline_stops_block_selection() -> None:
    root = lxml.html.document_fromstring("<p>text</p>")
    deadline = Deadline(0)
    with pytest.raises(ConversionError, match="took too long"):
        select_main(root, frozenset(), deadline)
