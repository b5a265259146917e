"""LSH banding chosen for recall, and candidate pairs found by sorting.

A pair with Jaccard similarity s shares at least one of b bands of r rows
with probability P(s) = 1 - (1 - s**r)**b. datasketch's `MinHashLSH`
minimises false positives plus false negatives, which leaves a pair exactly
at the threshold a candidate only 30-55% of the time. Here b and r are the
split that keeps P(threshold) >= RECALL_TARGET with the fewest false
positives; every candidate is then verified on the real shingle sets, so
the extra candidates cost time, never accuracy.

Candidates are also screened before verification, on what the signatures
already say: of the signature rows, a pair with Jaccard similarity s agrees
on each with chance s, so a pair that agrees on too few rows for the least
similarity that could pass verification (given the two sets' sizes) is
almost surely two unrelated sentences that share a common phrase, and is
dropped; see `screen_pairs`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .arrays import decode_pairs, distinct, take_rows

__all__ = [
    "RECALL_TARGET",
    "SCREEN_RECALL",
    "BandBuffers",
    "CrowdedBuckets",
    "IdenticalRows",
    "ScreenBuffers",
    "ScreenedPairs",
    "agreeing_rows",
    "band_keys",
    "band_pairs",
    "boundary_similarity",
    "candidate_pairs",
    "candidate_probability",
    "choose_bands",
    "equal_rows",
    "identical_rows",
    "least_equal_rows",
    "lsh_curve",
    "screen_pairs",
    "shared_bands",
]

RECALL_TARGET = 0.95
SCREEN_RECALL = 0.999
MAX_BUCKET = 16  # larger buckets yield a star; 64 gave 1.9 times the candidates at 100 MB (README)
_BAND_MULT = np.uint64(0x9E3779B97F4A7C15)
_LOOKUP_BLOCK = 16_384
_HASH_BLOCK = 1 << 16


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


def band_keys(fingerprints: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """A (passages, bands) uint32 array: each band's rows (signature values
    or their `fingerprints`) as one key.

    Passages that agree on a band's rows share its key. Rows that fit in 32
    bits together (two 16-bit fingerprints) are the key as they are;
    otherwise they are hashed to one, and two passages that share a key by
    chance only add a candidate, which the screen or verification drops.
    """
    fingerprints = np.ascontiguousarray(fingerprints[:, : bands * rows])
    if fingerprints.itemsize * rows == 4:
        return fingerprints.view(np.uint32)
    columns = np.ascontiguousarray(fingerprints.T)
    keys = np.zeros((bands, len(fingerprints)), dtype=np.uint64)
    for r in range(rows):
        keys *= _BAND_MULT
        keys ^= columns[r : bands * rows : rows].astype(np.uint64) + np.uint64(r + 1)
    _mix(keys)  # so that the high bits depend on every row
    return np.ascontiguousarray((keys >> np.uint64(32)).astype(np.uint32).T)


def _codes_in_groups(members: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """`pair_codes` of all pairs inside groups up to MAX_BUCKET members, and
    of a star to the first member beyond.

    Each group's members are in ascending order, so every pair comes out as
    (smaller, larger). Codes are made directly from the two halves, without
    the pairs as an array of their own. Small groups are taken a size at a
    time (at most MAX_BUCKET - 1 sizes), crowded ones all at once: at 1000
    MB they come in some 270 sizes a band, and a pass over all buckets per
    size made the codes of 8 bands take 0.88-1.41 s instead of 0.59-1.03 s.
    """
    low = members.astype(np.uint64, copy=False)
    high = low << np.uint64(32)
    small = sizes <= MAX_BUCKET
    out = []
    for size in distinct(sizes[small]).tolist():
        first = starts[sizes == size]
        i, j = np.triu_indices(size, 1)
        out.append((high[first[:, None] + i] | low[first[:, None] + j]).ravel())
    if not small.all():
        spokes = sizes[~small] - 1
        hubs = np.repeat(starts[~small], spokes)
        out.append(high[hubs] | low[hubs + 1 + _ranks(spokes)])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.uint64)


class BandBuffers:
    """Work arrays for `band_pairs`, reused band after band over the same
    passages: a fresh array per band costs more in page faults than the
    sort itself (193 -> 84 ms a band of 8 million passages, measured).
    With `identical`, the band holds one passage for each set of identical
    rows (`IdenticalRows.standing`)."""

    def __init__(self, passages: int, identical: IdenticalRows | None = None):
        self.identical = identical
        self.bits = np.uint64(max(1, (passages - 1).bit_length()))
        self.positions = np.arange(passages, dtype=np.uint64)
        self.packed = np.empty(passages, dtype=np.uint64)
        self.high = np.empty(passages, dtype=np.uint64)
        self.equal = np.empty(max(passages - 1, 0), dtype=bool)


def band_pairs(band: np.ndarray, buffers: BandBuffers | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (as `pair_codes`, i < j) of passages that share a key in one
    band; the passages that sit in a crowded bucket; and those buckets'
    representatives (their first members).

    The band is grouped by one plain sort of 64-bit values holding the key
    above the passage's row number, so the sorted array says both which keys
    are equal and where each came from, without an argsort. A bucket of m
    passages gives m(m-1)/2 pairs when small and m-1 pairs (a star on its
    first member) when larger than MAX_BUCKET, so mass repeats such as
    boilerplate cannot explode into millions of pairs; the members of such
    crowded buckets are returned too, since not all of their pairs were.
    `band` may be a strided column: it is copied into the work array anyway.
    With `buffers.identical`, the band holds one row for each set of
    identical rows, and each bucket proposes what it would with all their
    copies in it, except pairs of identical rows (see `IdenticalRows`).
    """
    n = len(band)
    nothing = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if n < 2:
        return nothing
    if buffers is None or len(buffers.packed) != n:
        buffers = BandBuffers(n)
    bits, packed = buffers.bits, buffers.packed
    packed[:] = band
    packed <<= bits
    packed |= buffers.positions
    packed.sort()
    at, starts, sizes = _equal_runs(np.right_shift(packed, bits, out=buffers.high), buffers.equal)
    if not len(at):
        return nothing
    members = packed[at] & ((np.uint64(1) << bits) - np.uint64(1))  # positions, ascending within a key
    identical = buffers.identical
    if identical is None:
        weights = sizes
        codes = _codes_in_groups(members, starts, sizes)
    else:
        weights = np.add.reduceat(identical.weight[members], starts)
        plain = weights == sizes
        rows = identical.standing[members].astype(np.uint64)
        codes = np.concatenate(
            (
                _codes_in_groups(rows, starts[plain], sizes[plain]),
                _codes_with_copies(members, starts[~plain], sizes[~plain], weights[~plain], identical),
            )
        )
        members = rows
    crowded = weights > MAX_BUCKET
    crowded_rows = members[np.repeat(starts[crowded], sizes[crowded]) + _ranks(sizes[crowded])]
    return codes, crowded_rows.astype(np.int64), members[starts[crowded]].astype(np.int64)


def _equal_runs(values: np.ndarray, equal: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where a sorted array holds runs of two or more equal values: the
    indices of their items, run after run, and each run's start (in those
    indices) and size. `equal` is a work array of len(values) - 1."""
    repeat = np.flatnonzero(np.equal(values[1:], values[:-1], out=equal))  # few: most values are unique
    if not len(repeat):
        return repeat, repeat, repeat
    new_run = np.ones(len(repeat), dtype=bool)
    new_run[1:] = repeat[1:] != repeat[:-1] + 1
    run_of = np.flatnonzero(new_run)
    sizes = np.diff(np.append(run_of, len(repeat))) + 1
    return np.repeat(repeat[run_of], sizes) + _ranks(sizes), np.cumsum(sizes) - sizes, sizes


def _codes_with_copies(
    members: np.ndarray, starts: np.ndarray, sizes: np.ndarray, weights: np.ndarray, identical: IdenticalRows
) -> np.ndarray:
    """`pair_codes` of buckets (of positions in `identical.standing`) that
    hold rows standing for copies, as if every copy were in the bucket
    (`weights` rows in all): all pairs of rows when there are at most
    MAX_BUCKET, otherwise a star on the first, and in either case no pair
    of identical rows, which `IdenticalRows.links` makes once. A crowded
    bucket's first row is not expanded: its copies would only give such pairs.
    """
    if not len(starts):
        return np.zeros(0, dtype=np.uint64)
    member = members[np.repeat(starts, sizes) + _ranks(sizes)].astype(np.int64)
    firsts = np.cumsum(sizes) - sizes  # each bucket's first member, in `member`
    counts = identical.weight[member].astype(np.int64)
    crowded = weights > MAX_BUCKET
    counts[firsts[crowded]] = 1
    label = np.repeat(np.arange(len(member)), counts)  # bucket by bucket, the first row first
    offset = _ranks(counts)
    copy_at = np.maximum(identical.copy_starts[member][label] + offset - 1, 0)
    rows = np.where(offset == 0, identical.standing[member][label], identical.copies[copy_at]).astype(np.uint64)
    expanded = np.add.reduceat(counts, firsts)
    begins = np.cumsum(expanded) - expanded
    out = []
    for size in distinct(expanded[~crowded]).tolist():
        i, j = np.triu_indices(size, 1)
        left, right = (begins[~crowded & (expanded == size)][:, None] + k for k in (i, j))
        keep = label[left] != label[right]
        a, b = rows[left[keep]], rows[right[keep]]
        out.append((np.minimum(a, b) << np.uint64(32)) | np.maximum(a, b))
    if crowded.any():
        spokes = expanded[crowded] - 1
        hubs = np.repeat(begins[crowded], spokes)  # each bucket's smallest row
        out.append((rows[hubs] << np.uint64(32)) | rows[hubs + 1 + _ranks(spokes)])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.uint64)


def _ranks(sizes: np.ndarray) -> np.ndarray:
    """0..size-1 for each size, concatenated."""
    total = int(sizes.sum())
    return np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)


class CrowdedBuckets:
    """For each passage and band: did it sit in a crowded bucket, and was it
    that bucket's representative? One bit each, in two (passages, bytes)
    tables, which may live in memory shared with forked workers.

    With these, whether a band proposed a pair is known exactly: it did when
    the pair shares the band's key, unless the bucket was crowded and
    neither side is its representative.
    """

    def __init__(self, crowded: np.ndarray, representative: np.ndarray, standing_of: np.ndarray | None = None):
        self.crowded = crowded
        self.representative = representative
        self.standing_of = standing_of  # rows banded through another (`IdenticalRows`) share its buckets

    @staticmethod
    def table_shape(passages: int, bands: int) -> tuple[int, int]:
        """Whole 64-bit words of bits per passage, so that rows read as uint64."""
        return passages, 8 * ((bands + 63) // 64)

    def mark(self, band: int, members: np.ndarray, representatives: np.ndarray) -> None:
        bit = np.uint8(1 << (band % 8))
        self.crowded[members, band // 8] |= bit
        self.representative[representatives, band // 8] |= bit

    def proposed_any(self, shared: np.ndarray, pairs: np.ndarray) -> np.ndarray:
        """(pairs,) bool: did any of the bands in `shared` (the first bands'
        columns of `shared_bands`) propose each pair?

        Most pairs share no earlier band, so only the others are looked at,
        64 bands to a word: a shared band proposed the pair unless its bucket
        was crowded (the same bucket for both sides) and the pair is not on its
        star. A representative is its bucket's smallest row, so on a pair
        (i < j) it can only be i.
        """
        packed = np.zeros((len(pairs), self.crowded.shape[1]), dtype=np.uint8)
        if shared.shape[1]:
            packed[:, : (shared.shape[1] + 7) // 8] = np.packbits(shared, axis=1, bitorder="little")
        shared_words = packed.view(np.uint64)
        maybe = np.flatnonzero(shared_words.any(axis=1))
        out = np.zeros(len(pairs), dtype=bool)
        if len(maybe):
            crowded, representative = self.crowded.view(np.uint64), self.representative.view(np.uint64)
            first = pairs[maybe, 0]
            standing = first if self.standing_of is None else self.standing_of[first]
            proposes = ~crowded[standing] | representative[first]
            out[maybe] = (shared_words[maybe] & proposes).any(axis=1)
        return out


class ScreenedPairs:
    """Candidate pairs (as `pair_codes`) that passed the screen in earlier
    band groups, so that later groups can drop them before their
    fingerprints are fetched again.

    A similar pair shares many bands, so it comes back in nearly every
    group of bands, only to be found not new there (an earlier band
    proposed it): at 100 MB, cut into groups of 2 bands, 7.2 of the 8
    million repeats were such pairs. Dropping them changes nothing but the
    work: a pair that passed in an earlier group is not new in a later one.
    Pairs still being screened elsewhere when a group is filtered are simply
    not dropped yet, so the result never depends on timing.
    """

    def __init__(self) -> None:
        self.known = np.zeros(0, dtype=np.uint64)
        self.pending: list[np.ndarray] = []

    def add(self, codes: np.ndarray) -> None:
        """Record sorted codes that passed the screen (each pair passes once)."""
        if len(codes):
            self.pending.append(codes)

    def drop_known(self, codes: np.ndarray) -> np.ndarray:
        """Sorted `codes` without those already recorded."""
        if self.pending:
            # sorted runs, which a stable sort (timsort) merges: 0.5 s for 32 groups growing to
            # 12.8 million codes, against 1.2 s with np.insert (quicksort afresh: 0.26 s a group)
            self.known = np.concatenate((self.known, *self.pending))
            self.known.sort(kind="stable")
            self.pending = []
        known = self.known
        if not len(known) or not len(codes):
            return codes
        # block by block, each against the slice of known codes in its range,
        # which stays in cache: half the time of one search of the whole array
        firsts = range(0, len(codes), _LOOKUP_BLOCK)
        bounds = np.append(np.searchsorted(known, codes[::_LOOKUP_BLOCK]), len(known)).tolist()
        keep = np.ones(len(codes), dtype=bool)
        for lo, start, stop in zip(firsts, bounds, bounds[1:]):
            if start < stop:
                block, part = codes[lo : lo + _LOOKUP_BLOCK], known[start:stop]
                at = np.minimum(np.searchsorted(part, block), len(part) - 1)
                keep[lo : lo + _LOOKUP_BLOCK] = part[at] != block
        return codes[keep]


@dataclass
class IdenticalRows:
    """Sets of rows of a table that are identical (`identical_rows`).

    `standing` holds one row for each set, its first, and every row
    identical to no other (ascending); `weight[k]` is how many rows
    `standing[k]` stands for, itself included, and its copies are
    `copies[copy_starts[k] : copy_starts[k] + weight[k] - 1]` (ascending);
    `standing_of[row]` is the row that stands for `row`; `links` are the
    `pair_codes` (sorted) that join each set's rows as a bucket would: all
    pairs when it holds at most MAX_BUCKET rows, otherwise a star on the first.
    """

    standing: np.ndarray
    weight: np.ndarray
    copy_starts: np.ndarray
    copies: np.ndarray
    standing_of: np.ndarray
    links: np.ndarray


def identical_rows(table: np.ndarray) -> IdenticalRows:
    """The sets of identical rows of a 2-D table (of fingerprints, or of keys).

    Copies of a boilerplate line or of an unedited wire story have identical
    signatures, so they share every band's key: banded as they are, they
    fill one crowded bucket in every band, whose star is made again band
    after band (at 1000 MB, 0.9 million copies of four lines: 76 million
    codes made, and dropped as known, in all). Instead each set is banded
    once, through its first row, and its own links are made once.
    """
    n = len(table)
    bits = np.uint64(max(1, (n - 1).bit_length()))
    packed = _row_hashes(table) >> bits << bits
    packed |= np.arange(n, dtype=np.uint64)
    packed.sort()
    at, starts, sizes = _equal_runs(packed >> bits)
    rows = (packed[at] & ((np.uint64(1) << bits) - np.uint64(1))).astype(np.int64)  # ascending within a set
    firsts = np.repeat(rows[starts], sizes)
    # equal hashes, so almost surely equal rows: any that are not stand alone
    same = np.ones(len(rows), dtype=bool)
    for i in range(0, len(rows), _HASH_BLOCK):
        block = slice(i, i + _HASH_BLOCK)
        same[block] = (take_rows(table, rows[block]) == take_rows(table, firsts[block])).all(axis=1)
    group = np.repeat(np.arange(len(sizes)), sizes)[same]
    counts = np.bincount(group, minlength=len(sizes))
    kept = counts[group] > 1
    rows, firsts, sizes = rows[same][kept], firsts[same][kept], counts[counts > 1]
    starts = np.cumsum(sizes) - sizes
    # row numbers below 2**32 (as in pair codes) in 4 bytes: these arrays live through the comparison
    standing_of = np.arange(n, dtype=np.uint32)
    standing_of[rows] = firsts
    copied = rows != firsts
    is_standing = np.ones(n, dtype=bool)
    is_standing[rows[copied]] = False
    standing = np.flatnonzero(is_standing).astype(np.uint32)
    weight = np.maximum(np.bincount(firsts, minlength=n)[standing], 1).astype(np.uint32)
    copy_order = np.lexsort((rows[copied], firsts[copied]))
    return IdenticalRows(
        standing=standing,
        weight=weight,
        copy_starts=(np.cumsum(weight - 1, dtype=np.uint64) - (weight - 1)).astype(np.uint32),
        copies=rows[copied][copy_order].astype(np.uint32),
        standing_of=standing_of,
        links=distinct(_codes_in_groups(rows.astype(np.uint64), starts, sizes)),
    )


def _row_hashes(table: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row of a 2-D table: the row's 64-bit words
    times random odd constants, summed (one matrix product, 4 times faster
    than a loop over the columns), then mixed."""
    width = table.shape[1] * table.itemsize
    words = width // 8 if width % 8 == 0 else table.shape[1]
    multipliers = _mix(np.arange(1, words + 1, dtype=np.uint64) * _BAND_MULT) | np.uint64(1)
    hashes = np.empty(len(table), dtype=np.uint64)
    for lo in range(0, len(table), _HASH_BLOCK):
        block = np.ascontiguousarray(table[lo : lo + _HASH_BLOCK])
        block = block.view(np.uint64) if width % 8 == 0 else block.astype(np.uint64)
        _mix(np.matmul(block, multipliers, out=hashes[lo : lo + len(block)]))
    return hashes


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, in place: every bit of the result depends on every bit of the value."""
    values ^= values >> np.uint64(30)
    values *= np.uint64(0xBF58476D1CE4E5B9)
    values ^= values >> np.uint64(27)
    values *= np.uint64(0x94D049BB133111EB)
    values ^= values >> np.uint64(31)
    return values


def candidate_pairs(keys: np.ndarray) -> np.ndarray:
    """Distinct (i, j) pairs with i < j that some band proposes, sorted.

    `keys` is a (passages, bands) array from `band_keys`. Rows with the same
    key in every band are banded through the first of them (see
    `identical_rows`), as the pipeline does with identical fingerprints.
    """
    identical = identical_rows(keys)
    buffers = BandBuffers(len(identical.standing), identical)
    standing_keys = keys[identical.standing]
    codes = [identical.links] + [band_pairs(standing_keys[:, band], buffers)[0] for band in range(keys.shape[1])]
    return decode_pairs(distinct(np.concatenate(codes)))


class ScreenBuffers:
    """Work arrays for `equal_rows`, reused for every few thousand pairs a
    process screens: fresh ones each time (10 MB for 16,000 pairs) are
    handed back to the system and faulted in again, 3,700 page faults per
    task of 100,000 pairs, measured at 10 MB."""

    def __init__(self, pairs: int, fingerprints: np.ndarray):
        shape = (pairs, fingerprints.shape[1])
        self.left = np.empty(shape, dtype=fingerprints.dtype)
        self.right = np.empty(shape, dtype=fingerprints.dtype)
        self.equal = np.empty(shape, dtype=bool)


def equal_rows(fingerprints: np.ndarray, pairs: np.ndarray, buffers: ScreenBuffers | None = None) -> np.ndarray:
    """(pairs, rows) bool: which signature rows each pair agrees on (in
    `buffers`, if given and large enough, until they are used again)."""
    if buffers is None or len(pairs) > len(buffers.equal):
        return take_rows(fingerprints, pairs[:, 0]) == take_rows(fingerprints, pairs[:, 1])
    n = len(pairs)
    left = take_rows(fingerprints, pairs[:, 0], buffers.left[:n])
    right = take_rows(fingerprints, pairs[:, 1], buffers.right[:n])
    return np.equal(left, right, out=buffers.equal[:n])


def shared_bands(equal: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(pairs, bands) bool: the first `bands` bands whose every row each pair
    agrees on (so whose key it shares), from `equal_rows`.

    A band of 1, 2, 4 or 8 rows is read as one integer of its flags (bytes
    of 0 or 1), which is all ones exactly when every row agrees: 2.5-4
    times faster than and-ing the rows' columns for 8-63 bands of 2 rows.
    """
    if rows in (1, 2, 4, 8) and equal.dtype == np.bool_ and equal.strides[1] == 1:
        every_row = int.from_bytes(b"\x01" * rows, "little")
        return equal[:, : bands * rows].view(f"<u{rows}") == every_row
    return functools.reduce(np.logical_and, (equal[:, r : bands * rows : rows] for r in range(rows)))


def boundary_similarity(
    a: np.ndarray, b: np.ndarray, threshold: float, containment: float, min_shared: int
) -> np.ndarray:
    """The least Jaccard similarity at which sets of sizes a and b can pass
    verification, or infinity where they never can.

    Verification keeps Jaccard >= threshold, possible only when the smaller
    set is at least `threshold` of the larger, or `containment` of the
    smaller set's shingles, and at least `min_shared`, in the larger: with i
    shared shingles the Jaccard similarity is i / (a + b - i).
    """
    small, large = np.minimum(a, b), np.maximum(a, b)
    shared = np.maximum(np.ceil(containment * small - 1e-9), min_shared)
    with np.errstate(divide="ignore", invalid="ignore"):
        by_containment = np.where(shared <= small, shared / (small + large - shared), np.inf)
        by_jaccard = np.where(small >= threshold * large, threshold, np.inf)
    return np.minimum(by_jaccard, by_containment)


@functools.cache
def least_equal_rows(rows: int, recall: float = SCREEN_RECALL) -> np.ndarray:
    """For similarity s = i / 1000 (i = 0..1000), the most of `rows`
    signature rows that a pair with Jaccard similarity s agrees on with
    probability >= recall: the binomial (rows, s) tail."""
    s = np.linspace(0.0, 1.0, 1001)[1:-1, None]
    k = np.arange(rows + 1)
    log_choose = np.array([math.lgamma(rows + 1) - math.lgamma(i + 1) - math.lgamma(rows - i + 1) for i in k])
    pmf = np.exp(log_choose + k * np.log(s) + (rows - k) * np.log1p(-s))
    at_least = np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1]
    least = (at_least >= recall).sum(axis=1) - 1
    return np.concatenate(([0], least, [rows]))


def screen_pairs(
    agreeing: np.ndarray, rows: int, a: np.ndarray, b: np.ndarray, threshold: float, containment: float, min_shared: int
) -> np.ndarray:
    """Which candidate pairs are worth verifying, given on how many of the
    signature's `rows` each agrees (`agreeing_rows`) and their set sizes a and b.

    A pair that could pass verification has at least its
    `boundary_similarity`; even a pair exactly there agrees on
    `least_equal_rows` of the rows with probability SCREEN_RECALL, and one
    more similar on more. Pairs agreeing on fewer, and pairs whose sizes
    alone rule them out, are dropped. On news, most candidates are unrelated
    sentences that share a common phrase and agree on one band by chance
    (rows far fewer than a match needs); see README, "Screening candidates".
    """
    bound = boundary_similarity(a, b, threshold, containment, min_shared)
    possible = np.isfinite(bound)
    grid = np.floor(np.where(possible, bound, 0.0) * 1000).astype(np.int64)
    return possible & (agreeing >= least_equal_rows(rows)[grid])


def agreeing_rows(flags: np.ndarray) -> np.ndarray:
    """Per pair, on how many rows it agrees, from `equal_rows` (or how many
    of any 2-D bool array's flags are set): bools are bytes of 0 or 1, so 8
    at a time are taken as one uint64. Fewer than 256 flags are summed
    word by word, which adds each byte lane on its own (no lane can reach
    256), and one multiplication gathers the lanes' total in the top byte:
    1.4 times faster on 128 flags than counting the words' set bits, and
    that 1.8 times faster than `sum`."""
    if flags.shape[1] % 8 or not flags.flags.c_contiguous:
        return flags.sum(axis=1)
    words = flags.view(np.uint64)
    if flags.shape[1] > 255:
        return np.bitwise_count(words).sum(axis=1, dtype=np.int64)
    lanes = np.add.reduce(words, axis=1)
    return ((lanes * np.uint64(0x0101010101010101)) >> np.uint64(56)).astype(np.int64)


def lsh_curve(bands: int, rows: int, points: tuple[float, ...] = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)) -> str:
    """P(s) = 1 - (1 - s^r)^b at a few similarities, for --verbose."""
    cells = ", ".join(f"P({s:.1f})={candidate_probability(s, bands, rows):.3f}" for s in points)
    return f"LSH: {bands} bands x {rows} rows; chance that a pair becomes a candidate: {cells}"
