from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.align import align_runs, merge_spans


def runs(doc, ordinal, pairs, gap=1):
    return align_runs(np.array(doc), np.array(ordinal), np.array(pairs).reshape(-1, 2), gap).tolist()


def test_consecutive_matches_in_two_documents_become_one_passage():
    # rows 0-3 in doc 0, rows 4-7 in doc 1; rows 0,1,2 match 4,5,6 in order
    doc = [0, 0, 0, 0, 1, 1, 1, 1]
    ordinal = [0, 1, 2, 3, 0, 1, 2, 3]
    assert runs(doc, ordinal, [[0, 4], [1, 5], [2, 6]]) == [[0, 2, 4, 6]]


def test_a_gap_of_one_unit_is_bridged_but_not_two():
    doc = [0] * 4 + [1] * 4
    ordinal = [0, 1, 2, 3, 0, 1, 2, 3]
    assert runs(doc, ordinal, [[0, 4], [2, 6]]) == [[0, 2, 4, 6]]
    assert runs(doc, ordinal, [[0, 4], [3, 7]]) == [[0, 0, 4, 4], [3, 3, 7, 7]]


def test_one_paragraph_aligns_with_its_sentences_printed_separately():
    # row 0 (doc 0) is one merged paragraph; rows 1 and 2 (doc 1) are its two halves
    assert runs([0, 1, 1], [0, 0, 1], [[0, 1], [0, 2]]) == [[0, 0, 1, 2]]


def test_going_backwards_starts_a_new_passage():
    doc = [0, 0, 1, 1]
    ordinal = [0, 1, 0, 1]
    assert runs(doc, ordinal, [[0, 3], [1, 2]]) == [[0, 0, 3, 3], [1, 1, 2, 2]]


def test_inside_one_document_the_two_sides_never_overlap():
    # three identical captions in a row: 0~1, 1~2, 0~2
    doc = [0, 0, 0]
    found = runs(doc, [0, 1, 2], [[0, 1], [1, 2], [0, 2]])
    assert found
    for _, a_last, b_first, _ in found:
        assert a_last < b_first


def test_heavily_overlapping_spans_share_a_node_short_ones_inside_long_ones_do_not():
    start = np.array([0, 50, 100, 150, 200])
    end = np.array([40, 90, 140, 190, 240])
    doc = np.zeros(5, dtype=np.int64)
    first = np.array([0, 0, 1, 4])
    last = np.array([3, 2, 1, 4])
    node_of, node_first, node_last = merge_spans(doc, first, last, start, end)
    assert node_of[0] == node_of[1]  # rows 0-3 and 0-2 overlap by 140 of 190 characters
    assert node_of[2] != node_of[0]  # row 1 alone is 40 of 190 characters: a quote inside a story
    assert node_of[3] not in (node_of[0], node_of[2])
    assert node_first[node_of[0]] == 0 and node_last[node_of[0]] == 3


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=2, max_size=40), st.data(), st.integers(1, 6))
def test_aligning_slices_of_whole_documents_gives_the_same_runs(doc_sizes, data, parts):
    from dedup.pipeline import _by_first_document

    doc = np.repeat(np.arange(len(doc_sizes)), doc_sizes)
    if len(doc) < 2:
        return
    ordinal = np.concatenate([np.arange(k) for k in doc_sizes])
    rows = st.integers(0, len(doc) - 1)
    pairs = data.draw(st.lists(st.tuples(rows, rows).filter(lambda p: p[0] < p[1]), min_size=1, max_size=60))
    pairs = np.unique(np.array(pairs), axis=0)
    whole = align_runs(doc, ordinal, pairs)
    pieces = _by_first_document(doc, pairs, parts)
    assert sum(len(p) for p in pieces) == len(pairs)
    assert np.concatenate([align_runs(doc, ordinal, p) for p in pieces]).tolist() == whole.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=1, max_size=6), st.data())
def test_spans_overlapping_nothing_get_the_nodes_one_loop_over_all_spans_gives(doc_sizes, data):
    from dedup.align import _merge_overlapping

    doc = np.repeat(np.arange(len(doc_sizes)), doc_sizes)
    lengths = data.draw(st.lists(st.integers(1, 30), min_size=len(doc), max_size=len(doc)))
    gaps = data.draw(st.lists(st.integers(0, 2), min_size=len(doc), max_size=len(doc)))
    start = np.cumsum(np.array(gaps) + lengths) - lengths  # units in reading order, touching or apart
    end = start + lengths
    rows = [(f, la) for f in range(len(doc)) for la in range(f, len(doc)) if doc[f] == doc[la]]
    spans = data.draw(st.lists(st.sampled_from(rows), min_size=1, max_size=12, unique=True))
    first, last = (np.array(side) for side in zip(*spans))

    node_of, node_first, node_last = merge_spans(doc, first, last, start, end)

    order = np.lexsort((last, first))
    f, la = first[order], last[order]
    loop_node_of, _, loop_first, loop_last = _merge_overlapping(
        doc[f].tolist(), f.tolist(), la.tolist(), start[f].tolist(), end[la].tolist()
    )
    assert node_of[order].tolist() == loop_node_of
    assert node_first.tolist() == loop_first and node_last.tolist() == loop_last


def test_a_span_overlapping_an_earlier_one_but_not_its_neighbour_is_still_merged():
    # A = rows 0-3, B = row 1, C = rows 2-3: C touches B without overlapping it,
    # but covers half of A, so it joins A's node although B comes between them
    start, end = np.array([0, 10, 20, 30]), np.array([10, 20, 30, 40])
    node_of, node_first, node_last = merge_spans(
        np.zeros(4, np.int64), np.array([0, 1, 2]), np.array([3, 1, 3]), start, end
    )
    assert node_of.tolist() == [0, 1, 0]
    assert node_first.tolist() == [0, 1] and node_last.tolist() == [3, 1]
