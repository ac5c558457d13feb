"""The words behind the pair labels: negations, opposite directions, stop words.

A curator can read these lists to know exactly what ``possible contradiction`` means: two
near-identical texts whose differing words include a negation on one side only, or a word
and its opposite (a pair below, in any of its inflections, or a prefixed form).
"""

from __future__ import annotations

import functools

__all__ = [
    "NEGATIONS", "OPPOSITES", "PREFIX_OPPOSITES", "REVERSED_EXTRA", "STOP_WORDS", "counterparts",
    "opposition", "reversed_by",
]

NEGATIONS = frozenset(
    "not no never nor neither none nothing without lack lacks lacked lacking absence absent"
    " fail fails failed failing cannot cant dont doesnt didnt isnt arent wasnt werent wont"
    " hasnt havent hadnt shouldnt wouldnt couldnt non unable".split()
)
_VERBS = (  # each in four forms: increase(s), increased, increasing
    "increase decrease|increase reduce|promote inhibit|activate suppress|activate inhibit|"
    "stimulate inhibit|improve worsen|raise lower|enhance reduce|enhance impair|"
    "upregulate downregulate|induce repress|accelerate slow|elevate lower|elevate reduce|"
    "elevate decrease"
)
_OTHERS = (
    "higher lower|high low|more less|more fewer|most least|greater smaller|greater lesser|"
    "larger smaller|bigger smaller|promotion inhibition|activation inhibition|"
    "activation suppression|activator inhibitor|activators inhibitors|stimulation inhibition|"
    "improvement worsening|upregulation downregulation|induction repression|"
    "positive negative|positively negatively|gain loss|gains losses|up down|above below|"
    "over under|faster slower|strong weak|stronger weaker|strongly weakly|longer shorter|"
    "earlier later|present absent|presence absence|sensitive resistant|"
    "sensitivity resistance|agonist antagonist|agonists antagonists|maximum minimum|"
    "always never|all none|better worse|best worst|superior inferior|success failure|"
    "benefit harm|beneficial harmful|< >|≤ ≥"
)


def _forms(verb: str) -> tuple[str, ...]:
    stem = verb[:-1] if verb.endswith("e") else verb
    return verb, verb + ("es" if verb.endswith("ss") else "s"), stem + "ed", stem + "ing"


OPPOSITES: dict[str, frozenset[str]] = {}
for _a, _b in [p.split() for p in _OTHERS.split("|")] + [
    f for p in _VERBS.split("|") for f in zip(*map(_forms, p.split()), strict=True)
]:
    OPPOSITES[_a] = OPPOSITES.get(_a, frozenset()) | {_b}
    OPPOSITES[_b] = OPPOSITES.get(_b, frozenset()) | {_a}
#: A word and its prefixed form are opposites when what follows the prefix has 4+ letters.
PREFIX_OPPOSITES = (
    ("", "un"), ("", "non"), ("", "in"), ("", "im"), ("", "anti"), ("pro", "anti"),
    ("hyper", "hypo"), ("over", "under"), ("up", "down"),
)
_EMPTY_PREFIXED = tuple(q for p, q in PREFIX_OPPOSITES if not p)
_PREFIXES = tuple({x for pq in PREFIX_OPPOSITES for x in pq if x})
STOP_WORDS = frozenset(
    "a an the and or but if then than that this these those it its itself of in on at to for"
    " with by from as into onto upon via is are was were be been being am do does did doing"
    " done has have had having can could may might will would should shall must also both"
    " each such there here so very too between among during after before about through"
    " within across per vs versus i you he she we they me him her us them my your his our"
    " their which who whom whose what when where while how why other another some any only"
    " same own just because since whether either et al eg ie etc".split()
) - NEGATIONS - OPPOSITES.keys()


@functools.lru_cache(maxsize=1 << 16)
def counterparts(word: str) -> frozenset[str]:
    """The words that are opposite to ``word`` (the dict, then the prefixes)."""
    found = set(OPPOSITES.get(word, ()))
    if len(word) >= 4:
        found.update(q + word for q in _EMPTY_PREFIXED)
    if word.startswith(_PREFIXES):
        for p, q in PREFIX_OPPOSITES:
            for x, y in ((p, q), (q, p)):
                if x and word.startswith(x) and len(word) - len(x) >= 4:
                    found.add(y + word[len(x):])
    return frozenset(found)


#: Pairs found reading SciFact's errors: worded alike with the direction reversed.
REVERSED_EXTRA = frozenset({
    ("induce", "suppress"), ("promote", "suppress"), ("different", "similar"),
    ("different", "same"), ("vulnerable", "resistant"), ("susceptible", "resistant"),
})
_SUFFIXES = (("s", ""), ("es", ""), ("ed", ""), ("ed", "e"), ("d", ""), ("ing", ""),
             ("ing", "e"), ("tion", "ce"), ("tion", "e"), ("ion", ""), ("ion", "e"))


@functools.lru_cache(maxsize=1 << 16)
def _bases(word: str) -> frozenset[str]:
    """The word and its stems without a common suffix ("increased" -> "increase", ...)."""
    out = {word}
    for suffix, add in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            out.add(word[: len(word) - len(suffix)] + add)
    return frozenset(out)


@functools.lru_cache(maxsize=1 << 16)
def _opposite(x: str, y: str) -> bool:
    bx, by = _bases(x), _bases(y)
    return any(OPPOSITES.get(w, frozenset()) & by for w in bx) or any(
        (u, v) in REVERSED_EXTRA or (v, u) in REVERSED_EXTRA for u in bx for v in by
    )


def reversed_by(differs: str) -> tuple[str, str] | None:
    """The first pair of words, one on each side of ``differs``, opposite in any inflection.

    ``differs`` is the ``"a-only | b-only"`` column of the candidates.

    Examples
    --------
    >>> reversed_by("decrease | increases")
    ('decrease', 'increases')
    >>> reversed_by("mice | rats") is None
    True
    """
    sides = differs.split(" | ")
    if len(sides) != 2:
        return None
    xs = [x for x in sides[0].split(", ") if _may_oppose(x)]
    ys = [y for y in sides[1].split(", ") if _may_oppose(y)] if xs else ()
    for x in xs:
        for y in ys:
            if _opposite(x, y):
                return x, y
    return None


_EXTRA_WORDS = frozenset(w for pair in REVERSED_EXTRA for w in pair)
_OPPOSED = frozenset().union(*OPPOSITES.values())


@functools.lru_cache(maxsize=1 << 18)
def _may_oppose(word: str) -> bool:
    """Whether ``word`` can be one side of :func:`_opposite` (a base in a pair of opposites)."""
    return any(b in OPPOSITES or b in _OPPOSED or b in _EXTRA_WORDS for b in _bases(word))


def opposition(
    a_marks: list[str], b_marks: list[str], few: tuple[list[str], list[str]] | None,
    near: bool, max_other: int,
) -> tuple[str, bool] | None:
    """Rule 4 for one pair: (reason, nearly alike?), or None if the difference is not opposite.

    ``a_marks``, ``b_marks``: each side's differing negations and words with an opposite;
    ``few``: all the differing words when there are few enough to count (else None);
    ``near``: whether the texts are worded nearly alike by their lexical ratio; else they
    are when at most ``max_other`` differing words are neither marks nor inflections
    (same first 4 letters) of a word on the other side.

    Examples
    --------
    >>> opposition(["increases"], ["decreases"], (["increases"], ["decreases"]), False, 1)
    ('differs by direction: increases | decreases', True)
    >>> opposition(["not"], ["not"], None, True, 1) is None
    True
    """
    b_set = set(b_marks)
    # Sorted: the same reason whichever texts were read before (a_marks follow rarity).
    pairs = sorted((w, v) for w in a_marks for v in counterparts(w) & b_set)
    neg_a = sorted(w for w in a_marks if w in NEGATIONS)
    neg_b = sorted(w for w in b_marks if w in NEGATIONS)
    if pairs:
        reason = "differs by direction: {} | {}".format(*pairs[0])
    elif bool(neg_a) != bool(neg_b):
        reason = "differs by negation: " + ", ".join(neg_a or neg_b)
    else:
        return None
    if not near and few is not None:
        marks = NEGATIONS.union(*pairs)
        other = [w for side, rest in (few, few[::-1]) for w in side if w not in marks
                 and not (len(w) >= 4 and any(w[:4] == o[:4] for o in rest))]  # inflections
        near = len(other) <= max_other
    return reason, near
