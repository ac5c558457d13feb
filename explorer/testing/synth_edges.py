"""Edges of synthetic graphs: ``extracted_from`` hubs, typed relations, second relations, notes.

- Every non-paper entity is ``extracted_from`` exactly one paper, chosen with a Zipf-like
  popularity, so that a few papers are hubs (thousands of entities in a 1M graph).
- The typed edges (:data:`~explorer.testing.synth_model.RELATIONS`) join suitable kinds, with
  endpoints drawn with Zipf-like weights (a static preferential attachment), targets more
  skewed than sources, so the degree distribution is heavy-tailed; a share of the edges of
  each relation stays within the entities extracted from the same paper.
- About 3 % of the typed pairs get a second edge ``associated_with`` (same or opposite
  direction); no self loops and no repeated ``(source, target, relation)`` triple.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> kind = rng.permutation(np.repeat(np.arange(len(KINDS)), [30, 25, 15, 15, 10, 5]))
>>> fitness, paper_of = extracted_from(kind, rng)
>>> bool((kind[paper_of[paper_of >= 0]] == PAPER).all()), int((paper_of >= 0).sum())
(True, 85)
>>> src, dst, rel = typed_edges(Edges(kind, paper_of, fitness, np.zeros(100, int), rng),
...                             100, 300, rng)
>>> len(src), bool((src != dst).all())
(300, True)
"""

from __future__ import annotations

import numpy as np

from .synth_model import (
    EDGE_NOTES,
    KINDS,
    MULTI_EDGE_SHARE,
    PAPER,
    RELATION_NAMES,
    RELATIONS,
    SECOND,
    SOURCE_SKEW,
    TARGET_SKEW,
)
from .synth_sampling import draw, sampler, split_counts, zipf_weights

__all__ = ["Edges", "extracted_from", "note_codes", "note_vocabulary", "typed_edges",
           "unique_triples"]


def extracted_from(kind: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each entity's popularity within its kind, and the paper it comes from.

    Returns the Zipf-like weights and, per entity, the row of its paper (-1 for papers).
    """
    n = len(kind)
    fitness = np.empty(n)
    for i in range(len(KINDS)):
        rows = np.flatnonzero(kind == i)
        fitness[rows] = zipf_weights(len(rows), TARGET_SKEW, rng)
    papers = np.flatnonzero(kind == PAPER)
    paper_of = np.full(n, -1, dtype=np.int64)
    extracted = np.flatnonzero(kind != PAPER)
    paper_of[extracted] = papers[draw(sampler(fitness[papers]), len(extracted), rng)]
    return fitness, paper_of


class Edges:
    """Typed edges drawn by relation, with endpoint sampling shared across relations."""

    def __init__(
        self,
        kind: np.ndarray,
        paper_of: np.ndarray,
        fitness: np.ndarray,
        year: np.ndarray,
        rng: np.random.Generator,
    ) -> None:
        self.kind = kind
        self.paper_of = paper_of
        self.fitness = fitness
        self.year = year
        self.rng = rng
        self.members = {k: np.flatnonzero(kind == i) for i, k in enumerate(KINDS)}
        self._cdfs: dict[tuple[tuple[str, ...], float], tuple[np.ndarray, np.ndarray]] = {}
        # entities grouped by (paper they come from, kind), for edges within a paper
        local = np.flatnonzero(paper_of >= 0)
        key = paper_of[local] * len(KINDS) + kind[local]
        order = np.argsort(key, kind="stable")
        self.local_rows = local[order]
        self.local_keys = key[order]

    def usable(self, kinds: tuple[str, ...]) -> bool:
        """Whether the graph has entities of one of ``kinds``."""
        return any(len(self.members[k]) for k in kinds)

    def _pick(self, kinds: tuple[str, ...], skew: float, count: int) -> np.ndarray:
        if (kinds, skew) not in self._cdfs:
            rows = np.concatenate([self.members[k] for k in kinds])
            rows.sort()
            self._cdfs[kinds, skew] = rows, sampler(self.fitness[rows] ** (skew / TARGET_SKEW))
        rows, cdf = self._cdfs[kinds, skew]
        return rows[draw(cdf, count, self.rng)]

    def _local(self, sources: np.ndarray, kinds: tuple[str, ...]) -> np.ndarray:
        """Pick a target of one of ``kinds`` from the same paper as each source (or -1)."""
        rng = self.rng
        sizes = np.array([len(self.members[k]) for k in kinds], dtype=float)
        want = np.array([KINDS.index(k) for k in kinds])[draw(sampler(sizes), len(sources), rng)]
        paper = self.paper_of[sources]
        target = np.full(len(sources), -1, dtype=np.int64)
        to_paper = (want == PAPER) & (paper >= 0)
        target[to_paper] = paper[to_paper]
        rest = np.flatnonzero((want != PAPER) & (paper >= 0))
        key = paper[rest] * len(KINDS) + want[rest]
        lo = np.searchsorted(self.local_keys, key, side="left")
        hi = np.searchsorted(self.local_keys, key, side="right")
        size = hi - lo
        pick = lo + (rng.random(len(rest)) * size).astype(np.int64)
        found = size > 0
        target[rest[found]] = self.local_rows[pick[found]]
        return target

    def draw(self, relation: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        """``count`` (source, target) rows of typed relation ``relation`` (self loops kept)."""
        _, _, source_kinds, target_kinds, local_share = RELATIONS[relation]
        source = self._pick(source_kinds, SOURCE_SKEW, count)
        target = self._pick(target_kinds, TARGET_SKEW, count)
        if local_share > 0:
            chosen = np.flatnonzero(self.rng.random(count) < local_share)
            local = self._local(source[chosen], target_kinds)
            ok = local >= 0
            target[chosen[ok]] = local[ok]
        if RELATIONS[relation][0] == "cites":  # newer papers cite older ones
            flip = self.year[source] < self.year[target]
            source, target = np.where(flip, target, source), np.where(flip, source, target)
        return source, target


def unique_triples(
    source: np.ndarray, target: np.ndarray, relation: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop self loops and repeated triples; sort by source, target, relation."""
    keep = source != target
    width = len(RELATION_NAMES)
    key = (source[keep] * n + target[keep]) * width + relation[keep]
    key.sort()  # np.unique hashes first, several times slower on millions of keys
    if len(key):
        key = key[np.r_[True, key[1:] != key[:-1]]]
    return key // width // n, key // width % n, key % width


def typed_edges(
    edges: Edges, n: int, budget: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``budget`` typed edges (fewer only if the graph is too small to hold them)."""
    active = [
        i
        for i, (_, _, src, dst, _) in enumerate(RELATIONS)
        if edges.usable(src) and edges.usable(dst)
    ]
    empty = np.zeros(0, dtype=np.int64)
    if not active or budget <= 0:
        return empty, empty, empty
    shares = np.array([RELATIONS[i][1] for i in active])
    primary = int(round(budget / (1 + MULTI_EDGE_SHARE)))
    src, dst, rel = empty, empty, empty
    want = primary
    for _ in range(6):  # repeated triples and self loops are dropped: top up
        parts = [(src, dst, rel)]
        for i, count in zip(active, split_counts(int(want * 1.02) + 8, shares), strict=True):
            s, t = edges.draw(i, int(count))
            parts.append((s, t, np.full(len(s), i + 1, dtype=np.int64)))
        src, dst, rel = unique_triples(*(np.concatenate(p) for p in zip(*parts, strict=True)), n)
        if len(src) >= primary:
            break
        want = primary - len(src)
    if len(src) > primary:  # trim to the budget, keeping the sorted order
        keep = np.sort(rng.choice(len(src), primary, replace=False))
        src, dst, rel = src[keep], dst[keep], rel[keep]
    # a second relation on some pairs: associated_with, in the same or opposite direction
    second = RELATION_NAMES.index(SECOND)
    cites = RELATION_NAMES.index("cites")
    eligible = np.flatnonzero((rel != second) & (rel != cites))
    extra = min(budget - len(src), len(eligible))
    if extra > 0:
        pick = np.sort(rng.choice(eligible, extra, replace=False))
        flip = rng.random(extra) < 0.5
        s2 = np.where(flip, dst[pick], src[pick])
        t2 = np.where(flip, src[pick], dst[pick])
        src, dst, rel = unique_triples(
            np.r_[src, s2], np.r_[dst, t2], np.r_[rel, np.full(extra, second)], n
        )
    return src, dst, rel


def note_vocabulary() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All edge notes, and the offset and count of each relation's notes in it."""
    vocab: list[str] = [""]
    offsets, counts = [], []
    for relation in RELATION_NAMES:
        notes = []
        for template in EDGE_NOTES[relation]:
            if "{k}" in template:
                notes.extend(template.format(k=k) for k in range(1, 9))
            elif "{n}" in template:
                notes.extend(template.format(n=n) for n in (12, 18, 24, 32, 40, 60, 85, 120))
            else:
                notes.append(template)
        offsets.append(len(vocab))
        counts.append(len(notes))
        vocab.extend(notes)
    return np.array(vocab, dtype=object), np.array(offsets), np.array(counts)


def note_codes(rel: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """For each edge of relation code ``rel``, its note in :func:`note_vocabulary`.

    A share ``share`` of the edges get one; the others get 0, the empty note.
    """
    _, offsets, sizes = note_vocabulary()
    codes = np.zeros(len(rel), dtype=np.int64)
    noted = np.flatnonzero(rng.random(len(rel)) < share)
    r = rel[noted]
    codes[noted] = offsets[r] + (rng.random(len(noted)) * sizes[r]).astype(np.int64)
    return codes
