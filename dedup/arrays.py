"""Small array helpers shared by the stages."""

from __future__ import annotations

import mmap

import numpy as np

__all__ = [
    "GrowingArray",
    "decode_pairs",
    "distinct",
    "distinct_pairs",
    "distinct_per_group",
    "in_sorted",
    "pair_codes",
    "take_rows",
]


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values: `np.unique` without its hash table.

    numpy 2's `np.unique` builds a hash table first, which measured 60 times
    slower than sorting on millions of 64-bit keys, and imports `numpy.ma`
    on its first call (22 ms in every worker process).
    """
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def in_sorted(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Which `values` are in the sorted, non-empty `table`: `np.isin` by
    binary search, without the import of `numpy.ma` that `np.isin` makes on
    its first call (22 ms in every worker process)."""
    return table[np.minimum(np.searchsorted(table, values), len(table) - 1)] == values


def pair_codes(pairs: np.ndarray) -> np.ndarray:
    """One uint64 per (i, j) row of row numbers below 2**32: (i << 32) | j,
    so that sorting codes sorts pairs, and `decode_pairs` undoes it with shifts."""
    return (pairs[:, 0].astype(np.uint64) << np.uint64(32)) | pairs[:, 1].astype(np.uint64)


def decode_pairs(codes: np.ndarray) -> np.ndarray:
    """(i, j) rows from `pair_codes`."""
    return np.stack(((codes >> np.uint64(32)).astype(np.int64), (codes & np.uint64(0xFFFFFFFF)).astype(np.int64)), -1)


def distinct_pairs(pairs: np.ndarray) -> np.ndarray:
    """The distinct rows of an (n, 2) array of row numbers below 2**32, sorted."""
    return decode_pairs(distinct(pair_codes(pairs)))


def distinct_per_group(group: np.ndarray, values: np.ndarray, groups: int) -> np.ndarray:
    """How many distinct values (below 2**32) each of `groups` groups holds,
    given each item's group and value."""
    pairs = distinct((group.astype(np.uint64) << np.uint64(32)) | values.astype(np.uint64))
    return np.bincount((pairs >> np.uint64(32)).astype(np.int64), minlength=groups)


def take_rows(table: np.ndarray, rows: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """table[rows] for a 2-D table, each row copied as one block of bytes:
    3-5 times faster than numpy's item-by-item gather for narrow items
    (measured on 128 two-byte fingerprints per row). Into `out` (C-ordered,
    of the table's type and width, len(rows) rows) if given, with the rows
    checked here: numpy checks them by copying through a buffer, which
    took 2.5 times as long."""
    table = np.ascontiguousarray(table)
    block = np.dtype((np.void, table.shape[1] * table.itemsize))
    blocks = table.view(block).reshape(len(table))
    if out is not None:
        if len(rows) and not 0 <= rows.min() <= rows.max() < len(table):
            raise IndexError("row out of range")
        np.take(blocks, rows, out=out.view(block).reshape(len(rows)), mode="clip")
        return out
    return np.take(blocks, rows).view(table.dtype).reshape(len(rows), table.shape[1])


def _anonymous_map(size: int) -> mmap.mmap:
    if hasattr(mmap, "MAP_PRIVATE"):
        return mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    return mmap.mmap(-1, size)


class GrowingArray:
    """An array (of rows of `width` items, if given) built by appending parts.

    The parts go into one anonymous memory map that grows in place (mremap
    on Linux; elsewhere a larger map and one copy), so each part is copied
    once, as it arrives, and there is no join at the end that would need the
    parts and the whole in memory at once.
    """

    def __init__(self, dtype: type | np.dtype, width: int | None = None):
        self.dtype = np.dtype(dtype)
        self.width = width
        self._map = _anonymous_map(mmap.PAGESIZE)
        self._used = 0

    def append(self, part: np.ndarray) -> None:
        data = np.ascontiguousarray(part, dtype=self.dtype)
        end = self._used + data.nbytes
        if end > len(self._map):
            size = max(end, 2 * len(self._map))
            try:
                self._map.resize(size)
            except (OSError, SystemError):
                bigger = _anonymous_map(size)
                bigger[: self._used] = self._map[: self._used]
                self._map = bigger
        self._map[self._used : end] = data.reshape(-1).view(np.uint8)
        self._used = end

    def array(self) -> np.ndarray:
        """Everything appended, as one array (no copy); append no more after this."""
        items = self._used // self.dtype.itemsize
        out = np.frombuffer(self._map, dtype=self.dtype, count=items)
        return out.reshape(-1, self.width) if self.width is not None else out
