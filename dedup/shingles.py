"""Normalise passages into words and hash their word shingles.

Words are runs of Unicode letters and digits after NFKC and case folding, so
punctuation, quotes, dashes and spacing never matter and Cyrillic, Greek or
Arabic text tokenises like English. Scripts written without spaces (Chinese,
Japanese, Thai, Lao, Khmer, Myanmar) give one token per character, so their
shingles are character n-grams instead of one giant token.

Words are hashed all at once, without a Python call per word: the text's
UTF-8 bytes, with every non-word byte zeroed, make one array, and a word's
64-bit hash is the polynomial sum of its bytes (`byte[i] * BASE**i`, wrapping)
mixed with MurmurHash3's 64-bit finaliser. A shingle of k words is then the
array sum of `word_hash[i + j] * MULTIPLIER[j]`, folded to 32 bits.
`shingle_hash` computes the same value for one shingle, which makes it a valid
`hashfunc` for `datasketch.MinHash` and lets the tests prove the batch path
is exact.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from .arrays import distinct

__all__ = ["SHINGLE_HASH", "ShingleSets", "shingle_hash", "shingle_sets", "words"]

SHINGLE_HASH = "polynomial-64 word bytes + fmix64, multiply-add over positions, xor-folded to 32 bits"
MAX_SHINGLE_SIZE = 16
_UNION_CHUNK = 1 << 18  # shingles per sort: 2 MB of keys stay in cache

_NO_SPACE = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\U00020000-\U0003134f"
)
# Combining marks that `\w` does not match but that belong inside words.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06ed\u0900-\u0963\u0966-\u0dff\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
)
_SEPARATOR = "\x00"
# The general tokenizer; `_word_bytes` takes a faster route that gives the same words.
_TOKEN = re.compile(f"(?:[^\\W{_NO_SPACE}]|[{_MARKS}])+|[{_NO_SPACE}]|{_SEPARATOR}")
_NO_SPACE_CHAR = re.compile(f"[{_NO_SPACE}]")
_MARK_CHAR = re.compile(f"[{_MARKS}]")
# ASCII letters, digits, "_" and UTF-8's multi-byte sequences stay, the separator becomes 1, every other byte 0.
_WORD_BYTES = bytes(1 if c == 0 else c if chr(c).isalnum() or c == 95 or c >= 128 else 0 for c in range(256))
_UNIFY = (
    ("\u02bc", "'"),  # modifier letter apostrophe (Ukrainian), a letter to `\w`
    ("\u02bb", "'"),
    ("\u00ad", ""),  # soft hyphen
    ("\u200b", ""),
    ("\u2060", ""),
    ("\ufeff", ""),
)
_MASK64 = (1 << 64) - 1
_ASCII = bytes(range(128))
# Characters beyond ASCII that leave a text in NFKC form and that `lower` folds
# as `casefold` does: Latin-1's letters and signs, typographic quotes and dashes.
# None of them combines with a neighbour under NFKC (all are starters that no
# composition produces or consumes), so a text of ASCII and these is in NFKC.
_PLAIN = frozenset(
    ch
    for ch in map(chr, [*range(0xA1, 0x100), *range(0x2010, 0x2016), *range(0x2018, 0x2020), 0x2022, 0x20AC])
    if unicodedata.normalize("NFKC", ch) == ch and ch.casefold() == ch.lower() and not unicodedata.combining(ch)
) - {char for char, _ in _UNIFY}


def _splitmix64(i: int) -> int:
    z = (i * 0x9E3779B97F4A7C15 + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


MULTIPLIERS = tuple(_splitmix64(j) | 1 for j in range(MAX_SHINGLE_SIZE))
BASE = _splitmix64(MAX_SHINGLE_SIZE) | 1
_INVERSE_BASE = pow(BASE, -1, 1 << 64)
_WORD_BLOCK = 1 << 16  # bytes per block: 1 << 20 hashed 10 MB in 35 ms, this in 24 ms (cache)
_POWER_TABLES: list[np.ndarray] = [np.ones(0, dtype=np.uint64)] * 2


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(33))
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _non_ascii(text: str) -> set[str]:
    """The distinct characters of `text` beyond ASCII: its UTF-8 bytes without
    the ASCII ones are exactly their encodings (7 times faster than a regular
    expression over the text)."""
    return set(text.encode("utf-8", "surrogatepass").translate(None, _ASCII).decode("utf-8", "surrogatepass"))


def normalize(text: str) -> str:
    """NFKC, case folding and apostrophe unification, keeping no offsets.

    Each step runs only when the text needs it: most news text is ASCII, or
    ASCII with a few characters such as curly quotes, dashes or accented
    letters that NFKC leaves as they are and that `lower` folds as
    `casefold` does, and checking is far cheaper than converting (10 MB of
    news with pound signs: 40 -> 27 ms).
    """
    if text.isascii() or _non_ascii(text) <= _PLAIN:
        return text.lower()
    for char, replacement in _UNIFY:
        if char in text:
            text = text.replace(char, replacement)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.casefold()


def _word_bytes(text: str) -> bytes:
    """Normalised `text` as UTF-8 with its words separated by zero bytes, and
    each separator as the one-byte word b"\\x01".

    Words are runs of characters that `\\w` matches (or combining marks).
    Unless the text holds a script written without spaces, they are found
    without a regular expression over the text: the non-word characters that
    occur become zero bytes by translation (2.5 times faster than
    `re.findall` on news text).
    """
    if not text.isascii():
        found = _non_ascii(text)
        if any(_NO_SPACE_CHAR.match(ch) for ch in found):
            text = " ".join(_TOKEN.findall(text))
        else:
            for ch in found:
                if not (ch.isalnum() or _MARK_CHAR.match(ch)):
                    text = text.replace(ch, " ")
    return text.encode("utf-8", "surrogatepass").translate(_WORD_BYTES)


def words(text: str) -> list[str]:
    """The normalised words of `text`, as shingles see them."""
    data = _word_bytes(normalize(text.replace(_SEPARATOR, " ")))
    return [w.decode("utf-8", "surrogatepass") for w in data.split(b"\x00") if w]


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """BASE**i and BASE**-i (mod 2**64) for i < n at least, kept between calls."""
    if len(_POWER_TABLES[0]) < n:
        size = max(n, _WORD_BLOCK)
        for i, base in enumerate((BASE, _INVERSE_BASE)):
            table = np.ones(size, dtype=np.uint64)
            np.multiply.accumulate(np.full(size - 1, base, dtype=np.uint64), out=table[1:])
            _POWER_TABLES[i] = table
    return _POWER_TABLES[0], _POWER_TABLES[1]


def _word_hashes(data: bytes, block: int = _WORD_BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """The 64-bit hash of every word of `data` (runs of nonzero bytes), and
    whether each is a separator (b"\\x01"), whose hash is 0.

    Each byte is weighted by BASE to the power of its position in the block
    (a slice of `data` cut between words), a word's sum is the difference of
    two running totals (4 times faster than `np.add.reduceat` over many short
    words), and multiplying by BASE**-start moves each sum to its word's own
    start. Equal to `_word_hash` of each word.
    """
    b = np.frombuffer(data, dtype=np.uint8)
    n = len(b)
    if n == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=bool)
    in_word = b != 0
    edge = np.empty(n + 1, dtype=bool)
    edge[0], edge[n] = in_word[0], in_word[-1]
    np.not_equal(in_word[1:], in_word[:-1], out=edge[1:n])
    bounds = np.flatnonzero(edge)
    starts, ends = bounds[0::2], bounds[1::2]
    hashes = np.empty(len(starts), dtype=np.uint64)
    lo = first = 0
    while first < len(starts):
        hi = data.find(b"\x00", lo + block) if lo + block < n else -1
        hi = n if hi < 0 else hi
        last = int(np.searchsorted(starts, hi))
        powers, inverses = _powers(hi - lo)
        running = np.zeros(hi - lo + 1, dtype=np.uint64)
        np.cumsum(powers[: hi - lo] * b[lo:hi], out=running[1:])
        local = starts[first:last] - lo
        sums = running[ends[first:last] - lo] - running[local]
        np.multiply(sums, inverses[local], out=hashes[first:last])
        lo, first = hi, last
    hashes = _fmix64(hashes)
    hashes[hashes == 0] = 1
    separator = (b[starts] == 1) & (ends - starts == 1)
    hashes[separator] = 0
    return hashes, separator


def _word_hash(word: bytes) -> int:
    """`_word_hashes` of one word, in plain Python."""
    acc = 0
    for i, byte in enumerate(word):
        acc = (acc + byte * pow(BASE, i, 1 << 64)) & _MASK64
    return int(_fmix64(np.array([acc], dtype=np.uint64))[0]) or 1


def shingle_hash(shingle: Sequence[str]) -> int:
    """32-bit hash of one shingle (a sequence of up to MAX_SHINGLE_SIZE words)."""
    acc = 0
    for word, mult in zip(shingle, MULTIPLIERS, strict=False):
        acc = (acc + _word_hash(word.encode("utf-8", "surrogatepass")) * mult) & _MASK64
    return ((acc >> 32) ^ acc) & 0xFFFFFFFF


class ShingleSets:
    """Sorted, distinct shingle hashes of many passages in one flat array.

    Passage `i` owns `values[indptr[i]:indptr[i + 1]]`; `word_counts[i]` is its
    number of words. A passage shorter than the shingle size is one shingle
    of all its words.
    """

    __slots__ = ("values", "indptr", "word_counts", "_sizes")

    def __init__(self, values: np.ndarray, indptr: np.ndarray, word_counts: np.ndarray):
        self.values = values
        self.indptr = indptr
        self.word_counts = word_counts
        self._sizes: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def __getitem__(self, i: int) -> np.ndarray:
        return self.values[self.indptr[i] : self.indptr[i + 1]]

    def sizes(self) -> np.ndarray:
        """Shingles per passage, computed once: verification asks for them chunk after chunk."""
        if self._sizes is None:
            self._sizes = np.diff(self.indptr)
        return self._sizes

    def take(self, rows: np.ndarray) -> ShingleSets:
        """The sets of `rows`, in that order."""
        sizes = self.sizes()[rows]
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(sizes, out=indptr[1:])
        offsets = np.repeat(self.indptr[rows] - indptr[:-1], sizes) + np.arange(indptr[-1])
        return ShingleSets(self.values[offsets], indptr, self.word_counts[rows])

    def span_unions(self, first: np.ndarray, last: np.ndarray) -> ShingleSets:
        """For each span of consecutive rows first..last, the union of their sets.

        Spans are taken about _UNION_CHUNK shingles at a time, so the
        temporary arrays stay small however many spans there are.
        """
        lo, hi = self.indptr[first], self.indptr[last + 1]
        sizes = hi - lo
        done = np.cumsum(sizes)
        values, counts = [], []
        start = 0
        while start < len(first):
            before = done[start - 1] if start else 0
            stop = max(int(np.searchsorted(done, before + _UNION_CHUNK, side="right")), start + 1)
            part = sizes[start:stop]
            offsets = np.repeat(lo[start:stop] - np.cumsum(part) + part, part) + np.arange(int(part.sum()))
            owner = np.repeat(np.arange(stop - start, dtype=np.uint64), part)
            keys = distinct((owner << np.uint64(32)) | self.values[offsets])
            values.append((keys & np.uint64(0xFFFFFFFF)).astype(np.uint32))
            counts.append(np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=stop - start))
            start = stop
        indptr = np.zeros(len(first) + 1, dtype=np.int64)
        if counts:
            np.cumsum(np.concatenate(counts), out=indptr[1:])
        words = np.cumsum(np.concatenate(([0], self.word_counts)))
        joined = np.concatenate(values) if values else np.zeros(0, dtype=np.uint32)
        return ShingleSets(joined, indptr, words[last + 1] - words[first])

    @staticmethod
    def concat(parts: Sequence[ShingleSets]) -> ShingleSets:
        """One table holding the rows of every part, in order."""
        if not parts:
            return ShingleSets(np.zeros(0, np.uint32), np.zeros(1, np.int64), np.zeros(0, np.int64))
        shift = np.cumsum([0] + [p.indptr[-1] for p in parts[:-1]])
        indptr = np.concatenate([[0]] + [p.indptr[1:] + s for p, s in zip(parts, shift)]).astype(np.int64)
        return ShingleSets(
            np.concatenate([p.values for p in parts]), indptr, np.concatenate([p.word_counts for p in parts])
        )


def shingle_sets(texts: Sequence[str], k: int) -> ShingleSets:
    """Shingle every passage of `texts` with one regex pass and array arithmetic."""
    if not 1 <= k <= MAX_SHINGLE_SIZE:
        raise ValueError(f"shingle size must be in [1, {MAX_SHINGLE_SIZE}]")
    n = len(texts)
    joined = f" {_SEPARATOR} ".join(texts)
    if joined.count(_SEPARATOR) > n - 1:  # a passage holds the separator itself: it becomes a space
        joined = f" {_SEPARATOR} ".join(t.replace(_SEPARATOR, " ") for t in texts)
    hashes, is_sep = _word_hashes(_word_bytes(normalize(joined)))
    unit = np.cumsum(is_sep)[~is_sep]
    hashes = hashes[~is_sep]
    word_counts = np.bincount(unit, minlength=n).astype(np.int64)
    mult = np.array(MULTIPLIERS[:k], dtype=np.uint64)

    m = len(hashes) - k + 1
    if m > 0:
        start = np.flatnonzero(unit[:m] == unit[k - 1 :])
        acc = np.zeros(len(start), dtype=np.uint64)
        for j in range(k):
            acc += hashes[start + j] * mult[j]
        shingle_unit = unit[start]
    else:
        acc = np.zeros(0, dtype=np.uint64)
        shingle_unit = np.zeros(0, dtype=np.int64)

    short = np.flatnonzero((word_counts > 0) & (word_counts < k))
    if len(short):
        first = np.concatenate(([0], np.cumsum(word_counts)))[short]
        short_acc = np.zeros(len(short), dtype=np.uint64)
        for j in range(k - 1):
            take = word_counts[short] > j
            short_acc[take] += hashes[first[take] + j] * mult[j]
        acc = np.concatenate((acc, short_acc))
        shingle_unit = np.concatenate((shingle_unit, short))

    folded = (acc >> np.uint64(32)) ^ (acc & np.uint64(0xFFFFFFFF))
    keys = distinct((shingle_unit.astype(np.uint64) << np.uint64(32)) | folded)
    values = (keys & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    owners = (keys >> np.uint64(32)).astype(np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(owners, minlength=n), out=indptr[1:])
    return ShingleSets(values, indptr, word_counts)
