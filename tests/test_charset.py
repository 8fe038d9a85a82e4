"""Bytes to text: which labels to believe, and text that was decoded twice before we got it."""

from __future__ import annotations

import pytest

from doc_reader import charset
from doc_reader.charset import decode, detect_encoding, undo_double_encoding

TEXT = "Grüße aus Köln: “café” — déjà vu, naïve, 12 °C, 😞 and ‘quotes’ … €5"


def as_windows_1252(text: str) -> str:
    """`text` as a program that read its UTF-8 as Windows-1252 shows it (undefined bytes read as Latin-1)."""
    return "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in text.encode("utf-8"))


def test_utf8_bytes_labelled_latin1_are_read_as_utf8() -> None:
    data = f"<p>{TEXT}</p>".encode()
    assert detect_encoding(data, "ISO-8859-1", html=True) == "utf-8"
    assert decode(data, "ISO-8859-1", html=True) == f"<p>{TEXT}</p>"
    meta = b'<meta charset="windows-1252">' + data
    assert decode(meta, None, html=True).endswith(f"<p>{TEXT}</p>")


def test_utf8_cut_in_the_middle_of_a_character_is_still_utf8() -> None:
    data = "déjà vu ✓".encode()[:-1]
    assert detect_encoding(data, "ISO-8859-1") == "utf-8"
    assert decode(data, "ISO-8859-1") == "déjà vu \ufffd"


@pytest.mark.parametrize(
    ("encoding", "text"),
    [("windows-1252", "Café “au lait” — 5 €"), ("windows-1251", "Привет, мир"), ("shift_jis", "日本語のテキスト")],
)
def test_text_in_a_legacy_charset_follows_its_label(encoding: str, text: str) -> None:
    assert decode(text.encode(encoding), encoding) == text


@pytest.mark.parametrize(
    "stored",
    [
        TEXT.encode("utf-8").decode("latin-1"),  # C1 control characters where Windows-1252 has curly quotes
        as_windows_1252(TEXT),
        as_windows_1252(as_windows_1252(TEXT)),  # decoded wrongly twice: `ÃƒÂ©`
    ],
    ids=["latin-1", "windows-1252", "twice"],
)
def test_text_decoded_twice_before_it_was_stored_is_repaired(stored: str) -> None:
    assert "Ã" in stored
    assert decode(stored.encode("utf-8")) == TEXT
    assert decode(f"<title>{stored}</title>".encode(), "utf-8", html=True) == f"<title>{TEXT}</title>"


def test_honest_text_that_looks_like_a_trace_is_left_alone() -> None:
    french = "« C’est réglé\u00a0» et « déjà\u00a0»: l’été " * 20  # `é »` could be one UTF-8 character
    german = "„Gruß“ und „Fuß“, ÄÖÜ’s — " * 20
    stray = "SÃO PAULO, a font demo of Ã» and Â¡Hola."  # two traces: not enough
    for honest in (french, german, stray):
        assert decode(honest.encode("utf-8")) == honest


def test_one_trace_holding_a_control_character_is_repaired_alone() -> None:
    # Read as Latin-1, `’` leaves the C1 controls U+0080 and U+0099, which honest text never holds:
    # one such trace is enough, and it is the only text that changes.
    stored = "„Gruß“, déjà vu, Ã» and Grandma" + "’".encode().decode("latin-1") + "s casserole"
    assert decode(f"<p>{stored}</p>".encode()) == "<p>„Gruß“, déjà vu, Ã» and Grandma’s casserole</p>"


def test_a_control_character_after_any_lead_is_seen() -> None:
    # `œ` read as Latin-1 is `Å` and U+0093: no trace the page-wide check counts, but a C1 control.
    assert decode(("c" + "œ".encode().decode("latin-1") + "ur").encode()) == "cœur"


def test_the_first_pass_does_not_feed_a_second() -> None:
    # Repaired once, the text is French with `é »`, which a second pass would take for a trace.
    french = "« C’est réglé\u00a0» " * 5
    assert decode(as_windows_1252(french).encode("utf-8")) == french


def test_only_runs_that_were_utf8_are_turned_back() -> None:
    mixed = as_windows_1252("déjà “vu” ") + "í\xa0\x80"  # ED A0 80 would be a surrogate: not UTF-8
    assert undo_double_encoding(mixed) == "déjà “vu” í\xa0\x80"


def test_the_byte_check_sees_every_trace_the_text_check_sees() -> None:
    continuation = [chr(code) for code in range(0x80, 0xC0)] + list(charset._WINDOWS_1252_HIGH)
    traces = [lead + char for lead in "ÂÃ" for char in continuation] + ["â€", "â\x80", "ðŸ", "ð\x9f"]
    for trace in traces:
        assert charset._EVIDENCE.fullmatch(trace), trace
        assert charset._EVIDENCE_BYTES.fullmatch(trace.encode("utf-8")), trace
