"""Typo-tolerant search over entity ids and titles (rapidfuzz)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["TitleIndex", "closest_ids"]


def closest_ids(wanted: str, ids: Sequence[str], limit: int = 3) -> list[str]:
    """The ids most like ``wanted``, best first, for "did you mean" messages.

    Examples
    --------
    >>> closest_ids("claim:abc", ["claim:abd", "paper:xyz", "claim:abc-2"], limit=2)
    ['claim:abc-2', 'claim:abd']
    """
    from rapidfuzz import fuzz, process, utils

    hits = process.extract(
        wanted, ids, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit,
        score_cutoff=50,
    )
    return [hit[0] for hit in hits]


class TitleIndex:
    """Ranked, typo-tolerant lookup of entities by id or title.

    Exact id matches rank first, then titles or ids containing the query (case-insensitive),
    then fuzzy matches: the better of rapidfuzz ``token_set_ratio`` (all the query's words,
    any order) and ``WRatio`` (small typos), on titles and ids.

    Parameters
    ----------
    ids, titles
        Parallel sequences, one item per entity.
    """

    def __init__(self, ids: pd.Index, titles: Sequence[str]) -> None:
        self.ids = ids
        self.titles = titles
        self._folded: list[str] | None = None
        self._id_list: list[str] | None = None

    def _folded_titles(self) -> list[str]:
        if self._folded is None:
            from rapidfuzz import utils

            self._folded = [utils.default_process(str(t)) for t in self.titles]
        return self._folded

    def search(self, query: str, limit: int = 10, min_score: float = 60.0) -> pd.DataFrame:
        """Return the best matches as a frame with columns ``position, score, match``.

        ``score`` is 0-100 (exact id 100, titles containing the query 75-100, fuzzy
        matches below 75); ``match`` says how it matched (``id``, ``title`` or ``fuzzy``).
        """
        from rapidfuzz import fuzz, process, utils

        query = query.strip()
        columns = ["position", "score", "match"]
        if not query:
            return pd.DataFrame(columns=columns)
        found: dict[int, tuple[float, str]] = {}
        if query in self.ids:
            found[int(self.ids.get_loc(query))] = (100.0, "id")
        folded_query = utils.default_process(query)
        folded = self._folded_titles()
        best: dict[int, float] = {}
        for scorer, weight in ((fuzz.token_set_ratio, 1.0), (fuzz.WRatio, 0.9)):
            hits = process.extract(
                folded_query, folded, scorer=scorer, processor=None,
                limit=limit * 3, score_cutoff=min_score,
            )
            for _text, score, position in hits:
                best[position] = max(best.get(position, 0.0), float(score) * weight)
        for position, score in best.items():
            exact = bool(folded_query) and folded_query in folded[position]
            scaled = 75.0 + score / 4.0 if exact else score * 0.75
            found.setdefault(position, (scaled, "title" if exact else "fuzzy"))
        if self._id_list is None:
            self._id_list = self.ids.tolist()
        id_hits = process.extract(
            query, self._id_list, scorer=fuzz.WRatio, processor=utils.default_process,
            limit=limit, score_cutoff=max(min_score, 80),
        )
        for _text, score, position in id_hits:
            inside = query.lower() in self._id_list[position].lower()
            scaled = 75.0 + float(score) / 4.0 if inside else float(score) * 0.75
            if scaled > found.get(position, (0.0, ""))[0]:
                found[position] = (scaled, "id")
        if not found:
            return pd.DataFrame(columns=columns)
        frame = pd.DataFrame(
            [(pos, score, match) for pos, (score, match) in found.items()], columns=columns
        )
        frame = frame.sort_values(["score", "position"], ascending=[False, True], kind="stable")
        return frame.head(limit).reset_index(drop=True)
