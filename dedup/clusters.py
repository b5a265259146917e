"""Group verified pairs into clusters of near-duplicate passages.

Only verified pairs become edges, so an LSH accident can never join two
clusters. A cluster is a connected component of those edges; its
representative is the member with the most verified links (ties go to the
earliest passage), which is the passage the others are compared against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["Group", "group_pairs"]


@dataclass(frozen=True)
class Group:
    """Passage indexes of one cluster, with the similarity of its edges."""

    members: np.ndarray
    representative: int
    mean_similarity: float
    min_similarity: float


def group_pairs(n: int, pairs: np.ndarray, similarity: np.ndarray) -> list[Group]:
    """Connected components of the verified `pairs` among `n` passages.

    Groups come back in order of their earliest passage; passages with no
    verified pair belong to no group.
    """
    if len(pairs) == 0:
        return []
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    degree = np.bincount(pairs.ravel(), minlength=n)
    edge_label = labels[pairs[:, 0]]
    order = np.argsort(edge_label, kind="stable")
    edge_bounds = np.searchsorted(edge_label[order], np.unique(edge_label), side="left")
    edge_groups = dict(zip(np.unique(edge_label), np.split(order, edge_bounds[1:])))

    linked = np.unique(pairs)
    member_label = labels[linked]
    member_order = np.argsort(member_label, kind="stable")
    labels_sorted = member_label[member_order]
    splits = np.flatnonzero(np.diff(labels_sorted)) + 1
    groups = []
    for members in np.split(linked[member_order], splits):
        edges = edge_groups[labels[members[0]]]
        sims = similarity[edges]
        representative = int(members[np.argmax(degree[members])])
        groups.append(Group(members, representative, float(sims.mean()), float(sims.min())))
    groups.sort(key=lambda g: int(g.members[0]))
    return groups
