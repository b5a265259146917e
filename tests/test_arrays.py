from __future__ import annotations

import mmap

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.arrays import GrowingArray, in_sorted


@pytest.mark.parametrize("width", [None, 3])
@given(sizes=st.lists(st.integers(0, 5000), max_size=12))
def test_appended_parts_read_back_as_their_concatenation(width, sizes):
    rng = np.random.default_rng(len(sizes))
    shape = (lambda n: (n, width)) if width else (lambda n: (n,))
    parts = [rng.integers(0, 2**16, shape(n), dtype=np.uint16) for n in sizes]
    grown = GrowingArray(np.uint16, width)
    for part in parts:
        grown.append(part)
    expected = np.concatenate(parts) if parts else np.zeros(shape(0), dtype=np.uint16)
    assert grown.array().dtype == np.uint16
    assert np.array_equal(grown.array(), expected) and grown.array().shape == expected.shape


class _FixedMap(mmap.mmap):
    """A map that cannot grow, as on systems without mremap."""

    def resize(self, size):
        raise SystemError("mmap: resizing not available--no mremap()")


def test_where_a_map_cannot_grow_in_place_it_is_copied_to_a_larger_one(monkeypatch):
    maps = []
    monkeypatch.setattr("dedup.arrays._anonymous_map", lambda size: maps.append(size) or _FixedMap(-1, size))
    grown = GrowingArray(np.int64)
    parts = [np.arange(i * 1000, (i + 1) * 1000) for i in range(40)]
    for part in parts:
        grown.append(part)
    assert np.array_equal(grown.array(), np.concatenate(parts))
    assert len(maps) > 5  # it did grow, map by map


@given(st.lists(st.integers(0, 40), max_size=30), st.sets(st.integers(0, 40), min_size=1, max_size=10))
def test_in_sorted_is_isin(values, table):
    values, table = np.array(values, dtype=np.uint64), np.array(sorted(table), dtype=np.uint64)
    assert in_sorted(values, table).tolist() == np.isin(values, table).tolist()
