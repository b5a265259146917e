from __future__ import annotations

import datasketch
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.shingles import ShingleSets, shingle_hash, shingle_sets
from dedup.signatures import minhash_signatures, permutations


def test_permutations_match_datasketch_published_vectors():
    a, b = permutations(4, 1)
    assert a.tolist() == [3582191691, 4270784983, 1892572953, 3715639441]
    assert b.tolist() == [491263, 550290313, 1298508491, 4290846341]


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 2, 127, 128, 1024]))
def test_permutations_are_the_ones_numpy_randomstate_draws(seed, num_perm):
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    mine = permutations(num_perm, seed)
    assert mine[0].tolist() == a.tolist()
    assert mine[1].tolist() == b.tolist()


def test_single_value_matches_datasketch_published_vector():
    m = datasketch.MinHash(4, 1)
    m.update(b"Hello")
    value = np.array([m.hashfunc(b"Hello")], dtype=np.uint32)
    sets = ShingleSets(value, np.array([0, 1]), np.array([1]))
    assert minhash_signatures(sets, 4, 1).tolist() == [[3231258861, 1388533999, 831950533, 1845606703]]


word = st.text(alphabet="abcdefgh", min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(word, min_size=1, max_size=40), min_size=1, max_size=8),
    st.integers(1, 4),
    st.sampled_from([2, 16, 128, 200]),
    st.integers(0, 2**32 - 1),
)
def test_batch_signatures_are_bit_identical_to_datasketch(docs, k, num_perm, seed):
    sets = shingle_sets([" ".join(d) for d in docs], k)
    signatures = minhash_signatures(sets, num_perm, seed)
    for doc, signature in zip(docs, signatures):
        shingles = [tuple(doc[i : i + k]) for i in range(len(doc) - k + 1)] or [tuple(doc)]
        m = datasketch.MinHash(num_perm=num_perm, seed=seed, hashfunc=shingle_hash)
        m.update_batch(shingles)
        assert m.scheme == "affine32"
        assert np.array_equal(m.hashvalues, signature)


def test_chunking_gives_the_same_signatures_as_one_block(monkeypatch):
    texts = [" ".join(f"w{i}{j}" for j in range(300)) for i in range(50)]
    sets = shingle_sets(texts, 3)
    whole = minhash_signatures(sets, 64, 7)
    import dedup.signatures as signatures

    monkeypatch.setattr(signatures, "_SHINGLES_PER_BLOCK", 64)
    assert np.array_equal(whole, minhash_signatures(sets, 64, 7))


@given(st.lists(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=40), min_size=1, max_size=30))
def test_fingerprints_block_by_block_equal_fingerprints_of_the_signatures(values):
    from unittest.mock import patch

    from dedup.signatures import fingerprints, minhash_fingerprints

    sets = ShingleSets(
        np.concatenate([np.unique(np.array(v, dtype=np.uint32)) for v in values]),
        np.cumsum([0] + [len(set(v)) for v in values]),
        np.array([len(v) for v in values]),
    )
    expected = {rows: fingerprints(minhash_signatures(sets, 64, 3, columns=48), rows) for rows in (1, 2)}
    for block in (16, 8192):  # many blocks, and one
        with patch("dedup.signatures._SHINGLES_PER_BLOCK", block):
            for rows in (1, 2):
                found = minhash_fingerprints(sets, 64, 3, 48, rows)
                assert found.flags.c_contiguous and found.dtype == expected[rows].dtype
                assert np.array_equal(found, expected[rows])
