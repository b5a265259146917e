from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.candidates import MAX_BUCKET, band_keys, candidate_pairs, candidate_probability, choose_bands


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
    assert candidate_pairs(np.zeros((8, 0), dtype=np.uint64)).shape == (0, 2)
    assert candidate_pairs(np.zeros((8, 1), dtype=np.uint64)).shape == (0, 2)
