"""Synthetic claim graphs of any size, for benchmarks and tests.

:func:`synthesize` builds an entity frame and an edge frame that meet the data contract
(``docs/data-format.md``); :func:`write_synthetic` writes them as Parquet. The graph is meant
to look like a real export, so that timings and similarity results measured on it carry over:

**Entities.** Kinds in fixed proportions (:data:`KIND_SHARES`): claim 30 %, finding 25 %,
method 15 %, paper 15 %, question 10 %, note 5 %; rows in random order. Ids are
``kind:<slug of the first six title words>-<base-36 row counter>``, so they are unique and
at most about 60 characters. Papers have a ``year`` (1990-2025, skewed towards recent years),
1 to 12 ``authors`` drawn with a heavy-tailed popularity from a synthetic name pool, and
status ``published`` or ``preprint``; other entities have ``year`` NA and ``authors`` an empty
list (the shape :func:`explorer.load` gives), status mostly ``active``.

**Texts.** Titles and summaries are real sentences, so that embeddings cluster like real text:
by default the claim texts, paper titles, opening abstract sentences and evidence notes of the
bundled SciFact graph (``data/scifact``), or the ``texts`` you pass. Papers and methods take
paper-title-like texts, the other kinds statements; questions are phrased as questions and
notes carry a short prefix. While the graph needs fewer texts than the pool holds, each text is
used at most once; beyond that, the extra texts are *variants* of pool texts: one or two words
dropped, two words swapped, the first half of one sentence joined to the second half of
another (often from the same abstract), and/or a qualifier added ("in mice", "in older
adults", ...). So large graphs hold near-duplicates, as real ones do, and few exact duplicates
(with SciFact, 5-6 % of the titles of one kind in a graph of a million entities). Texts longer
than 60 words are left out of the pool.

**Edges.** About ``edges_per_entity * n_entities`` edges in all (:data:`RELATIONS`):

- every non-paper entity is ``extracted_from`` exactly one paper, chosen with a Zipf-like
  popularity, so that a few papers are hubs (thousands of entities in a 1M graph);
- the rest are typed edges between suitable kinds (``supports`` finding/claim -> claim,
  ``contradicts``, ``associated_with``, ``cites`` paper -> paper (newer to older), ``answers``
  -> question, ``uses`` finding -> method, ``extends`` method -> method, ``raises``,
  ``mentions`` note -> anything). Endpoints are drawn with Zipf-like weights (a
  static preferential attachment), targets more skewed than sources, so the degree
  distribution is heavy-tailed; a share of the edges of each relation stays within the
  entities extracted from the same paper, as in a real extraction;
- about 3 % of the typed pairs get a second edge ``associated_with`` (same or opposite
  direction), so some pairs are joined by two relations;
- no self loops and no repeated ``(source, target, relation)`` triple; about 12 % of the edges
  carry a short ``note``, the others an empty one.

Edges are sorted by source row, then target row, then relation. The same ``seed`` gives the
same frames (and byte-identical Parquet with the same pyarrow); another seed gives another
graph. Everything but the assembly of the text strings is vectorised: a million entities and
five million edges take 15-20 s and 2.3 GB on two cores (files: 124 + 129 MB).

Examples
--------
>>> entities, edges = synthesize(500, seed=1, texts=["Aspirin lowers the risk of stroke."])
>>> len(entities), sorted(entities.columns)[:3]
(500, ['authors', 'id', 'kind'])
>>> bool(edges["source"].isin(entities["id"]).all())
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from ..errors import ExplorerError

__all__ = [
    "DEFAULT_TEXTS_DIR",
    "KIND_SHARES",
    "RELATIONS",
    "MissingTextsError",
    "SynthError",
    "synthesize",
    "write_synthetic",
]

#: Where the default texts come from: the bundled SciFact graph.
DEFAULT_TEXTS_DIR = Path(__file__).resolve().parents[1] / "data" / "scifact"

#: Share of each kind among the entities.
KIND_SHARES: dict[str, float] = {
    "claim": 0.30,
    "finding": 0.25,
    "method": 0.15,
    "paper": 0.15,
    "question": 0.10,
    "note": 0.05,
}
_KINDS = tuple(KIND_SHARES)
_PAPER = _KINDS.index("paper")
_NON_PAPER = tuple(k for k in _KINDS if k != "paper")

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
    ("mentions", 0.05, ("note",), _KINDS, 0.30),
)
_EXTRACTED = "extracted_from"
_SECOND = "associated_with"
_RELATION_NAMES = (_EXTRACTED,) + tuple(r[0] for r in RELATIONS)

_MULTI_EDGE_SHARE = 0.03  # typed pairs that get a second relation
_NOTE_SHARE = 0.12  # edges with a note
_TARGET_SKEW = 0.8  # Zipf exponent of target popularity (and of paper popularity)
_SOURCE_SKEW = 0.5  # Zipf exponent of source activity
_MAX_WORDS = 60  # longer texts are left out of the pool
_SLUG_WORDS = 6
_SLUG_CHARS = 48
_SLUG_SOURCE_CHARS = 64  # slugs are made from this many first characters
_AUTO_PROGRESS_ABOVE = 200_000

_QUALIFIERS = (
    " in mice",
    " in rats",
    " in adults",
    " in children",
    " in older adults",
    " in women",
    " in vitro",
    " in vivo",
    " in a cohort study",
    " in a randomized trial",
    " after adjustment for age",
    " in a meta-analysis",
    " at high doses",
    " over ten years",
)
_QUESTION_FORMS = (
    "Is it true that ",
    "Does the evidence show that ",
    "Is there evidence that ",
    "How robust is the finding that ",
    "Can we confirm that ",
)
_NOTE_PREFIXES = ("", "Note: ", "To check: ", "Follow-up: ", "Open issue: ", "Reviewer: ")
_STATUSES = ("active", "draft", "disputed", "retracted")
_STATUS_P = (0.90, 0.05, 0.04, 0.01)
_PAPER_STATUSES = ("published", "preprint")
_PAPER_STATUS_P = (0.88, 0.12)
_EDGE_NOTES: dict[str, tuple[str, ...]] = {
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
_SYLLABLES = tuple(
    "ka lo mi ren sa to vel an de ri mor ta ni shi ber gu lin ha zu pe cor da el fen ga ko "
    "lu ma no ra sel tu va wen ya zo bo chi dru es far gil".split()
)
_NAME_ENDINGS = ("", "", "", "", "son", "ez", "ova", "i", "sen", "berg", "ski", "ani", "o")
_INITIALS = "ABCDEFGHIJKLMNOPRSTVWYZ"
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")
_ENDINGS = ".?!"
_HEADING = re.compile(
    r"^(?:(?:BACKGROUND|OBJECTIVES?|CONTEXT|INTRODUCTION|AIMS?|PURPOSE|METHODS?|RESULTS?|"
    r"CONCLUSIONS?|DESIGN|SETTING|IMPORTANCE|RATIONALE|PARTICIPANTS|FINDINGS|INTERPRETATION|"
    r"SUMMARY|UNLABELLED|ABSTRACT|AND|&|/|,)\s*:?\s*)+(?=\S)"
)


class SynthError(ExplorerError, ValueError):
    """Arguments the generator cannot work with (a negative size, no usable text, ...)."""


class MissingTextsError(ExplorerError, FileNotFoundError):
    """The bundled texts used by default are not there; pass ``texts=`` instead."""


# --------------------------------------------------------------------------------------------
# Text pool and variants


@dataclass(frozen=True)
class _Pool:
    """Sentences cut into pieces from which variants are assembled by concatenation.

    A text is ``heads[h] + mids[m] + tails[t] + qualifier + ends[s]``: ``heads[hoff[s] + k]``
    is the first ``k`` words of sentence ``s`` followed by a space (empty for ``k = 0``),
    ``tails[toff[s] + k]`` the words from ``k`` on, ``mids[moff[s] + k]`` words ``k + 1`` and
    ``k`` swapped, followed by a space (``mids[0]`` is empty), and ``ends[s]`` the sentence's
    final punctuation. ``gstart``/``gsize`` delimit the sentences from the same source as
    each sentence; ``index`` is the position of each sentence in the texts it was built from
    (empty texts and texts over ``_MAX_WORDS`` words are left out).
    """

    heads: np.ndarray
    tails: np.ndarray
    mids: np.ndarray
    ends: np.ndarray
    hoff: np.ndarray
    toff: np.ndarray
    moff: np.ndarray
    nwords: np.ndarray
    gstart: np.ndarray
    gsize: np.ndarray
    index: np.ndarray

    def __len__(self) -> int:
        return len(self.nwords)

    @classmethod
    def build(cls, texts: Sequence[str], groups: Sequence[int] | None = None) -> _Pool:
        """Cut ``texts`` (with the source number of each, contiguous) into pieces."""
        heads: list[str] = []
        tails: list[str] = []
        mids: list[str] = [""]
        ends: list[str] = []
        hoff: list[int] = []
        toff: list[int] = []
        moff: list[int] = []
        nwords: list[int] = []
        kept_groups: list[int] = []
        index: list[int] = []
        for i, text in enumerate(texts):
            text = " ".join(text.split())
            end = ""
            if text and text[-1] in _ENDINGS:
                text, end = text[:-1].rstrip(), text[-1]
            words = text.split(" ")
            m = len(words)
            if not text or m > _MAX_WORDS:
                continue
            hoff.append(len(heads))
            toff.append(len(tails))
            moff.append(len(mids))
            heads.append("")
            heads.extend(" ".join(words[:k]) + " " for k in range(1, m + 1))
            tails.extend(" ".join(words[k:]) for k in range(m))
            mids.extend(f"{words[k + 1]} {words[k]} " for k in range(m - 1))
            ends.append(end)
            nwords.append(m)
            kept_groups.append(i if groups is None else groups[i])
            index.append(i)
        group = np.asarray(kept_groups, dtype=np.int64)
        if len(group):
            first = np.r_[True, group[1:] != group[:-1]]
            starts = np.flatnonzero(first)
            sizes = np.diff(np.r_[starts, len(group)])
            gid = np.cumsum(first) - 1
            gstart, gsize = starts[gid], sizes[gid]
        else:
            gstart = gsize = group
        return cls(
            heads=np.array(heads, dtype=object),
            tails=np.array(tails, dtype=object),
            mids=np.array(mids, dtype=object),
            ends=np.array(ends, dtype=object),
            hoff=np.asarray(hoff, dtype=np.int64),
            toff=np.asarray(toff, dtype=np.int64),
            moff=np.asarray(moff, dtype=np.int64),
            nwords=np.asarray(nwords, dtype=np.int64),
            gstart=np.asarray(gstart, dtype=np.int64),
            gsize=np.asarray(gsize, dtype=np.int64),
            index=np.asarray(index, dtype=np.int64),
        )

    def choose(self, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Pick ``count`` base sentences: each once while they last, then variants.

        Returns the base of each text and whether it is a variant.
        """
        size = len(self)
        if count <= size:
            return rng.permutation(size)[:count], np.zeros(count, dtype=bool)
        extra = count - size
        base = np.concatenate([rng.permutation(size), rng.integers(0, size, extra)])
        variant = np.r_[np.zeros(size, dtype=bool), np.ones(extra, dtype=bool)]
        order = rng.permutation(count)
        return base[order], variant[order]

    def render(
        self, base: np.ndarray, variant: np.ndarray, rng: np.random.Generator
    ) -> tuple[list[str], list[str]]:
        """Texts (without final punctuation) and their final punctuation, one per base."""
        count = len(base)
        m = self.nwords[base]
        h = self.hoff[base].copy()
        mid = np.zeros(count, dtype=np.int64)
        t = self.toff[base].copy()
        end = base.copy()
        qual = np.zeros(count, dtype=np.int64)
        # 0 drop one or two words, 1 swap two words, 2 join two halves, 3 only add a qualifier
        op = np.where(variant, rng.choice(4, count, p=(0.3, 0.2, 0.45, 0.05)), -1)
        u = rng.random(count)
        width = np.where(m >= 4, rng.integers(1, 3, count), 1)
        drop = (op == 0) & (m >= 3)
        k = 1 + (u * np.maximum(m - 1 - width, 1)).astype(np.int64)  # 1 .. m-1-width
        h[drop] += k[drop]
        t[drop] += k[drop] + width[drop]
        swap = (op == 1) & (m >= 4)
        k = 1 + (u * np.maximum(m - 3, 1)).astype(np.int64)  # 1 .. m-3
        h[swap] += k[swap]
        mid[swap] = self.moff[base[swap]] + k[swap]
        t[swap] += k[swap] + 2
        join = np.flatnonzero((op == 2) & (m >= 2))
        a = base[join]
        in_group = (self.gsize[a] > 1) & (rng.random(len(join)) < 0.4)
        other = np.where(
            in_group,
            self.gstart[a] + (u[join] * self.gsize[a]).astype(np.int64),
            rng.integers(0, len(self), len(join)),
        )
        mo = self.nwords[other]
        ka = np.clip(self.nwords[a] // 2 + rng.integers(-2, 3, len(join)), 1, self.nwords[a] - 1)
        kb = np.clip(mo // 2 + rng.integers(-2, 3, len(join)), 0, mo - 1)
        h[join] += ka
        t[join] = self.toff[other] + kb
        end[join] = other
        # a qualifier on every op-3 text, on ops that did not apply, and on a third of the rest
        done = drop | swap
        done[join] = True
        add = variant & ((op == 3) | ~done | (rng.random(count) < 0.33))
        qual[add] = rng.integers(1, len(_QUALIFIERS) + 1, int(add.sum()))
        quals = np.array(("",) + _QUALIFIERS, dtype=object)
        texts = [
            x + y + z + q
            for x, y, z, q in zip(
                self.heads[h].tolist(),
                self.mids[mid].tolist(),
                self.tails[t].tolist(),
                quals[qual].tolist(),
                strict=True,
            )
        ]
        return texts, self.ends[end].tolist()


def _split_sentences(text: str) -> list[str]:
    """Whole sentences of ``text`` of three words or more, without abstract headings.

    A last fragment cut short with an ellipsis is left out.
    """
    parts = [p for p in _SENTENCE_SPLIT.split(text.strip()) if p]
    if len(parts) > 1 and parts[-1].endswith("…"):
        parts = parts[:-1]
    parts = [_HEADING.sub("", p.rstrip("…").rstrip()) for p in parts]
    return [p for p in parts if len(p.split()) >= 3]


@dataclass(frozen=True)
class _Texts:
    """Statements (``statements``) and title-like texts (``titles``) to draw from.

    ``title_summary[i]`` is the statement that opens the summary of title ``i``, or -1.
    """

    statements: _Pool
    titles: _Pool
    title_summary: np.ndarray


def _texts_from_list(texts: Sequence[str]) -> _Texts:
    clean = [str(t) for t in texts if isinstance(t, str) and t.strip()]
    pool = _Pool.build(clean, [0] * len(clean))
    if len(pool) == 0:
        raise SynthError(
            f"texts holds no usable text ({len(texts)} given): every text is empty, not a "
            f"string, or longer than {_MAX_WORDS} words. Pass non-empty sentences."
        )
    return _Texts(pool, pool, np.full(len(pool), -1, dtype=np.int64))


def _texts_from_bundled(directory: Path) -> _Texts:
    path = directory / "entities.parquet"
    if not path.is_file():
        raise MissingTextsError(
            f"The default texts for synthetic graphs come from {path}, which is not there "
            "(the bundled SciFact data ships with the source repository). Pass your own "
            "sentences instead: synthesize(n, texts=[...])."
        )
    frame = pq.read_table(path, columns=["kind", "title", "summary"]).to_pandas()
    statements: list[str] = []
    groups: list[int] = []
    titles: list[str] = []
    title_summary: list[int] = []
    for row, (kind, title, summary) in enumerate(
        zip(frame["kind"].tolist(), frame["title"].tolist(), frame["summary"].tolist(), strict=True)
    ):
        title = title if isinstance(title, str) else ""
        summary = summary if isinstance(summary, str) else ""
        first = len(statements)
        if kind == "paper":
            sentences = _split_sentences(summary)
        else:
            sentences = _split_sentences(title) + _split_sentences(summary)
        statements.extend(sentences)
        groups.extend([row] * len(sentences))
        if kind == "paper" and len(title.split()) >= 3:
            titles.append(title)
            title_summary.append(first if sentences else -1)
    edges = directory / "edges.parquet"
    if edges.is_file():
        notes = pq.read_table(edges, columns=["note"]).column("note").to_pylist()
        for row, note in enumerate(notes, start=len(frame)):
            sentences = _split_sentences(note or "")
            statements.extend(sentences)
            groups.extend([row] * len(sentences))
    pool = _Pool.build(statements, groups)
    if len(pool) == 0:
        raise MissingTextsError(f"{path} holds no usable text. Pass texts=[...] instead.")
    title_pool = _Pool.build(titles)
    if len(title_pool) == 0:
        return _Texts(pool, pool, np.full(len(pool), -1, dtype=np.int64))
    # build() may leave texts out: renumber each kept title's summary in the kept statements
    renumber = np.full(len(statements) + 1, -1, dtype=np.int64)
    renumber[pool.index] = np.arange(len(pool))
    summary_index = np.asarray(title_summary, dtype=np.int64)[title_pool.index]
    return _Texts(pool, title_pool, renumber[summary_index])


# --------------------------------------------------------------------------------------------
# Sampling helpers


def _zipf_weights(count: int, skew: float, rng: np.random.Generator) -> np.ndarray:
    """Weights ``rank ** -skew`` with the ranks in random order."""
    ranks = rng.permutation(count) + 1.0
    return ranks**-skew


def _sampler(weights: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


def _draw(cdf: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``count`` indices with the probabilities whose running sum is ``cdf``."""
    # Sorted uniforms (normalised sums of exponential spacings) let searchsorted walk the
    # table in order, several times faster on large tables than random queries; the
    # draws are then shuffled.
    spacing = np.cumsum(rng.exponential(size=count + 1))
    pick = np.searchsorted(cdf, spacing[:-1] / spacing[-1], side="right")
    return np.minimum(pick, len(cdf) - 1)[rng.permutation(count)]


def _split_counts(total: int, shares: np.ndarray) -> np.ndarray:
    """Whole numbers in proportion to ``shares`` that add up to ``total``."""
    exact = total * shares / shares.sum()
    counts = np.floor(exact).astype(np.int64)
    rest = total - int(counts.sum())
    counts[np.argsort(-(exact - counts), kind="stable")[:rest]] += 1
    return counts


def _base36(values: np.ndarray) -> pa.Array:
    """Base-36 digits of non-negative integers, as a string array."""
    width = max(1, math.ceil(math.log(int(values.max()) + 1, 36) + 1e-9)) if len(values) else 1
    powers = 36 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (values[:, None] // powers) % 36
    alphabet = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
    fixed = np.ascontiguousarray(alphabet[digits]).view(f"S{width}").ravel()
    text = pa.array(fixed, type=pa.binary()).cast(pa.string())
    trimmed = pc.utf8_ltrim(text, characters="0")
    return pc.if_else(pc.equal(trimmed, ""), "0", trimmed)


def _slugs(titles: pa.Array) -> pa.Array:
    """Slugs of the first words of each title: ``a-z0-9`` runs joined by ``-`` (or ``item``).

    Other characters, accented letters included, separate runs; a slug has at most
    ``_SLUG_CHARS`` characters. Done on the bytes of the titles, in blocks, rather than with a
    regex, which takes several times longer on a million titles.
    """
    head = pc.utf8_slice_codeunits(titles, 0, _SLUG_SOURCE_CHARS)
    if isinstance(head, pa.ChunkedArray):
        head = head.combine_chunks()
    n = len(head)
    offsets = np.frombuffer(head.buffers()[1], dtype=np.int32, count=n + 1, offset=4 * head.offset)
    data = np.frombuffer(head.buffers()[2], dtype=np.uint8) if n else np.zeros(0, np.uint8)
    pieces, lengths = [], []
    for lo in range(0, n, 1 << 17):
        hi = min(n, lo + (1 << 17))
        piece, length = _slug_block(data[offsets[lo] : offsets[hi]], np.diff(offsets[lo : hi + 1]))
        pieces.append(piece)
        lengths.append(length)
    length = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
    ends = np.r_[0, np.cumsum(length)].astype(np.int32)
    body = np.concatenate(pieces) if pieces else np.zeros(0, np.uint8)
    slug = pa.StringArray.from_buffers(n, pa.py_buffer(ends), pa.py_buffer(body))
    return pc.if_else(pc.equal(slug, ""), "item", slug)


_SLUG_BYTES = np.full(256, ord("-"), dtype=np.uint8)  # byte -> slug byte
_SLUG_BYTES[48:58] = np.arange(48, 58)  # digits
_SLUG_BYTES[97:123] = np.arange(97, 123)  # a-z
_SLUG_BYTES[65:91] = np.arange(97, 123)  # A-Z, lower-cased


def _slug_block(data: np.ndarray, length: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slug bytes of consecutive strings (``data``, cut by ``length``) and their lengths."""
    if len(data) == 0:
        return data, np.zeros(len(length), dtype=np.int64)
    chars = _SLUG_BYTES[data]
    alnum = chars != ord("-")
    space = (data == 32).astype(np.int32)
    before = np.cumsum(space) - space  # spaces before each byte, then before its string
    start = np.cumsum(length) - length
    word = before - np.repeat(before[np.minimum(start, len(data) - 1)], length)
    first = np.zeros(len(data), dtype=bool)
    first[start[length > 0]] = True
    after_separator = first | np.r_[True, ~alnum[:-1]]
    keep = (word < _SLUG_WORDS) & (alnum | ~after_separator)  # one dash per run, none first
    packed = chars[keep]
    kept = np.r_[0, np.cumsum(keep, dtype=np.int32)]
    size = kept[start + length] - kept[start]
    begin = np.cumsum(size) - size
    # no dash at the end, at most _SLUG_CHARS characters (then again no dash at the end)
    cut = size.copy()
    for limit in (None, _SLUG_CHARS):
        if limit is not None:
            cut = np.minimum(cut, limit)
        cut -= (cut > 0) & (packed[np.maximum(begin + cut - 1, 0)] == ord("-"))
    position = np.arange(len(packed)) - np.repeat(begin, size)
    return packed[position < np.repeat(cut, size)], cut


def _author_names(size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` synthetic names such as ``"M. K. Renvalo"`` (some repeat, as real ones do)."""
    syl = np.array(_SYLLABLES, dtype=object)
    parts = rng.integers(0, len(_SYLLABLES), (size, 3))
    three = rng.random(size) < 0.35
    ending = np.array(_NAME_ENDINGS, dtype=object)[rng.integers(0, len(_NAME_ENDINGS), size)]
    first = np.array(list(_INITIALS), dtype=object)[rng.integers(0, len(_INITIALS), size)]
    middle = np.array(list(_INITIALS), dtype=object)[rng.integers(0, len(_INITIALS), size)]
    has_middle = rng.random(size) < 0.3
    names = []
    for a, b, c, three_, end, f, mi, hm in zip(
        syl[parts[:, 0]].tolist(),
        syl[parts[:, 1]].tolist(),
        syl[parts[:, 2]].tolist(),
        three.tolist(),
        ending.tolist(),
        first.tolist(),
        middle.tolist(),
        has_middle.tolist(),
        strict=True,
    ):
        surname = (a + b + (c if three_ else "") + end).capitalize()
        names.append(f"{f}. {mi}. {surname}" if hm else f"{f}. {surname}")
    return np.array(names, dtype=object)


def _note_vocabulary() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All edge notes, and the offset and count of each relation's notes in it."""
    vocab: list[str] = [""]
    offsets, counts = [], []
    for relation in _RELATION_NAMES:
        notes = []
        for template in _EDGE_NOTES[relation]:
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


# --------------------------------------------------------------------------------------------
# The generator


def _check_arguments(n_entities: int, edges_per_entity: float) -> None:
    if isinstance(n_entities, bool) or not isinstance(n_entities, (int, np.integer)):
        raise SynthError(f"n_entities must be a whole number, not {n_entities!r}.")
    if n_entities < 1:
        raise SynthError(f"n_entities must be at least 1, not {n_entities}.")
    if not (
        isinstance(edges_per_entity, (int, float, np.number))
        and math.isfinite(edges_per_entity)
        and edges_per_entity >= 0
    ):
        raise SynthError(
            f"edges_per_entity must be a finite number >= 0, not {edges_per_entity!r}."
        )


def _kind_counts(n: int) -> np.ndarray:
    counts = _split_counts(n, np.array(list(KIND_SHARES.values())))
    if counts[_PAPER] == 0:  # every other entity needs a paper to be extracted from
        counts[int(np.argmax(counts))] -= 1
        counts[_PAPER] = 1
    return counts


class _Edges:
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
        self.members = {k: np.flatnonzero(kind == i) for i, k in enumerate(_KINDS)}
        self._cdfs: dict[tuple[tuple[str, ...], float], tuple[np.ndarray, np.ndarray]] = {}
        # entities grouped by (paper they come from, kind), for edges within a paper
        local = np.flatnonzero(paper_of >= 0)
        key = paper_of[local] * len(_KINDS) + kind[local]
        order = np.argsort(key, kind="stable")
        self.local_rows = local[order]
        self.local_keys = key[order]

    def usable(self, kinds: tuple[str, ...]) -> bool:
        return any(len(self.members[k]) for k in kinds)

    def _pick(self, kinds: tuple[str, ...], skew: float, count: int) -> np.ndarray:
        if (kinds, skew) not in self._cdfs:
            rows = np.concatenate([self.members[k] for k in kinds])
            rows.sort()
            self._cdfs[kinds, skew] = rows, _sampler(self.fitness[rows] ** (skew / _TARGET_SKEW))
        rows, cdf = self._cdfs[kinds, skew]
        return rows[_draw(cdf, count, self.rng)]

    def _local(self, sources: np.ndarray, kinds: tuple[str, ...]) -> np.ndarray:
        """Pick a target of one of ``kinds`` from the same paper as each source (or -1)."""
        rng = self.rng
        sizes = np.array([len(self.members[k]) for k in kinds], dtype=float)
        want = np.array([_KINDS.index(k) for k in kinds])[_draw(_sampler(sizes), len(sources), rng)]
        paper = self.paper_of[sources]
        target = np.full(len(sources), -1, dtype=np.int64)
        to_paper = (want == _PAPER) & (paper >= 0)
        target[to_paper] = paper[to_paper]
        rest = np.flatnonzero((want != _PAPER) & (paper >= 0))
        key = paper[rest] * len(_KINDS) + want[rest]
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
        source = self._pick(source_kinds, _SOURCE_SKEW, count)
        target = self._pick(target_kinds, _TARGET_SKEW, count)
        if local_share > 0:
            chosen = np.flatnonzero(self.rng.random(count) < local_share)
            local = self._local(source[chosen], target_kinds)
            ok = local >= 0
            target[chosen[ok]] = local[ok]
        if RELATIONS[relation][0] == "cites":  # newer papers cite older ones
            flip = self.year[source] < self.year[target]
            source, target = np.where(flip, target, source), np.where(flip, source, target)
        return source, target


def _unique_triples(
    source: np.ndarray, target: np.ndarray, relation: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop self loops and repeated triples; sort by source, target, relation."""
    keep = source != target
    width = len(_RELATION_NAMES)
    key = (source[keep] * n + target[keep]) * width + relation[keep]
    key.sort()  # np.unique hashes first, several times slower on millions of keys
    if len(key):
        key = key[np.r_[True, key[1:] != key[:-1]]]
    return key // width // n, key // width % n, key % width


def _typed_edges(
    edges: _Edges, n: int, budget: int, rng: np.random.Generator
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
    primary = int(round(budget / (1 + _MULTI_EDGE_SHARE)))
    src, dst, rel = empty, empty, empty
    want = primary
    for _ in range(6):  # repeated triples and self loops are dropped: top up
        parts = [(src, dst, rel)]
        for i, count in zip(active, _split_counts(int(want * 1.02) + 8, shares), strict=True):
            s, t = edges.draw(i, int(count))
            parts.append((s, t, np.full(len(s), i + 1, dtype=np.int64)))
        src, dst, rel = _unique_triples(*(np.concatenate(p) for p in zip(*parts, strict=True)), n)
        if len(src) >= primary:
            break
        want = primary - len(src)
    if len(src) > primary:  # trim to the budget, keeping the sorted order
        keep = np.sort(rng.choice(len(src), primary, replace=False))
        src, dst, rel = src[keep], dst[keep], rel[keep]
    # a second relation on some pairs: associated_with, in the same or opposite direction
    second = _RELATION_NAMES.index(_SECOND)
    cites = _RELATION_NAMES.index("cites")
    eligible = np.flatnonzero((rel != second) & (rel != cites))
    extra = min(budget - len(src), len(eligible))
    if extra > 0:
        pick = np.sort(rng.choice(eligible, extra, replace=False))
        flip = rng.random(extra) < 0.5
        s2 = np.where(flip, dst[pick], src[pick])
        t2 = np.where(flip, src[pick], dst[pick])
        src, dst, rel = _unique_triples(
            np.r_[src, s2], np.r_[dst, t2], np.r_[rel, np.full(extra, second)], n
        )
    return src, dst, rel


def synthesize(
    n_entities: int,
    *,
    seed: int = 0,
    edges_per_entity: float = 5.0,
    texts: Sequence[str] | None = None,
    progress: bool | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate a realistic synthetic claim graph (see the module docstring for the model).

    Parameters
    ----------
    n_entities
        Number of entities (rows of the entity frame), at least 1.
    seed
        Seed of the random generator: the same seed gives the same frames.
    edges_per_entity
        Edges per entity in all, ``extracted_from`` included. The graph has
        ``round(edges_per_entity * n_entities)`` edges, but never fewer than the
        ``extracted_from`` edges (one per non-paper entity, 85 % of the entities), and fewer
        only when a tiny graph cannot hold that many distinct edges.
    texts
        Sentences to draw titles and summaries from. By default, the texts of the bundled
        SciFact graph (:data:`DEFAULT_TEXTS_DIR`).
    progress
        Show a progress bar; by default only above 200,000 entities.

    Returns
    -------
    entities : pandas.DataFrame
        ``n_entities`` rows with columns ``id, kind, title, summary, status`` (``str``),
        ``year`` (``Int64``, NA except for papers) and ``authors`` (a list of strings; empty
        except for papers).
    edges : pandas.DataFrame
        Columns ``source, target, relation, note`` (``str``; ``note`` is ``""`` when there is
        none), sorted by source row, then target row.

    Raises
    ------
    SynthError
        If ``n_entities`` or ``edges_per_entity`` is out of range, or ``texts`` holds no usable
        text.
    MissingTextsError
        If ``texts`` is None and the bundled SciFact data is not there.

    Examples
    --------
    >>> entities, edges = synthesize(1_000, seed=7, texts=["Coffee improves memory in adults."])
    >>> entities["kind"].value_counts()["claim"]
    np.int64(300)
    >>> round(len(edges) / len(entities))
    5
    >>> bool((edges["source"] != edges["target"]).all())
    True
    """
    _check_arguments(n_entities, edges_per_entity)
    n = int(n_entities)
    show = n > _AUTO_PROGRESS_ABOVE if progress is None else bool(progress)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    with tqdm(total=7, desc="synthesize", unit="step", disable=not show) as bar:
        bar.set_postfix_str("texts")
        pool = _texts_from_bundled(DEFAULT_TEXTS_DIR) if texts is None else _texts_from_list(texts)
        bar.update()

        # kinds, in random row order
        counts = _kind_counts(n)
        kind = rngs[0].permutation(np.repeat(np.arange(len(_KINDS), dtype=np.int64), counts))
        is_paper = kind == _PAPER
        papers = np.flatnonzero(is_paper)

        bar.set_postfix_str("titles and summaries")
        title, summary, slug_text = _entity_texts(pool, kind, rngs[1])
        bar.update()

        bar.set_postfix_str("ids")
        title_arr = pa.array(title, type=pa.string())
        slugs = _slugs(pa.array(slug_text, type=pa.string()))
        del title, slug_text
        kind_names = pa.array(list(_KINDS), type=pa.string())
        kind_arr = kind_names.take(pa.array(kind))
        ids = pc.binary_join_element_wise(
            kind_arr, ":", slugs, "-", _base36(np.arange(n, dtype=np.int64)), ""
        )
        bar.update()

        bar.set_postfix_str("papers")
        rng = rngs[2]
        year = np.zeros(n, dtype=np.int64)
        span = 35.0
        scale = 9.0
        age = -scale * np.log1p(-rng.random(len(papers)) * (1 - math.exp(-(span + 1) / scale)))
        year[papers] = 2025 - np.minimum(np.floor(age), span).astype(np.int64)
        authors = _authors(n, papers, rng)
        status = np.empty(n, dtype=object)
        status[~is_paper] = np.array(_STATUSES, dtype=object)[
            rng.choice(len(_STATUSES), n - len(papers), p=_STATUS_P)
        ]
        status[papers] = np.array(_PAPER_STATUSES, dtype=object)[
            rng.choice(len(_PAPER_STATUSES), len(papers), p=_PAPER_STATUS_P)
        ]
        bar.update()

        bar.set_postfix_str("extracted_from")
        rng = rngs[3]
        fitness = np.empty(n)
        for i in range(len(_KINDS)):
            rows = np.flatnonzero(kind == i)
            fitness[rows] = _zipf_weights(len(rows), _TARGET_SKEW, rng)
        paper_of = np.full(n, -1, dtype=np.int64)
        extracted = np.flatnonzero(~is_paper)
        paper_of[extracted] = papers[_draw(_sampler(fitness[papers]), len(extracted), rng)]
        bar.update()

        bar.set_postfix_str("typed edges")
        budget = max(int(round(edges_per_entity * n)), len(extracted)) - len(extracted)
        src, dst, rel = _typed_edges(
            _Edges(kind, paper_of, fitness, year, rngs[4]), n, budget, rngs[5]
        )
        src, dst, rel = _unique_triples(
            np.r_[src, extracted],
            np.r_[dst, paper_of[extracted]],
            np.r_[rel, np.zeros(len(extracted), dtype=np.int64)],
            n,
        )
        bar.update()

        bar.set_postfix_str("frames")
        rng = rngs[6]
        vocab, offsets, sizes = _note_vocabulary()
        note_idx = np.zeros(len(src), dtype=np.int64)
        noted = np.flatnonzero(rng.random(len(src)) < _NOTE_SHARE)
        r = rel[noted]
        note_idx[noted] = offsets[r] + (rng.random(len(noted)) * sizes[r]).astype(np.int64)
        relation_names = pa.array(list(_RELATION_NAMES), type=pa.string())
        edge_table = pa.table(
            {
                "source": ids.take(pa.array(src)),
                "target": ids.take(pa.array(dst)),
                "relation": relation_names.take(pa.array(rel)),
                "note": pa.array(vocab.tolist(), type=pa.string()).take(pa.array(note_idx)),
            }
        )
        entity_table = pa.table(
            {
                "id": ids,
                "kind": kind_arr,
                "title": title_arr,
                "summary": pa.array(summary, type=pa.string()),
                "status": pa.array(status.tolist(), type=pa.string()),
            }
        )
        entities = entity_table.to_pandas()
        entities["year"] = pd.arrays.IntegerArray(year, ~is_paper)
        entities["authors"] = pd.Series(authors, dtype=object, index=entities.index)
        edge_frame = edge_table.to_pandas()
        bar.update()
    return entities, edge_frame


def _entity_texts(
    texts: _Texts, kind: np.ndarray, rng: np.random.Generator
) -> tuple[list[str], list[str], list[str]]:
    """Titles, summaries and id texts of every entity (see the module docstring).

    The id text is the title without the wording added to questions and notes.
    """
    n = len(kind)
    code = {k: i for i, k in enumerate(_KINDS)}
    by_title = np.isin(kind, [code["paper"], code["method"]])
    title = np.empty(n, dtype=object)
    summary = np.full(n, "", dtype=object)

    rows = np.flatnonzero(by_title)  # title-like texts: papers and methods
    stmt_rows = np.flatnonzero(~by_title)  # statements: the other kinds
    summary_share = np.array([0.7, 0.8, 0.8, 0.0, 0.4, 0.5])  # by kind, in _KINDS order
    wants_summary = rng.random(n) < summary_share[kind]
    shared = texts.titles is texts.statements
    if shared:  # one pool (texts=): draw titles and statements together, each text once
        need_rows = np.flatnonzero(wants_summary | (kind == _PAPER))
        base, variant = texts.statements.choose(len(rows) + len(stmt_rows) + len(need_rows), rng)
        s_base, s_variant = base[len(rows) :], variant[len(rows) :]
        base, variant = base[: len(rows)], variant[: len(rows)]
    else:
        base, variant = texts.titles.choose(len(rows), rng)
    core, end = texts.titles.render(base, variant, rng)
    title[rows] = [c + e for c, e in zip(core, end, strict=True)]
    if not shared:  # a paper's summary opens with the abstract of its own title
        paired = np.flatnonzero((kind[rows] == _PAPER) & (texts.title_summary[base] >= 0))
        core, end = texts.statements.render(texts.title_summary[base[paired]], variant[paired], rng)
        summary[rows[paired]] = [c + e for c, e in zip(core, end, strict=True)]
        unpaired = np.ones(n, dtype=bool)
        unpaired[rows[paired]] = False
        need_rows = np.flatnonzero(wants_summary | ((kind == _PAPER) & unpaired))
        s_base, s_variant = texts.statements.choose(len(stmt_rows) + len(need_rows), rng)
    core, end = texts.statements.render(s_base, s_variant, rng)
    k = len(stmt_rows)
    summary[need_rows] = [c + e for c, e in zip(core[k:], end[k:], strict=True)]
    core, end = core[:k], end[:k]
    kinds_of = kind[stmt_rows].tolist()
    question, note = code["question"], code["note"]
    forms = rng.integers(0, len(_QUESTION_FORMS), k).tolist()
    prefixes = rng.integers(0, len(_NOTE_PREFIXES), k).tolist()
    out = []
    for c, e, kd, f, p in zip(core, end, kinds_of, forms, prefixes, strict=True):
        if kd == question:
            if c[1:2].islower() or len(c) == 1:
                c = c[:1].lower() + c[1:]
            out.append(_QUESTION_FORMS[f] + c + "?")
        elif kd == note:
            out.append(_NOTE_PREFIXES[p] + c + e)
        else:
            out.append(c + e)
    title[stmt_rows] = out
    slug_text = title.copy()
    slug_text[stmt_rows] = core
    return title.tolist(), summary.tolist(), slug_text.tolist()


def _authors(n: int, papers: np.ndarray, rng: np.random.Generator) -> list[list[str]]:
    """Draw 1 to 12 author names for each paper; other rows get empty lists."""
    per_paper = np.clip(1 + rng.negative_binomial(3, 0.45, len(papers)), 1, 12)
    pool_size = int(np.clip(2 * len(papers), 200, 300_000))
    names = _author_names(pool_size, rng)
    picks = _draw(_sampler(_zipf_weights(pool_size, 0.75, rng)), int(per_paper.sum()), rng)
    flat = names[picks].tolist()
    ends = np.cumsum(per_paper).tolist()
    starts = [0] + ends[:-1]
    authors: list[list[str]] = [[] for _ in range(n)]
    for row, a, b in zip(papers.tolist(), starts, ends, strict=True):
        authors[row] = list(dict.fromkeys(flat[a:b]))  # a name once per paper
    return authors


def write_synthetic(
    n_entities: int, out_dir: str | Path, *, seed: int = 0, **kwargs: object
) -> dict[str, Path]:
    """Generate a synthetic graph and write it as ``entities.parquet`` and ``edges.parquet``.

    The files are zstd-compressed Parquet with ``kind`` and ``relation`` dictionary-encoded;
    ``explorer.load(out_dir)`` reads them. The same arguments write byte-identical files.

    Parameters
    ----------
    n_entities
        Number of entities.
    out_dir
        Directory to write into; created if missing. Existing files of the same names are
        replaced.
    seed
        Seed of the random generator.
    **kwargs
        Passed on to :func:`synthesize` (``edges_per_entity``, ``texts``, ``progress``).

    Returns
    -------
    dict of str to Path
        ``{"entities": path, "edges": path}``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = write_synthetic(200, tmp, seed=3, texts=["Sleep improves recall."])
    ...     sorted(p.name for p in paths.values())
    ['edges.parquet', 'entities.parquet']
    """
    entities, edges = synthesize(n_entities, seed=seed, **kwargs)  # type: ignore[arg-type]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"entities": out / "entities.parquet", "edges": out / "edges.parquet"}
    for name, frame, column in (("entities", entities, "kind"), ("edges", edges, "relation")):
        table = pa.Table.from_pandas(frame, preserve_index=False)
        for position, field in enumerate(table.schema):
            if field.name == column:
                values = pc.dictionary_encode(table.column(position).cast(pa.string()))
            elif pa.types.is_large_string(field.type):  # pandas' str: keep plain strings
                values = table.column(position).cast(pa.string())
            else:
                continue
            table = table.set_column(position, field.name, values)
        pq.write_table(table, paths[name], compression="zstd")
    return paths
