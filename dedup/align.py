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
    runs: list[list[int]] = []
    open_runs: dict[tuple[int, int], list[list[int]]] = {}
    step = max_gap + 1
    for a, b in pairs.tolist():
        key = (int(doc[a]), int(doc[b]))
        candidates = open_runs.setdefault(key, [])
        for run in candidates:
            da, db = ordinal[a] - ordinal[run[1]], ordinal[b] - ordinal[run[3]]
            forward = 0 <= da <= step and 0 <= db <= step and da + db > 0
            if forward and (key[0] != key[1] or a < run[2]):
                run[1], run[3] = a, b
                break
        else:
            run = [a, a, b, b]
            candidates.append(run)
            runs.append(run)
    return np.array(runs, dtype=np.int64).reshape(-1, 4)


def merge_spans(doc: np.ndarray, first: np.ndarray, last: np.ndarray, start: np.ndarray, end: np.ndarray):
    """Give each span (rows first..last of one document) a node number.

    Spans in the same document whose character overlap is at least
    MIN_OVERLAP of the longer one share a node; a node covers the union of
    its spans. Returns the node of every span and each node's first and last
    row, nodes numbered in reading order.
    """
    node_of = np.zeros(len(first), dtype=np.int64)
    node_first: list[int] = []
    node_last: list[int] = []
    active: list[int] = []
    for s in np.lexsort((last, first)).tolist():
        f, la = int(first[s]), int(last[s])
        active = [n for n in active if doc[node_first[n]] == doc[f] and end[node_last[n]] > start[f]]
        for n in active:
            overlap = min(end[node_last[n]], end[la]) - max(start[node_first[n]], start[f])
            longer = max(end[node_last[n]] - start[node_first[n]], end[la] - start[f])
            if overlap >= MIN_OVERLAP * longer:
                node_last[n] = max(node_last[n], la)
                node_of[s] = n
                break
        else:
            node_of[s] = len(node_first)
            active.append(len(node_first))
            node_first.append(f)
            node_last.append(la)
    return node_of, np.array(node_first, dtype=np.int64), np.array(node_last, dtype=np.int64)
