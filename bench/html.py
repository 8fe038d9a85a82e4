"""HTML main-content benchmark on the WCXB dev split (see bench/README.md).

    .venv/bin/python -m bench.html [--limit N] [--types article,forum] [--compare] [--dump out.json]

Scores doc-reader's `extract="main"` Markdown (and, with --compare, trafilatura's
Markdown from the same pages in the same run) with the WCXB word metric: the
Markdown goes through `bench.textify.markdown_to_text`, is lower-cased and cut
into `\\w+` tokens; per-page precision/recall/F1 over token multisets, averaged
over pages. Also reports the share of `with` snippets found and of `without`
snippets found, and the median conversion time per page.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.textify import markdown_to_text

DATA = Path(__file__).resolve().parents[2] / "shared" / "bench-data" / "html" / "wcxb-dev"
_TOKEN = re.compile(r"\w+")
Extractor = Callable[[str, str], str]


@dataclass
class Page:
    """One benchmark page and its ground truth."""

    id: str
    url: str
    type: str
    html: str
    reference: str
    with_snippets: list[str]
    without_snippets: list[str]


@dataclass
class Score:
    """One extractor's result on one page."""

    id: str
    type: str
    precision: float
    recall: float
    f1: float
    with_found: int
    with_total: int
    without_found: int
    without_total: int
    ms: float
    error: str | None = None


def load_pages(limit: int | None, types: set[str] | None) -> Iterator[Page]:
    """The dev pages in id order, optionally restricted to some page types and to the first `limit`."""
    count = 0
    for path in sorted((DATA / "ground-truth").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        page_type = record["_internal"]["page_type"]["primary"]
        page_type = "collection" if page_type == "category" else page_type
        if types and page_type not in types:
            continue
        truth = record["ground_truth"]
        html = gzip.decompress((DATA / "html" / f"{path.stem}.html.gz").read_bytes()).decode("utf-8", "replace")
        yield Page(
            path.stem,
            record.get("url") or "",
            page_type,
            html,
            truth.get("main_content") or "",
            truth.get("with") or [],
            truth.get("without") or [],
        )
        count += 1
        if limit and count >= limit:
            return


def word_scores(predicted: str, reference: str) -> tuple[float, float, float]:
    """WCXB word precision, recall and F1 of two plain texts (bag of lower-cased `\\w+` tokens)."""
    pred = Counter(_TOKEN.findall(predicted.lower()))
    ref = Counter(_TOKEN.findall(reference.lower()))
    if not pred and not ref:
        return 1.0, 1.0, 1.0
    if not pred or not ref:
        return 0.0, 0.0, 0.0
    overlap = sum((pred & ref).values())
    precision, recall = overlap / sum(pred.values()), overlap / sum(ref.values())
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return precision, recall, f1


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def score_page(page: Page, extractor: Extractor) -> Score:
    """Run one extractor on one page and score it."""
    error = None
    start = time.perf_counter()
    try:
        markdown = extractor(page.html, page.url)
    except Exception as exc:  # the benchmark reports failures instead of stopping
        markdown, error = "", f"{type(exc).__name__}: {exc}"
    ms = (time.perf_counter() - start) * 1000
    text = _normal(markdown_to_text(markdown))
    precision, recall, f1 = word_scores(text, page.reference)
    found_with = sum(_normal(snippet) in text for snippet in page.with_snippets)
    found_without = sum(_normal(snippet) in text for snippet in page.without_snippets)
    return Score(
        page.id,
        page.type,
        precision,
        recall,
        f1,
        found_with,
        len(page.with_snippets),
        found_without,
        len(page.without_snippets),
        ms,
        error,
    )


def doc_reader_extractor(html: str, url: str) -> str:
    """doc-reader's HTML converter with `extract="main"`."""
    from doc_reader.convert.base import ConvertOptions, StreamInfo
    from doc_reader.convert.html import CONVERTER

    info = StreamInfo(kind="html", charset="utf-8", url=url or None)
    return CONVERTER.convert(html.encode("utf-8"), info, ConvertOptions(extract="main")).markdown


def trafilatura_extractor(html: str, url: str) -> str:
    """trafilatura 2.x Markdown output with its default settings."""
    import trafilatura

    return trafilatura.extract(html, url=url or None, output_format="markdown", with_metadata=False) or ""


def summarise(name: str, scores: list[Score]) -> str:
    """A Markdown table: one row per page type plus the overall row."""
    lines = [
        f"**{name}**",
        "",
        "| type | pages | P | R | F1 | with found | without found | median ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    groups = sorted({s.type for s in scores})
    for label, group in [*((t, [s for s in scores if s.type == t]) for t in groups), ("**all**", scores)]:
        lines.append(_row(label, group))
    errors = [s for s in scores if s.error]
    empty = [s for s in scores if s.recall == 0 and s.f1 == 0]
    lines += ["", f"errors: {len(errors)}; pages with F1 = 0: {len(empty)}"]
    lines += [f"- {s.id}: {s.error}" for s in errors[:10]]
    return "\n".join(lines)


def _row(label: str, group: list[Score]) -> str:
    def mean(values: list[float]) -> float:
        return statistics.fmean(values) if values else 0.0

    with_share = sum(s.with_found for s in group) / max(1, sum(s.with_total for s in group))
    without_share = sum(s.without_found for s in group) / max(1, sum(s.without_total for s in group))
    return (
        f"| {label} | {len(group)} | {mean([s.precision for s in group]):.3f} | {mean([s.recall for s in group]):.3f}"
        f" | {mean([s.f1 for s in group]):.3f} | {with_share:.3f} | {without_share:.3f}"
        f" | {statistics.median([s.ms for s in group]):.1f} |"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print per-type tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (in id order)")
    parser.add_argument("--types", default="", help="comma-separated page types, e.g. article,forum")
    parser.add_argument("--compare", action="store_true", help="also run trafilatura on the same pages")
    parser.add_argument("--dump", type=Path, default=None, help="write per-page scores to this JSON file")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"benchmark data not found at {DATA}", file=sys.stderr)
        return 2
    extractors: dict[str, Extractor] = {"doc-reader (extract=main)": doc_reader_extractor}
    if args.compare:
        extractors["trafilatura 2.3.1 (markdown)"] = trafilatura_extractor
    types = {t.strip() for t in args.types.split(",") if t.strip()} or None
    results: dict[str, list[Score]] = {name: [] for name in extractors}
    for page in load_pages(args.limit, types):
        for name, extractor in extractors.items():
            results[name].append(score_page(page, extractor))
    for name, scores in results.items():
        print(summarise(name, scores), end="\n\n")
    if args.dump:
        args.dump.write_text(json.dumps({n: [asdict(s) for s in v] for n, v in results.items()}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
