from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.candidates import (
    MAX_BUCKET,
    CrowdedBuckets,
    band_keys,
    band_pairs,
    candidate_pairs,
    candidate_probability,
    choose_bands,
    decode_pairs,
    equal_bands,
    screen_pairs,
    two_band_ratio,
)


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
@given(st.lists(st.lists(st.integers(0, 2), min_size=6, max_size=6), min_size=2, max_size=40))
def test_a_candidate_is_new_only_in_the_first_band_that_proposes_it(rows):
    # The rule the pipeline uses: a pair is new in a group unless an earlier
    # band proposed it; a crowded bucket proposes only its star.
    import dedup.candidates as candidates

    keys = np.array(rows, dtype=np.uint32)  # 6 bands of one row each: keys are the values
    original = candidates.MAX_BUCKET
    candidates.MAX_BUCKET = 3  # so that crowded buckets occur
    try:
        per_band = [band_pairs(keys[:, b]) for b in range(keys.shape[1])]
        proposed = set()
        for codes, _, _ in per_band:
            proposed |= {tuple(p) for p in decode_pairs(codes, len(keys)).tolist()}
        shape = CrowdedBuckets.table_shape(len(keys), keys.shape[1])
        buckets = CrowdedBuckets(np.zeros(shape, np.uint8), np.zeros(shape, np.uint8))
        seen: list[tuple[int, int]] = []
        for band, (codes, members, representatives) in enumerate(per_band):
            buckets.mark(band, members, representatives)
            pairs = decode_pairs(codes, len(keys))
            earlier = buckets.proposed(equal_bands(keys, pairs), pairs, band)
            seen += [tuple(p) for p in pairs[~earlier.any(axis=1)].tolist()]
        assert sorted(seen) == sorted(proposed)  # each proposed pair exactly once
    finally:
        candidates.MAX_BUCKET = original


@pytest.mark.parametrize(("threshold", "containment", "num_perm"), [(0.4, 0.5, 128), (0.5, 0.8, 128), (0.3, 0.5, 256)])
def test_two_bands_are_required_only_where_boundary_pairs_almost_always_share_two(threshold, containment, num_perm):
    bands, rows = choose_bands(min(threshold, containment / (2 - containment)), num_perm)
    ratio = two_band_ratio(threshold, containment, bands, rows)
    assert 0 < ratio <= 1
    for q in (ratio, (ratio + 1) / 2, 1.0):
        lowest = min(threshold, containment * q / (1 + q - containment * q))
        p = lowest**rows
        at_least_two = 1 - (1 - p) ** bands - bands * p * (1 - p) ** (bands - 1)
        assert at_least_two >= 0.95


def test_with_few_bands_one_shared_band_is_always_enough():
    assert two_band_ratio(0.9, 0.9, 10, 12) == float("inf")


def test_screen_drops_pairs_of_similar_length_sharing_one_band_and_pairs_ruled_out_by_size():
    keys = np.array([[1, 2, 3], [1, 9, 9], [1, 2, 8], [5, 9, 7], [5, 6, 6], [4, 4, 4]], dtype=np.uint32)
    sizes = np.array([20, 18, 22, 40, 10, 3])
    pairs = np.array([[0, 1], [0, 2], [3, 4], [3, 5], [4, 5]])
    keys[5] = keys[3]  # 3 and 5 share every band, but 3 shingles can never match 40
    worth = screen_pairs(equal_bands(keys, pairs), pairs, sizes, threshold=0.4, ratio_for_two=0.74, min_shared=8)
    # similar length, one band: dropped; similar length, two bands: kept;
    # a short unit in a long one (ratio 0.25) needs only one band
    assert worth.tolist() == [False, True, True, False, False]
