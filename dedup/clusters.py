"""Group verified links between passages into clusters, without chaining.

Only verified links become edges, so an LSH accident can never join two
clusters. A connected component whose members are all linked directly to
its representative (the member with the most links, ties to the earliest)
is one cluster. Any other component was held together by a chain: A~B and
B~C with C not similar to A. Such a component is cut into stars: the
best-linked member takes every still-unassigned neighbour, and so on, so
that every member of every cluster is verified-similar to its
representative. A member the cut leaves out is measured against the
centres of its neighbours' stars, and joins one it matches.

Components are found with array operations (union by minimum label and
pointer jumping), and the common case, a component that is already a star,
never leaves numpy.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["Group", "Measure", "components", "group_links"]

Measure = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class Group:
    """Node indexes of one cluster, with the similarity of its links.
    (Not frozen, like `Member`: 222,534 groups, as at 1 GB, take 0.18 s to make frozen, 0.05 s not.)"""

    members: np.ndarray
    representative: int
    mean_similarity: float
    min_similarity: float


def components(n: int, links: np.ndarray) -> np.ndarray:
    """For each of `n` nodes, the smallest node of its connected component."""
    parent = np.arange(n)
    while len(links):
        a, b = parent[links[:, 0]], parent[links[:, 1]]
        apart = a != b
        if not apart.any():
            break
        np.minimum.at(parent, np.maximum(a, b)[apart], np.minimum(a, b)[apart])
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    return parent


def _cut_chains(
    ends: np.ndarray, similarity: np.ndarray, label: np.ndarray, measure: Measure | None = None
) -> list[Group]:
    """Cut chained components (`label` gives each node's) into stars, best-linked centre first.

    In each component, the next centre is the node with the most
    still-unassigned neighbours (ties to the earliest node), found with a
    lazily updated heap; it takes all those neighbours. Near-linear in the
    number of links, whatever the size of a component. The array work is
    done once for all components (18,878 of them at 1000 MB), the heap
    work one component at a time, so each heap stays small.

    A node can be left out: each of its neighbours went to a star whose
    centre it is not linked to (an exact copy of a passage whose node a
    longer chain took; 3.2% of the linked nodes at 1000 MB). With `measure`,
    each such node is measured against those centres, and joins the star
    of the most similar one that it matches.
    """
    found, inverse = np.unique(ends, return_inverse=True)
    by_component = np.argsort(label[found], kind="stable")
    nodes = found[by_component]  # component by component, each in node order
    rank = np.empty(len(nodes), dtype=np.int64)
    rank[by_component] = np.arange(len(nodes))
    local = rank[inverse].reshape(-1, 2)
    both = np.concatenate((local, local[:, ::-1]))
    both = both[np.lexsort((both[:, 1], both[:, 0]))]
    bounds = np.searchsorted(both[:, 0], np.arange(len(nodes) + 1)).tolist()
    neighbours = both[:, 1].tolist()
    star_of = [-1] * len(nodes)
    star_centre: list[int] = []
    component_bounds = np.flatnonzero(np.diff(label[nodes])) + 1
    for lo, hi in zip([0, *component_bounds.tolist()], [*component_bounds.tolist(), len(nodes)]):
        heap = [(-(bounds[i + 1] - bounds[i]), i) for i in range(lo, hi)]
        heapq.heapify(heap)
        while heap:
            key, centre = heapq.heappop(heap)
            if star_of[centre] >= 0:
                continue
            free = [m for m in neighbours[bounds[centre] : bounds[centre + 1]] if star_of[m] < 0]
            if -len(free) > key:
                heapq.heappush(heap, (-len(free), centre))
                continue
            if not free:
                continue
            for m in (centre, *free):
                star_of[m] = len(star_centre)
            star_centre.append(centre)
    stars = len(star_centre)
    if measure is not None:
        joined, joined_similarity = _join_left_out(nodes, bounds, neighbours, star_of, star_centre, measure)
        local = np.concatenate((local, joined))
        similarity = np.concatenate((similarity, joined_similarity))
    star_of = np.array(star_of)
    assigned = np.flatnonzero(star_of >= 0)
    order = assigned[np.argsort(star_of[assigned], kind="stable")]
    star_firsts = np.flatnonzero(np.diff(star_of[order])) + 1
    star_members = nodes[order]  # star by star, each in node order
    inside = (star_of[local[:, 0]] == star_of[local[:, 1]]) & (star_of[local[:, 0]] >= 0)
    edge_star = star_of[local[inside, 0]]
    edge_order = np.argsort(edge_star, kind="stable")
    firsts = np.searchsorted(edge_star[edge_order], np.arange(stars))
    sims = similarity[inside][edge_order]
    counts = np.diff(np.append(firsts, len(sims)))
    means = np.add.reduceat(sims, firsts) / counts
    lows = np.minimum.reduceat(sims, firsts)
    degree = np.bincount(local[inside].ravel(), minlength=len(nodes))
    # each star's centre: its member with the most links inside it, the earliest on ties
    best = order[np.lexsort((-degree[order], star_of[order]))]
    starts = np.concatenate(([0], star_firsts))
    centres = nodes[best[starts]].tolist() if stars else []
    return [
        Group(star_members[a:b], centre, mean, low)
        for a, b, centre, mean, low in zip(
            starts.tolist(), [*star_firsts.tolist(), len(order)], centres, means.tolist(), lows.tolist()
        )
    ]


def _join_left_out(
    nodes: np.ndarray,
    bounds: list[int],
    neighbours: list[int],
    star_of: list[int],
    star_centre: list[int],
    measure: Measure,
) -> tuple[np.ndarray, np.ndarray]:
    """Put each node the star cut left out into the star of the most similar
    centre among its neighbours' stars that `measure` finds it matches
    (ties to the earliest centre). Returns the new links (node, centre), in
    local numbers, and their similarities."""
    left, centre = [], []
    for node in range(len(star_of)):
        if star_of[node] < 0:
            found = sorted({star_centre[star_of[m]] for m in neighbours[bounds[node] : bounds[node + 1]]})
            left += [node] * len(found)
            centre += found
    left_at, centre_at = np.array(left, dtype=np.int64), np.array(centre, dtype=np.int64)
    similarity = measure(nodes[left_at], nodes[centre_at]) if left else np.zeros(0)
    match = np.flatnonzero(~np.isnan(similarity))
    ranked = match[np.lexsort((match, -similarity[match], left_at[match]))]  # by node, most similar first
    best = ranked[np.unique(left_at[ranked], return_index=True)[1]]
    for at in best.tolist():
        star_of[left[at]] = star_of[centre[at]]
    return np.stack((left_at[best], centre_at[best]), -1), similarity[best]


def group_links(
    n: int, links: np.ndarray, similarity: np.ndarray, measure: Measure | None = None
) -> tuple[list[Group], int]:
    """Clusters of the `n` nodes joined by verified, distinct `links`.

    Returns the groups, in order of their earliest node, and how many
    components had to be cut because they were chained. `measure(a, b)`,
    if given, is the similarity of each pair of nodes (a[i], b[i]), NaN
    where they do not match: nodes the cut leaves out are measured against
    nearby centres with it (see `_cut_chains`).
    """
    if len(links) == 0:
        return [], 0
    label = components(n, links)
    degree = np.bincount(links.ravel(), minlength=n)

    nodes = np.flatnonzero(degree)
    nodes = nodes[np.lexsort((nodes, label[nodes]))]
    node_split = np.flatnonzero(np.diff(label[nodes])) + 1
    firsts = np.concatenate(([0], node_split))
    sizes = np.diff(np.append(firsts, len(nodes)))
    best = np.lexsort((nodes, -degree[nodes], label[nodes]))
    representatives = nodes[best][firsts]
    is_star = degree[representatives] == sizes - 1

    edge_label = label[links[:, 0]]
    edge_order = np.argsort(edge_label, kind="stable")
    edge_firsts = np.concatenate(([0], np.flatnonzero(np.diff(edge_label[edge_order])) + 1))
    sims = similarity[edge_order]
    means = np.add.reduceat(sims, edge_firsts) / np.diff(np.append(edge_firsts, len(sims)))
    minima = np.minimum.reduceat(sims, edge_firsts)

    # a star stays one group; the edges of the other components, in order, are cut together
    ends = firsts + sizes
    star = np.flatnonzero(is_star)
    groups = [
        Group(nodes[a:b], rep, mean, low)
        for a, b, rep, mean, low in zip(
            firsts[star].tolist(),
            ends[star].tolist(),
            representatives[star].tolist(),
            means[star].tolist(),
            minima[star].tolist(),
        )
    ]
    first_nodes = [nodes[firsts[star]]]
    if len(star) < len(firsts):
        edges = edge_order[np.repeat(~is_star, np.diff(np.append(edge_firsts, len(edge_order))))]
        cut = _cut_chains(links[edges], similarity[edges], label, measure)
        groups += cut
        first_nodes.append(np.array([g.members[0] for g in cut]))
    groups = [groups[i] for i in np.argsort(np.concatenate(first_nodes)).tolist()]
    return groups, int((~is_star).sum())
