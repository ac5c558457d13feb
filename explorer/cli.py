"""The command line: each command parses, makes one library call, and formats.

Library errors become one ``Error:`` line and exit status 2; never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import ExplorerError

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "data" / "scifact"


def _add_data(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="data directory (entities + edges tables); default: the bundled SciFact graph",
    )
    parser.add_argument(
        "--on-error",
        choices=["raise", "report"],
        default="raise",
        help="stop at the first bad row (raise), or set bad rows aside and list them (report)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m explorer``."""
    parser = argparse.ArgumentParser(
        prog="python -m explorer",
        description="Explore a knowledge graph of research claims: cards, neighborhoods, "
        "similarity.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    info = commands.add_parser(
        "info", help="counts by kind and relation, and any problems found",
        description="Load a data directory and print counts by kind and relation and any "
        "problems found.",
    )
    _add_data(info)

    card = commands.add_parser(
        "card", help="print an entity's page", description="Print an entity's card as text."
    )
    card.add_argument("id", help="the entity id (or text to search for)")
    _add_data(card)
    card.add_argument("--min-cosine", type=float, default=None,
                      help="threshold of 'Related by similarity' (default: the embedder's)")
    card.add_argument("--no-similar", action="store_true",
                      help="leave out the 'Related by similarity' section")
    card.add_argument("--embedder", default=None,
                      help="embedder name: wordllama (default), tfidf, minilm")

    find = commands.add_parser(
        "find", help="search ids and titles (typo-tolerant)",
        description="Search entity ids and titles, case-insensitive and tolerant of typos.",
    )
    find.add_argument("text", help="what to look for")
    find.add_argument("--limit", type=int, default=10, help="how many hits (default 10)")
    _add_data(find)

    hood = commands.add_parser(
        "neighborhood", help="list an entity's typed neighbors, ranked",
        description="List an entity's typed neighbors ranked by edge count, grouped by kind.",
    )
    hood.add_argument("id", help="the entity id")
    _add_data(hood)

    candidates = commands.add_parser(
        "candidates", help="every unlinked pair above a cosine threshold",
        description="Write every pair of entities whose cosine is above the threshold and "
        "that no typed edge joins: candidate edges and possible duplicates.",
    )
    _add_data(candidates)
    candidates.add_argument("--min-cosine", type=float, default=None,
                            help="threshold (default: the embedder's calibrated one)")
    candidates.add_argument("--kinds", nargs="*", default=None, help="only these kinds")
    candidates.add_argument("--embedder", default=None,
                            help="embedder name: wordllama (default), tfidf, minilm")
    candidates.add_argument("--out", type=Path, default=None,
                            help="write CSV (or .parquet) here; default: print the top 20")

    importer = commands.add_parser(
        "import", help="convert a public dataset into the data format",
        description="Convert a public dataset into a data directory in the explorer's format.",
    )
    importer.add_argument("dataset", choices=["scifact"], help="which dataset")
    importer.add_argument("src", type=Path, help="folder of the dataset's original files")
    importer.add_argument("dest", type=Path, help="data directory to write")

    synth = commands.add_parser(
        "synth", help="write a synthetic graph for benchmarks",
        description="Write a realistic synthetic graph (Parquet) of N entities.",
    )
    synth.add_argument("--entities", type=int, required=True, help="number of entities")
    synth.add_argument("--out", type=Path, required=True, help="data directory to write")
    synth.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except ExplorerError as err:
        print(f"Error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


def _load(args: argparse.Namespace):  # noqa: ANN202
    from .knowledge_graph import load

    kg = load(args.data, on_error=args.on_error)
    if getattr(args, "embedder", None):
        kg.set_embedder(args.embedder)
    return kg


def _resolve_id(kg, text: str) -> str:  # noqa: ANN001
    if text in kg:
        return text
    hits = kg.find(text, limit=1)
    if len(hits) and hits.iloc[0]["score"] >= 75:
        return str(hits.iloc[0]["id"])
    kg.position(text)  # raises UnknownEntityError with suggestions
    return text


def _run(args: argparse.Namespace) -> int:
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
        found = kg.candidates(min_cosine=args.min_cosine, kinds=args.kinds)
        if args.out is None:
            print(found.head(20).to_string(index=False))
            print(f"{len(found):,} pairs in all.")
        else:
            if args.out.suffix == ".parquet":
                found.to_parquet(args.out, index=False)
            else:
                found.to_csv(args.out, index=False)
            print(f"Wrote {len(found):,} pairs to {args.out}")
    return 0
