"""Group verified links between passages into clusters, without chaining.

Only verified links become edges, so an LSH accident can never join two
clusters. A connected component whose members are all linked directly to
its representative (the member with the most links, ties to the earliest)
is one cluster. Any other component was held together by a chain: A~B and
B~C with C not similar to A. Such a component is cut into stars: the
best-linked member takes every still-unassigned neighbour, and so on, so
that every member of every cluster is verified-similar to its
representative.

Components are found with array operations (union by minimum label and
pointer jumping), and the common case, a component that is already a star,
never leaves numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Group", "components", "group_links"]


@dataclass(frozen=True)
class Group:
    """Node indexes of one cluster, with the similarity of its links."""

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


def _cut_chain(ends: np.ndarray, similarity: np.ndarray) -> list[Group]:
    neighbours: dict[int, set[int]] = {}
    for a, b in ends.tolist():
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    groups = []
    for centre, star in _stars(sorted(neighbours), neighbours):
        inside = np.isin(ends[:, 0], star) & np.isin(ends[:, 1], star)
        sims = similarity[inside]
        groups.append(Group(np.array(star), centre, float(sims.mean()), float(sims.min())))
    return groups


def group_links(n: int, links: np.ndarray, similarity: np.ndarray) -> tuple[list[Group], int]:
    """Clusters of the `n` nodes joined by verified, distinct `links`.

    Returns the groups, in order of their earliest node, and how many
    components had to be cut because they were chained.
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

    groups: list[Group] = []
    edge_groups = np.split(edge_order, edge_firsts[1:])
    for members, rep, star, mean, low, edges in zip(
        np.split(nodes, node_split),
        representatives.tolist(),
        is_star.tolist(),
        means.tolist(),
        minima.tolist(),
        edge_groups,
    ):
        if star:
            groups.append(Group(members, rep, mean, low))
        else:
            groups += _cut_chain(links[edges], similarity[edges])
    groups.sort(key=lambda g: int(g.members[0]))
    return groups, int((~is_star).sum())
