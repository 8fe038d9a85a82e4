"""PDF benchmark: text similarity, time per page and peak memory, doc-reader next to raw pypdf and pypdfium2.

Run: .venv/bin/python -m bench.pdf [--data DIR] [--repeat N] [--long-pages 1000] [--long-pypdf] [--only NAME]
     [--dump DIR]

Each system runs in its own child process so that its peak RSS (ru_maxrss) is its own. The set and
the long document (built in a temporary directory by repeating the data set's pages with pypdf's
writer) are read `--repeat` times per system, the systems taking turns so that a burst of load from
other jobs hits them alike; the fastest run counts (per document on the set), and the highest peak RSS.
Results: bench/README.md, section "pdf".
"""

from __future__ import annotations

import argparse
import io
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "bench-data" / "pdf" / "pypdf-bench"
SYSTEMS = ("pypdf", "pypdfium2", "doc-reader")

_PAGE_LINE = re.compile(r"^(?:# Page \d+|<!-- page \d+ -->)\s*$", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}\s+", re.MULTILINE)
_STRONG = re.compile(r"(\*\*|__)(.+?)\1")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_LINK = re.compile(r"\[([^\]]*)\]\([^)\s]*\)")
_TABLE_RULE = re.compile(r"^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*:?-{0,}:?\s*\|?\s*$", re.MULTILINE)
_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)


def markdown_to_text(markdown: str) -> str:
    """The fixed Markdown-to-text step of the scoring (data set README, "How it is scored")."""
    text = _PAGE_LINE.sub("", markdown)
    text = _TABLE_RULE.sub("", text)
    text = "\n".join(_table_row_text(line) for line in text.split("\n"))
    text = _HEADING.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _STRONG.sub(r"\2", text)
    text = _EMPHASIS.sub(r"\1", text)
    return _TRAILING.sub("", text)


def _table_row_text(line: str) -> str:
    match = _TABLE_ROW.match(line)
    if match is None:
        return line
    return " ".join(cell.strip() for cell in match.group(1).split(" | "))


def _pypdf(data: bytes) -> str:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def _pypdfium2(data: bytes) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    texts = []
    for index in range(len(pdf)):
        page = pdf[index]
        textpage = page.get_textpage()
        texts.append(textpage.get_text_range())
        textpage.close()
        page.close()
    pdf.close()
    return "\n".join(texts).replace("\r\n", "\n")


def _doc_reader(data: bytes) -> str:
    from doc_reader.convert import ConvertOptions, StreamInfo, convert_stream

    return convert_stream(data, StreamInfo(kind="pdf"), ConvertOptions(max_pages=100_000)).markdown


CONVERT: dict[str, Callable[[bytes], str]] = {"pypdf": _pypdf, "pypdfium2": _pypdfium2, "doc-reader": _doc_reader}


def _documents(data_dir: Path) -> list[dict]:
    manifest = json.loads((data_dir / "manifest.json").read_text())
    return [doc for doc in manifest["documents"] if "exclude" not in doc]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_scores(system: str, data_dir: Path, dump: Path | None, score: bool) -> dict:
    """Convert every document with `system` once; return seconds per document, pages and (if `score`) similarity."""
    import Levenshtein

    result: dict = {"system": system, "times": {}, "pages": 0}
    if score:
        result["docs"] = {}
    for doc in _documents(data_dir):
        data = (data_dir / doc["pdf"]).read_bytes()
        started = time.perf_counter()
        try:
            markdown = CONVERT[system](data)
        except Exception as error:  # a failed conversion scores 0, as the data set README says
            markdown = ""
            result.setdefault("failed", []).append(f"{doc['name']}: {type(error).__name__}")
        result["times"][doc["name"]] = time.perf_counter() - started
        result["pages"] += doc["pages"]
        if score:
            truth = (data_dir / doc["ground_truth"]).read_text(encoding="utf-8")
            result["docs"][doc["name"]] = Levenshtein.ratio(markdown_to_text(markdown), truth) if markdown else 0.0
        if dump is not None:
            (dump / f"{doc['name']}.{system}.md").write_text(markdown, encoding="utf-8")
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


def worker_long(system: str, path: Path) -> dict:
    """Convert the long document once; return seconds, pages and peak RSS."""
    data = path.read_bytes()
    started = time.perf_counter()
    CONVERT[system](data)
    return {"system": system, "seconds": time.perf_counter() - started, "peak_rss_mb": _peak_rss_mb()}


def build_long(data_dir: Path, pages: int, path: Path) -> None:
    """Write a `pages`-page PDF made by cycling through the data set's pages."""
    import pypdf

    writer = pypdf.PdfWriter()
    readers = [pypdf.PdfReader(data_dir / doc["pdf"]) for doc in _documents(data_dir)]
    sources = [page for reader in readers for page in reader.pages]
    for number in range(pages):
        writer.add_page(sources[number % len(sources)])
    with path.open("wb") as out:
        writer.write(out)


def _child(*args: str) -> dict:
    output = subprocess.run([sys.executable, "-m", "bench.pdf", *args], check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def _fastest(now: float | dict[str, float], before: float | dict[str, float]) -> float | dict[str, float]:
    """The smaller of two times, or per document for dicts of times."""
    if isinstance(now, dict) and isinstance(before, dict):
        return {name: min(seconds, before[name]) for name, seconds in now.items()}
    return min(now, before)  # type: ignore[type-var]


def _take_turns(
    systems: list[str], repeat: int, args: list[str], key: str, first: list[str] | None = None
) -> list[dict]:
    """`repeat` child runs per system, systems alternating; per system the fastest `key` and the highest RSS.

    `first` are extra arguments for the first round only (scoring and `--dump`: every round gives the same
    output); what only the first round reports is kept.
    """
    best: dict[str, dict] = {}
    for round_ in range(repeat):
        extra = first if first and round_ == 0 else []
        for system in systems:
            run = _child("--worker", system, *args, *extra)
            if system in best:
                run["peak_rss_mb"] = max(run["peak_rss_mb"], best[system]["peak_rss_mb"])
                run[key] = _fastest(run[key], best[system][key])
            best[system] = {**best.get(system, {}), **run}
    return list(best.values())


def _set_runs(systems: list[str], data: Path, dump: Path | None, repeat: int) -> list[dict]:
    """Scores of every system on the set, and per system the sum of the fastest time per document."""
    dump_args = ["--dump", str(dump)] if dump else []
    runs = _take_turns(systems, repeat, ["--data", str(data)], "times", first=["--score", *dump_args])
    for run in runs:
        run["seconds"] = sum(run["times"].values())
    return runs


def _ratios(scores: list[dict], long_runs: list[dict]) -> None:
    """doc-reader's time as a multiple of raw pypdfium2's, the issue's speed target (<= 2x)."""
    per_page = {s["system"]: s["seconds"] / s["pages"] for s in scores}
    long_seconds = {run["system"]: run["seconds"] for run in long_runs}
    for label, times in (("s/page on the set", per_page), ("long PDF", long_seconds)):
        if "doc-reader" in times and "pypdfium2" in times:
            print(f"doc-reader / pypdfium2, {label}: {times['doc-reader'] / times['pypdfium2']:.2f}x")


def _report(scores: list[dict], long_runs: list[dict], long_pages: int) -> None:
    names = list(scores[0]["docs"])
    header = "| document | " + " | ".join(s["system"] for s in scores) + " |"
    print(header)
    print("| --- " * (len(scores) + 1) + "|")
    for name in names:
        print(f"| {name} | " + " | ".join(f"{s['docs'][name]:.4f}" for s in scores) + " |")
    mean = [sum(s["docs"].values()) / len(s["docs"]) for s in scores]
    print("| **mean** | " + " | ".join(f"**{m:.4f}**" for m in mean) + " |")
    print("| s/page | " + " | ".join(f"{s['seconds'] / s['pages']:.4f}" for s in scores) + " |")
    print("| peak RSS (MB) | " + " | ".join(f"{s['peak_rss_mb']:.0f}" for s in scores) + " |")
    for run in long_runs:
        print(f"{long_pages}-page PDF, {run['system']}: {run['seconds']:.1f} s, peak RSS {run['peak_rss_mb']:.0f} MB")
    _ratios(scores, long_runs)
    for s in scores:
        for failure in s.get("failed", []):
            print(f"FAILED {s['system']} {failure}")


def main() -> None:
    """Run every system in a child process and print Markdown tables for bench/README.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--long-pages", type=int, default=1000, help="0 skips the long document")
    parser.add_argument("--long-pypdf", action="store_true", help="also run pypdf on the long document (slow)")
    parser.add_argument("--only", choices=SYSTEMS, action="append", help="systems to run (default: all)")
    parser.add_argument("--dump", type=Path, help="write each system's output here")
    parser.add_argument("--repeat", type=int, default=1, help="runs of the set and of the long PDF; fastest counts")
    parser.add_argument("--worker", choices=SYSTEMS, help=argparse.SUPPRESS)
    parser.add_argument("--long", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--score", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        if args.long:
            result = worker_long(args.worker, args.long)
        else:
            result = worker_scores(args.worker, args.data, args.dump, args.score)
        print(json.dumps(result))
        return
    systems = args.only or list(SYSTEMS)
    scores = _set_runs(systems, args.data, args.dump, args.repeat)
    long_runs = []
    if args.long_pages:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "long.pdf"
            build_long(args.data, args.long_pages, path)
            long_systems = [s for s in systems if s != "pypdf" or args.long_pypdf]
            long_runs = _take_turns(long_systems, args.repeat, ["--long", str(path)], "seconds")
    _report(scores, long_runs, args.long_pages)


if __name__ == "__main__":
    main()
