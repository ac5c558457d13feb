"""The review queue widget, driven by its buttons on a copy of the example data (no browser)."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
import pytest

import explorer
from conftest import EXAMPLE
from explorer.curation import CurationError
from explorer.widgets.explorer import Explorer
from explorer.widgets.review import Review
from explorer.widgets.review_html import mark_words, split_words
from explorer.widgets.review_queue import ReviewQueue, pair_frame

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>window.__pwned=1</script>"


@pytest.fixture
def folder(tmp_path):
    """A copy of the example data: decisions are written beside it, never into data/."""
    return shutil.copytree(EXAMPLE, tmp_path / "example")


@pytest.fixture
def kg(folder):
    return explorer.load(folder)


@pytest.fixture
def review(kg):
    return Review(kg)


def html_values(widget) -> list[str]:
    found = [widget.value] if isinstance(widget, widgets.HTML) else []
    for child in getattr(widget, "children", ()):
        found.extend(html_values(child))
    return found


def neighbor_ids(kg, entity_id) -> set[str]:
    return set(kg.neighborhood(entity_id)["id"])


# ------------------------------------------------------------------------ building


def test_it_shows_the_best_candidate_first(review, kg):
    assert len(review.queue) == len(kg.candidates(per_entity=10)) > 3
    row = review.current
    assert (row["id_a"], row["id_b"]) == review.pair
    assert "claim-review" in review._dom_classes
    a, b = (kg.entity(i) for i in review.pair)
    shown = html.unescape(review.pair_pane.value)
    assert a["kind"] in shown and b["kind"] in shown
    assert review.pair[0] in shown and review.pair[1] in shown
    assert row["label"] in review.header.value
    assert f"{row['score']:.3f}" in review.header.value
    assert "Neighbors in common (" in review.common.value
    assert "0 of " in review.progress.value and "reviewed" in review.progress.value
    assert review.relation.value == row["relation"]
    assert set(kg.edges["relation"].cat.categories) <= set(review.relation.options)
    assert review.undo_button.disabled and not review.accept_button.disabled


def test_shared_and_differing_words_are_marked(review):
    row = review.current
    shared, a_only, _ = split_words(row["shared"], row["differs"])
    marked = review.pair_pane.value
    for word in shared[:1] + a_only[:1]:
        assert f">{word}</mark>".lower() in marked.lower()


def test_buttons_name_their_keys(review):
    assert review.accept_button.description == "Accept (a)"
    assert "key a" in review.accept_button.tooltip
    assert "key n" in review.next_button.tooltip


def test_one_entity_queue(kg):
    claim = kg.find("learned features reflect").iloc[0]["id"]
    review = Review(kg, entity=claim)
    assert len(review.queue) == len(kg.similar(claim)) > 0
    assert set(review.queue.pairs["id_a"]) == {claim}
    assert review.pair[0] == claim


def test_an_empty_queue_says_so(kg):
    review = Review(kg, kg.candidates().iloc[0:0])
    assert review.current is None and review.pair is None
    assert "No candidate" in review.pair_pane.value
    assert review.accept_button.disabled
    review.accept()
    assert "Nothing left" in review.status.value


# ----------------------------------------------------------------------- decisions


def test_accept_adds_the_edge_at_once(review, kg):
    a, b = review.pair
    seen = []
    review.on_decision = seen.append
    review.relation.value = "supports"
    review.accept_button.click()
    assert b in neighbor_ids(kg, a)
    assert "supports" in kg.relations_between(a, b)
    assert html.escape(kg.entity(b)["title"]) in kg.card(a, similar=False)._repr_html_()
    assert [d.kind for d in seen] == ["accept"] and seen[0].relation == "supports"
    assert "1 of " in review.progress.value
    assert review.pair != (a, b)
    assert "Accepted" in review.status.value and not review.undo_button.disabled
    assert kg.decisions["kind"].tolist() == ["accept"]


def test_reject_removes_the_pair_from_the_queue(review, kg):
    row, pair = review.queue.current, review.pair
    review.reject_button.click()
    assert row not in review.queue.pending
    assert review.pair != pair
    assert "1 of " in review.progress.value
    assert frozenset(pair) not in {
        frozenset(p) for p in zip(kg.candidates()["id_a"], kg.candidates()["id_b"], strict=True)
    }


def test_merge_keeps_a_and_drops_b_or_the_other_way(kg):
    review = Review(kg)
    a, b = review.pair
    assert "keeps <b>A</b>" in review.merge_note.value
    review.merge_button.click()
    assert kg.resolve(b) == a and b not in kg
    assert review.decisions[-1].kind == "merge"
    c, d = review.pair
    review.swap.value = True
    assert "keeps <b>B</b>" in review.merge_note.value
    review.merge()
    assert kg.resolve(c) == d


def test_undo_restores_the_graph_and_the_pair(review, kg):
    a, b = review.pair
    before = neighbor_ids(kg, a)
    review.accept()
    review.undo_button.click()
    assert neighbor_ids(kg, a) == before
    assert review.pair == (a, b)
    assert "0 of " in review.progress.value
    assert review.undo_button.disabled
    assert "Undone" in review.status.value
    review.merge()
    review.undo()
    assert kg.resolve(b) == b and b in kg
    assert review.pair == (a, b)
    review.undo()
    assert "Nothing to undo" in review.status.value


def test_defer_moves_on_and_a_new_review_skips_it(review, kg):
    pair = review.pair
    review.defer_button.click()
    assert review.pair != pair
    assert frozenset(pair) not in {
        frozenset((r.id_a, r.id_b)) for r in Review(kg).queue.pairs.itertuples()
    }


def test_next_and_previous_walk_the_pending_pairs(review):
    first = review.pair
    review.next_button.click()
    second = review.pair
    assert second != first
    review.previous_button.click()
    assert review.pair == first
    review.previous()  # wraps to the last pending pair
    assert review.queue.current == review.queue.pending[-1]


def test_keys_run_the_actions(review):
    pair = review.pair
    review.shortcuts.pressed = "r"
    assert review.shortcuts.pressed == ""  # cleared for the next key
    assert review.decisions[-1].kind == "reject" and review.pair != pair
    review.shortcuts.pressed = "u"
    assert review.pair == pair
    review.shortcuts.pressed = "s"
    assert review.swap.value is True


# ------------------------------------------------------------------------- errors


def test_an_invalid_relation_shows_in_the_status_line(review, kg):
    pair = review.pair
    assert review.accept("not a relation!") is None
    assert "ParameterError" in review.status.value
    assert review.pair == pair and kg.decisions.empty


def test_a_refused_merge_shows_in_the_status_line(review, kg, monkeypatch):
    def refuse(keep, drop, **fields):
        raise CurationError(f"Cannot merge {drop!r} <now>")

    monkeypatch.setattr(kg, "merge", refuse)
    pair = review.pair
    review.merge_button.click()
    assert "CurationError: Cannot merge" in review.status.value
    assert "&lt;now&gt;" in review.status.value
    assert review.pair == pair and "0 of " in review.progress.value


def test_a_failing_callback_is_shown_too(kg):
    def broken(decision):
        raise RuntimeError("redraw failed")

    review = Review(kg, on_decision=broken)
    review.reject()
    assert "Rejected" in review.status.value and "redraw failed" in review.status.value


# ------------------------------------------------------------------------ filters


def test_filters_reduce_the_queue(kg):
    review = Review(kg)
    total = len(review.queue.shown)
    label = review.queue.labels()[0]
    review.label_filter.value = (label,)
    assert 0 < len(review.queue.shown) <= total
    assert set(review.queue.pairs.iloc[review.queue.shown]["label"]) == {label}
    review.label_filter.value = tuple(review.queue.labels())
    assert len(review.queue.shown) == total
    scores = review.queue.pairs["score"]
    middle = float(scores.median())
    review.score_filter.value = (middle, review.score_filter.max)
    assert len(review.queue.shown) < total
    assert (review.queue.pairs.iloc[review.queue.shown]["score"] >= middle - 0.01).all()
    assert f"of {total:,} candidates" in review.progress.value
    review.score_filter.value = (review.score_filter.min, review.score_filter.max)
    pair = review.queue.kind_pairs()[0]
    review.kind_filter.value = (pair,)
    shown = review.queue.pairs.iloc[review.queue.shown]
    assert {tuple(sorted(k)) for k in zip(shown["kind_a"], shown["kind_b"], strict=True)} == {
        pair}
    review.kind_filter.value = ()
    assert review.current is None and "No candidate" in review.pair_pane.value


def test_filters_given_to_the_constructor(kg):
    everything = Review(kg)
    label = everything.queue.labels()[0]
    some = Review(kg, labels=[label], min_score=0.0, max_score=1.0)
    assert some.label_filter.value == (label,)
    assert set(some.queue.pairs.iloc[some.queue.shown]["label"]) == {label}


def test_progress_counts_the_decided_among_the_shown():
    queue = ReviewQueue(pair_frame(pd.DataFrame({
        "id_a": ["a", "a", "b"], "kind_a": "claim", "title_a": "", "id_b": ["b", "c", "c"],
        "kind_b": ["claim", "finding", "claim"], "title_b": "", "cosine": [0.9, 0.8, 0.7],
    })))
    queue.decide(0, "x")
    assert queue.progress == (1, 3) and queue.current == 1
    queue.filter(kind_pairs=[("finding", "claim")])
    assert queue.progress == (0, 1) and queue.current == 1
    queue.restore(0)
    assert queue.current == 1  # not shown under this filter


# ----------------------------------------------------------------------- escaping


def unmark(value: str) -> str:
    """The text of marked HTML, marks taken out and escapes undone."""
    return html.unescape(re.sub(r"</?mark[^>]*>", "", value))


def test_marks_go_into_the_escaped_text_only():
    text = f"sleep {IMG} amp &amp; lt"
    out = mark_words(text, ["sleep", "lt", "amp", "img"], ["onerror"])
    assert "<img" not in out and "&lt;<mark" in out
    # sleep, img, onerror, both amp (the word, and the text of "&amp;"), lt: never inside
    # an escape such as &lt; or &amp;
    assert out.count("<mark") == 6
    assert unmark(out) == text


def test_hostile_titles_are_escaped_in_every_html_the_review_builds(folder):
    entities = pd.read_csv(folder / "entities.csv")
    entities["title"] = [f"{t} {IMG if k % 2 else SCRIPT}" for k, t in
                         enumerate(entities["title"])]
    entities["summary"] = SCRIPT
    entities.to_csv(folder / "entities.csv", index=False)
    kg = explorer.load(folder)
    review = Review(kg)
    seen = []
    for action in (review.next, review.accept, review.reject, review.undo, review.defer,
                   review.merge, lambda: setattr(review.swap, "value", True)):
        action()
        seen += html_values(review)
    assert len(seen) > 30
    for value in seen:
        assert "<img" not in value.lower() and "<script" not in value.lower()
    shown = unmark(review.pair_pane.value)
    assert IMG in shown or SCRIPT in shown  # ...yet the reader sees the text


# ---------------------------------------------------------- inside the Explorer


def test_the_explorer_review_tab_redraws_after_a_decision(kg):
    claim = kg.find("learned features reflect").iloc[0]["id"]
    ex = Explorer(kg, claim)
    ex.tabs.selected_index = 1
    review = ex.review_tab.review
    assert isinstance(review, Review) and review.entity == claim
    assert review in ex.review_tab.page.children
    a, b = review.pair
    assert a == claim and b not in set(ex.neighborhood["id"])
    review.accept("supports")
    assert b in set(ex.neighborhood["id"])
    assert html.escape(kg.entity(b)["title"]) in ex.neighbor_table.value
    assert b in {n["id"] for n in _nodes(ex)}
    ex.focus(b)
    assert ex.review_tab.review.entity == b  # a new queue for the new focus


def test_a_relation_new_to_the_graph_joins_the_explorer_filter(kg):
    claim = kg.find("learned features reflect").iloc[0]["id"]
    ex = Explorer(kg, claim)
    assert "same_as" not in ex.relations.options
    ex.tabs.selected_index = 1
    _, b = ex.review_tab.review.pair
    ex.review_tab.review.accept("same_as")
    assert "same_as" in ex.relations.options and "same_as" in ex.relations.value
    assert b in set(ex.neighborhood["id"])


def test_the_review_tab_waits_for_similarity(kg):
    claim = kg.find("learned features reflect").iloc[0]["id"]
    ex = Explorer(kg, claim, similarity=False)
    ex.tabs.selected_index = 1
    assert ex.review_tab.review is None
    assert "not computed yet" in ex.review_tab.note.value
    assert ex.similarity_box in ex.review_tab.page.children
    ex.similarity_button.click()
    assert isinstance(ex.review_tab.review, Review)


def test_a_merge_of_the_focus_moves_the_focus_to_the_kept_entity(kg):
    claim = kg.find("learned features reflect").iloc[0]["id"]
    ex = Explorer(kg, claim)
    ex.tabs.selected_index = 1
    review = ex.review_tab.review
    review.swap.value = True  # keep b, drop the focus
    keep = review.pair[1]
    review.merge()
    assert ex.current == keep and claim not in kg


def _nodes(ex):
    import json
    import re

    page = html.unescape(re.search(r'srcdoc="([^"]*)"', ex.graph_pane.value).group(1))
    return json.loads(re.search(r"var nodes = new vis\.DataSet\((\[.*?\])\);", page, re.S)
                      .group(1))


# ------------------------------------------------------- keyboard, in a browser


@pytest.mark.browser
def test_the_key_view_reports_keys_pressed_inside_the_review_only():
    """The front end of ReviewKeys, with a stand-in model, in headless chromium."""
    import explorer.widgets.review_keys as keys_module
    from browser import chromium_page

    script = (Path(keys_module.__file__).parents[1] / "static" / "review_keys.js").read_text(
        encoding="utf-8")
    files = {"keys.js": ("text/javascript", script), "page.html": ("text/html", """
<!doctype html><meta charset="utf-8">
<div class="claim-review"><button id="inside">Accept</button><input id="note">
<div id="host"></div></div><button id="outside">elsewhere</button>
<script type="module">
import view from "./keys.js";
window.pressed = [];
const model = {set: (name, value) => window.pressed.push(value), save_changes() {}};
view.render({model, el: document.getElementById("host")});
window.ready = true;
</script>""")}
    with chromium_page() as page:
        page.route("http://review.test/**", lambda route: route.fulfill(
            content_type=files[route.request.url.rsplit("/", 1)[1]][0],
            body=files[route.request.url.rsplit("/", 1)[1]][1]))
        page.goto("http://review.test/page.html")
        page.wait_for_function("window.ready === true")
        page.focus("#inside")
        for key in ("a", "x", "ArrowRight", "Control+r"):
            page.keyboard.press(key)
        page.focus("#note")
        page.keyboard.press("r")  # typing a note is not a shortcut
        page.focus("#outside")
        page.keyboard.press("d")  # outside the Review
        assert page.evaluate("window.pressed") == ["a", "ArrowRight"]
