"""LSH banding chosen for recall, and candidate pairs found by sorting.

A pair with Jaccard similarity s shares at least one of b bands of r rows
with probability P(s) = 1 - (1 - s**r)**b. datasketch's `MinHashLSH`
minimises false positives plus false negatives, which leaves a pair exactly
at the threshold a candidate only 30-55% of the time. Here b and r are the
split that keeps P(threshold) >= RECALL_TARGET with the fewest false
positives; every candidate is then verified on the real shingle sets, so
the extra candidates cost time, never accuracy.

Candidates are also screened before verification, by what the band keys
already say: a pair of units of similar length that really matches shares
many bands, so those that share only one (at news scale most candidates:
short sentences sharing a common phrase) are dropped where that loses less
than 1 - RECALL_TARGET of the pairs at the verification boundary; see
`two_band_ratio`.
"""

from __future__ import annotations

import numpy as np

from .arrays import distinct

__all__ = [
    "RECALL_TARGET",
    "CrowdedBuckets",
    "band_keys",
    "band_pairs",
    "candidate_pairs",
    "candidate_probability",
    "choose_bands",
    "decode_pairs",
    "equal_bands",
    "screen_pairs",
    "two_band_ratio",
]

RECALL_TARGET = 0.95
MAX_BUCKET = 64
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
    """A (passages, bands) uint32 array: each band's rows hashed to one key.

    32 bits keep memory at 4 bytes per band and passage; two different bands
    that share a key by chance only add a candidate, which verification drops.
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
    return np.ascontiguousarray((keys >> np.uint64(32)).astype(np.uint32).T)


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


def band_pairs(band: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (as codes i * n + j, i < j) of passages that share a key in one
    band; the passages that sit in a crowded bucket; and those buckets'
    representatives (their first members).

    The band is grouped by one plain sort of 64-bit values holding the key
    above the passage's row number, so the sorted array says both which keys
    are equal and where each came from, without an argsort. A bucket of m
    passages gives m(m-1)/2 pairs when small and m-1 pairs (a star on its
    first member) when larger than MAX_BUCKET, so mass repeats such as
    boilerplate cannot explode into millions of pairs; the members of such
    crowded buckets are returned too, since not all of their pairs were.
    """
    n = len(band)
    nothing = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if n < 2:
        return nothing
    bits = np.uint64(max(1, (n - 1).bit_length()))
    packed = (band.astype(np.uint64) << bits) | np.arange(n, dtype=np.uint64)
    packed.sort()
    high = packed >> bits
    starts = np.concatenate(([0], np.flatnonzero(high[1:] != high[:-1]) + 1))
    sizes = np.diff(np.append(starts, n))
    multi = sizes > 1
    if not multi.any():
        return nothing
    order = (packed & ((np.uint64(1) << bits) - np.uint64(1))).astype(np.int64)
    pairs = _pairs_in_groups(order, starts[multi], sizes[multi])
    pairs.sort(axis=1)
    crowded = sizes > MAX_BUCKET
    crowded_rows = order[np.repeat(starts[crowded], sizes[crowded]) + _ranks(sizes[crowded])]
    codes = pairs[:, 0].astype(np.uint64) * np.uint64(n) + pairs[:, 1].astype(np.uint64)
    return codes, crowded_rows, order[starts[crowded]]


def _ranks(sizes: np.ndarray) -> np.ndarray:
    """0..size-1 for each size, concatenated."""
    total = int(sizes.sum())
    return np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)


def decode_pairs(codes: np.ndarray, n: int) -> np.ndarray:
    """(i, j) rows from codes i * n + j."""
    return np.stack(((codes // np.uint64(n)).astype(np.int64), (codes % np.uint64(n)).astype(np.int64)), -1)


class CrowdedBuckets:
    """For each passage and band: did it sit in a crowded bucket, and was it
    that bucket's representative? One bit each, in two (passages, bytes)
    tables, which may live in memory shared with forked workers.

    With these, whether a band proposed a pair is known exactly: it did when
    the pair shares the band's key, unless the bucket was crowded and
    neither side is its representative.
    """

    def __init__(self, crowded: np.ndarray, representative: np.ndarray):
        self.crowded = crowded
        self.representative = representative

    @staticmethod
    def table_shape(passages: int, bands: int) -> tuple[int, int]:
        return passages, (bands + 7) // 8

    def mark(self, band: int, members: np.ndarray, representatives: np.ndarray) -> None:
        bit = np.uint8(1 << (band % 8))
        self.crowded[members, band // 8] |= bit
        self.representative[representatives, band // 8] |= bit

    def _bits(self, table: np.ndarray, rows: np.ndarray, bands: int) -> np.ndarray:
        return np.unpackbits(table[rows], axis=1, count=bands, bitorder="little").astype(bool)

    def proposed(self, equal: np.ndarray, pairs: np.ndarray, bands: int) -> np.ndarray:
        """(pairs, bands) bool: which of the first `bands` bands proposed each pair."""
        if bands == 0:
            return np.zeros((len(pairs), 0), dtype=bool)
        star = self._bits(self.representative, pairs[:, 0], bands) | self._bits(self.representative, pairs[:, 1], bands)
        return equal[:, :bands] & (~self._bits(self.crowded, pairs[:, 0], bands) | star)


def candidate_pairs(keys: np.ndarray) -> np.ndarray:
    """Distinct (i, j) pairs with i < j that some band proposes, sorted.

    `keys` is a (passages, bands) array from `band_keys`.
    """
    codes = [band_pairs(np.ascontiguousarray(keys[:, band]))[0] for band in range(keys.shape[1])]
    if not codes:
        return np.zeros((0, 2), dtype=np.int64)
    return decode_pairs(distinct(np.concatenate(codes)), len(keys))


def equal_bands(keys: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """(pairs, bands) bool: which band keys each pair shares."""
    return keys[pairs[:, 0]] == keys[pairs[:, 1]]


def screen_pairs(
    equal: np.ndarray, pairs: np.ndarray, sizes: np.ndarray, threshold: float, ratio_for_two: float, min_shared: int
) -> np.ndarray:
    """Which candidate pairs are worth verifying, given the bands they share.

    A pair cannot pass when its sets' sizes alone rule it out (Jaccard is at
    most the length ratio; containment needs `min_shared` shingles in
    common); a pair of length ratio at least `ratio_for_two` (see
    `two_band_ratio`) must share two bands.
    """
    a, b = sizes[pairs[:, 0]], sizes[pairs[:, 1]]
    small = np.minimum(a, b)
    ratio = small / np.maximum(np.maximum(a, b), 1)
    possible = (ratio >= threshold) | (small >= min_shared)
    return possible & ((equal.sum(axis=1) >= 2) | (ratio < ratio_for_two))


def _two_or_more(s: float | np.ndarray, bands: int, rows: int) -> float | np.ndarray:
    """The chance that a pair with Jaccard similarity s shares at least two bands."""
    p = np.power(s, rows)
    return 1.0 - (1.0 - p) ** bands - bands * p * (1.0 - p) ** (bands - 1)


def two_band_ratio(threshold: float, containment: float, bands: int, rows: int) -> float:
    """The least length ratio (smaller over larger set) from which a candidate
    needs two shared bands to be worth verifying; infinity when never.

    Of two units with length ratio q, a pair that passes verification has
    Jaccard similarity at least min(threshold, c*q / (1 + q - c*q)) (the
    second term: the smaller unit only just contained in the larger). Where
    even a pair exactly at that bound shares two bands with probability
    >= RECALL_TARGET, a candidate sharing one band is almost always a pair of
    unrelated sentences that share a common phrase, and is dropped. Below the
    ratio (a short quote inside a long sentence) one band is enough, as before.
    """
    ratios = np.linspace(0.0, 1.0, 1001)
    lowest = np.minimum(threshold, containment * ratios / (1.0 + ratios - containment * ratios))
    enough = np.flatnonzero(_two_or_more(lowest, bands, rows) >= RECALL_TARGET)
    return float(ratios[enough[0]]) if len(enough) else float("inf")
