"""A gradient-boosted tree ensemble (trained by `bench/train_html.py`), evaluated with numpy.

The trees are stored as padded arrays, one row per tree: `feature`, `threshold`,
`left`, `right` and `value` per node, root at 0. Leaves point to themselves with
an infinite threshold, so walking every tree `depth` steps lands each row on its
leaf; all trees and all rows move together, a few numpy operations per level.
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
        self.threshold = np.asarray(model["threshold"], dtype=np.float64).ravel()
        self.left = np.asarray(model["left"], dtype=np.intp).ravel()
        self.right = np.asarray(model["right"], dtype=np.intp).ravel()
        self.value = np.asarray(model["value"], dtype=np.float64).ravel()
        self.depth = int(model["depth"])  # type: ignore[arg-type]
        self.features = int(model["features"])  # type: ignore[arg-type]
        self._offset = (np.arange(trees) * width)[:, None]

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """The probability of the positive class for each row of `rows` (rows x features)."""
        if rows.shape[1] != self.features:
            raise ValueError(f"the model reads {self.features} features, got {rows.shape[1]}")
        values = rows.astype(np.float64)
        column = np.arange(len(values))[None, :]
        flat = np.broadcast_to(self._offset, (len(self._offset), len(values)))
        for _ in range(self.depth):
            go_left = values[column, self.feature[flat]] <= self.threshold[flat]
            flat = np.where(go_left, self.left[flat], self.right[flat]) + self._offset
        score = self.value[flat].sum(axis=0)
        return 1.0 / (1.0 + np.exp(-score))


@functools.cache
def load(path: Path = MODEL_PATH) -> TreeEnsemble:
    """The shipped model, read once per process."""
    return TreeEnsemble(json.loads(path.read_text(encoding="utf-8")))
