"""Render text recipes into strings, vectorised: the generator never loops over texts.

A text is a *recipe* over a :class:`~explorer.testing.synth_texts.TextPool`: the first ``ka``
tokens of pool text ``a``, then (``b >= 0``) the tokens of pool text ``b`` from ``kb`` on, then
a qualifier and the final punctuation of the last text used. On the way words are replaced
by others of their class (:func:`~explorer.testing.synth_texts.word_class`), twice:

- a *family* substitution, decided by a hash of ``(family, token)``: texts of one family
  replace the same words by the same words, so they stay alike, while two families built
  on the same pool sentence differ;
- a *member* substitution, decided by a hash of ``(member, token)`` at the text's own rate,
  and of at least one word: the small differences between paraphrases. Two recipes with
  the same keys render the
  same words: a planted near-duplicate is a copy of the recipe plus an edit (a word
  dropped, ``flip``: the first direction word swapped for its opposite).

Every random choice is a hash of the keys, so the output does not depend on how the texts
are split into batches.

Examples
--------
>>> from explorer.testing.synth_texts import pool_from_list
>>> pool = pool_from_list(["Coffee increases alertness in adults.", "Tea calms the mind."])
>>> one = lambda **kw: {"a": [0], "ka": [5], "b": [-1], "kb": [0], "family": [1],
...                     "member": [2], **kw}
>>> render(pool, Recipes.of(**one()), family_rate=0.0).to_pylist()  # one word replaced
['Tea increases alertness in adults.']
>>> render(pool, Recipes.of(**one(flip=[True], drop=[3])), family_rate=0.0).to_pylist()
['Tea decreases alertness adults.']
>>> joined = one(ka=[2], b=[1], kb=[1], qualifier=[1])
>>> render(pool, Recipes.of(**joined), family_rate=0.0, extras=("", " in mice")).to_pylist()
['Tea increases calms the mind in mice.']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .synth_texts import TextPool

__all__ = ["Recipes", "render", "unit_hash"]

_BATCH = 1 << 17  # texts rendered at a time (bounds the memory of the token arrays)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SPREAD = np.uint64(1_000_003)  # key * _SPREAD + token: one hash input per (key, token)


def unit_hash(key: np.ndarray, salt: int) -> np.ndarray:
    """Uniform floats in ``[0, 1)``, a SplitMix64 hash of each integer key (and ``salt``).

    Examples
    --------
    >>> u = unit_hash(np.arange(100_000), 1)
    >>> bool(0 <= u.min() and u.max() < 1), round(float(u.mean()), 2)
    (True, 0.5)
    """
    x = key.astype(np.uint64) * _GOLDEN + np.uint64(salt * 0xD1B54A32D192ED03 % (1 << 64))
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


@dataclass(frozen=True)
class Recipes:
    """Text recipes, one row per text (see the module docstring).

    ``drop`` is the position of a token left out (-1: none; never the last); ``lower``
    lower-cases the first word; ``qualifier`` and ``end`` index the ``extras`` strings of
    :func:`render` (``end`` -1: the final punctuation of the last pool text used).
    """

    a: np.ndarray
    ka: np.ndarray
    b: np.ndarray
    kb: np.ndarray
    family: np.ndarray
    member: np.ndarray
    rate: np.ndarray
    drop: np.ndarray
    flip: np.ndarray
    lower: np.ndarray
    qualifier: np.ndarray
    end: np.ndarray

    @classmethod
    def of(cls, **columns: object) -> Recipes:
        """Recipes from columns; the ones left out take their neutral value."""
        n = len(np.asarray(columns["a"]))
        neutral = {"rate": 0.0, "drop": -1, "flip": False, "lower": False, "qualifier": 0,
                   "end": -1}
        out = {}
        for field in fields(cls):
            array = np.asarray(columns.get(field.name, neutral.get(field.name)))
            out[field.name] = np.full(n, array) if array.ndim == 0 else array
        for name in ("a", "ka", "b", "kb", "drop", "qualifier", "end"):
            out[name] = out[name].astype(np.int64)
        for name in ("family", "member"):
            out[name] = out[name].astype(np.uint64)
        return cls(**out)

    def __len__(self) -> int:
        return len(self.a)

    def take(self, rows: slice | np.ndarray) -> Recipes:
        """The recipes of some rows."""
        return Recipes(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})


def _ranges(start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + n) for s, n in zip(start, length)])``, vectorised."""
    offset = np.cumsum(length) - length
    return np.repeat(start - offset, length) + np.arange(int(length.sum()))


def _pick(pool: TextPool, cls: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A word of class ``cls`` for each uniform ``u`` (distinct words equally likely)."""
    lo = pool.class_start[cls]
    size = pool.class_start[cls + 1] - lo
    return pool.members[lo + (u * size).astype(np.int64)]


def render(
    pool: TextPool, recipes: Recipes, *, family_rate: float, extras: Sequence[str] = ("",)
) -> pa.Array:
    """The text of each recipe, as a string array.

    ``family_rate`` is the share of the replaceable words every text of a family has
    replaced the same way; ``extras`` holds the qualifiers and final punctuation the
    recipes refer to. Batches of texts are rendered on two threads.
    """
    strings = pa.concat_arrays([pool.piece_strings, pa.array(list(extras), type=pa.string())])
    work = lambda lo: _render(  # noqa: E731
        pool, recipes.take(slice(lo, lo + _BATCH)), family_rate, strings)
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as threads:
        parts = list(threads.map(work, range(0, len(recipes), _BATCH)))
    if not parts:
        return pa.array([], type=pa.string())
    return pa.concat_arrays(parts) if len(parts) > 1 else parts[0]


def _tokens(pool: TextPool, r: Recipes, family_rate: float) -> tuple[np.ndarray, ...]:
    """Pool token, word (capitalised or not; -1: dropped) and text of each token."""
    tail = r.b >= 0
    b = np.where(tail, r.b, 0)
    tail_len = np.where(tail, pool.start[b + 1] - pool.start[b] - r.kb, 0)
    seg_start = np.stack([pool.start[r.a], pool.start[b] + r.kb], axis=1).ravel()
    tok = _ranges(seg_start, np.stack([r.ka, tail_len], axis=1).ravel()).astype(np.int32)
    length = r.ka + tail_len
    owner = np.repeat(np.arange(len(r), dtype=np.int32), length)
    first = np.cumsum(length) - length

    core = pool.core[tok]
    cls = pool.word_class[core]
    can = np.flatnonzero(cls >= 0)
    key = r.family[owner[can]] * _SPREAD + tok[can].astype(np.uint64)
    family = unit_hash(key, 1) < family_rate
    hit = can[family]
    core[hit] = _pick(pool, cls[hit], unit_hash(key[family], 2))
    can = can[~family]
    who = owner[can]
    key = r.member[who] * _SPREAD + tok[can].astype(np.uint64)
    member = unit_hash(key, 3) < r.rate[who]
    if len(can):  # and at least one word of its own per text, so paraphrases differ
        new = np.empty(len(can), dtype=bool)
        new[0], new[1:] = True, who[1:] != who[:-1]
        score = unit_hash(key, 5)
        member |= score == np.minimum.reduceat(score, np.flatnonzero(new))[np.cumsum(new) - 1]
    hit = can[member]
    core[hit] = _pick(pool, cls[hit], unit_hash(key[member], 4))

    flipped = np.flatnonzero(r.flip & (length > 0))
    if len(flipped):  # the first direction word of each flipped text
        span = _ranges(first[flipped], length[flipped])
        found = span[pool.opposite[core[span]] >= 0]
        found = found[np.r_[True, owner[found][1:] != owner[found][:-1]]] if len(found) else found
        core[found] = pool.opposite[core[found]]
    cap = pool.cap[tok] & ~pool.initial[tok]  # a sentence's first word inside a text: lower
    lead = first[length > 0]
    cap[lead] = pool.cap[tok[lead]] & ~r.lower[length > 0]
    word = core.astype(np.int64)
    word += pool.n_words * cap
    dropped = np.flatnonzero(r.drop >= 0)
    word[first[dropped] + r.drop[dropped]] = -1
    return tok, word, owner


def _render(pool: TextPool, r: Recipes, family_rate: float, strings: pa.Array) -> pa.Array:
    """Join the pieces of each text.

    Per token: its punctuation before (if any), its word and its punctuation after (if
    any), the last of them with a space unless the token is the text's last; then the
    qualifier and the final punctuation.
    """
    m = len(r)
    tok, word, owner = _tokens(pool, r, family_rate)
    v2, na = 2 * pool.n_words, len(pool.affixes)
    count = np.bincount(owner, minlength=m)
    ends = np.cumsum(count)
    kept = word >= 0  # a dropped token is one empty piece (never a text's last token)
    spaced = kept.copy()
    spaced[ends[count > 0] - 1] = False
    pre, suf = pool.pre[tok], pool.suf[tok]
    has_pre, has_suf = (pre > 0) & kept, (suf > 0) & kept
    # piece ids: words, words + " ", affixes, affixes + " " (see TextPool.piece_strings)
    word_piece = np.where(kept, word + v2 * (spaced & ~has_suf), 2 * v2)
    suf_piece = 2 * v2 + na * spaced + suf
    per_token = 1 + has_pre.astype(np.int64) + has_suf
    first = np.cumsum(per_token) - per_token + 2 * owner
    order = np.empty(int(per_token.sum()) + 2 * m, dtype=np.int64)
    order[first[has_pre]] = 2 * v2 + pre[has_pre]
    order[first + has_pre] = word_piece
    order[(first + has_pre + 1)[has_suf]] = suf_piece[has_suf]
    tail = np.r_[0, np.cumsum(per_token)][ends] + 2 * np.arange(m)
    extra0 = 2 * v2 + 2 * na
    last = np.where(r.b >= 0, r.b, r.a)
    order[tail] = extra0 + r.qualifier
    order[tail + 1] = np.where(r.end >= 0, extra0 + r.end, 2 * v2 + pool.end[last])
    offsets = np.r_[0, tail + 2].astype(np.int32)
    pieces = pa.ListArray.from_arrays(pa.array(offsets), strings.take(pa.array(order)))
    return pc.binary_join(pieces, "")
