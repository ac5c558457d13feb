"""The shape of a synthetic graph: kinds, relations, statuses and edge notes, with their shares.

Constants only; :mod:`explorer.testing.synth` documents the model they parametrise.

Examples
--------
>>> round(sum(KIND_SHARES.values()), 6), round(sum(r[1] for r in RELATIONS), 6)
(1.0, 1.0)
>>> RELATION_NAMES[0], KINDS[PAPER]
('extracted_from', 'paper')
"""

from __future__ import annotations

__all__ = [
    "EDGE_NOTES",
    "KINDS",
    "KIND_SHARES",
    "MULTI_EDGE_SHARE",
    "NOTE_SHARE",
    "PAPER",
    "PAPER_STATUSES",
    "PAPER_STATUS_P",
    "RELATIONS",
    "RELATION_NAMES",
    "SECOND",
    "SOURCE_SKEW",
    "STATUSES",
    "STATUS_P",
    "TARGET_SKEW",
]

#: Share of each kind among the entities.
KIND_SHARES: dict[str, float] = {
    "claim": 0.30,
    "finding": 0.25,
    "method": 0.15,
    "paper": 0.15,
    "question": 0.10,
    "note": 0.05,
}
KINDS = tuple(KIND_SHARES)
PAPER = KINDS.index("paper")
_NON_PAPER = tuple(k for k in KINDS if k != "paper")

#: Typed relations besides ``extracted_from``: ``(relation, share of the typed edges, source
#: kinds, target kinds, share drawn within the entities of the same paper)``.
RELATIONS: tuple[tuple[str, float, tuple[str, ...], tuple[str, ...], float], ...] = (
    ("supports", 0.26, ("finding", "claim"), ("claim",), 0.35),
    ("contradicts", 0.05, ("finding", "claim"), ("claim",), 0.20),
    ("associated_with", 0.22, _NON_PAPER, _NON_PAPER, 0.30),
    ("cites", 0.17, ("paper",), ("paper",), 0.0),
    ("answers", 0.07, ("finding", "claim"), ("question",), 0.30),
    ("uses", 0.10, ("finding",), ("method",), 0.50),
    ("extends", 0.04, ("method",), ("method",), 0.0),
    ("raises", 0.04, ("finding", "note"), ("question",), 0.30),
    ("mentions", 0.05, ("note",), KINDS, 0.30),
)
EXTRACTED = "extracted_from"
#: The relation a pair gets as its second one.
SECOND = "associated_with"
#: Relation codes: 0 is ``extracted_from``, ``i + 1`` is ``RELATIONS[i]``.
RELATION_NAMES = (EXTRACTED,) + tuple(r[0] for r in RELATIONS)

MULTI_EDGE_SHARE = 0.03  # typed pairs that get a second relation
NOTE_SHARE = 0.12  # edges with a note
TARGET_SKEW = 0.8  # Zipf exponent of target popularity (and of paper popularity)
SOURCE_SKEW = 0.5  # Zipf exponent of source activity

STATUSES = ("active", "draft", "disputed", "retracted")
STATUS_P = (0.90, 0.05, 0.04, 0.01)
PAPER_STATUSES = ("published", "preprint")
PAPER_STATUS_P = (0.88, 0.12)

#: Note templates by relation: ``{k}`` takes 1 to 8, ``{n}`` a sample size.
EDGE_NOTES: dict[str, tuple[str, ...]] = {
    "extracted_from": (
        "abstract, sentence {k}",
        "results, paragraph {k}",
        "table {k}",
        "figure {k}",
        "discussion",
        "supplement, section {k}",
    ),
    "supports": (
        "same direction of effect",
        "replicated in {k} cohorts",
        "dose-response shown",
        "effect size small",
        "consistent with figure {k}",
        "meta-analysis of {k} trials",
    ),
    "contradicts": (
        "opposite sign",
        "null result",
        "different population",
        "underpowered (n = {n})",
        "fails to replicate",
        "confounded by age",
    ),
    "associated_with": (
        "same pathway",
        "shared cohort",
        "related mechanism",
        "co-cited {k} times",
        "similar wording",
    ),
    "cites": (
        "in introduction",
        "in methods",
        "in discussion",
        "as prior work",
        "for the data set",
    ),
    "answers": (
        "partial answer",
        "answers in subgroup {k}",
        "direct answer",
        "answer depends on dose",
    ),
    "uses": ("primary method", "as a control", "modified protocol", "in {k} experiments"),
    "extends": ("adds a step", "faster variant", "adapted to humans"),
    "raises": ("open after this result", "needs a trial", "see figure {k}"),
    "mentions": ("see also", "check numbers", "in passing", "to discuss"),
}
