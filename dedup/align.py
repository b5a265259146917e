"""Extend verified unit pairs into aligned passages, and passages into nodes.

Reuse rarely lines up with one sentence or one paragraph: a statement is
split in two by one outlet and merged by another, a quote runs on over
several sentences. Verified pairs of units that follow each other in the
same two documents (in the same order, with at most `max_gap` unmatched
units between) are joined into one aligned passage, so each side of it is
the maximal reused span. A unit is a row of the passage table; rows of one
document are consecutive and in reading order, and `ordinal` numbers every
unit of its document, including the short ones that were never compared.

Aligned passages that overlap heavily in the same file (by at least
MIN_OVERLAP of the longer one) are one occurrence of the same reuse and
become one node. A short passage inside a much longer one stays a node of
its own: a quote reprinted alone elsewhere and a whole syndicated story that
contains it are two reuses, and gluing them together would put unrelated
quotes from the same story into one cluster.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MIN_OVERLAP", "align_runs", "merge_spans"]

MIN_OVERLAP = 0.5


def align_runs(doc: np.ndarray, ordinal: np.ndarray, pairs: np.ndarray, max_gap: int = 1) -> np.ndarray:
    """Join verified row pairs (i < j) into runs: a (runs, 4) array of
    first and last rows on each side, `[a_first, a_last, b_first, b_last]`.

    A pair continues a run of the same two documents when neither of its rows
    goes back and at least one moves on, by at most `max_gap + 1` units, from
    the run's last rows: one side may stay on the same unit, which is how a
    paragraph printed whole in one place aligns with its sentences printed
    one by one elsewhere. Inside one document the two sides of a run never
    overlap.
    """
    if len(pairs) == 0:
        return np.zeros((0, 4), dtype=np.int64)
    order = np.lexsort((pairs[:, 1], pairs[:, 0], doc[pairs[:, 1]], doc[pairs[:, 0]]))
    pairs = pairs[order]
    a_rows, b_rows = pairs[:, 0].tolist(), pairs[:, 1].tolist()
    a_docs, b_docs = doc[pairs[:, 0]].tolist(), doc[pairs[:, 1]].tolist()
    a_ords, b_ords = ordinal[pairs[:, 0]].tolist(), ordinal[pairs[:, 1]].tolist()
    step = max_gap + 1
    runs: list[list[int]] = []  # [a_first, a_last, b_first, b_last, a_last_ordinal, b_last_ordinal]
    open_runs: list[list[int]] = []
    key = None
    for a, b, a_doc, b_doc, oa, ob in zip(a_rows, b_rows, a_docs, b_docs, a_ords, b_ords):
        if (a_doc, b_doc) != key:
            key, open_runs = (a_doc, b_doc), []
        elif len(open_runs) > 16:
            open_runs = [run for run in open_runs if oa - run[4] <= step]
        for run in open_runs:
            da, db = oa - run[4], ob - run[5]
            if 0 <= da <= step and 0 <= db <= step and da + db > 0 and (a_doc != b_doc or a < run[2]):
                run[1], run[3], run[4], run[5] = a, b, oa, ob
                break
        else:
            run = [a, a, b, b, oa, ob]
            open_runs.append(run)
            runs.append(run)
    return np.array(runs, dtype=np.int64).reshape(-1, 6)[:, :4]


def merge_spans(doc: np.ndarray, first: np.ndarray, last: np.ndarray, start: np.ndarray, end: np.ndarray):
    """Give each span (rows first..last of one document) a node number.

    Spans in the same document whose character overlap is at least
    MIN_OVERLAP of the longer one share a node; a node covers the union of
    its spans. Returns the node of every span and each node's first and last
    row, nodes numbered in reading order.

    Most spans overlap no other span of their document (77% on the 100 MB
    benchmark corpus): each is a node of its own, found with arrays, and only
    the others go through the loop that merges them.
    """
    order = np.lexsort((last, first))
    span_first, span_last = first[order], last[order]
    span_doc, span_start, span_end = doc[span_first], start[span_first], end[span_last]
    shares = _overlapping(span_doc, span_start, span_end)
    lone, overlapping = np.flatnonzero(~shares), np.flatnonzero(shares)
    merged_node_of, merged_creator, merged_first, merged_last = _merge_overlapping(
        span_doc[overlapping].tolist(),
        span_first[overlapping].tolist(),
        span_last[overlapping].tolist(),
        span_start[overlapping].tolist(),
        span_end[overlapping].tolist(),
    )
    # nodes numbered by the position of the span that opened them, as one loop over all spans would
    creator = np.concatenate((lone, overlapping[np.array(merged_creator, dtype=np.int64)]))
    rank = np.argsort(creator, kind="stable")
    number = np.empty(len(creator), dtype=np.int64)
    number[rank] = np.arange(len(creator))
    node_of = np.empty(len(order), dtype=np.int64)
    node_of[order[lone]] = number[: len(lone)]
    node_of[order[overlapping]] = number[len(lone) + np.array(merged_node_of, dtype=np.int64)]
    node_first = np.concatenate((span_first[lone], np.array(merged_first, dtype=np.int64)))[rank]
    node_last = np.concatenate((span_last[lone], np.array(merged_last, dtype=np.int64)))[rank]
    return node_of, node_first, node_last


def _overlapping(doc: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """For spans sorted by document and start: which share characters with
    another span of their document (the one before reaches past its start,
    or the next starts before its end)."""
    n = len(doc)
    if n == 0:
        return np.zeros(0, dtype=bool)
    segments = np.flatnonzero(np.concatenate(([True], doc[1:] != doc[:-1])))
    width = np.maximum.reduceat(end, segments) + 1
    base = np.repeat(np.cumsum(width) - width, np.diff(np.append(segments, n)))  # documents side by side
    start, end = start + base, end + base
    reach = np.maximum.accumulate(end)
    return np.concatenate(([False], reach[:-1] > start[1:])) | np.concatenate((start[1:] < end[:-1], [False]))


def _merge_overlapping(docs: list, firsts: list, lasts: list, starts: list, ends: list):
    """The merging loop over spans in reading order: (node of each span,
    and for each node the index of the span that opened it, its first row
    and its last row)."""
    node_of = [0] * len(firsts)
    creator: list[int] = []
    node_first: list[int] = []
    node_last: list[int] = []
    node_start: list[int] = []
    node_end: list[int] = []
    active: list[int] = []
    current_doc = None
    for s, (d, f, la, s_start, s_end) in enumerate(zip(docs, firsts, lasts, starts, ends)):
        if d != current_doc:
            current_doc, active = d, []
        elif len(active) > 8:
            active = [n for n in active if node_end[n] > s_start]
        for n in active:
            overlap = min(node_end[n], s_end) - max(node_start[n], s_start)
            longer = max(node_end[n] - node_start[n], s_end - s_start)
            if overlap > 0 and overlap >= MIN_OVERLAP * longer:
                if la > node_last[n]:
                    node_last[n], node_end[n] = la, s_end
                node_of[s] = n
                break
        else:
            node_of[s] = len(node_first)
            active.append(len(node_first))
            creator.append(s)
            node_first.append(f)
            node_last.append(la)
            node_start.append(s_start)
            node_end.append(s_end)
    return node_of, creator, node_first, node_last
