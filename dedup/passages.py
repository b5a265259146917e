"""Split a document into passages with exact offsets and line numbers.

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

Every pass over the text is one regular expression over the whole document;
Python code then runs once per line or sentence, not per character.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import NamedTuple

__all__ = ["UNITS", "WRAP_WIDTH", "Span", "split_paragraphs", "split_sentences", "split_units"]

UNITS = ("sentence", "paragraph", "document")
WRAP_WIDTH = 80
MAX_UNIT_CHARS = 100_000
_LONG_LINES_ALLOWED = 0.05
_NEWLINE = re.compile(r"\r\n|\r|\n")
# A line's indentation and its content without surrounding spaces; blank lines never match.
_CONTENT = re.compile(r"(?<![^\r\n])([^\S\r\n]*)([^\r\n]*\S)")
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr gen col lt sgt capt cpl adm gov sen rep rev hon fr inc ltd co corp plc no nos "
    "vs etc al approx dept est fig jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.g i.e a.m p.m "
    "mt ft".split()
)
_SENTENCE_END = re.compile("[.!?…]+[\"'”’»)\\]]*(\\s+)(?=[\"'“‘«(\\[]*[^\\W_a-zà-ÿа-яё])")
_LAST_WORD = re.compile(r"(\w+(?:\.\w+)*)\.$")
_CJK_SENTENCE_END = re.compile("[。！？]+[」』”]*")
_SPACE = re.compile(r"\s")
_NOT_SPACE = re.compile(r"\S")


class Span(NamedTuple):
    """A passage of a document: `text[start:end]`, lines 1-based inclusive."""

    start: int
    end: int
    line_start: int
    line_end: int


class _Lines:
    """Where each line of a text starts, to turn offsets into line numbers
    when a text has `\\r` line breaks, which `str.count` cannot follow."""

    def __init__(self, text: str):
        self.starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]

    def span(self, start: int, end: int) -> Span:
        return Span(start, end, bisect_right(self.starts, start), bisect_right(self.starts, end - 1))


def _line_breaks(text: str, start: int, end: int) -> int:
    if "\r" not in text:
        return text.count("\n", start, end)
    return len(_NEWLINE.findall(text, start, end))


def _paragraph_bounds(text: str) -> list[tuple[int, int]]:
    contents = [(m.start(), m.start(2), m.end(2)) for m in _CONTENT.finditer(text)]
    if not contents:
        return []
    long_lines = sum(end - line > WRAP_WIDTH for line, _, end in contents)
    if long_lines > _LONG_LINES_ALLOWED * len(contents):
        return [(start, end) for _, start, end in contents]
    firsts = [0] + [i for i in range(1, len(contents)) if _line_breaks(text, contents[i - 1][2], contents[i][0]) > 1]
    if len(firsts) == len(contents):
        return [(start, end) for _, start, end in contents]
    bounds: list[tuple[int, int]] = []
    for first, after in zip(firsts, [*firsts[1:], len(contents)]):
        block = contents[first:after]
        base = min(start - line for line, start, _ in block)
        bounds.append(block[0][1:])
        for line, start, end in block[1:]:
            if start - line > base:
                bounds.append((start, end))
            else:
                bounds[-1] = (bounds[-1][0], end)
    return bounds


def _spans(text: str, bounds: list[tuple[int, int]]) -> list[Span]:
    """Spans with line numbers, for bounds in reading order."""
    if "\r" in text:
        lines = _Lines(text)
        return [lines.span(start, end) for start, end in bounds]
    spans = []
    line, position = 1, 0
    for start, end in bounds:
        line += text.count("\n", position, start)
        last = line + text.count("\n", start, end)
        spans.append(Span(start, end, line, last))
        line, position = last, end
    return spans


def split_paragraphs(text: str) -> list[Span]:
    """Paragraphs of `text`, trimmed of surrounding whitespace, in order."""
    return _spans(text, _paragraph_bounds(text))


def _ends_sentence(text: str, stop: int) -> bool:
    """False for the full stop of an initial ("J. R.") or a known abbreviation ("Mr.", "U.S.")."""
    if text[stop] != ".":
        return True
    word = _LAST_WORD.search(text, max(0, stop - 24), stop + 1)
    return not word or (len(word.group(1)) > 1 and word.group(1).lower() not in ABBREVIATIONS)


def _sentence_cuts(text: str) -> tuple[list[int], list[int]]:
    """Where each sentence ends, and where the text after it starts."""
    cuts = [(m.start(1), m.end()) for m in _SENTENCE_END.finditer(text) if _ends_sentence(text, m.start())]
    if "。" in text or "！" in text or "？" in text:
        cuts = sorted(cuts + [(m.end(), m.end()) for m in _CJK_SENTENCE_END.finditer(text)])
    return [end for end, _ in cuts], [start for _, start in cuts]


def _is_short(text: str, start: int, end: int, min_words: int) -> bool:
    spaces = text.count(" ", start, end) + text.count("\n", start, end)
    if spaces == 0 and end - start >= 2 * min_words:
        return False  # a script written without spaces
    return spaces + 1 < min_words


def _sentence_bounds(text: str, paragraphs: list[tuple[int, int]], min_words: int) -> list[tuple[int, int]]:
    ends, starts = _sentence_cuts(text)
    bounds: list[tuple[int, int]] = []
    for para_start, para_end in paragraphs:
        first_cut, last_cut = bisect_right(ends, para_start), bisect_left(ends, para_end)
        pieces: list[list] = []
        start = para_start
        for end, after in [*zip(ends[first_cut:last_cut], starts[first_cut:last_cut]), (para_end, para_end)]:
            if end > start:
                short = _is_short(text, start, end, min_words)
                if pieces and (short or pieces[-1][2]):
                    pieces[-1][1:] = [end, short and pieces[-1][2]]
                else:
                    pieces.append([start, end, short])
            start = after
            if start < para_end and text[start].isspace():
                start = _NOT_SPACE.search(text, start, para_end).start()
        bounds.extend((first, last) for first, last, _ in pieces)
    return bounds


def split_sentences(text: str, paragraphs: list[Span] | None = None, min_words: int = 1) -> list[Span]:
    """Sentences of `text`, found inside its paragraphs, with exact offsets and lines.

    A sentence of fewer than `min_words` space-separated words ("He added.",
    a short quote) is joined to the sentence before it in the same paragraph
    (or the one after, at the start of a paragraph), so that short sentences
    are still compared, as part of their neighbour.
    """
    bounds = _paragraph_bounds(text) if paragraphs is None else [(p.start, p.end) for p in paragraphs]
    return _spans(text, _sentence_bounds(text, bounds, min_words))


def _cut_long(text: str, bounds: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Cut units longer than MAX_UNIT_CHARS at spaces, so one huge line cannot
    hold the whole of a file in a single unit."""
    out = []
    for start, end in bounds:
        while end - start > MAX_UNIT_CHARS:
            space = _SPACE.search(text, start + MAX_UNIT_CHARS // 2, start + MAX_UNIT_CHARS)
            cut = space.start() if space else start + MAX_UNIT_CHARS
            out.append((start, cut))
            after = _NOT_SPACE.search(text, cut, end)
            start = after.start() if after else end
        if end > start:
            out.append((start, end))
    return out


def split_units(text: str, unit: str, min_words: int = 1) -> list[Span]:
    """The passages `dedup` compares: sentences, paragraphs or the whole document.

    Units longer than MAX_UNIT_CHARS (a dump with no line breaks) are cut
    into pieces at spaces.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}")
    bounds = _paragraph_bounds(text)
    if unit == "sentence":
        bounds = _sentence_bounds(text, bounds, min_words)
    elif unit == "document" and bounds:
        bounds = [(bounds[0][0], bounds[-1][1])]
    return _spans(text, _cut_long(text, bounds))
