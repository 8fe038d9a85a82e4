"""The benchmark's Markdown -> plain text function, word metric, Markdown lint and training labels."""

from __future__ import annotations

from bench.html import word_scores
from bench.markdown_lint import CHECKS, REPEATS, TABLE_CHECKS, defects
from bench.textify import markdown_to_text


def test_markup_and_urls_go_link_text_stays() -> None:
    markdown = (
        "# Title\n\n- item with [link text](https://x.example/a_b)\n1. **bold** and *em* and `code`\n\n"
        "> quoted\n\n| a | b\\|c |\n| --- | --- |\n| 1 | 2 |\n\n![alt text](https://x.example/i.png)\n\n"
        "```python\nx = 1\n```\n\nsnake\\_case line\\\nnext"
    )
    text = markdown_to_text(markdown)
    assert "https" not in text and "alt text" not in text
    assert "link text" in text and "snake_case" in text
    for token in ("#", "**", "`", ">", "---", "\\"):
        assert token not in text
    expected = "Title item with link text bold and em and code quoted a b|c 1 2 x = 1 snake_case line next"
    assert text.split() == expected.split()


def test_word_scores_follow_the_wcxb_rules() -> None:
    assert word_scores("", "") == (1.0, 1.0, 1.0)
    assert word_scores("words", "") == (0.0, 0.0, 0.0)
    precision, recall, f1 = word_scores("a a b c", "A b d")
    assert (precision, recall) == (0.5, 2 / 3)
    assert abs(f1 - 2 * 0.5 * (2 / 3) / (0.5 + 2 / 3)) < 1e-9


def test_markdown_lint_finds_each_defect_outside_code_only() -> None:
    markdown = (
        "Text\\\n\\\n\n**a****b**\n\n###\n\n-\n\n| | |\n| --- | --- |\n| 1 | 2 |\n| | |\n\n![](x.png)\n\n![](x.png)\n\n"
        "## Twice\n\n## Twice\n\n- ---\n\ncaf\u00c3\u00a9\n\n\u2022 \u2022\n\nno\u00a0break\n\n"
        "[x](https://a.example/javascript:void(0))\n\n[### Card](https://a.example/)\n\n"
        "| a |\n| --- |\n| b |\n| --- |\n\n| |\n| --- |\n\n"
        "```\n\\\n###\n|\nx\u00a0y\n- ---\n```\n"
    )
    assert defects(markdown) == set(CHECKS) | set(TABLE_CHECKS) | set(REPEATS)
    clean = (
        "| | |\n| --- | --- |\n| 1 | 2 |\n\n| a |\n| --- |\n\n```\n-\n\\\n```\n\n![alt](x.png)\n\n"
        "`a\u00a0b` and a | b\n\n- item\n\n---\n\ncaf\u00e9 \u00c3O\n\n![a](x.png)\n\n![b](x.png)\n\n## A\n\n### A\n"
    )
    assert defects(clean) == set()


def test_block_labels_follow_the_reference_once_per_copy() -> None:
    from bench.train_html import block_labels

    reference = "Acme Trail Runner 2 Light shoes for long runs on rough ground. Sizes 6 to 12."
    blocks = [
        "Home / Shoes / Acme Trail Runner 2",  # breadcrumb: the name again, before the title
        "Acme Trail Runner 2",
        "Light shoes for long runs on rough ground.",
        "Sizes 6 to 12.",
        "You may also like: Acme Trail Runner 2",  # a carousel card: the name a third time
        "Free returns within 30 days.",
    ]
    labels = block_labels(blocks, reference)
    assert [round(float(x), 2) for x in labels] == [0.0, 1.0, 1.0, 1.0, 0.0, 0.0]
    # The reference repeats what the page repeats: both copies are main content.
    assert list(block_labels(["Step one.", "Step one."], "Step one. Step one.")) == [1.0, 1.0]
