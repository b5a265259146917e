from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.clusters import group_links
from dedup.shingles import ShingleSets
from dedup.verify import jaccard, pair_similarities


def make_sets(groups: list[set[int]]) -> ShingleSets:
    values = [np.array(sorted(g), dtype=np.uint32) for g in groups]
    indptr = np.concatenate(([0], np.cumsum([len(v) for v in values]))).astype(np.int64)
    flat = np.concatenate(values) if values else np.zeros(0, np.uint32)
    return ShingleSets(flat, indptr, np.array([len(g) for g in groups]))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sets(st.integers(0, 40), min_size=1, max_size=30), min_size=2, max_size=12), st.data())
def test_vectorised_similarities_equal_python_sets(groups, data):
    n = len(groups)
    pairs = np.array(data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1)))
    jac, cont = pair_similarities(make_sets(groups), pairs)
    for (a, b), j, c in zip(pairs, jac, cont):
        inter = len(groups[a] & groups[b])
        assert j == inter / len(groups[a] | groups[b])
        assert c == inter / min(len(groups[a]), len(groups[b]))
        assert jaccard(np.array(sorted(groups[a])), np.array(sorted(groups[b]))) == j


def test_groups_are_components_with_representative_and_similarity():
    pairs = np.array([[0, 1], [1, 2], [4, 5]])
    sims = np.array([0.9, 0.5, 1.0])
    groups, cut = group_links(7, pairs, sims)
    assert [g.members.tolist() for g in groups] == [[0, 1, 2], [4, 5]]
    assert groups[0].representative == 1
    assert groups[0].mean_similarity == 0.7 and groups[0].min_similarity == 0.5
    assert groups[1].representative == 4
    assert cut == 0


def test_a_chain_is_cut_so_every_member_is_linked_to_its_representative():
    # 0-1-2-3-4-5: a path. No member may end up with a representative it was never linked to.
    pairs = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]])
    groups, cut = group_links(6, pairs, np.full(5, 0.6))
    assert cut == 1
    linked = {tuple(p) for p in pairs.tolist()} | {tuple(p[::-1]) for p in pairs.tolist()}
    for g in groups:
        assert all(m == g.representative or (m, g.representative) in linked for m in g.members.tolist())
    assert sorted(m for g in groups for m in g.members.tolist()) == [0, 1, 2, 3, 4, 5]


def test_a_node_the_star_cut_leaves_out_joins_a_nearby_centre_it_matches():
    # 0~1~2~3: a short sentence, a longer one, the passage holding it, and an exact copy of
    # that passage. The cut centres 1 (ties to the earliest), which takes 0 and 2; 3 is left
    # out, linked only to 2. Measured against 1, the centre of 2's star, it joins if it matches.
    pairs = np.array([[0, 1], [1, 2], [2, 3]])
    sims = np.array([0.5, 0.5, 1.0])
    asked = []

    def measure(a, b):
        asked.append((a.tolist(), b.tolist()))
        return np.full(len(a), 0.45)

    groups, cut = group_links(4, pairs, sims, measure)
    assert cut == 1 and asked == [([3], [1])]
    ((members, rep, mean, low),) = [
        (g.members.tolist(), g.representative, g.mean_similarity, g.min_similarity) for g in groups
    ]
    assert (members, rep, low) == ([0, 1, 2, 3], 1, 0.45)
    assert mean == np.mean([0.5, 0.5, 1.0, 0.45])  # the new link counts, and so does 2~3, now inside
    # no match (NaN), or no measure at all: it stays out
    for nothing in (lambda a, b: np.full(len(a), np.nan), None):
        groups, _ = group_links(4, pairs, sims, nothing)
        assert [g.members.tolist() for g in groups] == [[0, 1, 2]]


def test_a_left_out_node_joins_the_most_similar_of_the_centres_it_matches():
    # two stars, centred on 0 and 4, each holding a neighbour of 8, which is left out
    pairs = np.array([[0, 1], [0, 2], [0, 3], [4, 5], [4, 6], [4, 7], [3, 8], [7, 8]])
    for similar_to_0, expected in ((0.6, 0), (0.4, 4), (0.5, 0)):

        def measure(a, b, similar_to_0=similar_to_0):
            return np.where(b == 0, similar_to_0, 0.5)

        groups, _ = group_links(9, pairs, np.full(len(pairs), 0.9), measure)
        assert [g.representative for g in groups if 8 in g.members.tolist()] == [expected]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11), st.sampled_from([0.4, 0.6, 1.0])), min_size=1),
    st.sets(st.tuples(st.integers(0, 11), st.integers(0, 11))),
)
def test_every_member_is_linked_or_matched_to_its_representative_and_in_one_group(edges, similar):
    found = {}
    for a, b, s in edges:
        if a != b:
            found.setdefault((min(a, b), max(a, b)), s)
    if not found:
        return
    pairs = np.array(sorted(found))

    def measure(a, b):
        return np.array([0.5 if (x, y) in similar or (y, x) in similar else np.nan for x, y in zip(a, b)])

    groups, _ = group_links(12, pairs, np.array([found[tuple(p)] for p in pairs.tolist()]), measure)
    members = [m for g in groups for m in g.members.tolist()]
    assert len(members) == len(set(members))
    for g in groups:
        rep = g.representative
        assert len(g.members) >= 2 and rep in g.members.tolist()
        for m in g.members.tolist():
            assert m == rep or (min(m, rep), max(m, rep)) in found or (m, rep) in similar or (rep, m) in similar


def test_a_star_stays_one_cluster_however_large():
    n = 10_000
    pairs = np.stack((np.zeros(n - 1, dtype=np.int64), np.arange(1, n)), -1)
    groups, cut = group_links(n, pairs, np.ones(n - 1))
    assert len(groups) == 1 and len(groups[0].members) == n and cut == 0


def test_no_pairs_no_groups():
    assert group_links(3, np.zeros((0, 2), dtype=np.int64), np.zeros(0)) == ([], 0)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.lists(st.tuples(st.integers(0, 39), st.integers(0, 39)), max_size=60))
def test_components_match_a_plain_union_find(n, edges):
    from dedup.clusters import components

    edges = [(a % n, b % n) for a, b in edges]
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    links = np.array(edges, dtype=np.int64).reshape(-1, 2)
    assert components(n, links).tolist() == [find(x) for x in range(n)]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), min_size=1, max_size=14), min_size=1, max_size=6
    ),
    st.data(),
)
def test_chained_components_are_cut_together_exactly_as_one_by_one(graphs, data):
    """`_cut_chains` takes every chained component at once: each must come out as if cut alone."""
    from dedup.clusters import _cut_chains

    parts = []
    for number, edges in enumerate(graphs):
        pairs = np.array(sorted({(min(a, b), max(a, b)) for a, b in edges if a != b} or {(0, 1)}))
        sims = np.array(
            data.draw(st.lists(st.sampled_from([0.4, 0.55, 0.7, 1.0]), min_size=len(pairs), max_size=len(pairs)))
        )
        parts.append((pairs + 8 * number, sims))  # disjoint node ranges, so no two graphs share a node
    label = np.repeat(np.arange(len(parts)), 8)  # each graph one component, as far as cutting is concerned
    alone = [g for pairs, sims in parts for g in _cut_chains(pairs, sims, label)]
    together = _cut_chains(np.concatenate([p for p, _ in parts]), np.concatenate([s for _, s in parts]), label)

    def key(g):
        return (g.members.tolist(), g.representative, g.mean_similarity, g.min_similarity)

    assert sorted(map(key, together)) == sorted(map(key, alone))


def test_a_huge_chain_is_cut_into_valid_stars():
    n = 200_000  # cutting used to be quadratic in the size of the component
    pairs = np.stack((np.arange(n - 1), np.arange(1, n)), -1)
    groups, cut = group_links(n, pairs, np.full(n - 1, 0.5))
    assert cut == 1
    for g in groups[:1000]:
        assert all(abs(int(m) - g.representative) <= 1 for m in g.members)
    assert sum(len(g.members) for g in groups) >= 0.9 * n


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sets(st.integers(0, 60), min_size=1, max_size=30), min_size=2, max_size=12), st.data())
def test_similarities_are_the_same_when_counted_in_small_chunks(groups, data):
    import dedup.verify as verify

    n = len(groups)
    pairs = np.array(data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1)))
    whole = verify.intersection_sizes(make_sets(groups), pairs)
    original, verify._CHUNK = verify._CHUNK, 7
    try:
        assert verify.intersection_sizes(make_sets(groups), pairs).tolist() == whole.tolist()
    finally:
        verify._CHUNK = original
    assert whole.tolist() == [len(groups[a] & groups[b]) for a, b in pairs]
