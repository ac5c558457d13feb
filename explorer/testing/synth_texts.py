"""The text pool of synthetic graphs: real sentences cut into tokens over one vocabulary.

A :class:`TextPool` holds every sentence the generator draws from as a run of tokens. A token
is a *word* (an id in :attr:`TextPool.words`) with the punctuation stuck to it before and
after (ids in :attr:`TextPool.affixes`) and whether it was capitalised; the final
punctuation of each sentence is kept apart (:attr:`TextPool.end`), so that a qualifier can
go before it and a question can replace it. Words get a *class* for substitution (numbers,
codes such as ``TNF-α``, ``-ing`` words, ``-ed`` words, ``-tion`` nouns, adjectives, plurals,
...): a word is only ever replaced by another of its class, which keeps sentences readable.
Function words and direction words (``increases``, ``lower``, ...) have no class and stay.

The default pool comes from :data:`DEFAULT_TEXTS`, shipped with the package: the claims,
paper titles, opening abstract sentences and evidence notes of SciFact (see ``SOURCE.md``
next to it; ``benchmarks/make_synth_texts.py`` builds it from ``data/scifact``).

Examples
--------
>>> pool = pool_from_list(["Aspirin lowers the risk of stroke (in adults).", "Is it so?"])
>>> render_text(pool, 0)
'Aspirin lowers the risk of stroke (in adults).'
>>> [str(pool.words[w]) for w in pool.core[: pool.start[1]]]
['aspirin', 'lowers', 'the', 'risk', 'of', 'stroke', 'in', 'adults']
"""

from __future__ import annotations

import functools
import json
import lzma
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from .synth_errors import MissingTextsError, SynthError

__all__ = ["DEFAULT_TEXTS", "MAX_WORDS", "TextPool", "load_pool", "pool_from_list", "render_text"]

#: The texts drawn from by default: SciFact sentences and titles, shipped with the package.
DEFAULT_TEXTS = Path(__file__).resolve().parent / "texts" / "scifact.jsonl.xz"

#: Texts of more words are left out of the pool.
MAX_WORDS = 60

_BEFORE = "([{\"'“‘"
_AFTER = ".,;:!?)]}\"'”’…%"
_ENDS = ".?!"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_STOP = frozenset(
    "a about above across after against all almost also although among an and any are as at "
    "be because been before being between both but by can could did do does done due during "
    "each either et etc few for from had has have having here how however if in into is it "
    "its itself many may might most much must neither no nor not of on one only onto or other "
    "our over per rather several should since so some such than that the their them then there "
    "these they this those three through thus to two under upon us using very via was we were "
    "what when where whereas whether which while who whose why will with within without would "
    "yet".split()
)
#: Direction words and their opposites: contradictions swap one; substitution leaves them.
OPPOSITES: dict[str, str] = {
    "increases": "decreases", "decreases": "increases", "increase": "decrease",
    "decrease": "increase", "increased": "decreased", "decreased": "increased",
    "increasing": "decreasing", "decreasing": "increasing", "reduces": "increases",
    "reduce": "increase", "reduced": "increased", "reducing": "increasing",
    "raises": "lowers", "lowers": "raises", "raise": "lower", "higher": "lower",
    "lower": "higher", "promotes": "inhibits", "inhibits": "promotes", "promote": "inhibit",
    "inhibit": "promote", "enhances": "suppresses", "suppresses": "enhances",
    "enhanced": "suppressed", "suppressed": "enhanced", "improves": "worsens",
    "worsens": "improves", "improved": "worsened", "activates": "inhibits",
    "positively": "negatively", "negatively": "positively", "positive": "negative",
    "negative": "positive", "more": "less", "less": "more", "upregulates": "downregulates",
    "downregulates": "upregulates", "up-regulates": "down-regulates",
    "down-regulates": "up-regulates", "greater": "smaller", "accelerates": "slows",
    "slows": "accelerates", "prevents": "causes", "protects": "predisposes",
}
_DIRECTION = frozenset(OPPOSITES) | frozenset(OPPOSITES.values())
#: Word classes, in the order tested: the first suffix rule that matches wins.
CLASSES = ("number", "numeric", "code", "hyphenated", "ing", "ed", "tion", "ity", "adjective",
           "ly", "plural", "other")
_SUFFIXES = (
    ("ing", ("ing",)),
    ("ed", ("ed",)),
    ("tion", ("tion", "sion", "tions", "sions")),
    ("ity", ("ity", "ness", "ment", "ance", "ence", "ism", "ship", "ities", "ments")),
    ("adjective", ("al", "ic", "ous", "ive", "ary", "ar", "ible", "able", "ful", "less", "ent",
                   "ant", "ile")),
    ("ly", ("ly",)),
)


@dataclass(frozen=True, eq=False)
class TextPool:
    """Sentences as token runs: text ``i`` is tokens ``start[i]:start[i + 1]``.

    ``words`` holds ``n_words`` lower-case-first words, then the same words capitalised
    (word ``w`` capitalised is ``w + n_words``). A token renders as ``affixes[pre] +
    words[core (+ n_words if cap)] + affixes[suf]``; text ``i`` is its tokens joined by
    spaces, then ``affixes[end[i]]``. ``word_class`` is each word's class (an index in
    :data:`CLASSES`, -1: never replaced); the words of class ``c`` are
    ``members[class_start[c]:class_start[c + 1]]``, each once.
    ``opposite`` is each direction word's opposite (-1 for other words). ``group`` numbers
    the source of each text (sentences of one abstract share it); ``statements`` and
    ``titles`` are text ids, and ``title_summary[k]`` is the statement opening the summary
    of title ``k`` (-1: none).
    """

    words: np.ndarray
    n_words: int
    affixes: np.ndarray
    word_class: np.ndarray
    members: np.ndarray
    class_start: np.ndarray
    opposite: np.ndarray
    core: np.ndarray
    pre: np.ndarray
    suf: np.ndarray
    cap: np.ndarray
    start: np.ndarray
    end: np.ndarray
    group: np.ndarray
    statements: np.ndarray
    titles: np.ndarray
    title_summary: np.ndarray

    @property
    def n_texts(self) -> int:
        """Number of texts."""
        return len(self.end)

    @functools.cached_property
    def initial(self) -> np.ndarray:
        """Whether each token opens its text."""
        out = np.zeros(len(self.core), dtype=bool)
        out[self.start[:-1][self.start[:-1] < len(self.core)]] = True
        return out

    @functools.cached_property
    def piece_strings(self) -> pa.Array:
        """What rendered texts are joined from.

        :attr:`words`, the same followed by a space, then :attr:`affixes` and the same
        followed by a space.
        """
        words, affixes = self.words.tolist(), self.affixes.tolist()
        spaced = [w + " " for w in words] + affixes + [a + " " for a in affixes]
        return pa.array(words + spaced, type=pa.string())


def _cut(token: str) -> tuple[str, str, str]:
    """``(before, word, after)``: punctuation stuck to the word on either side."""
    i, j = 0, len(token)
    while i < j and token[i] in _BEFORE:
        i += 1
    while j > i and token[j - 1] in _AFTER:
        j -= 1
    return token[:i], token[i:j], token[j:]


def word_class(word: str) -> int:
    """The class of a (lower-case-first) word, or -1 for words that are never replaced.

    Examples
    --------
    >>> [CLASSES[word_class(w)] for w in ("12.5", "20th", "TNF-α", "dose-response", "binding")]
    ['number', 'numeric', 'code', 'hyphenated', 'ing']
    >>> word_class("the"), word_class("increases")
    (-1, -1)
    """
    if word in _STOP or word in _DIRECTION or not any(ch.isalnum() for ch in word):
        return -1
    if _NUMBER.fullmatch(word):
        return CLASSES.index("number")
    if word[0].isdigit():
        return CLASSES.index("numeric")
    if any(ch.isupper() or ch.isdigit() for ch in word):
        return CLASSES.index("code")
    if len(word) <= 2 or not word.isalpha() and "-" not in word:
        return -1
    if "-" in word:
        return CLASSES.index("hyphenated")
    for name, endings in _SUFFIXES:
        if word.endswith(endings) and len(word) > 4:
            if name != "ly" or len(word) > 5 and word[-3] != "i":  # not family, early
                return CLASSES.index(name)
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return CLASSES.index("plural")
    return CLASSES.index("other")


def _class_index(ids: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``ids`` whose class is not -1, sorted by class, and where each class starts."""
    keep = classes >= 0
    order = np.argsort(classes[keep], kind="stable")
    start = np.searchsorted(classes[keep][order], np.arange(len(CLASSES) + 1))
    return ids[keep][order].astype(np.int32), start.astype(np.int64)


def _build(texts: Sequence[str], groups: Sequence[int], titles: Sequence[int],
           title_summary: Sequence[int]) -> TextPool:
    """Tokenise ``texts`` (each with its source number) into a pool."""
    vocabulary: dict[str, int] = {}
    affix: dict[str, int] = {"": 0}
    core: list[int] = []
    pre: list[int] = []
    suf: list[int] = []
    cap: list[bool] = []
    start = [0]
    end: list[int] = []
    seen: dict[str, tuple[int, int, int, bool]] = {}  # a token after the first of its text
    for text in texts:
        tokens = text.split()
        last = ""
        if tokens and tokens[-1][-1] in _ENDS:
            last, tokens[-1] = tokens[-1][-1], tokens[-1][:-1]
            if not tokens[-1]:
                tokens.pop()
        for position, token in enumerate(tokens):
            cut = seen.get(token) if position else None
            if cut is None:
                before, word, after = _cut(token)
                upper = word[:1].isupper() and (word[1:].islower() or word == "A" and not position)
                if upper:
                    word = word[0].lower() + word[1:]
                cut = (vocabulary.setdefault(word, len(vocabulary)),
                       affix.setdefault(before, len(affix)), affix.setdefault(after, len(affix)),
                       upper)
                if position:
                    seen[token] = cut
            core.append(cut[0])
            pre.append(cut[1])
            suf.append(cut[2])
            cap.append(cut[3])
        start.append(len(core))
        end.append(affix.setdefault(last, len(affix)))
    for word in OPPOSITES.values():  # a contradiction may need a word the texts lack
        vocabulary.setdefault(word, len(vocabulary))
    words = list(vocabulary)
    n = len(words)
    classes = np.array([word_class(w) for w in words], dtype=np.int8)
    ids = np.arange(n)
    members, class_start = _class_index(ids, classes)
    opposite = np.full(n, -1, dtype=np.int32)
    for word, other in OPPOSITES.items():
        if word in vocabulary:
            opposite[vocabulary[word]] = vocabulary[other]
    capitalised = [w[:1].upper() + w[1:] for w in words]
    return TextPool(
        words=np.array(words + capitalised, dtype=object),
        n_words=n,
        affixes=np.array(list(affix), dtype=object),
        word_class=classes,
        members=members,
        class_start=class_start,
        opposite=opposite,
        core=np.asarray(core, dtype=np.int32),
        pre=np.asarray(pre, dtype=np.int32),
        suf=np.asarray(suf, dtype=np.int32),
        cap=np.asarray(cap, dtype=bool),
        start=np.asarray(start, dtype=np.int64),
        end=np.asarray(end, dtype=np.int32),
        group=np.asarray(groups, dtype=np.int64),
        statements=np.setdiff1d(np.arange(len(end)), np.asarray(titles, dtype=np.int64)),
        titles=np.asarray(titles, dtype=np.int64),
        title_summary=np.asarray(title_summary, dtype=np.int64),
    )


def _usable(text: object) -> bool:
    return (isinstance(text, str) and any(ch.isalnum() for ch in text)
            and len(text.split()) <= MAX_WORDS)


def pool_from_list(texts: Sequence[str]) -> TextPool:
    """A pool of your own sentences: they serve as statements and as titles, one source.

    Raises
    ------
    SynthError
        If no text is a string with a letter or digit and at most :data:`MAX_WORDS` words.

    Examples
    --------
    >>> pool_from_list(["Sleep improves recall.", "", None]).n_texts
    1
    """
    clean = [" ".join(t.split()) for t in texts if _usable(t)]
    if not clean:
        raise SynthError(
            f"texts holds no usable text ({len(texts)} given): every text is empty, not a "
            f"string, without a letter or digit, or longer than {MAX_WORDS} words. Pass "
            "sentences."
        )
    pool = _build(clean, [0] * len(clean), [], [])
    everything = np.arange(len(clean), dtype=np.int64)
    return TextPool(**{**pool.__dict__, "statements": everything, "titles": everything,
                       "title_summary": np.full(len(clean), -1, dtype=np.int64)})


@functools.lru_cache(maxsize=2)
def _load_cached(path: str, mtime_ns: int) -> TextPool:
    texts: list[str] = []
    groups: list[int] = []
    titles: list[int] = []
    title_summary: list[int] = []
    with lzma.open(path, "rt", encoding="utf-8") as lines:
        for source, line in enumerate(lines):
            record = json.loads(line)
            sentences = [s for s in record.get("sentences", ()) if _usable(s)]
            title = record.get("title")
            if isinstance(title, str) and _usable(title):
                titles.append(len(texts))
                title_summary.append(len(texts) + 1 if sentences else -1)
                texts.append(title)
                groups.append(source)
            texts.extend(sentences)
            groups.extend([source] * len(sentences))
    if not texts:
        raise MissingTextsError(f"{path} holds no usable text. Pass texts=[...] instead.")
    return _build(texts, groups, titles, title_summary)


def load_pool(path: str | Path = DEFAULT_TEXTS) -> TextPool:
    """The pool of a texts file (xz'd JSON lines, as ``benchmarks/make_synth_texts.py`` writes).

    Each line is a source: ``{"kind": ..., "title": ... or null, "sentences": [...]}``. A
    title's summary opens with the first sentence of its line. Loaded once per file.

    Raises
    ------
    MissingTextsError
        If the file is not there.

    Examples
    --------
    >>> pool = load_pool()
    >>> len(pool.titles) > 5_000 and len(pool.statements) > 9_000
    True
    """
    file = Path(path)
    if not file.is_file():
        raise MissingTextsError(
            f"The default texts for synthetic graphs come from {file}, which is not there "
            "(it ships with the package: reinstall it, or rebuild the file with "
            "benchmarks/make_synth_texts.py). Or pass your own sentences: "
            "synthesize(n, texts=[...])."
        )
    return _load_cached(str(file), file.stat().st_mtime_ns)


def render_text(pool: TextPool, text: int) -> str:
    """Text ``text`` of the pool as a string (for inspection; generation renders in bulk)."""
    lo, hi = int(pool.start[text]), int(pool.start[text + 1])
    core = pool.core[lo:hi] + pool.n_words * pool.cap[lo:hi]
    tokens = [
        pool.affixes[p] + pool.words[w] + pool.affixes[s]
        for p, w, s in zip(pool.pre[lo:hi], core, pool.suf[lo:hi], strict=True)
    ]
    return " ".join(tokens) + pool.affixes[pool.end[text]]
