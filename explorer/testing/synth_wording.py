"""Titles and summaries of synthetic entities: families of paraphrases over a text pool.

Real graphs hold a few texts alike (the claims of one paper, a claim and its negation, the
same finding entered twice) among many unrelated ones. So entities come in *families*
(sizes heavy-tailed: most alone or in twos and threes, a few in dozens), independent of
the edges. A family has three recipes (:mod:`explorer.testing.synth_render`): a title-like
one (half of one paper title joined to half of another, or a whole title) and two
statements (a sentence of the abstract of that title, often joined to the second half of
another sentence, and another sentence of the same abstract). Papers and methods take the
title-like recipe, the other kinds the first statement; a paper's summary is the first
statement, the other summaries the second. Each family replaces a share of the replaceable
words the same way (:func:`family_rate`: more in larger graphs, whose families reuse each
pool sentence more often); each entity then replaces another share of its own
(:data:`MEMBER_RATES`), may drop a word and may add a qualifier. So texts of one family are
paraphrases, texts of two families share few words, and the pool's sentences are reused
without the graph filling up with near-copies as it grows.

Planted on top, for quality benchmarks: :data:`DUPLICATE_SHARE` of the entities are a
near-duplicate of another of their kind (same recipes; a third are exact copies, a third
have a word dropped, a third another qualifier), and :data:`CONTRADICTION_SHARE` of them
restate a claim or finding with its first direction word swapped (``increases`` ->
``decreases``). Questions are phrased as questions and notes carry a short prefix.

Examples
--------
>>> from explorer.testing.synth_texts import pool_from_list
>>> pool = pool_from_list(["Coffee increases alertness in adults.", "Tea calms the mind."])
>>> kinds = ("claim", "paper", "question")
>>> title, summary, slug = entity_texts(pool, np.array([0, 1, 2]), kinds, np.random.default_rng(1))
>>> title.to_pylist()[2].endswith("?"), len(summary.to_pylist()[1]) > 0
(True, True)
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .synth_render import Recipes, render
from .synth_texts import TextPool

__all__ = ["NOTE_PREFIXES", "QUALIFIERS", "QUESTION_FORMS", "entity_texts", "family_rate"]

#: Share of the replaceable words a family replaces (the same way in all its texts) ...
FAMILY_RATE = 0.35
#: ... up to FAMILY_RATE_FROM entities; each tenfold beyond adds FAMILY_RATE_PER_DECADE.
FAMILY_RATE_FROM = 100_000
FAMILY_RATE_PER_DECADE = 0.2
#: Each entity replaces a share of the remaining replaceable words drawn from this range.
MEMBER_RATES = (0.02, 0.20)
#: Family sizes ``s = 1 .. FAMILY_SIZE_MAX`` are drawn with weights ``s ** -FAMILY_SIZE_EXPONENT``.
FAMILY_SIZE_EXPONENT = 2.0
FAMILY_SIZE_MAX = 40
DUPLICATE_SHARE = 0.005
CONTRADICTION_SHARE = 0.001
_JOIN_TITLE = 0.3  # title-like recipes joined from two titles
_JOIN_STATEMENT = 0.3  # statement recipes joined from two sentences
_SAME_SOURCE = 0.4  # a joined second half comes from the same abstract
_QUALIFIED = 0.25  # texts with a qualifier
_DROPPED = 0.2  # texts with a word left out
_SUMMARY_SHARE = {"claim": 0.7, "finding": 0.8, "method": 0.8, "paper": 1.0, "question": 0.4,
                  "note": 0.5}
_TITLE_LIKE = ("paper", "method")

QUALIFIERS = tuple(
    " " + q
    for q in (
        "in mice", "in rats", "in zebrafish", "in adults", "in children", "in older adults",
        "in women", "in men", "in vitro", "in vivo", "in a cohort study",
        "in a randomized trial", "after adjustment for age", "in a meta-analysis",
        "at high doses", "at low doses", "over ten years", "over two years",
        "in cell culture", "in primary tumours", "in healthy volunteers",
        "in hospitalised patients", "in a mouse model", "in human tissue",
        "across three cohorts", "in a pilot study", "in smokers", "after six months",
        "in the first year", "in low-income countries", "in Europe", "in Asia",
    )
)
_EXTRAS = ("", *QUALIFIERS, "?")  # what recipes' qualifier and end refer to
QUESTION_FORMS = (
    "Is it true that ",
    "Does the evidence show that ",
    "Is there evidence that ",
    "How robust is the finding that ",
    "Can we confirm that ",
)
NOTE_PREFIXES = ("", "Note: ", "To check: ", "Follow-up: ", "Open issue: ", "Reviewer: ")


def family_rate(n: int) -> float:
    """Share of the replaceable words a family replaces, in a graph of ``n`` entities.

    Beyond :data:`FAMILY_RATE_FROM` entities the pool's sentences serve more and more
    families; replacing more of their words keeps the number of close pairs per entity
    about flat (wordllama: 3 at 100k, 4 at 1M, instead of 8 with a fixed rate).

    Examples
    --------
    >>> family_rate(10_000), family_rate(100_000), round(family_rate(1_000_000), 2)
    (0.35, 0.35, 0.55)
    """
    decades = max(0.0, math.log10(max(n, 1) / FAMILY_RATE_FROM))
    return min(0.8, FAMILY_RATE + FAMILY_RATE_PER_DECADE * decades)


def _lengths(pool: TextPool, text: np.ndarray) -> np.ndarray:
    return pool.start[text + 1] - pool.start[text]


def _recipes(pool: TextPool, a: np.ndarray, partners: np.ndarray, join: float,
             rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Recipe columns ``(a, ka, b, kb)``.

    Text ``a`` whole, or (share ``join``) its first half joined to the second half of
    ``partners``.
    """
    la, lb = _lengths(pool, a), _lengths(pool, partners)
    joined = (rng.random(len(a)) < join) & (la >= 2) & (partners != a)
    ka = np.where(joined, np.clip(la // 2 + rng.integers(-2, 3, len(a)), 1, la - 1), la)
    kb = np.clip(lb // 2 + rng.integers(-2, 3, len(a)), 0, np.maximum(lb - 1, 0))
    return a, ka, np.where(joined, partners, -1), np.where(joined, kb, 0)


def _families(n: int, rng: np.random.Generator) -> np.ndarray:
    """The family number of each of ``n`` entities (in random order)."""
    sizes_p = np.arange(1.0, FAMILY_SIZE_MAX + 1) ** -FAMILY_SIZE_EXPONENT
    sizes_p /= sizes_p.sum()
    mean = float((np.arange(1, len(sizes_p) + 1) * sizes_p).sum())
    sizes = 1 + rng.choice(len(sizes_p), int(n / mean * 1.2) + 8, p=sizes_p)
    while sizes.sum() < n:  # pragma: no cover - 20 % spare is plenty
        sizes = np.r_[sizes, sizes]
    family = np.repeat(np.arange(len(sizes)), sizes)[:n]
    return family[rng.permutation(n)]


def _same_source(pool: TextPool, text: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Another statement of the source of each statement ``text`` (random if it has none)."""
    statements = pool.statements
    where = np.searchsorted(statements, text)
    group = pool.group[statements]
    lo = np.searchsorted(group, group[where], side="left")
    hi = np.searchsorted(group, group[where], side="right")
    pick = lo + (rng.random(len(text)) * (hi - lo)).astype(np.int64)
    other = statements[pick]
    lonely = (other == text) | (hi - lo < 2)
    other[lonely] = statements[rng.integers(0, len(statements), int(lonely.sum()))]
    return other


def entity_texts(
    pool: TextPool, kind: np.ndarray, kinds: tuple[str, ...], rng: np.random.Generator
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Titles, summaries (``""`` for none) and id texts of entities (see the module docstring).

    ``kind`` holds kind codes, indices in ``kinds``. The id text is the title without the
    wording added to questions and notes.
    """
    n = len(kind)
    code = {k: i for i, k in enumerate(kinds)}
    family = _families(n, rng)
    n_fam = int(family.max()) + 1
    statements, titles = pool.statements, pool.titles
    # the family recipes: title-like T, statements S1 (opening T's abstract) and S2
    t_a = titles[rng.integers(0, len(titles), n_fam)]
    t = _recipes(pool, t_a, titles[rng.integers(0, len(titles), n_fam)], _JOIN_TITLE, rng)
    first = pool.title_summary[np.searchsorted(titles, t_a)]
    s1_a = np.where(first >= 0, first, statements[rng.integers(0, len(statements), n_fam)])
    s2_a = _same_source(pool, s1_a, rng)
    random_partner = statements[rng.integers(0, len(statements), n_fam)]
    partner = np.where(rng.random(n_fam) < _SAME_SOURCE, s2_a, random_partner)
    s1 = _recipes(pool, s1_a, partner, _JOIN_STATEMENT, rng)
    s2 = _recipes(pool, s2_a, statements[rng.integers(0, len(statements), n_fam)],
                  _JOIN_STATEMENT, rng)
    family_key = rng.integers(0, 1 << 62, n_fam)

    title_like = np.isin(kind, [code[k] for k in _TITLE_LIKE if k in code])
    wants = rng.random(n) < np.array([_SUMMARY_SHARE.get(k, 0.5) for k in kinds])[kind]
    wants |= kind == code.get("paper", -1)
    # columns for every entity's title (rows 0..n-1) and summary (rows n..2n-1)
    pick = lambda x, y: np.where(title_like, x[family], y[family])  # noqa: E731
    a = np.r_[pick(t[0], s1[0]), pick(s1[0], s2[0])]
    ka = np.r_[pick(t[1], s1[1]), pick(s1[1], s2[1])]
    b = np.r_[pick(t[2], s1[2]), pick(s1[2], s2[2])]
    kb = np.r_[pick(t[3], s1[3]), pick(s1[3], s2[3])]
    # the key of a family's recipe (T 0, S1 1, S2 2): S1 changes the same way in every role
    recipe = np.r_[np.where(title_like, 0, 1), np.where(title_like, 1, 2)]
    fam = 4 * np.tile(family_key[family], 2) + recipe
    member = rng.integers(0, 1 << 62, 2 * n)
    rate = np.tile(rng.uniform(*MEMBER_RATES, n), 2)
    length = ka + np.where(b >= 0, _lengths(pool, np.maximum(b, 0)) - kb, 0)
    drop = np.where((rng.random(2 * n) < _DROPPED) & (length >= 4),
                    1 + (rng.random(2 * n) * np.maximum(length - 2, 1)).astype(np.int64), -1)
    qualifier = np.where(rng.random(2 * n) < _QUALIFIED,
                         rng.integers(1, len(QUALIFIERS) + 1, 2 * n), 0)
    flip = np.zeros(2 * n, dtype=bool)
    cols = {"a": a, "ka": ka, "b": b, "kb": kb, "family": fam, "member": member, "rate": rate,
            "drop": drop, "qualifier": qualifier}
    _plant(cols, flip, kind, wants, code, pool, rng)

    question, note = kind == code.get("question", -1), kind == code.get("note", -1)
    lower = np.r_[question, np.zeros(n, dtype=bool)]
    end = np.full(2 * n, -1)
    end[:n][question] = len(_EXTRAS) - 1
    recipes = Recipes.of(**cols, flip=flip, lower=lower, end=end)
    rows = np.r_[np.arange(n), n + np.flatnonzero(wants)]
    text = render(pool, recipes.take(rows), family_rate=family_rate(n), extras=_EXTRAS)
    slug = text.slice(0, n)
    prefix = np.full(n, "", dtype=object)
    prefix[question] = np.array(QUESTION_FORMS, dtype=object)[
        rng.integers(0, len(QUESTION_FORMS), int(question.sum()))]
    prefix[note] = np.array(NOTE_PREFIXES, dtype=object)[
        rng.integers(0, len(NOTE_PREFIXES), int(note.sum()))]
    title = pc.binary_join_element_wise(pa.array(prefix.tolist(), type=pa.string()), slug, "")
    where = np.full(n, len(rows) - n, dtype=np.int64)  # the "" appended below
    where[wants] = np.arange(int(wants.sum()))
    summaries = pa.concat_arrays([text.slice(n), pa.array([""], type=pa.string())])
    return title, summaries.take(pa.array(where)), slug


def _plant(cols: dict[str, np.ndarray], flip: np.ndarray, kind: np.ndarray, wants: np.ndarray,
           code: dict[str, int], pool: TextPool, rng: np.random.Generator) -> None:
    """Near-duplicates and contradictions: copy some entities' recipes onto others."""
    n = len(kind)
    n_dup = int(round(DUPLICATE_SHARE * n))
    n_con = int(round(CONTRADICTION_SHARE * n))
    # sources and targets of one kind: the first rows of the kind's shuffled rows
    order = rng.permutation(n)
    order = order[np.argsort(kind[order], kind="stable")]
    counts = np.bincount(kind, minlength=len(code))
    starts = np.cumsum(counts) - counts
    share = counts / n
    statement = [code[k] for k in ("claim", "finding") if k in code]
    share_con = np.where(np.isin(np.arange(len(code)), statement), share, 0.0)
    want = np.round(n_dup * share + n_con * share_con / max(share_con.sum(), 1e-12))
    want = np.minimum(want.astype(np.int64), counts // 2)
    sources = np.concatenate([order[s : s + w] for s, w in zip(starts, want, strict=True)])
    targets = np.concatenate([order[s + w : s + 2 * w] for s, w in zip(starts, want, strict=True)])
    contra = np.flatnonzero(np.isin(kind[sources], statement))[:n_con]
    directed = np.unique(np.searchsorted(  # statements with a direction word
        pool.start, np.flatnonzero(pool.opposite[pool.core] >= 0), side="right") - 1)
    directed = np.intersect1d(directed, pool.statements)
    if len(contra) and len(directed):  # a contradiction restates a whole directed sentence
        s = sources[contra]
        cols["a"][s] = directed[rng.integers(0, len(directed), len(s))]
        cols["ka"][s] = _lengths(pool, cols["a"][s])
        cols["b"][s], cols["kb"][s], cols["drop"][s] = -1, 0, -1
        flip[targets[contra]] = True
    for rows_s, rows_t in ((sources, targets), (sources + n, targets + n)):
        for values in cols.values():
            values[rows_t] = values[rows_s]
    wants[targets] = wants[sources]
    # the other targets: a third exact copies, a third with a word dropped, a third with
    # another qualifier
    edit = np.where(flip[targets], -1, rng.integers(0, 3, len(targets)))
    dropped = targets[edit == 1]
    length = cols["ka"][dropped]
    cols["drop"][dropped] = np.where(length >= 4, length // 2, cols["drop"][dropped])
    changed = targets[edit == 2]
    cols["qualifier"][changed] = rng.integers(1, len(QUALIFIERS) + 1, len(changed))
