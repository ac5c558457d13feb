"""What one focus computes once, shared by the Explorer's card, table and graph.

A focus change used to compute the neighborhood twice (card, table) and the similar list
twice (card, graph). :class:`FocusMemo` keeps them for the current focus: one ranking of the
neighbors (:class:`~explorer.core.neighborhood.NeighborRanking`), from which the card takes
the top of each kind and the table its first page, and one similar list, which the card
lists and the graph draws. Everything is dropped when the focus moves or the graph changes
(a decision, a merge, new vectors).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..core.neighborhood import NeighborRanking

if TYPE_CHECKING:
    from ..knowledge_graph import KnowledgeGraph

__all__ = ["FocusMemo"]


class FocusMemo:
    """The neighborhoods and similar lists of one focus, each computed once.

    Examples
    --------
    >>> import explorer
    >>> kg = explorer.load("data/example")
    >>> memo = FocusMemo(kg)
    >>> claim = kg.find("learned features reflect").iloc[0]["id"]
    >>> memo.ranking(claim) is memo.ranking(claim)
    True
    >>> memo.neighborhood(claim).equals(kg.neighborhood(claim))
    True
    """

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self._state: tuple[Any, ...] = ()
        self._values: dict[Hashable, Any] = {}

    def clear(self) -> None:
        """Forget everything (the next call computes again)."""
        self._values = {}

    def ranking(self, entity_id: str, kinds: list[str] | None = None,
                relations: list[str] | None = None) -> NeighborRanking:
        """The ranked neighbors of ``entity_id`` (with these filters), computed once."""
        key = ("ranking", entity_id, _key(kinds), _key(relations))
        return self._get(entity_id, key, lambda: NeighborRanking.rank(
            self.kg, entity_id, kinds=kinds, relations=relations))

    def neighborhood(self, entity_id: str, kinds: list[str] | None = None,
                     relations: list[str] | None = None) -> pd.DataFrame:
        """``kg.neighborhood(entity_id, kinds=..., relations=...)``, computed once.

        Every row of :meth:`ranking` (the same ranking: nothing is ranked again).
        """
        return self.ranking(entity_id, kinds, relations).whole

    def similar(self, entity_id: str, min_cosine: float) -> pd.DataFrame:
        """``kg.similar(entity_id, min_cosine)``, computed once."""
        key = ("similar", entity_id, float(min_cosine))
        return self._get(entity_id, key, lambda: self.kg.similar(entity_id, min_cosine=min_cosine))

    def _get(self, entity_id: str, key: Hashable, compute: Callable[[], Any]) -> Any:
        kg = self.kg
        # The objects a decision or new vectors replace: any change and nothing is kept.
        state = (entity_id, kg.entities, kg.edges, getattr(kg, "_overlay", None),
                 getattr(kg, "_similarity", None))
        if len(state) != len(self._state) or any(
                a is not b for a, b in zip(state, self._state, strict=True)):
            self._state, self._values = state, {}
        if key not in self._values:
            self._values[key] = compute()
        return self._values[key]


def _key(values: list[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)
