"""Train the HTML block classifier on the WCXB dev split, cross-validate it, export it.

    .venv/bin/python -m bench.train_html [--folds 5] [--cv-only] [--render [--dump out.json]]

Every dev page goes through doc-reader's own cleaning and block features
(`doc_reader.convert.html_classify.page_features`). A block's label is 1 when at
least half of its words are matched to the page's ground-truth `main_content`
(`block_labels`); its weight is its share of the page's words,
so every page counts the same. Pages are split into folds by domain (a hash of the
host name), so no site is in both the training and the test part of a fold.

The script prints, per page type, the word F1 of the rule-based selection and of
the out-of-fold classifier estimated from block labels, and two ceilings on the same
estimate: keeping exactly the blocks labelled main content, and cutting each page's
out-of-fold scores at the threshold best for that page; with `--render` it also runs
the full converter with each fold's model on the pages it did not see and scores
the Markdown exactly as `bench.html` does (the cross-validated figure that
`bench/README.md` reports). Unless `--cv-only`, it then trains on all pages and
writes `doc_reader/convert/html_model.json`, checking that the numpy evaluator
reproduces LightGBM's probabilities.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import statistics
import sys
import zlib
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from multiprocessing import Pool
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lightgbm as lgb
import numpy as np

from bench.html import Page, load_pages, score_page, summarise
from doc_reader.convert import html_model
from doc_reader.convert.base import ConvertOptions, Deadline, StreamInfo
from doc_reader.convert.html import html_document
from doc_reader.convert.html_classify import THRESHOLD, page_features
from doc_reader.convert.html_clean import clean, parse
from doc_reader.convert.html_metadata import read_metadata

_TOKEN = re.compile(r"\w+")
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.1,
    "num_leaves": 31,
    "max_depth": 7,
    "min_data_in_leaf": 100,
    "feature_fraction": 0.7,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "seed": 7,
    "deterministic": True,
    "num_threads": 2,
    "verbose": -1,
}
ROUNDS = 150
# Every value goes left at a leaf (JSON has no infinity).
_LEAF_THRESHOLD = 1e308


@dataclass
class PageBlocks:
    """One page's block features, labels and word counts."""

    id: str
    type: str
    domain: str
    rows: np.ndarray
    labels: np.ndarray
    words: np.ndarray
    rules: np.ndarray
    reference_words: int


def block_labels(texts: list[str], reference: str) -> np.ndarray:
    """Per block: the share of its words matched to `reference`.

    A word is matched when it sits in a run of three or more words that a line-up of the
    page's words with the reference's (in order, as `difflib` lines up two texts) pairs, or
    in a word trigram the reference has at least as often as the page. Words that only share
    a trigram with the reference, on a page that repeats it more often than the reference
    does (a product's name in the breadcrumb, the title and every carousel card), are not.
    """
    truth = _TOKEN.findall(reference.lower())
    tokens: list[str] = []
    owner: list[int] = []
    for index, text in enumerate(texts):
        found = _TOKEN.findall(text.lower())
        tokens += found
        owner += [index] * len(found)
    matched = np.zeros(len(tokens), dtype=bool)
    if tokens and truth:
        for start, _, size in difflib.SequenceMatcher(None, tokens, truth, autojunk=False).get_matching_blocks():
            if size >= 3:
                matched[start : start + size] = True
        page_trigrams = Counter(zip(tokens, tokens[1:], tokens[2:], strict=False))
        truth_trigrams = Counter(zip(truth, truth[1:], truth[2:], strict=False))
        for i, trigram in enumerate(zip(tokens, tokens[1:], tokens[2:], strict=False)):
            if page_trigrams[trigram] <= truth_trigrams[trigram]:
                matched[i : i + 3] = True
    counts = np.bincount(owner, minlength=len(texts)) if owner else np.zeros(len(texts))
    hits = np.bincount(owner, weights=matched, minlength=len(texts)) if owner else np.zeros(len(texts))
    return hits / np.maximum(1, counts)


def build(page: Page) -> PageBlocks:
    """Features and labels of one dev page."""
    root, _ = parse(page.html)
    domain = (urlsplit(page.url).hostname or page.id).removeprefix("www.")
    empty = np.zeros((0, 0), dtype=np.float32)
    if root is None:
        return PageBlocks(page.id, page.type, domain, empty, np.zeros(0), np.zeros(0), np.zeros(0), 0)
    kinds = read_metadata(root, page.url).kinds
    clean(root, Deadline(None))
    blocks, rows, selected = page_features(root, kinds)
    return PageBlocks(
        page.id,
        page.type,
        domain,
        rows,
        block_labels([b.text for b in blocks.blocks], page.reference),
        np.array([b.words for b in blocks.blocks], dtype=np.float64),
        np.array([b.element in selected for b in blocks.blocks], dtype=np.float64),
        len(_TOKEN.findall(page.reference.lower())),
    )


def fold_of(domain: str, folds: int) -> int:
    """The fold a site belongs to (stable across runs and machines)."""
    return zlib.crc32(domain.encode()) % folds


def train(pages: list[PageBlocks]) -> lgb.Booster:
    """A LightGBM model on the blocks of `pages`, each page weighted the same."""
    pages = [p for p in pages if len(p.rows)]
    rows = np.vstack([p.rows for p in pages])
    labels = np.concatenate([p.labels >= 0.5 for p in pages]).astype(int)
    weights = np.concatenate([p.words / p.words.sum() for p in pages])
    return lgb.train(PARAMS, lgb.Dataset(rows, labels, weight=weights), ROUNDS)


def estimated_f1(page: PageBlocks, keep: np.ndarray) -> float:
    """The page's word F1 if exactly the blocks in `keep` were output (from the block labels)."""
    predicted = float(page.words @ keep)
    overlap = float((page.words * page.labels) @ keep)
    if predicted == 0 and page.reference_words == 0:
        return 1.0
    if predicted == 0 or page.reference_words == 0 or overlap == 0:
        return 0.0
    precision, recall = overlap / predicted, min(1.0, overlap / page.reference_words)
    return 2 * precision * recall / (precision + recall)


def best_cut(page: PageBlocks, scores: np.ndarray) -> np.ndarray:
    """The blocks above the threshold (0.05 to 0.95) that gives `page` its best estimated F1.

    A ceiling for any way of choosing a threshold per page (by page type or otherwise): it
    knows the page's labels, so it measures how well the scores rank blocks, not a method.
    """
    cuts = [(scores >= t).astype(float) for t in np.linspace(0.05, 0.95, 19)]
    return max(cuts, key=lambda keep: estimated_f1(page, keep))


def report(name: str, pages: list[PageBlocks], keeps: list[np.ndarray]) -> None:
    """Print the estimated mean F1 overall and per page type."""
    scores: dict[str, list[float]] = defaultdict(list)
    for page, keep in zip(pages, keeps, strict=True):
        scores[page.type].append(estimated_f1(page, keep))
    overall = statistics.fmean(s for values in scores.values() for s in values)
    by_type = " ".join(f"{t} {statistics.fmean(v):.3f}" for t, v in sorted(scores.items()))
    print(f"{name}: F1 {overall:.4f} ({by_type})", flush=True)


def export(booster: lgb.Booster) -> dict[str, Any]:
    """The booster's trees as the padded arrays `html_model.TreeEnsemble` reads."""
    dump = booster.dump_model()
    trees = [_flatten(info["tree_structure"]) for info in dump["tree_info"]]
    width = max(len(tree["feature"]) for tree in trees)
    model: dict[str, Any] = {"features": dump["max_feature_idx"] + 1, "depth": max(t["depth"] for t in trees)}
    for key, pad in (("feature", 0), ("threshold", _LEAF_THRESHOLD), ("left", 0), ("right", 0), ("value", 0.0)):
        model[key] = [tree[key] + [pad] * (width - len(tree[key])) for tree in trees]
    return model


def _flatten(root: dict[str, Any]) -> dict[str, Any]:
    """One LightGBM tree (nested dicts) as node arrays, breadth first; leaves loop to themselves."""
    arrays: dict[str, list[Any]] = {"feature": [], "threshold": [], "left": [], "right": [], "value": []}
    queue = [(root, 0)]
    depth = 0
    while queue:
        node, level = queue.pop(0)
        index = len(arrays["feature"])
        depth = max(depth, level)
        if "leaf_value" in node:
            arrays["feature"].append(0)
            arrays["threshold"].append(_LEAF_THRESHOLD)
            arrays["left"].append(index)
            arrays["right"].append(index)
            arrays["value"].append(node["leaf_value"])
            continue
        if node["decision_type"] != "<=":
            raise ValueError(f"unsupported split {node['decision_type']}")
        arrays["feature"].append(node["split_feature"])
        arrays["threshold"].append(float(node["threshold"]))
        arrays["value"].append(0.0)
        # Children are appended in queue order: left gets the next free slot after everything queued.
        first = index + len(queue) + 1
        arrays["left"].append(first)
        arrays["right"].append(first + 1)
        queue += [(node["left_child"], level + 1), (node["right_child"], level + 1)]
    return {**arrays, "depth": depth}


def render_cv(
    dev: list[Page], models: dict[int, lgb.Booster], domains: dict[str, str], folds: int, dump: Path | None
) -> None:
    """Score the full converter's Markdown with each page's out-of-fold model (the bench.html metric).

    `dump` receives the per-page scores as JSON, in `bench.html --dump`'s format.
    """

    def extractor_for(model: lgb.Booster) -> Any:
        def extract(html: str, url: str) -> str:
            info = StreamInfo(kind="html", charset="utf-8", url=url or None)
            document = html_document(html.encode("utf-8"), info, ConvertOptions(extract="main"), model.predict)
            return document.markdown

        return extract

    scores = [score_page(page, extractor_for(models[fold_of(domains[page.id], folds)])) for page in dev]
    name = f"doc-reader, {folds}-fold cross-validated by domain"
    print(summarise(name, scores))
    print(f"F1 to four places: {statistics.fmean(score.f1 for score in scores):.4f}")
    if dump:
        dump.write_text(json.dumps({name: [asdict(score) for score in scores]}), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Build the data, cross-validate, and (unless --cv-only) export the model trained on every page."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cv-only", action="store_true", help="do not write the model file")
    parser.add_argument("--render", action="store_true", help="also score the rendered Markdown out of fold")
    parser.add_argument(
        "--dump", type=Path, default=None, help="with --render: write per-page scores to this JSON file"
    )
    args = parser.parse_args(argv)
    dev = list(load_pages(None, None))
    with Pool(2) as pool:
        pages = pool.map(build, dev, chunksize=8)
    print(f"{len(pages)} pages, {sum(len(p.rows) for p in pages)} blocks", flush=True)
    models = {k: train([p for p in pages if fold_of(p.domain, args.folds) != k]) for k in range(args.folds)}
    scores = [models[fold_of(p.domain, args.folds)].predict(p.rows) if len(p.rows) else p.rules for p in pages]
    report("rules (html_extract.select)", pages, [p.rules for p in pages])
    report("classifier, out of fold", pages, [(s >= THRESHOLD).astype(float) for s in scores])
    report("ceiling: the blocks labelled main content", pages, [(p.labels >= 0.5).astype(float) for p in pages])
    report("ceiling: each page's best cut of its out-of-fold scores", pages, list(map(best_cut, pages, scores)))
    if args.render:
        render_cv(dev, models, {p.id: p.domain for p in pages}, args.folds, args.dump)
    if args.cv_only:
        return 0
    booster = train(pages)
    model = export(booster)
    rows = np.vstack([p.rows for p in pages if len(p.rows)])
    difference = np.abs(html_model.TreeEnsemble(model).predict(rows) - booster.predict(rows)).max()
    print(f"numpy evaluator vs LightGBM: max |difference| {difference:.2e}")
    if difference > 1e-6:
        print("export check failed", file=sys.stderr)
        return 1
    html_model.MODEL_PATH.write_text(json.dumps(model, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {html_model.MODEL_PATH} ({len(model['feature'])} trees, depth {model['depth']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
