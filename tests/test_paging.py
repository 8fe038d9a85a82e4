"""Paging: windows reassemble exactly and cut on boundaries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doc_reader.errors import InputError
from doc_reader.paging import continuation_hint, window


def all_windows(text: str, size: int) -> list[str]:
    pieces, start = [], 0
    while True:
        win = window(text, start, size)
        pieces.append(win.text)
        if win.next_start is None:
            return pieces
        assert win.next_start > start
        start = win.next_start


@given(st.text(alphabet=st.sampled_from("ab \n."), max_size=3000), st.integers(min_value=1, max_value=500))
def test_windows_concatenate_to_the_document(text: str, size: int) -> None:
    pieces = all_windows(text, size)
    assert "".join(pieces) == text
    assert all(len(piece) <= size for piece in pieces)


def test_cut_prefers_paragraph_then_line_boundary() -> None:
    text = "a" * 90 + "\n\n" + "b" * 100
    assert window(text, 0, 100).text == "a" * 90 + "\n\n"
    text = "a" * 90 + "\n" + "b" * 100
    assert window(text, 0, 100).text == "a" * 90 + "\n"
    assert window("x" * 300, 0, 100).text == "x" * 100


def test_hint_names_the_next_start_and_is_empty_at_the_end() -> None:
    win = window("a\n" * 100, 0, 50)
    assert "start_index=50" in continuation_hint(win)
    assert continuation_hint(window("short", 0, 50)) == ""


def test_start_past_the_end_is_an_input_error() -> None:
    with pytest.raises(InputError, match="past the end"):
        window("abc", 4, 10)
