"""Split a document into passages with exact offsets and line numbers.

News text arrives in two shapes: one paragraph per line (often with no blank
lines at all), and blank-line-separated blocks that may be hard-wrapped at a
fixed width, with each new paragraph indented (wire copy). The choice is
made per document, not per block: a document is hard-wrapped when almost
none of its lines is longer than `WRAP_WIDTH`, because in a document of long
lines two short lines in a row (a caption printed twice, a sign-off) are
separate paragraphs, not one wrapped paragraph.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["WRAP_WIDTH", "Span", "split_paragraphs"]

WRAP_WIDTH = 80
_LONG_LINES_ALLOWED = 0.05
_NEWLINE = re.compile(r"\r\n|\r|\n")


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
