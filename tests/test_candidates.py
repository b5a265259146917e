from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup.candidates as candidates
from dedup.arrays import decode_pairs, take_rows
from dedup.candidates import (
    MAX_BUCKET,
    SCREEN_RECALL,
    BandBuffers,
    CrowdedBuckets,
    ScreenBuffers,
    ScreenedPairs,
    agreeing_rows,
    band_keys,
    band_pairs,
    boundary_similarity,
    candidate_pairs,
    candidate_probability,
    choose_bands,
    equal_rows,
    identical_rows,
    least_equal_rows,
    screen_pairs,
    shared_bands,
)
from dedup.shingles import ShingleSets
from dedup.signatures import fingerprints, minhash_signatures


@pytest.mark.parametrize("threshold", [0.2, 0.3, 0.4, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("num_perm", [64, 128, 256])
def test_band_split_reaches_the_recall_target_at_the_threshold(threshold, num_perm):
    bands, rows = choose_bands(threshold, num_perm)
    assert bands * rows <= num_perm
    assert candidate_probability(threshold, bands, rows) >= 0.95


def test_recall_split_differs_from_datasketch_default_where_that_misses_half_the_pairs():
    # datasketch's optimiser picks 25 x 5 at 0.5 with 128 permutations: P(0.5) = 0.55.
    assert candidate_probability(0.5, 25, 5) < 0.6
    bands, rows = choose_bands(0.5, 128)
    assert candidate_probability(0.5, bands, rows) >= 0.95


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3), min_size=4, max_size=4), min_size=0, max_size=30))
def test_candidates_are_exactly_the_pairs_sharing_a_band(rows):
    signatures = np.array(rows, dtype=np.uint32).reshape(-1, 4)
    keys = band_keys(signatures, 2, 2)
    expected = {
        (i, j)
        for i, j in itertools.combinations(range(len(rows)), 2)
        if rows[i][:2] == rows[j][:2] or rows[i][2:] == rows[j][2:]
    }
    assert {tuple(p) for p in candidate_pairs(keys).tolist()} == expected


def test_giant_bucket_gives_a_star_not_all_pairs():
    n = 5000
    signatures = np.zeros((n, 4), dtype=np.uint32)
    pairs = candidate_pairs(band_keys(signatures, 2, 2))
    assert len(pairs) == n - 1
    assert set(pairs[:, 0].tolist()) == {0}
    assert n > MAX_BUCKET


def test_no_passages_no_pairs():
    assert candidate_pairs(np.zeros((0, 8), dtype=np.uint32)).shape == (0, 2)
    assert candidate_pairs(np.zeros((1, 8), dtype=np.uint32)).shape == (0, 2)


def test_crowded_buckets_report_all_their_members():
    band = np.array([7] * (MAX_BUCKET + 1) + [1, 1, 2], dtype=np.uint32)
    codes, crowded, representatives = band_pairs(band)
    assert sorted(crowded.tolist()) == list(range(MAX_BUCKET + 1))
    assert representatives.tolist() == [0]
    assert len(codes) == MAX_BUCKET + 1  # the star, and the pair (65, 66)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([6, 70]), st.data())
def test_a_candidate_is_new_only_in_the_first_band_that_proposes_it(bands, data):
    # The rule the pipeline uses: a pair is new in a group unless an earlier
    # band proposed it; a crowded bucket proposes only its star. 70 bands
    # need two 64-bit words of bucket bits per passage.
    row = st.lists(st.integers(0, 2), min_size=bands, max_size=bands)
    keys = np.array(data.draw(st.lists(row, min_size=2, max_size=40)), dtype=np.uint32)  # one row per band
    original = candidates.MAX_BUCKET
    candidates.MAX_BUCKET = 3  # so that crowded buckets occur
    try:
        per_band = [band_pairs(keys[:, b]) for b in range(keys.shape[1])]
        proposed = set()
        for codes, _, _ in per_band:
            proposed |= {tuple(p) for p in decode_pairs(codes).tolist()}
        shape = CrowdedBuckets.table_shape(len(keys), keys.shape[1])
        buckets = CrowdedBuckets(np.zeros(shape, np.uint8), np.zeros(shape, np.uint8))
        seen: list[tuple[int, int]] = []
        for band, (codes, members, representatives) in enumerate(per_band):
            buckets.mark(band, members, representatives)
            pairs = decode_pairs(codes)
            earlier = buckets.proposed_any(shared_bands(equal_rows(keys, pairs), band, 1), pairs)
            seen += [tuple(p) for p in pairs[~earlier].tolist()]
        assert sorted(seen) == sorted(proposed)  # each proposed pair exactly once
    finally:
        candidates.MAX_BUCKET = original


def _bucket_pairs(members: list[int]) -> set[tuple[int, int]]:
    """What one bucket proposes: all pairs when small, else a star on its first."""
    if len(members) <= candidates.MAX_BUCKET:
        return set(itertools.combinations(members, 2))
    return {(members[0], m) for m in members[1:]}


def _identical_sets(keys: np.ndarray) -> list[list[int]]:
    sets: dict[tuple, list[int]] = {}
    for i, row in enumerate(keys.tolist()):
        sets.setdefault(tuple(row), []).append(i)
    return list(sets.values())


# rows drawn from a few distinct ones, so that many are identical
_KEY_TABLES = st.integers(1, 6).flatmap(
    lambda bands: st.lists(st.lists(st.integers(0, 2), min_size=bands, max_size=bands), min_size=1, max_size=4).flatmap(
        lambda distinct_rows: st.lists(st.sampled_from(distinct_rows), min_size=1, max_size=40)
    )
)


@settings(max_examples=150, deadline=None)
@given(_KEY_TABLES, st.sampled_from([3, MAX_BUCKET]))
def test_identical_rows_banded_once_propose_what_each_band_would_between_different_rows(rows, max_bucket):
    # Every band's buckets as they are (a star when crowded), except that
    # identical rows are joined once, as one bucket of them would be.
    keys = np.array(rows, dtype=np.uint32).reshape(len(rows), -1)
    original, candidates.MAX_BUCKET = candidates.MAX_BUCKET, max_bucket
    try:
        got = {tuple(p) for p in candidate_pairs(keys).tolist()}
        identical = _identical_sets(keys)
        same = {pair for members in identical for pair in itertools.combinations(members, 2)}
        expected = {pair for members in identical for pair in _bucket_pairs(members)}
        for band in range(keys.shape[1]):
            buckets: dict[int, list[int]] = {}
            for i, key in enumerate(keys[:, band].tolist()):
                buckets.setdefault(key, []).append(i)
            expected |= {pair for members in buckets.values() for pair in _bucket_pairs(members)} - same
    finally:
        candidates.MAX_BUCKET = original
    assert got == expected


@settings(max_examples=100, deadline=None)
@given(_KEY_TABLES, st.booleans())
def test_identical_rows_are_exactly_the_sets_of_equal_rows_even_when_hashes_collide(rows, collide):
    keys = np.array(rows, dtype=np.uint16).reshape(len(rows), -1)
    original = candidates._row_hashes
    if collide:  # every row the same hash: rows unequal to the first of it must stand alone
        candidates._row_hashes = lambda table: np.zeros(len(table), dtype=np.uint64)
    try:
        found = identical_rows(keys)
    finally:
        candidates._row_hashes = original
    for row, standing in enumerate(found.standing_of.tolist()):
        assert standing <= row and keys[row].tolist() == keys[standing].tolist()
    assert found.standing.tolist() == [r for r, s in enumerate(found.standing_of.tolist()) if r == s]
    for k, first in enumerate(found.standing.tolist()):
        copies = found.copies[found.copy_starts[k] : found.copy_starts[k] + found.weight[k] - 1].tolist()
        assert copies == [r for r, s in enumerate(found.standing_of.tolist()) if s == first and r != first]
    if not collide:  # each set of equal rows stands behind its first
        assert found.standing.tolist() == sorted(members[0] for members in _identical_sets(keys))
    links = {tuple(p) for p in decode_pairs(found.links).tolist()}
    assert all(found.standing_of[i] == found.standing_of[j] for i, j in links)


@settings(max_examples=150, deadline=None)
@given(_KEY_TABLES)
def test_with_identical_rows_a_candidate_is_new_only_in_the_first_band_that_proposes_it(rows):
    # As the pipeline runs it: the links first (no band before them), then
    # the bands over one row per set of identical rows.
    keys = np.array(rows, dtype=np.uint32).reshape(len(rows), -1)
    original, candidates.MAX_BUCKET = candidates.MAX_BUCKET, 3
    try:
        identical = identical_rows(keys)
        buffers = BandBuffers(len(identical.standing), identical)
        standing_keys = keys[identical.standing]
        per_band = [band_pairs(standing_keys[:, b], buffers) for b in range(keys.shape[1])]
        shape = CrowdedBuckets.table_shape(len(keys), keys.shape[1])
        buckets = CrowdedBuckets(np.zeros(shape, np.uint8), np.zeros(shape, np.uint8), identical.standing_of)
        seen = [tuple(p) for p in decode_pairs(identical.links).tolist()]
        for band, (codes, members, representatives) in enumerate(per_band):
            buckets.mark(band, members, representatives)
            pairs = decode_pairs(codes)
            earlier = buckets.proposed_any(shared_bands(equal_rows(keys, pairs), band, 1), pairs)
            seen += [tuple(p) for p in pairs[~earlier].tolist()]
        assert sorted(seen) == sorted(set(seen))  # each pair once
        assert set(seen) == {tuple(p) for p in candidate_pairs(keys).tolist()}
    finally:
        candidates.MAX_BUCKET = original


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 2**63 - 1), unique=True), max_size=5),
    st.sampled_from([1, 2, 3, 16_384]),
    st.data(),
)
def test_screened_pairs_drop_exactly_the_codes_recorded_before(batches, block, data):
    screened, recorded = ScreenedPairs(), set()
    original, candidates._LOOKUP_BLOCK = candidates._LOOKUP_BLOCK, block  # small blocks: many lookups
    try:
        for batch in batches:
            again = data.draw(st.sets(st.sampled_from(sorted(recorded)))) if recorded else set()
            codes = np.array(sorted(set(batch) | again), dtype=np.uint64)
            kept = screened.drop_known(codes)
            assert kept.tolist() == sorted(set(codes.tolist()) - recorded)
            passed = kept[::2]  # some of the new pairs pass the screen
            screened.add(passed)
            recorded |= set(passed.tolist())
    finally:
        candidates._LOOKUP_BLOCK = original


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2), min_size=4, max_size=4), min_size=2, max_size=30))
def test_two_16_bit_fingerprints_are_their_band_key_exactly(rows):
    prints = np.array(rows, dtype=np.uint16)
    keys = band_keys(prints, 2, 2)
    for i, j in itertools.combinations(range(len(rows)), 2):
        for band in range(2):
            same_rows = rows[i][2 * band : 2 * band + 2] == rows[j][2 * band : 2 * band + 2]
            assert (keys[i, band] == keys[j, band]) == same_rows


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2), min_size=6, max_size=6), min_size=2, max_size=20))
def test_shared_bands_are_those_whose_rows_all_agree(rows):
    prints = np.array(rows, dtype=np.uint16)
    pairs = np.array(list(itertools.combinations(range(len(rows)), 2)))
    shared = shared_bands(equal_rows(prints, pairs), 3, 2)
    for (i, j), bands in zip(pairs.tolist(), shared.tolist()):
        assert bands == [rows[i][2 * b : 2 * b + 2] == rows[j][2 * b : 2 * b + 2] for b in range(3)]


@pytest.mark.parametrize("rows", [1, 2, 3, 4, 8])
def test_shared_bands_of_any_width_are_those_whose_rows_all_agree(rows):
    equal = np.random.default_rng(rows).random((300, 8 * rows)) < 0.8
    for bands in (0, 1, 5, 8):
        expected = equal[:, : bands * rows].reshape(300, bands, rows).all(axis=2)
        assert shared_bands(equal, bands, rows).tolist() == expected.tolist()


def test_fingerprints_keep_equal_values_equal_and_single_rows_whole():
    values = np.array([[0, 1, 2**32 - 1], [0, 5, 2**32 - 1]], dtype=np.uint32)
    two = fingerprints(values, rows=2)
    assert two.dtype == np.uint16
    assert (two[0] == two[1]).tolist() == [True, False, True]
    one = fingerprints(np.arange(100_000, dtype=np.uint32)[:, None], rows=1)
    assert one.dtype == np.uint32
    assert len(np.unique(one)) == 100_000  # a bijection: single-row keys keep all 32 bits


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.int64])
def test_take_rows_is_fancy_indexing(dtype):
    table = np.arange(7 * 5, dtype=dtype).reshape(7, 5)
    rows = np.array([6, 0, 0, 3])
    assert np.array_equal(take_rows(table, rows), table[rows])
    assert take_rows(table, np.zeros(0, dtype=np.int64)).shape == (0, 5)
    out = np.empty((4, 5), dtype=dtype)
    assert take_rows(table, rows, out) is out and np.array_equal(out, table[rows])
    with pytest.raises(IndexError):
        take_rows(table, np.array([7]), out[:1])


def test_equal_rows_in_reused_buffers_are_those_of_fresh_arrays():
    rng = np.random.default_rng(3)
    prints = rng.integers(0, 4, size=(50, 16)).astype(np.uint16)
    buffers = ScreenBuffers(8, prints)
    for size in (8, 3, 8, 20):  # 20: more pairs than the buffers hold
        pairs = rng.integers(0, 50, size=(size, 2))
        expected = prints[pairs[:, 0]] == prints[pairs[:, 1]]
        assert np.array_equal(equal_rows(prints, pairs, buffers), expected)


@pytest.mark.parametrize("s", [0.05, 0.2, 1 / 3, 0.4, 0.5, 0.9])
def test_least_equal_rows_is_the_binomial_tail(s):
    rows = 128
    least = int(least_equal_rows(rows)[int(s * 1000)])
    p = int(s * 1000) / 1000

    def at_least(k: int) -> float:
        return sum(math.comb(rows, x) * p**x * (1 - p) ** (rows - x) for x in range(k, rows + 1))

    assert at_least(least) >= SCREEN_RECALL
    assert least == rows or at_least(least + 1) < SCREEN_RECALL


def test_boundary_similarity_is_the_least_jaccard_that_can_pass():
    a = np.array([20, 10, 3, 7, 100])
    b = np.array([20, 40, 40, 7, 10])
    bound = boundary_similarity(a, b, threshold=0.4, containment=0.5, min_shared=8)
    # equal sizes: 10 of 20 contained is Jaccard 1/3; 10 in 40: 8 shared (the floor) of 42;
    # 3 in 40: never; 7 and 7: only by Jaccard; 10 in 100: 8 of 102
    assert bound.tolist() == pytest.approx([1 / 3, 8 / 42, float("inf"), 0.4, 8 / 102])


@settings(max_examples=200, deadline=None)
@given(
    st.sets(st.integers(0, 60), min_size=1, max_size=40),
    st.sets(st.integers(0, 60), min_size=1, max_size=40),
    st.sampled_from([(0.4, 0.5), (0.7, 0.9), (0.2, 0.3)]),
)
def test_every_pair_that_passes_verification_reaches_its_boundary(a, b, thresholds):
    threshold, containment = thresholds
    shared = len(a & b)
    jaccard = shared / len(a | b)
    passes = jaccard >= threshold or (shared / min(len(a), len(b)) >= containment and shared >= 8)
    bound = boundary_similarity(np.array([len(a)]), np.array([len(b)]), threshold, containment, 8)[0]
    if passes:
        assert jaccard >= bound - 1e-12


def test_screen_keeps_boundary_pairs_of_real_signatures_and_drops_chance_meetings():
    rng = np.random.default_rng(7)
    pairs, sizes = [], []
    for n in range(400):
        # 10 of 20 shingles shared (the containment boundary, Jaccard 1/3), or 3 of 20 (a common phrase)
        common = 10 if n % 2 == 0 else 3
        shingles = rng.choice(2**31, size=40 - common, replace=False).astype(np.uint32)
        pairs += [np.sort(shingles[:20]), np.sort(np.concatenate((shingles[:common], shingles[20:])))]
        sizes += [20, 20]
    sets = ShingleSets(np.concatenate(pairs), np.concatenate(([0], np.cumsum(sizes))), np.array(sizes))
    prints = fingerprints(minhash_signatures(sets, 128, 1), rows=2)
    index = np.arange(0, 800, 2)
    kept = screen_pairs(
        agreeing_rows(equal_rows(prints, np.stack((index, index + 1), -1))),
        128,
        np.full(400, 20),
        np.full(400, 20),
        threshold=0.4,
        containment=0.5,
        min_shared=8,
    )
    assert kept[0::2].mean() >= 0.99
    assert kept[1::2].mean() <= 0.01


def test_screen_drops_pairs_ruled_out_by_size():
    sizes_a, sizes_b = np.array([3, 20]), np.array([40, 22])
    kept = screen_pairs(np.array([128, 128]), 128, sizes_a, sizes_b, threshold=0.4, containment=0.5, min_shared=8)
    assert kept.tolist() == [False, True]


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 5), st.sampled_from([8, 12, 128, 248, 256, 1024]), st.integers(0, 2**32 - 1))
def test_counting_set_flags_eight_at_a_time_is_sum(n, width, seed):
    flags = np.random.default_rng(seed).random((n, width)) < 0.3
    assert agreeing_rows(flags).tolist() == flags.sum(axis=1).tolist()
    assert agreeing_rows(np.ones((n, width), dtype=bool)).tolist() == [width] * n
    assert agreeing_rows(flags[:, ::2]).tolist() == flags[:, ::2].sum(axis=1).tolist()
