"""Rule 3's reason: which numbers only one text of a pair has ("numbers differ: 2010 | 2017").

Each text's numbers are kept as one string of its sorted numbers, space-separated
(:class:`~explorer.analysis.pair_labels.PairTexts`); these functions compare two such
strings, for one pair or for millions at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["numbers_reason", "numbers_reasons"]


def numbers_reasons(a: np.ndarray | pa.Array, b: np.ndarray | pa.Array) -> np.ndarray:
    """:func:`numbers_reason` of each ``a[k], b[k]`` (strings: numpy or Arrow arrays).

    Where each side has one number at most (no space), joined in Arrow; elsewhere computed
    once per distinct pair.

    Examples
    --------
    >>> numbers_reasons(np.array(["2010", "1 2 2"], dtype=object),
    ...                 np.array(["2017", "2"], dtype=object)).tolist()
    ['numbers differ: 2010 | 2017', 'numbers differ: 1 2 | none']
    """
    out = np.empty(len(a), dtype=object)
    arrow_a, arrow_b = (x.cast(pa.string()) if isinstance(x, pa.Array)
                        else pa.array(x, pa.string()) for x in (a, b))
    several = pc.or_(pc.match_substring(arrow_a, " "), pc.match_substring(arrow_b, " "))
    several = np.asarray(several, dtype=bool)
    simple = np.flatnonzero(~several)
    if len(simple):
        sides = [pc.if_else(pc.equal(x, ""), "none", x).take(pa.array(simple))
                 for x in (arrow_a, arrow_b)]
        joined = pc.binary_join_element_wise("numbers differ:", pc.binary_join_element_wise(
            *sides, " | "), " ")
        out[simple] = joined.to_numpy(zero_copy_only=False)
    rest = np.flatnonzero(several)
    if len(rest):
        out[rest] = _distinct_reasons(
            *(x.take(pa.array(rest)).to_numpy(zero_copy_only=False) for x in (arrow_a, arrow_b)))
    return out


def _distinct_reasons(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:func:`numbers_reason` of each ``a[k], b[k]``, computed once per distinct pair."""
    codes, numbers = pd.factorize(np.concatenate([a, b]))
    pair_codes, pairs = pd.factorize(codes[:len(a)].astype(np.int64) * len(numbers)
                                     + codes[len(a):])
    first, second = np.divmod(pairs, max(len(numbers), 1))
    each = [numbers_reason(x, y) for x, y in zip(numbers[first], numbers[second], strict=True)]
    return np.array(each, dtype=object)[pair_codes] if len(a) else np.zeros(0, dtype=object)


def numbers_reason(a: str, b: str) -> str:
    """The reason of rule 3: the numbers only in a | only in b (multisets).

    Examples
    --------
    >>> numbers_reason("3 5", "5")
    'numbers differ: 3 | none'
    """
    if " " in a or " " in b:
        la, lb = a.split(), b.split()
        sa, sb = set(la), set(lb)
        if len(sa) == len(la) and len(sb) == len(lb):  # no number twice: sets will do
            a, b = " ".join(x for x in la if x not in sb), " ".join(x for x in lb if x not in sa)
        else:  # multisets: each number of a takes one equal number of b, if any is left
            rest, only_a = list(lb), []
            for x in la:
                if x in rest:
                    rest.remove(x)
                else:
                    only_a.append(x)
            a, b = " ".join(only_a), " ".join(rest)
    return f"numbers differ: {a or 'none'} | {b or 'none'}"
