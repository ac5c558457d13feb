"""Import the SciFact dataset (Wadden et al., EMNLP 2020) as a data directory.

SciFact ships four JSON Lines files: ``corpus.jsonl`` (abstracts split into
sentences) and ``claims_{train,dev,test}.jsonl`` (claims with evidence labels;
the test split has no labels). :func:`import_scifact` turns them into
``entities.parquet`` and ``edges.parquet`` in the data contract
(``docs/data-format.md``):

Claims (kind ``claim``)
    ``id`` = ``claim:scifact-<id>``, ``title`` = the claim text, ``summary`` =
    ``""``, ``status`` = ``active``, and the extra columns ``split``
    (``train``/``dev``/``test``), ``verdict`` and ``scifact_id`` (int).
    ``verdict`` is ``SUPPORT`` or ``CONTRADICT`` when every evidence document
    agrees, ``MIXED`` if they disagree (never the case in the release),
    ``NOT ENOUGH INFO`` when a labelled claim has no evidence, and ``""`` for
    test claims, whose labels are withheld.
Papers (kind ``paper``), every document of the corpus
    ``id`` = ``paper:s2orc-<doc_id>``, ``title`` = the paper's title,
    ``summary`` = the first sentences of the abstract, cut on a word boundary
    at about ``summary_chars`` characters and ended with "…" (the full
    abstract is not kept), ``year`` = NA and ``authors`` = ``[]`` (SciFact
    has neither), and the extra columns ``doc_id`` (int), ``structured``
    (bool) and ``n_sentences`` (int, sentences in the full abstract).
Edges, one per claim and cited or evidence document
    ``claim --supports--> paper`` (evidence label ``SUPPORT``) or
    ``claim --contradicts--> paper`` (``CONTRADICT``), with ``note`` = the
    rationale sentences of that document in abstract order, joined with a
    space and cut at about ``note_chars`` characters; ``claim --cites-->
    paper`` with an empty note for a cited document without evidence. The
    extra column ``split`` is the claim's split.

Rows are in a stable order (claims by SciFact id, then papers by doc id;
edges by claim, then in the claim's ``cited_doc_ids`` order), so the same
input gives the same tables, and with the same pyarrow version the same bytes.
Columns that do not apply to a kind are null (e.g. ``doc_id`` of a claim).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ParameterError, SchemaError
from ..load.tables import iter_json_lines
from .scifact_tables import edge_table, entity_table, refuse_ambiguous, write

__all__ = ["ATTRIBUTION", "SPLITS", "import_scifact"]

ATTRIBUTION = (
    "SciFact: David Wadden, Shanchuan Lin, Kyle Lo, Lucy Lu Wang, Madeleine van Zuylen, "
    "Arman Cohan, Hannaneh Hajishirzi. Fact or Fiction: Verifying Scientific Claims. "
    "EMNLP 2020. https://github.com/allenai/scifact. Claims and evidence annotations: "
    "CC BY 4.0; abstracts (from Semantic Scholar S2ORC): ODC-By 1.0."
)

SPLITS = ("train", "dev", "test")
"""The claim files read, in this order: ``claims_<split>.jsonl``."""

_LABELS = {"SUPPORT": "supports", "CONTRADICT": "contradicts"}

def import_scifact(
    src: str | Path,
    dest: str | Path,
    *,
    summary_chars: int = 300,
    note_chars: int = 300,
) -> dict[str, int]:
    r"""Convert the SciFact release in `src` into a data directory `dest`.

    Parameters
    ----------
    src
        Directory holding ``corpus.jsonl`` and ``claims_train.jsonl``,
        ``claims_dev.jsonl``, ``claims_test.jsonl``.
    dest
        Directory to write ``entities.parquet`` and ``edges.parquet`` into;
        created if needed. Existing files of those names are replaced.
    summary_chars
        A paper's summary (the start of its abstract) is cut on a word boundary
        so that it has at most this many characters, "…" included.
    note_chars
        The same limit for an edge's note (its rationale sentences).

    Returns
    -------
    dict of str to int
        Entities by kind, then edges by relation:
        ``{"claim": ..., "paper": ..., "supports": ..., "contradicts": ..., "cites": ...}``.

    Raises
    ------
    SchemaError
        A file is missing or unreadable, a line is not a JSON object or lacks a
        field, an id is repeated, or a claim refers to a document or sentence
        that is not in the corpus. The message names the file and line.

    Examples
    --------
    >>> import json, shutil, tempfile
    >>> from pathlib import Path
    >>> src = Path(tempfile.mkdtemp())
    >>> doc = {"doc_id": 7, "title": "A paper", "abstract": ["It works.", "Twice."],
    ...        "structured": False}
    >>> _ = (src / "corpus.jsonl").write_text(json.dumps(doc) + "\n")
    >>> claim = {"id": 1, "claim": "It works.", "cited_doc_ids": [7],
    ...          "evidence": {"7": [{"sentences": [0], "label": "SUPPORT"}]}}
    >>> _ = (src / "claims_train.jsonl").write_text(json.dumps(claim) + "\n")
    >>> _ = (src / "claims_dev.jsonl").write_text("")
    >>> _ = (src / "claims_test.jsonl").write_text("")
    >>> import_scifact(src, src / "out")
    {'claim': 1, 'paper': 1, 'supports': 1, 'contradicts': 0, 'cites': 0}
    >>> sorted(p.name for p in (src / "out").iterdir())
    ['edges.parquet', 'entities.parquet']
    >>> shutil.rmtree(src)
    """
    src = Path(src)
    dest = Path(dest)
    for name, value in (("summary_chars", summary_chars), ("note_chars", note_chars)):
        if not isinstance(value, int) or value < 2:
            raise ParameterError(f"{name} must be an integer >= 2, got {value!r}.")

    corpus = _read_corpus(src / "corpus.jsonl")
    claims = _read_claims(src, corpus)

    entities = entity_table(claims, corpus, summary_chars)
    edges = edge_table(claims, corpus, note_chars)

    dest.mkdir(parents=True, exist_ok=True)
    refuse_ambiguous(dest)
    write(entities, dest / "entities.parquet")
    write(edges, dest / "edges.parquet")

    counts = {"claim": len(claims), "paper": len(corpus)}
    for relation in ("supports", "contradicts", "cites"):
        counts[relation] = sum(1 for c in claims for e in c["edges"] if e[1] == relation)
    return counts


# --------------------------------------------------------------------------- reading


def _json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` for every non-blank line of `path`."""
    if not path.is_file():
        raise SchemaError(
            "SciFact file not found.",
            file=str(path),
            hint="Point the importer at the directory of the SciFact release "
            "(corpus.jsonl and claims_{train,dev,test}.jsonl).",
        )
    yield from iter_json_lines(path)


def _field(
    obj: dict[str, Any], key: str, kind: type | tuple[type, ...], path: Path, number: int
) -> Any:
    """Return ``obj[key]``, checking that it is present and of type `kind`."""
    if key not in obj:
        raise SchemaError("missing field.", file=str(path), row=number, column=key)
    value = obj[key]
    # bool is an int in Python; an id or index written as true/false is a mistake.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        expected = " or ".join(k.__name__ for k in kinds)
        raise SchemaError(
            f"expected {expected}, found {type(value).__name__} {value!r}.",
            file=str(path),
            row=number,
            column=key,
        )
    return value


def _read_corpus(path: Path) -> dict[int, dict[str, Any]]:
    """Read ``corpus.jsonl`` into ``{doc_id: {"title", "abstract", "structured"}}``."""
    corpus: dict[int, dict[str, Any]] = {}
    for number, obj in _json_lines(path):
        doc_id = _field(obj, "doc_id", int, path, number)
        title = _field(obj, "title", str, path, number)
        abstract = _field(obj, "abstract", list, path, number)
        if not all(isinstance(s, str) for s in abstract):
            raise SchemaError(
                "expected a list of sentences (strings).",
                file=str(path),
                row=number,
                column="abstract",
            )
        structured = _field(obj, "structured", bool, path, number) if "structured" in obj else False
        if doc_id in corpus:
            raise SchemaError(
                f"duplicate doc_id {doc_id}, first seen on line {corpus[doc_id]['line']}.",
                file=str(path),
                row=number,
                column="doc_id",
            )
        corpus[doc_id] = {
            "title": title,
            "abstract": abstract,
            "structured": structured,
            "line": number,
        }
    return corpus


def _read_claims(src: Path, corpus: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """Read every claim file, check it against `corpus`, sort by claim id.

    Each claim gets ``edges``: a list of ``(doc_id, relation, sentence indices)``.
    """
    claims: dict[int, dict[str, Any]] = {}
    for split in SPLITS:
        path = src / f"claims_{split}.jsonl"
        for number, obj in _json_lines(path):
            claim_id = _field(obj, "id", int, path, number)
            text = _field(obj, "claim", str, path, number)
            if claim_id in claims:
                first = claims[claim_id]
                raise SchemaError(
                    f"duplicate claim id {claim_id}, first seen in "
                    f"{first['file'].name} line {first['line']}.",
                    file=str(path),
                    row=number,
                    column="id",
                )
            labelled = "evidence" in obj or "cited_doc_ids" in obj
            evidence = _field(obj, "evidence", dict, path, number) if "evidence" in obj else {}
            cited = (
                _field(obj, "cited_doc_ids", list, path, number) if "cited_doc_ids" in obj else []
            )
            edges = _claim_edges(evidence, cited, corpus, path, number)
            claims[claim_id] = {
                "id": claim_id,
                "text": text,
                "split": split,
                "verdict": _verdict(edges, labelled),
                "edges": edges,
                "file": path,
                "line": number,
            }
    return [claims[k] for k in sorted(claims)]


def _claim_edges(
    evidence: dict[str, Any],
    cited: list[Any],
    corpus: dict[int, dict[str, Any]],
    path: Path,
    number: int,
) -> list[tuple[int, str, list[int]]]:
    """Edges of one claim: evidence documents labelled, other cited ones ``cites``."""
    labelled: dict[int, tuple[str, list[int]]] = {}
    for key, rationales in evidence.items():
        try:
            doc_id = int(key)
        except ValueError as err:
            raise SchemaError(
                f"evidence key {key!r} is not a doc_id.",
                file=str(path),
                row=number,
                column="evidence",
            ) from err
        _check_doc(doc_id, corpus, path, number, "evidence")
        if not isinstance(rationales, list) or not rationales:
            raise SchemaError(
                f"evidence for doc {doc_id} must be a non-empty list of rationales.",
                file=str(path),
                row=number,
                column="evidence",
            )
        labels: set[str] = set()
        sentences: set[int] = set()
        n_sentences = len(corpus[doc_id]["abstract"])
        for rationale in rationales:
            label = rationale.get("label") if isinstance(rationale, dict) else None
            indices = rationale.get("sentences") if isinstance(rationale, dict) else None
            if label not in _LABELS or not isinstance(indices, list):
                raise SchemaError(
                    f"rationale for doc {doc_id} must be "
                    '{"sentences": [int, ...], "label": "SUPPORT" | "CONTRADICT"}, '
                    f"found {rationale!r}.",
                    file=str(path),
                    row=number,
                    column="evidence",
                )
            for index in indices:
                if (
                    isinstance(index, bool)
                    or not isinstance(index, int)
                    or not (0 <= index < n_sentences)
                ):
                    raise SchemaError(
                        f"sentence {index!r} of doc {doc_id} does not exist "
                        f"(its abstract has {n_sentences} sentences).",
                        file=str(path),
                        row=number,
                        column="evidence",
                    )
            labels.add(label)
            sentences.update(indices)
        if len(labels) > 1:
            raise SchemaError(
                f"the rationales for doc {doc_id} disagree ({sorted(labels)}); "
                "SciFact gives one label per claim and document.",
                file=str(path),
                row=number,
                column="evidence",
            )
        labelled[doc_id] = (_LABELS[labels.pop()], sorted(sentences))

    order: list[int] = []
    for doc_id in cited:
        if isinstance(doc_id, bool) or not isinstance(doc_id, int):
            raise SchemaError(
                f"expected integer doc ids, found {doc_id!r}.",
                file=str(path),
                row=number,
                column="cited_doc_ids",
            )
        _check_doc(doc_id, corpus, path, number, "cited_doc_ids")
        if doc_id not in order:
            order.append(doc_id)
    order += [d for d in labelled if d not in order]
    return [(d, *labelled[d]) if d in labelled else (d, "cites", []) for d in order]


def _check_doc(
    doc_id: int, corpus: dict[int, dict[str, Any]], path: Path, number: int, column: str
) -> None:
    if doc_id not in corpus:
        raise SchemaError(
            f"doc_id {doc_id} is not in corpus.jsonl.",
            file=str(path),
            row=number,
            column=column,
            hint="Use the corpus.jsonl of the same SciFact release.",
        )


def _verdict(edges: list[tuple[int, str, list[int]]], labelled: bool) -> str:
    """Return the claim's label: from its evidence edges, or NEI, or ``""`` if unlabelled."""
    if not labelled:
        return ""
    relations = {relation for _, relation, _ in edges if relation != "cites"}
    if not relations:
        return "NOT ENOUGH INFO"
    if relations == {"supports"}:
        return "SUPPORT"
    if relations == {"contradicts"}:
        return "CONTRADICT"
    return "MIXED"


# --------------------------------------------------------------------------- writing


