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
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import NamedTuple

__all__ = ["UNITS", "WRAP_WIDTH", "Span", "split_paragraphs", "split_sentences", "split_units"]

UNITS = ("sentence", "paragraph", "document")

WRAP_WIDTH = 80
_LONG_LINES_ALLOWED = 0.05
_NEWLINE = re.compile(r"\r\n|\r|\n")
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]*[^\W_a-zà-ÿа-яё])|[。！？]+[」』”]*")
_LAST_WORD = re.compile(r"(\w+(?:\.\w+)*)\W*$")
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr gen col lt sgt capt cpl adm gov sen rep rev hon fr inc ltd co corp plc no nos "
    "vs etc al approx dept est fig jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.g i.e a.m p.m "
    "mt ft".split()
)


class Span(NamedTuple):
    """A passage of a document: `text[start:end]`, lines 1-based inclusive."""

    start: int
    end: int
    line_start: int
    line_end: int


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, newline characters excluded."""
    lines = []
    start = 0
    for m in _NEWLINE.finditer(text):
        lines.append((start, m.start()))
        start = m.end()
    if start < len(text):
        lines.append((start, len(text)))
    return lines


def _blocks(text: str, lines: list[tuple[int, int]]) -> list[list[int]]:
    """Runs of consecutive non-blank lines, as lists of line indexes."""
    blocks: list[list[int]] = []
    current: list[int] = []
    for i, (s, e) in enumerate(lines):
        if text[s:e].strip():
            current.append(i)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _is_hard_wrapped(text: str, lines: list[tuple[int, int]], blocks: list[list[int]]) -> bool:
    widths = [len(text[lines[i][0] : lines[i][1]].rstrip()) for block in blocks for i in block]
    long = sum(w > WRAP_WIDTH for w in widths)
    return long <= _LONG_LINES_ALLOWED * len(widths) and any(len(b) > 1 for b in blocks)


def _paragraph_runs(text: str, lines: list[tuple[int, int]], block: list[int], wrapped: bool) -> list[list[int]]:
    if not wrapped or len(block) == 1:
        return [[i] for i in block]
    contents = [text[lines[i][0] : lines[i][1]] for i in block]
    indents = [len(c) - len(c.lstrip()) for c in contents]
    base = min(indents)
    runs: list[list[int]] = []
    for i, indent in zip(block, indents):
        if not runs or indent > base:
            runs.append([i])
        else:
            runs[-1].append(i)
    return runs


def split_paragraphs(text: str) -> list[Span]:
    """Paragraphs of `text`, trimmed of surrounding whitespace, in order."""
    lines = _lines(text)
    blocks = _blocks(text, lines)
    wrapped = _is_hard_wrapped(text, lines, blocks)
    spans = []
    for block in blocks:
        for run in _paragraph_runs(text, lines, block, wrapped):
            first, last = lines[run[0]], lines[run[-1]]
            line = text[first[0] : first[1]]
            start = first[0] + len(line) - len(line.lstrip())
            line = text[last[0] : last[1]]
            end = last[0] + len(line.rstrip())
            spans.append(Span(start, end, run[0] + 1, run[-1] + 1))
    return spans


def _sentence_ends(paragraph: str) -> list[int]:
    ends = []
    for m in _SENTENCE_END.finditer(paragraph):
        if m.group()[0] == ".":
            word = _LAST_WORD.search(paragraph, 0, m.start())
            if word and (word.group(1).lower() in ABBREVIATIONS or len(word.group(1)) == 1):
                continue
        ends.append(m.end())
    return ends


def split_sentences(text: str, paragraphs: list[Span] | None = None, min_words: int = 1) -> list[Span]:
    """Sentences of `text`, found inside its paragraphs, with exact offsets and lines.

    A sentence of fewer than `min_words` space-separated words ("He added.",
    a short quote) is joined to the sentence before it in the same paragraph
    (or the one after, at the start of a paragraph), so that short sentences
    are still compared, as part of their neighbour.
    """
    paragraphs = split_paragraphs(text) if paragraphs is None else paragraphs
    line_starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
    spans = []
    for para in paragraphs:
        body = text[para.start : para.end]
        pieces: list[list[int]] = []
        start = 0
        for end in [*_sentence_ends(body), len(body)]:
            piece = body[start:end]
            if piece.strip():
                first = start + len(piece) - len(piece.lstrip())
                last = first + len(piece.strip())
                short = len(piece.split()) < min_words
                if pieces and (short or pieces[-1][2]):
                    pieces[-1][1:] = [last, short and pieces[-1][2]]
                else:
                    pieces.append([first, last, short])
            start = end
        for first, last, _ in pieces:
            s, e = para.start + first, para.start + last
            spans.append(Span(s, e, bisect_right(line_starts, s), bisect_right(line_starts, e - 1)))
    return spans


def split_units(text: str, unit: str, min_words: int = 1) -> list[Span]:
    """The passages `dedup` compares: sentences, paragraphs or the whole document."""
    paragraphs = split_paragraphs(text)
    if unit == "paragraph":
        return paragraphs
    if unit == "sentence":
        return split_sentences(text, paragraphs, min_words)
    if unit == "document":
        if not paragraphs:
            return []
        first, last = paragraphs[0], paragraphs[-1]
        return [Span(first.start, last.end, first.line_start, last.line_end)]
    raise ValueError(f"unit must be one of {', '.join(UNITS)}")
