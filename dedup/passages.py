"""Split documents into passages with exact offsets and line numbers.

News text arrives in two shapes: one paragraph per line (often with no blank
lines at all), and blank-line-separated blocks that may be hard-wrapped at a
fixed width, with each new paragraph indented (wire copy). The choice is
made per document, not per block: a document is hard-wrapped when almost
none of its lines is longer than `WRAP_WIDTH`, because in a document of long
lines two short lines in a row (a caption printed twice, a sign-off) are
separate paragraphs, not one wrapped paragraph.

Sentences are found inside paragraphs (never across them): a sentence ends
at `.`, `!`, `?` or `…` (plus any closing quotes or brackets) followed by
space and a capital letter, digit or opening quote, unless the word before
the stop is a known abbreviation or an initial; `。！？` end a sentence
wherever they stand.

A whole batch of documents is split at once: its text becomes one array of
code points, each character gets its classes from a table, and lines,
paragraphs, sentence ends and the joining of short sentences are array
operations over all documents together. Python code runs only for a full
stop after a short word (is it "Mr."?) and for the rare unit longer than
MAX_UNIT_CHARS.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .arrays import distinct, in_sorted

__all__ = [
    "ABBREVIATIONS",
    "UNITS",
    "WRAP_WIDTH",
    "Span",
    "UnitTable",
    "split_documents",
    "split_paragraphs",
    "split_sentences",
    "split_units",
]

UNITS = ("sentence", "paragraph", "document")
WRAP_WIDTH = 80
MAX_UNIT_CHARS = 100_000
GROUP_CHARS = 1 << 20
_LONG_LINES_ALLOWED = 0.05
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr gen col lt sgt capt cpl adm gov sen rep rev hon fr inc ltd co corp plc no nos "
    "vs etc al approx dept est fig jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.g i.e a.m p.m "
    "mt ft".split()
)
_LONGEST_ABBREVIATION = max(map(len, ABBREVIATIONS))
_PLAIN_ABBREVIATIONS = np.sort(
    np.array([int.from_bytes(a.encode(), "big") for a in ABBREVIATIONS if "." not in a], np.uint64)
)
_DOTTED_ABBREVIATIONS = np.sort(  # all of them a letter, a dot, a letter ("u.s")
    np.array([int.from_bytes(a.encode(), "big") for a in ABBREVIATIONS if "." in a], np.uint64)
)
_LAST_WORD = re.compile(r"(\w+(?:\.\w+)*)\Z")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_SPACE = re.compile(r"\s")
_NOT_SPACE = re.compile(r"\S")

# Character classes, one bit each, looked up per code point.
_WORD, _SPACE_BIT, _LOWER, _STOP, _CLOSER, _OPENER, _CJK_STOP, _CJK_CLOSER, _KNOWN = (1 << i for i in range(9))
_CLASS_TABLE = np.zeros(0x110000, dtype=np.uint16)


def _classes_of(char: str) -> int:
    """The class bits of one character, by the same rules as the regular expressions they replace."""
    bits = _KNOWN
    if char.isalnum() or char == "_":
        bits |= _WORD
    if char.isspace():
        bits |= _SPACE_BIT
    if "a" <= char <= "z" or "à" <= char <= "ÿ" or "а" <= char <= "я" or char == "ё":
        bits |= _LOWER
    for chars, bit in (
        (".!?…", _STOP),
        ("\"'”’»)]", _CLOSER),
        ("\"'“‘«([", _OPENER),
        ("。！？", _CJK_STOP),
        ("」』”", _CJK_CLOSER),
    ):
        if char in chars:
            bits |= bit
    return bits


_LATIN1_CLASSES = bytes(_classes_of(chr(point)) & 0xFF for point in range(256))  # all but _KNOWN fit in a byte


def _classes(points: np.ndarray) -> np.ndarray:
    """The class bits of every code point, filling the table for new ones.

    Latin-1 text (a byte a character) is translated through a table of 256
    bytes instead: 0.4 against 2.8 ms a MB, as numpy's gather first widens
    every index to 64 bits.
    """
    if points.dtype == np.uint8:
        return np.frombuffer(points.tobytes().translate(_LATIN1_CLASSES), dtype=np.uint8)
    found = _CLASS_TABLE[points]
    unknown = (found & _KNOWN) == 0
    if unknown.any():
        for point in distinct(points[unknown]).tolist():
            _CLASS_TABLE[point] = _classes_of(chr(point))
        found = _CLASS_TABLE[points]
    return found


class Span(NamedTuple):
    """A passage of a document: `text[start:end]`, lines 1-based inclusive."""

    start: int
    end: int
    line_start: int
    line_end: int


@dataclass
class UnitTable:
    """The units of many documents, one row each, in reading order.

    Offsets are within the unit's own document; `ordinal` numbers the units
    of each document from 0.
    """

    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    line_start: np.ndarray
    line_end: np.ndarray
    ordinal: np.ndarray

    COLUMNS = ("doc", "start", "end", "line_start", "line_end", "ordinal")

    def take(self, rows: np.ndarray) -> UnitTable:
        return UnitTable(*(getattr(self, name)[rows] for name in self.COLUMNS))

    def __len__(self) -> int:
        return len(self.doc)

    def spans(self) -> list[Span]:
        return [
            Span(*row) for row in zip(*(a.tolist() for a in (self.start, self.end, self.line_start, self.line_end)))
        ]


def _first_from(where: np.ndarray, positions: np.ndarray, n: int) -> np.ndarray:
    """For each of `positions`, the first of the sorted `where` at or after it (n if none)."""
    index = np.searchsorted(where, positions)
    found = where[np.minimum(index, len(where) - 1)] if len(where) else np.full(len(positions), n)
    return np.where(index < len(where), found, n)


def _skip(classes: np.ndarray, bit: int, positions: np.ndarray) -> np.ndarray:
    """Move each position past the run of characters of class `bit` it stands
    on (to len(classes) at the end).

    For short runs (stops, quotes), one step per character of the longest
    run, reading the classes only where positions stand.
    """
    n = len(classes)
    positions = positions.copy()
    moving = np.flatnonzero(positions < n)
    while len(moving):
        moving = moving[(classes[positions[moving]] & bit) != 0]
        positions[moving] += 1
        moving = moving[positions[moving] < n]
    return positions


def _run_starts(classes: np.ndarray, bit: int) -> np.ndarray:
    """Where each run of characters of class `bit` begins."""
    found = np.flatnonzero((classes & bit) != 0)  # nonzero of a bool array: 4x faster
    before = found[found > 0] - 1
    starts = np.ones(len(found), dtype=bool)
    starts[len(found) - len(before) :] = (classes[before] & bit) == 0
    return found[starts]


def _lasts(firsts: np.ndarray, n: int) -> np.ndarray:
    """The last index of each run, given where runs of n items begin."""
    return np.append(firsts[1:], n)[: len(firsts)] - 1


def _segment_starts(keys: np.ndarray) -> np.ndarray:
    """True where a run of equal consecutive keys begins."""
    starts = np.ones(len(keys), dtype=bool)
    if len(keys):
        starts[1:] = keys[1:] != keys[:-1]
    return starts


def _code_points(text: str) -> np.ndarray:
    """The code points of `text`, in the narrowest array that holds them: one
    byte each for Latin-1 text, two when nothing lies beyond the Basic
    Multilingual Plane (curly quotes, Cyrillic, CJK), four otherwise, so that
    splitting moves less memory."""
    try:
        return np.frombuffer(text.encode("latin-1"), dtype=np.uint8)
    except UnicodeEncodeError:
        pass
    data = text.encode("utf-16-le", "surrogatepass")
    if len(data) == 2 * len(text):
        return np.frombuffer(data, dtype=np.uint16)
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


class _Batch:
    """The documents of a batch as one array of code points, separated by newlines."""

    def __init__(self, texts: Sequence[str]):
        self.texts = texts
        lengths = np.array([len(t) for t in texts], dtype=np.int64)
        self.offsets = np.concatenate(([0], np.cumsum(lengths + 1)))[:-1]
        self.joined = "\n".join(texts) + "\n"
        self.points = _code_points(self.joined)
        self.classes = _classes(self.points)
        newline = (self.points == 10) | (self.points == 13)
        self.newlines = np.flatnonzero(newline)
        # a line break is \r\n, \r or \n; each is counted at its last character
        crlf = self.newlines[:-1][(self.points[self.newlines[:-1]] == 13) & (self.points[self.newlines[:-1] + 1] == 10)]
        self.breaks = np.setdiff1d(self.newlines, crlf, assume_unique=True)
        self.space = (self.classes & _SPACE_BIT) != 0
        self.text_chars = np.flatnonzero(~self.space)

    def breaks_before(self, positions: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.breaks, positions)

    def next_text(self, positions: np.ndarray) -> np.ndarray:
        """The first non-space character at or after each position."""
        return _first_from(self.text_chars, positions, len(self.points))

    def doc_of(self, positions: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.offsets, positions, side="right") - 1

    def line_of(self, positions: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """1-based line number of each position within its document."""
        return 1 + self.breaks_before(positions) - self.breaks_before(self.offsets[docs])


def _paragraphs(batch: _Batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(doc, start, end) of every paragraph, positions in the joined text."""
    line_ends = batch.newlines
    line_starts = np.concatenate(([0], line_ends + 1))[:-1]
    # first and last non-space character of each line
    content = batch.text_chars
    first = np.searchsorted(content, line_starts)
    last = np.searchsorted(content, line_ends) - 1
    has_content = (first < len(content)) & (first <= last)
    first_at = content[np.minimum(first, len(content) - 1)] if len(content) else first
    has_content &= first_at < line_ends
    line_start = line_starts[has_content]
    c_start = first_at[has_content]
    c_end = content[last[has_content]] + 1 if len(content) else c_start
    if not len(line_start):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    doc = batch.doc_of(line_start)
    lines_per_doc = np.bincount(doc, minlength=len(batch.texts))
    long_per_doc = np.bincount(doc, weights=(c_end - line_start) > WRAP_WIDTH, minlength=len(batch.texts))
    one_per_line = long_per_doc > _LONG_LINES_ALLOWED * lines_per_doc
    new_doc = _segment_starts(doc)
    gap = np.ones(len(line_start), dtype=np.int64) * 2
    gap[1:] = batch.breaks_before(line_start[1:]) - batch.breaks_before(c_end[:-1])
    block_start = new_doc | (gap > 1)
    indent = c_start - line_start
    blocks = np.flatnonzero(block_start)
    base = np.minimum.reduceat(indent, blocks)[np.cumsum(block_start) - 1]
    para_start = block_start | (indent > base) | one_per_line[doc]
    firsts = np.flatnonzero(para_start)
    lasts = _lasts(firsts, len(line_start))
    return doc[firsts], c_start[firsts], c_end[lasts]


def _abbreviation_or_initial(text: str, stop: int) -> bool:
    """Is the full stop at `stop` that of an initial ("J.") or a known abbreviation ("Mr.", "U.S.")?"""
    word = _LAST_WORD.search(text, max(0, stop - 24), stop)
    return bool(word) and (len(word.group(1)) == 1 or word.group(1).lower() in ABBREVIATIONS)


def _not_abbreviations(batch: _Batch, stops: np.ndarray) -> np.ndarray:
    """False for the stops that are the full stop of an initial or a known abbreviation.

    Only a full stop right after 1 to 6 letters can be one. A plain word is
    looked up in ABBREVIATIONS directly. A dotted one ("U.S.") can only be
    one if it is a letter, a dot and a letter, with no word or dotted word
    right before: what `_abbreviation_or_initial` (the definition) finds
    then, looked up the same way.
    """
    keep = np.ones(len(stops), dtype=bool)
    points, classes = batch.points, batch.classes
    word_start = stops.copy()
    moving = np.flatnonzero(points[stops] == 46)
    for _ in range(_LONGEST_ABBREVIATION + 1):
        moving = moving[word_start[moving] > 0]
        moving = moving[(classes[word_start[moving] - 1] & _WORD) != 0]
        word_start[moving] -= 1
    letters = stops - word_start
    maybe = (points[stops] == 46) & (letters >= 1) & (letters <= _LONGEST_ABBREVIATION)
    dotted = maybe & (word_start >= 2)
    dotted[dotted] = (points[word_start[dotted] - 1] == 46) & ((classes[word_start[dotted] - 2] & _WORD) != 0)
    keep[maybe & ~dotted & (letters == 1)] = False
    plain = np.flatnonzero(maybe & ~dotted & (letters > 1))
    keep[plain] = ~in_sorted(_ascii_codes(points, word_start[plain], letters[plain]), _PLAIN_ABBREVIATIONS)
    three = np.flatnonzero(dotted & (letters == 1))  # a letter, a dot, a letter before the stop
    at = stops[three]

    def word_at(offset: int) -> np.ndarray:
        inside = at + offset >= 0
        return inside & ((classes[np.maximum(at + offset, 0)] & _WORD) != 0)

    alone = ~word_at(-4) & ~((points[np.maximum(at - 4, 0)] == 46) & (at >= 4) & word_at(-5))
    codes = _ascii_codes(points, at[alone] - 3, np.full(int(alone.sum()), 3))
    keep[three[alone]] = ~in_sorted(codes, _DOTTED_ABBREVIATIONS)
    for i in three[alone][codes == 0].tolist():  # beyond ASCII (the Kelvin sign lowercases to "k")
        keep[i] = not _abbreviation_or_initial(batch.joined, int(stops[i]))
    return keep


def _ascii_codes(points: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Each lowercased word `points[start:start + length]` (up to 8
    characters) as one integer, a byte per character as in
    `_PLAIN_ABBREVIATIONS`, or 0 for a word with a character beyond ASCII.

    Only letters change under `| 0x20` among the word characters of ASCII,
    so equal codes mean equal lowercased words; of the characters beyond
    ASCII only the Kelvin sign lowercases to an ASCII letter alone ("k"),
    which no plain abbreviation holds.
    """
    codes = np.zeros(len(starts), dtype=np.uint64)
    ascii_only = np.ones(len(starts), dtype=bool)
    for j in range(int(lengths.max(initial=0))):
        inside = lengths > j
        chars = points[starts[inside] + j].astype(np.uint64)
        ascii_only[inside] &= chars < 128
        codes[inside] = (codes[inside] << np.uint64(8)) | chars | np.uint64(0x20)
    codes[~ascii_only] = 0
    return codes


def _sentence_cuts(batch: _Batch) -> tuple[np.ndarray, np.ndarray]:
    """Where each sentence ends, and where the text after it starts, sorted."""
    classes, points, n = batch.classes, batch.points, len(batch.points)
    run = _run_starts(classes, _STOP)
    ends = _skip(classes, _CLOSER, _skip(classes, _STOP, run))
    ok = ends < n
    ok[ok] = batch.space[ends[ok]]
    after = batch.next_text(np.where(ok, ends, n - 1))
    ok &= after < n
    opened = _skip(classes, _OPENER, np.where(ok, after, n - 1))
    ok &= opened < n
    first = opened[ok]
    ok[ok] = ((classes[first] & (_WORD | _LOWER)) == _WORD) & (points[first] != 95)  # a capital letter or digit
    run, ends, after = run[ok], ends[ok], after[ok]
    keep = _not_abbreviations(batch, run)
    ends, after = ends[keep], after[keep]
    cjk_run = _run_starts(classes, _CJK_STOP)
    if len(cjk_run):
        cjk_end = _skip(classes, _CJK_CLOSER, _skip(classes, _CJK_STOP, cjk_run))
        ends, after = np.concatenate((ends, cjk_end)), np.concatenate((after, cjk_end))
        order = np.lexsort((after, ends))
        ends, after = ends[order], after[order]
    return ends, after


def _sentences(batch: _Batch, doc: np.ndarray, p_start: np.ndarray, p_end: np.ndarray, min_words: int):
    """(doc, start, end) of every sentence, short ones joined to a neighbour."""
    ends, after = _sentence_cuts(batch)
    first = np.searchsorted(ends, p_start, side="right")
    last = np.searchsorted(ends, p_end, side="left")
    cuts = np.maximum(last - first, 0)
    # sentences of a paragraph: [p_start, cut 1), [after 1, cut 2), ..., [after k, p_end)
    counts = cuts + 1
    para = np.repeat(np.arange(len(p_start)), counts)
    rank = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    cut_index = first[para] + rank
    is_last = rank == cuts[para]
    is_first = rank == 0
    end = np.where(is_last, p_end[para], ends[np.minimum(cut_index, len(ends) - 1)] if len(ends) else 0)
    previous = np.maximum(cut_index - 1, 0)
    start = np.where(is_first, p_start[para], after[previous] if len(after) else 0)
    shift = ~is_first & (start < p_end[para])
    shift[shift] = batch.space[start[shift]]
    start[shift] = batch.next_text(start[shift])
    keep = end > start
    para, start, end = para[keep], start[keep], end[keep]
    gaps = np.flatnonzero((batch.points == 32) | (batch.points == 10))
    count = np.searchsorted(gaps, end) - np.searchsorted(gaps, start)
    short = (count + 1 < min_words) & ~((count == 0) & (end - start >= 2 * min_words))
    new_para = _segment_starts(para)
    longs = np.cumsum(~short)
    longs_before = longs - (~short) - np.maximum.accumulate(np.where(new_para, longs - (~short), 0))
    piece_start = new_para | (~short & (longs_before > 0))
    firsts = np.flatnonzero(piece_start)
    lasts = _lasts(firsts, len(start))
    return doc[para[firsts]], start[firsts], end[lasts]


def _line_breaks(text: str, end: int) -> int:
    """Line breaks (\\r\\n, \\r or \\n) in text[:end]."""
    if "\r" not in text:
        return text.count("\n", 0, end)
    return sum(1 for _ in _NEWLINE.finditer(text, 0, end))


def _cut_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a unit longer than MAX_UNIT_CHARS at spaces, so one huge line cannot
    hold the whole of a file in a single unit."""
    out = []
    while end - start > MAX_UNIT_CHARS:
        space = _SPACE.search(text, start + MAX_UNIT_CHARS // 2, start + MAX_UNIT_CHARS)
        cut = space.start() if space else start + MAX_UNIT_CHARS
        out.append((start, cut))
        after = _NOT_SPACE.search(text, cut, end)
        start = after.start() if after else end
    if end > start:
        out.append((start, end))
    return out


def _split_group(texts: Sequence[str], unit: str, min_words: int) -> UnitTable:
    """split_documents for a group of documents small enough to hold as arrays."""
    batch = _Batch(texts)
    doc, start, end = _paragraphs(batch)
    if unit == "sentence":
        doc, start, end = _sentences(batch, doc, start, end, min_words)
    elif unit == "document" and len(doc):
        firsts = np.flatnonzero(_segment_starts(doc))
        lasts = _lasts(firsts, len(doc))
        doc, start, end = doc[firsts], start[firsts], end[lasts]
    start, end = start - batch.offsets[doc], end - batch.offsets[doc]
    long = np.flatnonzero(end - start > MAX_UNIT_CHARS)
    if len(long):
        pieces = {i: _cut_long(texts[doc[i]], int(start[i]), int(end[i])) for i in long.tolist()}
        repeat = np.ones(len(doc), dtype=np.int64)
        repeat[long] = [len(pieces[i]) for i in long.tolist()]
        doc, start, end = np.repeat(doc, repeat), np.repeat(start, repeat), np.repeat(end, repeat)
        at = np.cumsum(repeat) - repeat
        for i, cuts in pieces.items():
            start[at[i] : at[i] + len(cuts)] = [s for s, _ in cuts]
            end[at[i] : at[i] + len(cuts)] = [e for _, e in cuts]
    absolute = batch.offsets[doc]
    line_start = batch.line_of(absolute + start, doc)
    line_end = batch.line_of(absolute + end, doc)
    return UnitTable(doc, start, end, line_start, line_end, np.zeros(len(doc), dtype=np.int64))


def _pieces(text: str) -> list[int]:
    """Where to cut a document longer than GROUP_CHARS: at a line break, or
    failing that a space, in the second half of each GROUP_CHARS window."""
    cuts = [0]
    while len(text) - cuts[-1] > GROUP_CHARS:
        low, high = cuts[-1] + GROUP_CHARS // 2, cuts[-1] + GROUP_CHARS
        cut = text.rfind("\n", low, high) + 1 or text.rfind(" ", low, high) + 1 or high
        cuts.append(cut)
    return cuts


def split_documents(texts: Sequence[str], unit: str, min_words: int = 1) -> UnitTable:
    """The passages `dedup` compares in each of `texts`: sentences, paragraphs
    or whole documents, with offsets and line numbers.

    A sentence of fewer than `min_words` space-separated words ("He added.",
    a short quote) is joined to the sentence before it in the same paragraph
    (or the one after, at the start of a paragraph), so that short sentences
    are still compared, as part of their neighbour. Units longer than
    MAX_UNIT_CHARS (a dump with no line breaks) are cut into pieces at spaces.

    Documents are split GROUP_CHARS characters at a time, so memory stays
    bounded: a document longer than that is first cut into pieces at line
    breaks (see `_pieces`), and only next to those cuts can its units differ
    from those of one pass over the whole.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}")
    pieces: list[str] = []
    owners: list[int] = []
    bases: list[int] = []
    lines_before: list[int] = []
    for doc, text in enumerate(texts):
        cuts = _pieces(text) if len(text) > GROUP_CHARS else [0]
        for cut, after in zip(cuts, [*cuts[1:], len(text)]):
            pieces.append(text[cut:after] if len(cuts) > 1 else text)
            owners.append(doc)
            bases.append(cut)
            lines_before.append(_line_breaks(text, cut) if cut else 0)
    tables = []
    first = size = 0
    for i, piece in enumerate(pieces):
        size += len(piece)
        if size >= GROUP_CHARS or i == len(pieces) - 1:
            table = _split_group(pieces[first : i + 1], unit, min_words)
            table.doc += first
            tables.append(table)
            first, size = i + 1, 0
    piece = np.concatenate([t.doc for t in tables]) if tables else np.zeros(0, dtype=np.int64)
    shift = np.array(bases, dtype=np.int64)[piece]
    lines = np.array(lines_before, dtype=np.int64)[piece]
    doc = np.array(owners, dtype=np.int64)[piece]
    index = np.arange(len(doc))
    ordinal = index - np.maximum.accumulate(np.where(_segment_starts(doc), index, 0))

    def column(name: str) -> np.ndarray:
        return np.concatenate([getattr(t, name) for t in tables]) if tables else np.zeros(0, dtype=np.int64)

    return UnitTable(
        doc,
        column("start") + shift,
        column("end") + shift,
        column("line_start") + lines,
        column("line_end") + lines,
        ordinal,
    )


def split_units(text: str, unit: str, min_words: int = 1) -> list[Span]:
    """The passages of one document (see `split_documents`)."""
    return split_documents([text], unit, min_words).spans()


def split_paragraphs(text: str) -> list[Span]:
    """Paragraphs of `text`, trimmed of surrounding whitespace, in order."""
    return split_units(text, "paragraph")


def split_sentences(text: str, min_words: int = 1) -> list[Span]:
    """Sentences of `text`, found inside its paragraphs, with exact offsets and lines."""
    return split_units(text, "sentence", min_words)
