"""A gradient-boosted tree ensemble (trained by `bench/train_html.py`), evaluated with numpy.

The trees are stored as padded arrays, one row per tree: `feature`, `threshold`,
`left`, `right` and `value` per node, root at 0. Leaves point to themselves with
a threshold no feature exceeds, so walking every tree `depth` steps lands each row on its
leaf; all trees and all rows move together, a few numpy operations per level,
in float32 (the thresholds are rounded down to float32, which keeps every
comparison exact).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("html_model.json")


class TreeEnsemble:
    """Binary classifier: the sigmoid of the sum of the trees' leaf values."""

    def __init__(self, model: dict[str, list[list[float]] | int]) -> None:
        feature = np.asarray(model["feature"], dtype=np.intp)
        trees, width = feature.shape
        # Node arrays of all trees end to end; a tree's node i sits at tree * width + i.
        self.feature = feature.ravel()
        self.threshold = _float32_floor(np.asarray(model["threshold"], dtype=np.float64).ravel())
        offset = np.repeat(np.arange(trees) * width, width)
        left = np.asarray(model["left"], dtype=np.intp).ravel() + offset
        right = np.asarray(model["right"], dtype=np.intp).ravel() + offset
        # Children side by side: node i's left child at 2i, its right child at 2i + 1.
        self.children = np.stack([left, right], axis=1).ravel()
        self.value = np.asarray(model["value"], dtype=np.float64).ravel()
        self.depth = int(model["depth"])  # type: ignore[arg-type]
        self.features = int(model["features"])  # type: ignore[arg-type]
        self.roots = np.arange(trees) * width

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """The probability of the positive class for each row of `rows` (rows x features, finite values)."""
        if rows.shape[1] != self.features:
            raise ValueError(f"the model reads {self.features} features, got {rows.shape[1]}")
        values = np.ascontiguousarray(rows, dtype=np.float32).ravel()
        starts = (np.arange(len(rows)) * self.features)[None, :]
        node = np.broadcast_to(self.roots[:, None], (len(self.roots), len(rows)))
        for _ in range(self.depth):
            go_right = values[starts + self.feature[node]] > self.threshold[node]
            node = self.children[2 * node + go_right]
        score = self.value[node].sum(axis=0)
        return 1.0 / (1.0 + np.exp(-score))


def _float32_floor(thresholds: np.ndarray) -> np.ndarray:
    """Each threshold as the largest float32 not above it, so float32 features compare exactly as in float64.

    For a float32 x and any t, x <= t exactly when x <= that float32. Leaf thresholds (1e308) become
    the largest float32, above every finite feature.
    """
    with np.errstate(over="ignore"):
        rounded = thresholds.astype(np.float32)
    too_high = rounded.astype(np.float64) > thresholds
    return np.where(too_high, np.nextafter(rounded, np.float32(-np.inf)), rounded)


@functools.cache
def load(path: Path = MODEL_PATH) -> TreeEnsemble:
    """The shipped model, read once per process."""
    return TreeEnsemble(json.loads(path.read_text(encoding="utf-8")))
