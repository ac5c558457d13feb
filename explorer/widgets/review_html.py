"""The HTML of the :class:`~.review.Review`: two entities side by side, words marked.

Every text from the data is escaped once, here, with :func:`~.panes.esc`; the words two
texts share or do not share are then wrapped in ``<mark>`` inside the *escaped* text
(:func:`mark_words`), so a title can never bring its own markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..words import shorten
from .panes import chip, esc

__all__ = ["DIFFERS", "SHARED", "EntitySide", "header_html", "mark_words", "pair_html",
           "split_words", "common_html"]

SHARED = "background:#c8ecc8"  #: style of a word both texts hold
DIFFERS = "background:#ffe08a"  #: style of a word only this text holds
SUMMARY_MAX = 400
LABEL_COLORS = {
    "duplicate": "#8250df", "possible duplicate": "#8250df",
    "possible contradiction": "#cf222e", "candidate edge": "#0969da",
}
_ENTITY = r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);"


def split_words(shared: object, differs: object) -> tuple[list[str], list[str], list[str]]:
    """The shared, a-only and b-only words of a candidate (``shared``, ``differs`` columns).

    Examples
    --------
    >>> split_words("sleep, memory", "improves | impairs, not")
    (['sleep', 'memory'], ['improves'], ['impairs', 'not'])
    >>> split_words(None, "")
    ([], [], [])
    """
    def words(text: object) -> list[str]:
        if not isinstance(text, str):
            return []
        return [w.strip() for w in text.split(",") if w.strip()]

    a_only, _, b_only = (differs if isinstance(differs, str) else "").partition(" | ")
    return words(shared), words(a_only), words(b_only)


def mark_words(text: object, shared: Iterable[str] = (), own: Iterable[str] = ()) -> str:
    """``text`` escaped, with each whole word of ``shared`` and ``own`` in a ``<mark>``.

    Matching ignores case. The words are escaped like the text, and never match inside an
    escape (``&lt;`` holds no word ``lt``).

    Examples
    --------
    >>> mark_words("Sleep improves <b>memory</b>", ["memory", "lt"], ["improves"])
    ... # doctest: +NORMALIZE_WHITESPACE
    'Sleep <mark class="differs" style="background:#ffe08a">improves</mark>
    &lt;b&gt;<mark class="shared" style="background:#c8ecc8">memory</mark>&lt;/b&gt;'
    >>> mark_words("a < b", ["<"])
    'a <mark class="shared" style="background:#c8ecc8">&lt;</mark> b'
    """
    escaped = esc(text)
    style = {esc(w).casefold(): "differs" for w in own if w}
    style.update({esc(w).casefold(): "shared" for w in shared if w})
    if not style:
        return escaped
    words = "|".join(re.escape(w) for w in sorted(style, key=len, reverse=True))
    pattern = re.compile(rf"({_ENTITY})|(?<!\w)({words})(?!\w)", re.IGNORECASE)

    def mark(match: re.Match[str]) -> str:
        found = match.group(0)
        kind = style.get(found.casefold())
        if kind is None:  # an escape that is not itself a marked word
            return found
        colors = SHARED if kind == "shared" else DIFFERS
        return f'<mark class="{kind}" style="{colors}">{found}</mark>'

    return pattern.sub(mark, escaped)


@dataclass
class EntitySide:
    """What the Review shows of one entity of the pair."""

    id: str
    kind: str
    title: str
    summary: str = ""
    sources: list[str] = field(default_factory=list)  #: "Title (year)" of its papers
    role: str = ""  #: "A (kept)" and the like


def side_html(side: EntitySide, shared: Sequence[str], own: Sequence[str]) -> str:
    """One entity's column: kind and id, marked title, summary, source papers."""
    summary = shorten(side.summary, SUMMARY_MAX) if side.summary else ""
    sources = (
        "from " + " · ".join(esc(s) for s in side.sources) if side.sources
        else "no source paper"
    )
    role = f'<b>{esc(side.role)}</b> · ' if side.role else ""
    return (
        '<div class="review-entity" style="flex:1 1 0;min-width:240px;padding:6px 10px;'
        'border:1px solid #d0d7de;border-radius:6px">'
        f'<div style="font-size:12px;color:#57606a">{role}{chip(side.kind)}{esc(side.kind)} · '
        f"<code>{esc(side.id)}</code></div>"
        f'<div class="review-title" style="font-weight:600;margin:4px 0">'
        f"{mark_words(side.title, shared, own)}</div>"
        + (f'<div class="review-summary" style="font-size:13px">'
           f"{mark_words(summary, shared, own)}</div>" if summary else "")
        + f'<div style="font-size:12px;color:#57606a;margin-top:4px">{sources}</div></div>'
    )


def pair_html(a: EntitySide, b: EntitySide, shared_words: object, differs: object) -> str:
    """The two entities side by side, shared words and each side's own words marked."""
    shared, a_only, b_only = split_words(shared_words, differs)
    return (
        '<div style="display:flex;gap:10px;align-items:stretch">'
        + side_html(a, shared, a_only) + side_html(b, shared, b_only) + "</div>"
    )


def header_html(label: object, score: object, cosine: object, reason: object) -> str:
    """The candidate's label (colored), score, cosine and the reason for the label.

    Examples
    --------
    >>> out = header_html("possible contradiction", 0.91, 0.88, "not <x>")
    >>> "0.910" in out and "not &lt;x&gt;" in out and "<x>" not in out
    True
    """
    color = LABEL_COLORS.get(str(label), "#57606a")
    return (
        f'<div><b style="color:{color}">{esc(label)}</b>'
        f" · score {_number(score)} · cosine {_number(cosine)}"
        f' · <span style="color:#57606a">{esc(reason)}</span></div>'
    )


def common_html(titles: Sequence[str], total: int, limit: int = 6) -> str:
    """The neighbors the two entities have in common (first ``limit`` titles).

    Examples
    --------
    >>> common_html(["<b>", "B"], 3)
    '<div style="font-size:12px"><b>Neighbors in common (3):</b> &lt;b&gt; · B · …</div>'
    >>> common_html([], 0)
    '<div style="font-size:12px"><b>Neighbors in common (0)</b></div>'
    """
    if not total:
        return '<div style="font-size:12px"><b>Neighbors in common (0)</b></div>'
    names = [esc(shorten(t, 60)) for t in titles[:limit]]
    if total > len(names):
        names.append("…")
    return (f'<div style="font-size:12px"><b>Neighbors in common ({total:,}):</b> '
            + " · ".join(names) + "</div>")


def _number(value: object) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return "–" if number != number else f"{number:.3f}"
