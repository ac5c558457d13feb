"""Import SciERC (Luan et al., EMNLP 2018) as a data directory: sentences, papers, terms.

SciERC ships ``{train,dev,test}.json``: JSON Lines, one abstract a line, in the DyGIE
format (``doc_key``, tokenised ``sentences``, per-sentence ``ner`` spans and
``relations``, and coreference ``clusters``; token offsets are document-level and ends
inclusive). :func:`import_scierc` turns them into ``entities.parquet`` and
``edges.parquet`` in the data contract (``docs/data-format.md``):

Findings (kind ``finding``), one per sentence
    ``id`` = ``finding:scierc-<doc_key>-<k>`` (``k`` from 0), ``title`` = the sentence
    (tokens joined, ``-LRB-`` and the like restored, no space before punctuation),
    ``summary`` = ``""``, ``year`` = the paper's, extra columns ``split``, ``doc_key``,
    ``sentence`` (int).
Papers (kind ``paper``), one per abstract
    ``id`` = ``paper:scierc-<doc_key>``, ``title`` = ``"<doc_key> (<venue> <year>)"``
    (SciERC has no titles nor authors), ``summary`` = the abstract cut at about
    ``summary_chars`` characters, ``year`` from the doc key (``J87-1003`` -> 1987,
    ``CVPR_2003_18_abs`` -> 2003), ``authors`` = ``[]``, extra ``venue``.
Terms, one per distinct mention text and type across all abstracts
    kinds ``method``, ``task``, ``metric``, ``material``, ``term`` (SciERC's
    Method, Task, Metric, Material, OtherScientificTerm); ``id`` = ``<kind>:<text>``
    with the text lower-cased and spaces collapsed, ``title`` = its most frequent
    surface form, extra ``n_mentions``. SciERC's ``Generic`` mentions ("this approach",
    "it") are not terms: one that shares a coreference cluster with a typed mention
    stands for that cluster's first typed mention; the others are dropped.
Edges
    ``finding --extracted_from--> paper``; ``finding --mentions--> term`` once per
    sentence and term; and each SciERC relation ``head --<label>--> tail`` between the
    two terms its spans stand for, with the label lower-cased (``used_for``,
    ``part_of``, ``feature_of``, ``hyponym_of``, ``evaluate_for``, ``conjunction``,
    ``compare``) and ``note`` = the sentence. A relation is dropped when an end is a
    Generic mention that no cluster resolves, or both ends stand for the same term.
    Extra column ``doc_key``.

Rows are in a stable order (files train, dev, test; abstracts and sentences in file
order; terms by id), so the same input gives the same bytes.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from ..errors import ParameterError, SchemaError
from ..load.tables import iter_json_lines
from .scifact_tables import clip, refuse_ambiguous, write

__all__ = ["ATTRIBUTION", "KINDS", "RELATIONS", "SPLITS", "import_scierc", "detokenize",
           "year_of"]

ATTRIBUTION = (
    "SciERC: Yi Luan, Luheng He, Mari Ostendorf, Hannaneh Hajishirzi. Multi-Task "
    "Identification of Entities, Relations, and Coreference for Scientific Knowledge Graph "
    "Construction. EMNLP 2018. http://nlp.cs.washington.edu/sciIE/. No license stated; "
    "research data built from public abstracts."
)
SPLITS = ("train", "dev", "test")
KINDS = {"Method": "method", "Task": "task", "Metric": "metric", "Material": "material",
         "OtherScientificTerm": "term"}
GENERIC = "Generic"
RELATIONS = ("USED-FOR", "FEATURE-OF", "HYPONYM-OF", "PART-OF", "EVALUATE-FOR",
             "CONJUNCTION", "COMPARE")

ENTITY_SCHEMA = pa.schema([
    ("id", pa.string()), ("kind", pa.string()), ("title", pa.string()),
    ("summary", pa.string()), ("status", pa.string()), ("year", pa.int64()),
    ("authors", pa.list_(pa.string())), ("split", pa.string()), ("doc_key", pa.string()),
    ("sentence", pa.int64()), ("venue", pa.string()), ("n_mentions", pa.int64()),
])
ENTITY_DTYPES = {"year": "Int64", "sentence": "Int64", "n_mentions": "Int64"}
EDGE_SCHEMA = pa.schema([
    ("source", pa.string()), ("target", pa.string()), ("relation", pa.string()),
    ("note", pa.string()), ("doc_key", pa.string()),
])
_BRACKETS = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{",
             "-RCB-": "}", "``": '"', "''": '"'}
_NO_SPACE_BEFORE = re.compile(r" (?=[,.;:!?%)\]}]|'s\b|n't\b)")
_NO_SPACE_AFTER = re.compile(r"(?<=[(\[{]) ")


def detokenize(tokens: list[str]) -> str:
    """Tokens back to text: brackets restored, no space before punctuation.

    Examples
    --------
    >>> detokenize(["A", "-LRB-", "B", "-RRB-", "works", ",", "it", "'s", "90", "%", "."])
    "A (B) works, it's 90%."
    """
    text = " ".join(_BRACKETS.get(t, t) for t in tokens)
    return _NO_SPACE_AFTER.sub("", _NO_SPACE_BEFORE.sub("", text))


def year_of(doc_key: str) -> tuple[str, int | None]:
    """Venue and year of a SciERC doc key (ACL Anthology ``J87-1003`` or ``CVPR_2003_18_abs``).

    Examples
    --------
    >>> year_of("J87-1003"), year_of("C04-1102"), year_of("CVPR_2003_18_abs")
    (('ACL Anthology J', 1987), ('ACL Anthology C', 2004), ('CVPR', 2003))
    """
    found = re.fullmatch(r"([A-Za-z]+)_(\d{4})_.*", doc_key)
    if found:
        return found.group(1), int(found.group(2))
    found = re.fullmatch(r"([A-Z])(\d{2})-\d+", doc_key)
    if found:
        yy = int(found.group(2))
        return f"ACL Anthology {found.group(1)}", (1900 if yy >= 50 else 2000) + yy
    return "", None


def import_scierc(
    src: str | Path, dest: str | Path, *, summary_chars: int = 300, note_chars: int = 300
) -> dict[str, int]:
    r"""Convert the SciERC release in `src` into a data directory `dest`.

    Parameters
    ----------
    src
        Directory holding ``train.json``, ``dev.json`` and ``test.json``.
    dest
        Directory to write ``entities.parquet`` and ``edges.parquet`` into; created if
        needed. Existing files of those names are replaced.
    summary_chars, note_chars
        A paper's summary (its abstract) and an edge's note (its sentence) are cut on a
        word boundary at this many characters, "…" included.

    Returns
    -------
    dict of str to int
        Entities by kind, edges by relation, then ``relations_dropped`` (SciERC relations
        not written, see the module docstring) and ``mentions_dropped`` (Generic mentions
        no cluster resolves).

    Raises
    ------
    SchemaError
        A file is missing, a line is not a JSON object or lacks a field, a doc key is
        repeated, or a span lies outside its abstract. The message names file and line.

    Examples
    --------
    >>> import json, shutil, tempfile
    >>> src = Path(tempfile.mkdtemp())
    >>> doc = {"doc_key": "P16-1002", "sentences": [["SVMs", "help", "parsing", "."]],
    ...        "ner": [[[0, 0, "Method"], [2, 2, "Task"]]],
    ...        "relations": [[[0, 0, 2, 2, "USED-FOR"]]], "clusters": []}
    >>> _ = (src / "train.json").write_text(json.dumps(doc) + "\n")
    >>> _ = (src / "dev.json").write_text(""); _ = (src / "test.json").write_text("")
    >>> counts = import_scierc(src, src / "out")
    >>> sorted(k for k, v in counts.items() if v)  # doctest: +NORMALIZE_WHITESPACE
    ['extracted_from', 'finding', 'mentions', 'method', 'paper', 'task', 'used_for']
    >>> counts["mentions"], counts["relations_dropped"]
    (2, 0)
    >>> shutil.rmtree(src)
    """
    src, dest = Path(src), Path(dest)
    for name, value in (("summary_chars", summary_chars), ("note_chars", note_chars)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 2:
            raise ParameterError(f"{name} must be an integer >= 2, got {value!r}.")
    docs = _read(src)
    terms: dict[str, Counter[str]] = {}
    entities: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    dropped = Counter({"relations_dropped": 0, "mentions_dropped": 0})
    for doc in docs:
        entities.extend(_doc_entities(doc, summary_chars))
        edges.extend(_doc_edges(doc, terms, dropped, note_chars))
    for term_id in sorted(terms):
        forms = terms[term_id]
        entities.append({
            "id": term_id, "kind": term_id.split(":", 1)[0],
            "title": min(forms, key=lambda f: (-forms[f], f)), "summary": "",
            "n_mentions": sum(forms.values()),
        })
    entity_frame = pd.DataFrame(entities, columns=ENTITY_SCHEMA.names)
    entity_frame["status"] = "active"
    entity_frame["authors"] = [[] for _ in range(len(entity_frame))]
    entity_frame = entity_frame.astype(ENTITY_DTYPES)
    edge_frame = pd.DataFrame(edges, columns=EDGE_SCHEMA.names)

    dest.mkdir(parents=True, exist_ok=True)
    refuse_ambiguous(dest)
    write(pa.Table.from_pandas(entity_frame, schema=ENTITY_SCHEMA, preserve_index=False),
          dest / "entities.parquet")
    write(pa.Table.from_pandas(edge_frame, schema=EDGE_SCHEMA, preserve_index=False),
          dest / "edges.parquet")

    counts = {"finding": 0, "paper": 0, **{k: 0 for k in KINDS.values()}}
    counts.update(entity_frame["kind"].value_counts().to_dict())
    counts.update({"extracted_from": 0, "mentions": 0})
    counts.update({r.lower().replace("-", "_"): 0 for r in RELATIONS})
    counts.update(edge_frame["relation"].value_counts().to_dict())
    counts.update(dropped)
    return {k: int(v) for k, v in counts.items()}


# --------------------------------------------------------------------------- reading


def _read(src: Path) -> list[dict[str, Any]]:
    """Every abstract of the three files, checked: spans inside the document."""
    docs: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for split in SPLITS:
        path = src / f"{split}.json"
        if not path.is_file():
            raise SchemaError("SciERC file not found.", file=str(path),
                              hint="Point the importer at the directory holding "
                              "train.json, dev.json and test.json (DyGIE format).")
        for number, obj in iter_json_lines(path):
            doc = {"split": split, "file": path, "line": number}
            for key, kind in (("doc_key", str), ("sentences", list), ("ner", list),
                              ("relations", list), ("clusters", list)):
                if not isinstance(obj.get(key), kind):
                    found = "missing" if key not in obj else type(obj[key]).__name__
                    raise SchemaError(f"expected {kind.__name__}, found {found}.",
                                      file=str(path), row=number, column=key)
                doc[key] = obj[key]
            key = doc["doc_key"]
            if key in seen:
                raise SchemaError(f"duplicate doc_key {key!r}, first seen in {seen[key]}.",
                                  file=str(path), row=number, column="doc_key")
            seen[key] = f"{path.name} line {number}"
            _check_spans(doc)
            docs.append(doc)
    return docs


def _check_spans(doc: dict[str, Any]) -> None:
    n_sent = len(doc["sentences"])
    n_tokens = sum(len(s) for s in doc["sentences"])

    def bad(column: str, what: str) -> SchemaError:
        return SchemaError(f"{what} (the abstract has {n_sent} sentences, {n_tokens} tokens).",
                           file=str(doc["file"]), row=doc["line"], column=column)

    for column in ("ner", "relations"):
        if len(doc[column]) != n_sent:
            raise bad(column, f"{column} has {len(doc[column])} lists, one per sentence needed")

    def span(column: str, start: Any, end: Any) -> None:
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end < n_tokens):
            raise bad(column, f"span [{start!r}, {end!r}] is not inside the abstract")

    for sentence in doc["ner"]:
        for item in sentence:
            if not (isinstance(item, list) and len(item) == 3 and item[2] in (*KINDS, GENERIC)):
                raise bad("ner", f"expected [start, end, type], found {item!r}")
            span("ner", item[0], item[1])
    for sentence in doc["relations"]:
        for item in sentence:
            if not (isinstance(item, list) and len(item) == 5 and item[4] in RELATIONS):
                raise bad("relations", f"expected [h_start, h_end, t_start, t_end, label], "
                          f"found {item!r}")
            span("relations", item[0], item[1])
            span("relations", item[2], item[3])
    for cluster in doc["clusters"]:
        for item in cluster if isinstance(cluster, list) else [cluster]:
            if not (isinstance(item, list) and len(item) == 2):
                raise bad("clusters", f"expected [start, end], found {item!r}")
            span("clusters", item[0], item[1])


# --------------------------------------------------------------------------- building


def _doc_entities(doc: dict[str, Any], summary_chars: int) -> list[dict[str, Any]]:
    key = doc["doc_key"]
    venue, year = year_of(key)
    texts = [detokenize(s) for s in doc["sentences"]]
    label = f"{venue} {year}" if year is not None else venue or "SciERC"
    rows = [{"id": f"finding:scierc-{key}-{k}", "kind": "finding", "title": text,
             "summary": "", "year": year, "split": doc["split"], "doc_key": key,
             "sentence": k} for k, text in enumerate(texts)]
    rows.append({"id": f"paper:scierc-{key}", "kind": "paper", "title": f"{key} ({label})",
                 "summary": clip(" ".join(texts), summary_chars), "year": year,
                 "split": doc["split"], "doc_key": key, "venue": venue})
    return rows


def term_id(kind: str, tokens: list[str]) -> str:
    """The id of a mention's term: ``<kind>:<text lower-cased, spaces collapsed>``."""
    return f"{kind}:{' '.join(detokenize(tokens).lower().split())}"


def mention_terms(doc: dict[str, Any]) -> tuple[dict[tuple[int, int], str], int]:
    """Each mention span's term id (Generic ones through their cluster); unresolved count."""
    tokens = [t for s in doc["sentences"] for t in s]
    typed: dict[tuple[int, int], str] = {}
    generic: list[tuple[int, int]] = []
    for sentence in doc["ner"]:
        for start, end, kind in sentence:
            if kind == GENERIC:
                generic.append((start, end))
            else:
                typed.setdefault((start, end), term_id(KINDS[kind], tokens[start:end + 1]))
    unresolved = 0
    for start, end in generic:
        for cluster in doc["clusters"]:
            spans = [tuple(s) for s in cluster]
            if (start, end) in spans:
                first = next((typed[s] for s in sorted(spans) if s in typed), None)
                if first is not None:
                    typed[(start, end)] = first
                    break
        else:
            unresolved += 1
    return typed, unresolved


def _doc_edges(
    doc: dict[str, Any], terms: dict[str, Counter[str]], dropped: Counter[str],
    note_chars: int,
) -> list[dict[str, Any]]:
    key = doc["doc_key"]
    tokens = [t for s in doc["sentences"] for t in s]
    spans, unresolved = mention_terms(doc)
    dropped["mentions_dropped"] += unresolved
    for sentence in doc["ner"]:
        for start, end, kind in sentence:
            if kind != GENERIC:
                form = " ".join(detokenize(tokens[start:end + 1]).split())
                terms.setdefault(spans[(start, end)], Counter())[form] += 1
    edges: list[dict[str, Any]] = []
    for k, (sentence, ner, relations) in enumerate(
        zip(doc["sentences"], doc["ner"], doc["relations"], strict=True)
    ):
        finding = f"finding:scierc-{key}-{k}"
        note = clip(detokenize(sentence), note_chars)
        edges.append({"source": finding, "target": f"paper:scierc-{key}",
                      "relation": "extracted_from", "note": "", "doc_key": key})
        mentioned = dict.fromkeys(spans[(s, e)] for s, e, _ in ner if (s, e) in spans)
        edges.extend({"source": finding, "target": t, "relation": "mentions", "note": note,
                      "doc_key": key} for t in mentioned)
        for h_start, h_end, t_start, t_end, label in relations:
            head, tail = spans.get((h_start, h_end)), spans.get((t_start, t_end))
            if head is None or tail is None or head == tail:
                dropped["relations_dropped"] += 1
                continue
            edges.append({"source": head, "target": tail,
                          "relation": label.lower().replace("-", "_"), "note": note,
                          "doc_key": key})
    return edges
