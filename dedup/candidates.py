"""LSH banding chosen for recall, and candidate pairs found by sorting.

A pair with Jaccard similarity s shares at least one of b bands of r rows
with probability P(s) = 1 - (1 - s**r)**b. datasketch's `MinHashLSH`
minimises false positives plus false negatives, which leaves a pair exactly
at the threshold a candidate only 30-55% of the time. Here b and r are the
split that keeps P(threshold) >= RECALL_TARGET with the fewest false
positives; every candidate is then verified on the real shingle sets, so
the extra candidates cost time, never accuracy.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RECALL_TARGET", "band_keys", "candidate_pairs", "candidate_probability", "choose_bands"]

RECALL_TARGET = 0.95
MAX_BUCKET = 64
_BAND_MULT = np.uint64(0x9E3779B97F4A7C15)


def candidate_probability(s: float | np.ndarray, bands: int, rows: int) -> float | np.ndarray:
    """P(s) = 1 - (1 - s**rows)**bands: the chance a pair becomes a candidate."""
    return 1.0 - (1.0 - np.power(s, rows)) ** bands


def choose_bands(threshold: float, num_perm: int, recall: float = RECALL_TARGET) -> tuple[int, int]:
    """(bands, rows) with P(threshold) >= recall and the least area under P below it."""
    grid = np.linspace(0.0, threshold, 201)
    best: tuple[float, int, int] | None = None
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if candidate_probability(threshold, bands, rows) < recall:
            continue
        false_positive_area = float(np.trapezoid(candidate_probability(grid, bands, rows), grid))
        if best is None or false_positive_area < best[0]:
            best = (false_positive_area, bands, rows)
    if best is None:
        raise ValueError(f"no band split of {num_perm} permutations reaches recall {recall} at {threshold}")
    return best[1], best[2]


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """A (passages, bands) uint64 array: each band's rows hashed to one key."""
    n = len(signatures)
    keys = np.zeros((n, bands), dtype=np.uint64)
    for r in range(rows):
        column = signatures[:, r : bands * rows : rows].astype(np.uint64)
        keys = (keys * _BAND_MULT) ^ (column + np.uint64(r + 1))
    return keys


def _pairs_in_groups(members: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """All pairs inside groups up to MAX_BUCKET members; a star to the first member beyond."""
    out = []
    for size in np.unique(sizes):
        first = starts[sizes == size]
        if size <= MAX_BUCKET:
            i, j = np.triu_indices(size, 1)
            out.append(np.stack((members[first[:, None] + i], members[first[:, None] + j]), -1).reshape(-1, 2))
        else:
            rep = np.repeat(members[first], size - 1)
            rest = (first[:, None] + np.arange(1, size)).ravel()
            out.append(np.stack((rep, members[rest]), -1))
    return np.concatenate(out) if out else np.zeros((0, 2), dtype=np.int64)


def candidate_pairs(keys: np.ndarray) -> np.ndarray:
    """Distinct (i, j) pairs with i < j that share a band key, sorted.

    Each band is grouped by sorting its keys; a bucket of m passages gives
    m(m-1)/2 pairs when small and m-1 pairs (a star on its first member)
    when larger than MAX_BUCKET, so mass repeats such as boilerplate cannot
    explode into millions of pairs.
    """
    n = len(keys)
    found = []
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        sorted_keys = keys[order, band]
        boundary = np.flatnonzero(np.diff(sorted_keys)) + 1
        starts = np.concatenate(([0], boundary))
        sizes = np.diff(np.concatenate((starts, [n])))
        multi = sizes > 1
        if multi.any():
            found.append(_pairs_in_groups(order, starts[multi], sizes[multi]))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    pairs.sort(axis=1)
    codes = np.unique(pairs[:, 0].astype(np.uint64) * np.uint64(n) + pairs[:, 1].astype(np.uint64))
    return np.stack(((codes // np.uint64(n)).astype(np.int64), (codes % np.uint64(n)).astype(np.int64)), -1)
