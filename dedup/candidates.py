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

from collections.abc import Callable, Iterable, Iterator

import numpy as np

from .arrays import distinct, distinct_pairs

__all__ = [
    "RECALL_TARGET",
    "band_keys",
    "band_pairs",
    "candidate_chunks",
    "candidate_pairs",
    "candidate_probability",
    "choose_bands",
]

RECALL_TARGET = 0.95
MAX_BUCKET = 64
BANDS_PER_CHUNK = 8
_BAND_MULT = np.uint64(0x9E3779B97F4A7C15)


def candidate_probability(s: float | np.ndarray, bands: int, rows: int) -> float | np.ndarray:
    """P(s) = 1 - (1 - s**rows)**bands: the chance a pair becomes a candidate."""
    return 1.0 - (1.0 - np.power(s, rows)) ** bands


def choose_bands(threshold: float, num_perm: int, recall: float = RECALL_TARGET) -> tuple[int, int]:
    """(bands, rows) with P(threshold) >= recall and the least area under P below it.

    Every permutation is used (bands = num_perm // rows): spare bands cost a
    sort each but lift the curve below the threshold, where containment
    matches between units of different lengths live.
    """
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
    """A (bands, passages) uint32 array: each band's rows hashed to one key.

    Band-major, so that each band is one contiguous array to sort. 32 bits
    keep memory at 4 bytes per band and passage; two different bands that
    share a key by chance only add a candidate, which verification drops.
    """
    columns = signatures.T
    keys = np.zeros((bands, len(signatures)), dtype=np.uint64)
    for r in range(rows):
        keys *= _BAND_MULT
        keys ^= columns[r : bands * rows : rows].astype(np.uint64) + np.uint64(r + 1)
    # splitmix64's finaliser, so the high bits depend on every row
    keys ^= keys >> np.uint64(30)
    keys *= np.uint64(0xBF58476D1CE4E5B9)
    keys ^= keys >> np.uint64(27)
    keys *= np.uint64(0x94D049BB133111EB)
    keys ^= keys >> np.uint64(31)
    return (keys >> np.uint64(32)).astype(np.uint32)


def _pairs_in_groups(members: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """All pairs inside groups up to MAX_BUCKET members; a star to the first member beyond."""
    out = []
    for size in distinct(sizes):
        first = starts[sizes == size]
        if size <= MAX_BUCKET:
            i, j = np.triu_indices(size, 1)
            out.append(np.stack((members[first[:, None] + i], members[first[:, None] + j]), -1).reshape(-1, 2))
        else:
            rep = np.repeat(members[first], size - 1)
            rest = (first[:, None] + np.arange(1, size)).ravel()
            out.append(np.stack((rep, members[rest]), -1))
    return np.concatenate(out) if out else np.zeros((0, 2), dtype=np.int64)


def band_pairs(band: np.ndarray) -> np.ndarray:
    """Pairs (as codes i * n + j, i < j) of passages that share a key in one band.

    The band is grouped by one plain sort of 64-bit values holding the key
    above the passage's row number, so the sorted array says both which keys
    are equal and where each came from, without an argsort. A bucket of m
    passages gives m(m-1)/2 pairs when small and m-1 pairs (a star on its
    first member) when larger than MAX_BUCKET, so mass repeats such as
    boilerplate cannot explode into millions of pairs.
    """
    n = len(band)
    if n < 2:
        return np.zeros(0, dtype=np.uint64)
    bits = np.uint64(max(1, (n - 1).bit_length()))
    packed = (band.astype(np.uint64) << bits) | np.arange(n, dtype=np.uint64)
    packed.sort()
    high = packed >> bits
    starts = np.concatenate(([0], np.flatnonzero(high[1:] != high[:-1]) + 1))
    sizes = np.diff(np.append(starts, n))
    multi = sizes > 1
    if not multi.any():
        return np.zeros(0, dtype=np.uint64)
    order = (packed & ((np.uint64(1) << bits) - np.uint64(1))).astype(np.int64)
    pairs = _pairs_in_groups(order, starts[multi], sizes[multi])
    pairs.sort(axis=1)
    return pairs[:, 0].astype(np.uint64) * np.uint64(n) + pairs[:, 1].astype(np.uint64)


def candidate_chunks(
    keys: Iterable[np.ndarray], map_bands: Callable = map, bands_per_chunk: int = BANDS_PER_CHUNK
) -> Iterator[np.ndarray]:
    """Distinct (i, j) candidate pairs, sorted, for each group of `bands_per_chunk` bands.

    `keys` gives one uint32 array of band keys per band (a (bands, passages)
    array, or a generator that assembles each band only when it is needed);
    bands are independent, so `map_bands` may run `band_pairs` on several
    processes. Taking the bands a group at a time bounds memory by a group's
    candidates rather than all of them; a pair that shares bands in two groups
    comes out in both.
    """
    n = 0
    group: list[np.ndarray] = []

    def sized(bands: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        nonlocal n
        for band in bands:
            n = len(band)
            yield band

    def decoded(codes: np.ndarray) -> np.ndarray:
        codes = distinct(codes)
        return np.stack(((codes // np.uint64(n)).astype(np.int64), (codes % np.uint64(n)).astype(np.int64)), -1)

    for done, codes in enumerate(map_bands(band_pairs, sized(keys)), 1):
        group.append(codes)
        if done % bands_per_chunk == 0:
            yield decoded(np.concatenate(group))
            group = []
    if group:
        yield decoded(np.concatenate(group))


def candidate_pairs(keys: Iterable[np.ndarray], map_bands: Callable = map) -> np.ndarray:
    """Distinct (i, j) pairs with i < j that share a key in any band, sorted."""
    chunks = list(candidate_chunks(keys, map_bands))
    return distinct_pairs(np.concatenate(chunks)) if chunks else np.zeros((0, 2), dtype=np.int64)
