"""Group verified links between passages into clusters, without chaining.

Only verified links become edges, so an LSH accident can never join two
clusters. A connected component whose members are all linked directly to
its representative (the member with the most links, ties to the earliest)
is one cluster. Any other component was held together by a chain: A~B and
B~C with C not similar to A. Such a component is cut into stars: the
best-linked member takes every still-unassigned neighbour, and so on, so
that every member of every cluster is verified-similar to its
representative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["Group", "group_links"]


@dataclass(frozen=True)
class Group:
    """Node indexes of one cluster, with the similarity of its links."""

    members: np.ndarray
    representative: int
    mean_similarity: float
    min_similarity: float


def _stars(members: list[int], neighbours: dict[int, set[int]]) -> list[tuple[int, list[int]]]:
    """Cut a component into (centre, members) stars, best-linked centre first."""
    unassigned = set(members)
    stars = []
    while unassigned:
        centre = min(unassigned, key=lambda m: (-len(neighbours[m] & unassigned), m))
        taken = sorted((neighbours[centre] & unassigned) | {centre})
        if len(taken) < 2:
            break
        unassigned -= set(taken)
        stars.append((centre, taken))
    return stars


def group_links(n: int, links: np.ndarray, similarity: np.ndarray) -> tuple[list[Group], int]:
    """Clusters of the `n` nodes joined by verified `links`.

    Returns the groups, in order of their earliest node, and how many
    components had to be cut because they were chained.
    """
    if len(links) == 0:
        return [], 0
    graph = coo_matrix((np.ones(len(links)), (links[:, 0], links[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    degree = np.bincount(links.ravel(), minlength=n)
    edge_order = np.argsort(labels[links[:, 0]], kind="stable")
    edge_labels = labels[links[edge_order, 0]]
    edge_split = np.flatnonzero(np.diff(edge_labels)) + 1

    groups: list[Group] = []
    cut = 0
    for edges in np.split(edge_order, edge_split):
        ends = links[edges]
        members = np.unique(ends)
        representative = int(members[np.argmax(degree[members])])
        if degree[representative] == len(members) - 1:
            stars = [(representative, members.tolist())]
        else:
            cut += 1
            neighbours: dict[int, set[int]] = {int(m): set() for m in members}
            for a, b in ends.tolist():
                neighbours[a].add(b)
                neighbours[b].add(a)
            stars = _stars(members.tolist(), neighbours)
        for centre, star in stars:
            inside = np.isin(ends[:, 0], star) & np.isin(ends[:, 1], star)
            sims = similarity[edges[inside]]
            groups.append(Group(np.array(star), centre, float(sims.mean()), float(sims.min())))
    groups.sort(key=lambda g: int(g.members[0]))
    return groups, cut
