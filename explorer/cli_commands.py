"""What each command of ``python -m explorer`` does: one library call, then formatting."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd

from .errors import ExplorerError, ParameterError
from .knowledge_graph import KnowledgeGraph, load

__all__ = ["DATA_VARIABLE", "data_folder", "run"]

DATA_VARIABLE = "EXPLORER_DATA"


def data_folder(args: argparse.Namespace) -> Path:
    """``--data``, else ``$EXPLORER_DATA``, else a clear error."""
    if args.data is not None:
        return args.data
    if os.environ.get(DATA_VARIABLE):
        return Path(os.environ[DATA_VARIABLE])
    raise ExplorerError(
        "no data directory given: pass --data DIR (a folder with entities and edges "
        f"tables; see docs/data-format.md) or set {DATA_VARIABLE}."
    )


def _load(args: argparse.Namespace) -> KnowledgeGraph:
    kg = load(data_folder(args), on_error=args.on_error, curation=args.curation)
    if getattr(args, "embedder", None):
        kg.set_embedder(args.embedder)
    return kg


def _resolve_id(kg: KnowledgeGraph, text: str) -> str:
    if text in kg:
        return text
    hits = kg.find(text, limit=1)
    if len(hits) and hits.iloc[0]["score"] >= 75:
        return str(hits.iloc[0]["id"])
    kg.position(text)  # raises UnknownEntityError with suggestions
    return text


def _refuse_existing(path: Path, overwrite: bool) -> None:
    if path.exists() and not overwrite:
        raise ParameterError(
            f"{path} exists already: pass --overwrite to replace it, or choose another --out."
        )


def run(args: argparse.Namespace) -> int:
    """Run one parsed command; returns the exit status."""
    if args.command == "import":
        from .importers.scifact import import_scifact

        counts = import_scifact(args.src, args.dest)
        print(f"Wrote {args.dest}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        return 0
    if args.command == "synth":
        from .testing.synth import write_synthetic

        paths = write_synthetic(args.entities, args.out, seed=args.seed)
        print("Wrote " + ", ".join(str(p) for p in paths.values()))
        return 0
    if args.command == "candidates" and args.engine == "spark":
        return _spark_candidates(args)

    kg = _load(args)
    if args.command == "info":
        print(kg)
        print(f"files: {kg.report.files}")
        if kg.report.ignored_files:
            print("ignored files: " + ", ".join(kg.report.ignored_files))
        print(kg.report)
        return 0
    if kg.report.problems:
        print(kg.report, file=sys.stderr)
    if args.command == "card":
        card = kg.card(
            _resolve_id(kg, args.id), similar=not args.no_similar, min_cosine=args.min_cosine
        )
        print(card.to_text())
    elif args.command == "find":
        print(kg.find(args.text, limit=args.limit).to_string(index=False))
    elif args.command == "neighborhood":
        hood = kg.neighborhood(_resolve_id(kg, args.id))
        print(hood[["kind", "title", "relations", "edge_count", "degree", "id"]].to_string())
    elif args.command == "candidates":
        found = kg.candidates(
            min_cosine=args.min_cosine, kinds=args.kinds, per_entity=args.per_entity or None
        )
        _write_or_print(found, args)
    elif args.command == "recall":
        estimate = kg.candidate_recall(args.min_cosine, sample=args.sample, method=args.method,
                                       seed=args.seed)
        print(estimate)
        if len(estimate.missed):
            missed = estimate.missed.head(10)
            print("The best missed pairs:")
            print(missed.to_string(index=False, formatters=_SHORT_TITLES))
    elif args.command == "decisions":
        if args.undo is not None:
            undone = kg.undo(args.undo)
            print(f"Undid decision {undone.target} (recorded as decision {undone.id}).")
        else:
            print(kg.decisions.to_string(index=False) if len(kg.decisions) else "No decisions.")
    elif args.command == "export":
        written = kg.export(args.out)
        print(f"Wrote {written}")
    return 0


def _short_title(title: str, width: int = 48) -> str:
    return title if len(title) <= width else title[: width - 1] + "…"


_SHORT_TITLES = {"title_a": _short_title, "title_b": _short_title}


def _write_or_print(found: pd.DataFrame, args: argparse.Namespace) -> None:
    if args.out is None:
        columns = [c for c in ("label", "score", "cosine", "title_a", "title_b", "differs")
                   if c in found.columns]
        print(found[columns].head(20).to_string(index=False))
        print(f"{len(found):,} pairs in all.")
        return
    from .analysis.candidate_io import write_candidates

    _refuse_existing(args.out, args.overwrite)
    write_candidates(found, args.out)
    print(f"Wrote {len(found):,} pairs to {args.out}")


def _spark_candidates(args: argparse.Namespace) -> int:
    from .scale.spark import spark_candidates

    if args.out is None:
        raise ParameterError("--engine spark writes its result: give --out OUT.parquet.")
    _refuse_existing(args.out, args.overwrite)
    found = spark_candidates(
        data_folder(args), args.out, embedder=args.embedder or "wordllama",
        min_cosine=args.min_cosine, master=args.spark_master,
        per_entity=args.per_entity or None, overwrite=args.overwrite,
    )
    print(f"Wrote {found:,} pairs to {args.out}")
    return 0
