"""Typo-tolerant search over entity ids and titles.

A word index (:mod:`.title_words`) is built on first use, a chunk of titles at a time:
each title's words, a vocabulary, and for each word the titles that hold it. A query's
words are matched against the vocabulary with rapidfuzz (so ``lerning`` finds
``learning``), titles are scored by how many of the query's words they hold and how
closely, and only the best few hundred are re-scored with rapidfuzz against the whole
query. The cost grows with the number of titles that share
the query's words, not with the size of the graph.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading

import numpy as np
import pandas as pd

from ..suggest import MAX_CHOICES
from .title_words import build_word_index

__all__ = ["QUICK_ABOVE", "TitleIndex"]

_WORD = re.compile(r"\w+")
_RESCORE = 300
logger = logging.getLogger(__name__)

#: Above this many titles, a search made before the word index is built is answered by a
#: quick scan (whole words, no typo tolerance) while the index builds in the background.
QUICK_ABOVE = 100_000


class TitleIndex:
    """Ranked, typo-tolerant lookup of entities by id or title.

    An exact id ranks first (score 100); then titles or ids containing the whole query
    (75-100); then titles holding the query's words, allowing small typos (below 75).

    Parameters
    ----------
    ids
        Entity ids by position.
    titles
        Titles by position.
    """

    def __init__(self, ids: pd.Index, titles: pd.Series) -> None:
        self.ids = ids
        self._title_series = titles
        self.titles = titles.to_numpy(dtype=object)
        self._built = False
        self._lock = threading.Lock()  # held while building
        self._starting = threading.Lock()  # held while starting the thread
        self._thread: threading.Thread | None = None
        self._arrow: dict[str, object] = {}

    @property
    def ready(self) -> bool:
        """Whether the word index is built (searches are then typo-tolerant)."""
        return self._built

    def build_in_background(self) -> None:
        """Start building the word index in a thread (once); searches meanwhile are quick."""
        with self._starting:  # not the build's lock: a search must not wait for the build
            if self._built or self._thread is not None:
                return
            self._thread = threading.Thread(target=self._build_logged, daemon=True,
                                            name="explorer-title-index")
            self._thread.start()

    def _build_logged(self) -> None:
        _lower_priority()
        try:
            self._build(pause=0.002)
        except Exception:  # noqa: BLE001 - a thread's error must be seen, not lost
            logger.exception("Building the title index failed; searches stay quick scans.")

    def _arrow_array(self, name: str) -> object:
        """Titles or ids as one Arrow string array (converted once)."""
        import pyarrow as pa

        if name not in self._arrow:
            if name == "ids":
                self._arrow[name] = pa.array(self.ids.to_numpy(dtype=object),
                                             type=pa.large_string())
            else:
                array = self._title_series.array
                self._arrow[name] = (
                    array.__arrow_array__() if hasattr(array, "__arrow_array__")
                    else pa.array(self.titles, type=pa.large_string())
                )
        return self._arrow[name]

    def _build(self, pause: float = 0.0) -> None:
        with self._lock:
            if not self._built:
                self._words = build_word_index(self._arrow_array("titles"), pause=pause)
                self._vocabulary = self._words.vocabulary
                self._word_code = {word: code for code, word in enumerate(self._vocabulary)}
                self._built = True

    def _word_scores(self, token: str) -> list[tuple[int, float]]:
        """Vocabulary words matching one query word: exact, or close for longer words."""
        from rapidfuzz import fuzz, process

        found = []
        if token in self._word_code:
            found.append((self._word_code[token], 100.0))
        if len(token) >= 4:
            for _word, score, code in process.extract(
                token, self._vocabulary, scorer=fuzz.ratio, limit=20, score_cutoff=80
            ):
                if not found or code != found[0][0]:
                    found.append((code, float(score)))
        return found

    def search(self, query: str, limit: int = 10) -> pd.DataFrame:
        """Return the best matches as a frame with columns ``position, score, match``."""
        from rapidfuzz import fuzz, utils

        query = query.strip()
        columns = ["position", "score", "match"]
        if not query:
            return pd.DataFrame(columns=columns)
        if not self._built:
            if len(self.titles) > QUICK_ABOVE:
                self.build_in_background()
                return self._quick_search(query, limit)
            self._build()
        found: dict[int, tuple[float, str]] = {}
        if query in self.ids:
            found[int(self.ids.get_loc(query))] = (100.0, "id")

        tokens = list(dict.fromkeys(_WORD.findall(query.lower())))
        n = len(self.titles)
        if tokens and n:
            total = np.zeros(n, dtype=np.float32)
            for token in tokens:
                best = np.zeros(n, dtype=np.float32)
                for code, score in self._word_scores(token):
                    rows = self._words.rows(code)
                    best[rows] = np.maximum(best[rows], score)
                total += best
            total /= len(tokens)
            hits = np.flatnonzero(total > 0)
            if len(hits) > _RESCORE:
                hits = hits[np.argpartition(-total[hits], _RESCORE)[:_RESCORE]]
            folded_query = utils.default_process(query)
            for position in hits.tolist():
                title = utils.default_process(str(self.titles[position]))
                whole = max(fuzz.token_set_ratio(folded_query, title),
                            0.9 * fuzz.WRatio(folded_query, title))
                score = 0.6 * float(total[position]) + 0.4 * whole
                if folded_query and folded_query in title:
                    found.setdefault(position, (75.0 + score / 4.0, "title"))
                elif score >= 50:
                    found.setdefault(position, (score * 0.75, "fuzzy"))

        if ":" in query or len(found) < limit:
            self._search_ids(query, found, limit)
        if not found:
            return pd.DataFrame(columns=columns)
        frame = pd.DataFrame(
            [(pos, score, match) for pos, (score, match) in found.items()], columns=columns
        )
        frame = frame.sort_values(["score", "position"], ascending=[False, True], kind="stable")
        return frame.head(limit).reset_index(drop=True)

    def _quick_search(self, query: str, limit: int) -> pd.DataFrame:
        """Titles holding the query's words (case-insensitive substrings): no index needed."""
        import pyarrow.compute as pc

        columns = ["position", "score", "match"]
        found: dict[int, tuple[float, str]] = {}
        if query in self.ids:
            found[int(self.ids.get_loc(query))] = (100.0, "id")
        tokens = list(dict.fromkeys(_WORD.findall(query.lower())))
        titles = self._arrow_array("titles")
        if tokens:
            total = np.zeros(len(self.titles), dtype=np.float32)
            for token in tokens:
                hit = pc.match_substring(titles, token, ignore_case=True)
                total += np.asarray(hit.to_numpy(zero_copy_only=False), dtype=np.float32)
            best = np.flatnonzero(total == total.max()) if total.max() > 0 else []
            for position in list(best)[: limit * 3]:
                found.setdefault(int(position), (75.0 * float(total[position]) / len(tokens),
                                                 "quick"))
        if ":" in query or len(found) < limit:
            self._search_ids(query, found, limit)
        frame = pd.DataFrame(
            [(pos, score, match) for pos, (score, match) in found.items()], columns=columns
        )
        frame = frame.sort_values(["score", "position"], ascending=[False, True], kind="stable")
        return frame.head(limit).reset_index(drop=True)

    def _search_ids(self, query: str, found: dict[int, tuple[float, str]], limit: int) -> None:
        """Ids that contain the query (vectorised), then close ids on small graphs."""
        import pyarrow.compute as pc
        from rapidfuzz import fuzz, process, utils

        ids = self._arrow_array("ids")
        inside = pc.match_substring(ids, query, ignore_case=True).to_numpy(zero_copy_only=False)
        for position in np.flatnonzero(inside)[: limit * 3].tolist():
            text = str(self.ids[position])
            score = 75.0 + fuzz.ratio(query.lower(), text.lower()) / 4.0
            if score > found.get(position, (0.0, ""))[0]:
                found[position] = (score, "id")
        if len(self.ids) <= MAX_CHOICES and len(found) < limit:
            for _text, score, position in process.extract(
                query, self.ids.tolist(), scorer=fuzz.WRatio, processor=utils.default_process,
                limit=limit, score_cutoff=80,
            ):
                found.setdefault(position, (float(score) * 0.75, "id"))


def _lower_priority() -> None:
    """Give the calling thread a lower CPU priority (Linux: per thread), where possible."""
    if not sys.platform.startswith("linux"):  # elsewhere the id names a process, not a thread
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):  # not Linux, or not allowed: build at normal priority
        pass
