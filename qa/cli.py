"""The `qa` command line: thin subcommands over the Python API.

Every expected error (bad question, unreadable file, damaged index) becomes one line on
stderr and exit code 2; nothing prints a traceback at a user.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:  # the command line imports its stages when a command runs
    from qa.evaluate import Dataset

EXIT_USAGE = 2
PRESETS = ("hybrid", "rrf", "dense", "bm25")


def _settings_for(name: str, base: Any) -> Any:
    """A named retrieval preset for --compare, on top of the assistant's settings."""
    from qa.retrieve import RetrievalConfig

    presets = {
        "hybrid": base.retrieval,
        "rrf": dataclasses.replace(base.retrieval, fusion="rrf"),
        "dense": dataclasses.replace(base.retrieval, mode="dense"),
        "bm25": dataclasses.replace(base.retrieval, mode="lexical"),
    }
    if name not in presets:
        raise ValueError(
            f"Unknown configuration {name!r} in --compare; choose from {', '.join(PRESETS)}."
        )
    retrieval: RetrievalConfig = presets[name]
    return dataclasses.replace(base, retrieval=retrieval)


def _assistant(docs: Sequence[str] | None, index: str | None) -> Any:
    from qa import Assistant

    if index:
        assistant = Assistant.load(index)
        if docs:
            assistant.add_documents([Path(p) for p in docs])
        return assistant
    if docs:
        return Assistant.from_paths(docs)
    return Assistant.default()


def _answer_dict(answer: Any) -> dict[str, Any]:
    return dataclasses.asdict(answer)


def cmd_ask(args: argparse.Namespace) -> int:
    from qa.limits import check_k, validate_question

    validate_question(args.question)  # fail before loading the model
    check_k("top_k", args.top_k)
    assistant = _assistant(args.docs, args.index)
    answer = assistant.ask(args.question, top_k=args.top_k)
    if args.json:
        print(json.dumps(_answer_dict(answer), ensure_ascii=False, indent=1))
        return 0
    if answer.short is not None:
        print(answer.short)
        print()
    print(answer.text)
    print(f"(confidence {answer.confidence:.2f})")
    for source in answer.sources:
        print(
            f"\n[{source.number}] {source.title}{_path_text(source.path)} "
            f"(score {source.score:.3f}, chars {source.start}-{source.end})"
        )
        if source.answer_start is not None and source.answer_end is not None:
            before = source.text[: source.answer_start]
            span = source.text[source.answer_start : source.answer_end]
            after = source.text[source.answer_end :]
            print(f"    {before}>>{span}<<{after}")
        else:
            print(f"    {source.text}")
    return 0


def _path_text(path: tuple[str, ...]) -> str:
    return f" > {' > '.join(path)}" if path else ""


def cmd_index(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from qa import Assistant, IndexReport, NothingIndexedError, store
    from qa.index import load_paths

    batch = load_paths(args.paths)
    if not batch.documents:  # refused before the model loads or the index is claimed
        report = IndexReport(batch.refused)
        _print_report(report, args.json)
        raise NothingIndexedError(f"Nothing was indexed: {report.problems()}", report=report)
    # Claim the directory before loading the model, so a second writer is refused at once
    # rather than after minutes of embedding.
    with store.writing(args.out) as session:
        existing = (Path(args.out) / "CURRENT").exists()
        assistant = (
            Assistant.load(args.out)
            if existing
            else Assistant(_embedder(), reader=default_reader())
        )
        session.claim(assistant.collection)
        with tqdm(total=0, unit="text", desc="Embedding", disable=args.quiet) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            report = assistant.index(batch, progress=progress)
        where = assistant.save(args.out)
    _print_report(report, args.json)
    count = len(assistant.documents)
    print(
        f"Indexed {count} document{'' if count == 1 else 's'}, "
        f"{assistant.collection.passage_count} passages -> {where}",
        file=sys.stderr if args.json else sys.stdout,
    )
    return 0


def _print_report(report: Any, as_json: bool) -> None:
    """The index report: its dict as JSON, or the table (one line per input, totals)."""
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(report.table())


def default_reader() -> Any:
    from qa.answer.reader import default_reader as shipped

    return shipped()


def _embedder() -> Any:
    from embeddings import default_embedder

    return default_embedder()


def _eval_dataset(args: argparse.Namespace) -> Dataset:
    """The question set to evaluate, with --docs' documents for a JSONL file, and only
    one half of it when --half asks."""
    from qa.evaluate import load_dataset
    from qa.loading import document_files, load_items

    extra = None
    if args.docs:
        listing = document_files(args.docs)
        for line in listing.skipped:
            print(f"qa eval: skipped {line}", file=sys.stderr)
        extra = load_items(listing.files)
    dataset = load_dataset(args.dataset, documents=extra)
    return dataset.half(args.half) if args.half else dataset


def _progress_bars(quiet: bool) -> tuple[Callable[[str, int, int], None], Callable[[], None]]:
    """One progress bar per configuration evaluated, and a function that closes them."""
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def progress(name: str, done: int, total: int) -> None:
        bar = bars.get(name)
        if bar is None:
            bar = bars[name] = tqdm(total=total, desc=name, unit="q", disable=quiet, leave=False)
        bar.update(done - bar.n)

    def close() -> None:
        for bar in bars.values():
            bar.close()

    return progress, close


def cmd_eval(args: argparse.Namespace) -> int:
    from qa import Assistant
    from qa.evaluate import evaluate

    dataset = _eval_dataset(args)
    assistant = (
        Assistant.load(args.index)
        if args.index
        else Assistant(_embedder(), reader=default_reader())
    )
    names = (
        [n.strip() for n in args.compare.split(",") if n.strip()] if args.compare else ["hybrid"]
    )
    configs = {name: _settings_for(name, assistant.settings) for name in names}
    progress, close = _progress_bars(args.quiet)
    report = evaluate(
        assistant,
        dataset,
        configs=configs,
        refusal=not args.no_refusal,
        by=args.by,
        progress=progress,
    )
    close()
    print(report.table())
    if args.failures:
        print(f"\nWorst misses ({names[0]}):")
        print(report.failures(args.failures))
    if args.json:
        report.write_json(args.json)
        print(f"\nWrote {args.json}")
    if args.plot:
        report.plot(args.plot)
        print(f"Wrote {args.plot}")
    if args.conversations:
        from qa.evaluate import evaluate_conversations

        conversations = evaluate_conversations(
            assistant, args.conversations, xquad_path=args.dataset
        )
        print()
        print(conversations.table())
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ui.startup import load_in_background

    # Given documents load now; the bundled article loads while Gradio imports (as app.py).
    given = _assistant(args.docs, args.index) if args.docs or args.index else None
    loading = load_in_background() if given is None else None
    from ui.server import port_from_env, serve

    port = args.port or port_from_env()  # a bad GRADIO_SERVER_PORT fails before the wait
    assistant = given if loading is None else loading.result()
    serve(assistant, host=args.host, port=port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa", description="Ask questions about documents, offline, with cited sources."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for add in (_add_ask, _add_index, _add_eval, _add_serve):
        add(commands)
    return parser


Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _add_ask(commands: Commands) -> None:
    ask = commands.add_parser(
        "ask",
        help="answer one question",
        description="Answer one question from documents (the bundled article by default).",
    )
    ask.add_argument("question")
    ask.add_argument(
        "--docs", nargs="+", metavar="PATH", help="files to ask about (.txt .md .html .pdf .docx)"
    )
    ask.add_argument("--index", metavar="DIR", help="a saved index (from `qa index`)")
    ask.add_argument("--top-k", type=int, default=3, help="number of sources (default 3)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.set_defaults(run=cmd_ask)


def _add_index(commands: Commands) -> None:
    index = commands.add_parser(
        "index",
        help="index files into a directory",
        description="Embed files and save the index (added to an existing index in --out). "
        "Prints what became of each file: indexed (passages), skipped (duplicate, redirect "
        "stub, empty, unsupported) or failed (the error); exits 2 if none could be indexed.",
    )
    index.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    index.add_argument("--out", required=True, metavar="DIR")
    index.add_argument("--json", action="store_true", help="print the index report as JSON")
    index.add_argument("--quiet", action="store_true", help="no progress bar")
    index.set_defaults(run=cmd_index)


def _add_eval(commands: Commands) -> None:
    evaluation = commands.add_parser(
        "eval",
        help="measure accuracy on a labelled question set",
        description="Evaluate retrieval, answers and refusal on SQuAD-format or our "
        "JSON/JSONL questions (see docs/evaluation.md).",
    )
    evaluation.add_argument("dataset", metavar="DATASET")
    evaluation.add_argument(
        "--docs",
        nargs="+",
        metavar="PATH",
        help="documents (files or folders) for a JSONL question file",
    )
    evaluation.add_argument(
        "--by",
        metavar="FIELD",
        help="also report per value of this field of the questions (e.g. kind)",
    )
    evaluation.add_argument(
        "--index", metavar="DIR", help="start from a saved index (its settings and model)"
    )
    evaluation.add_argument(
        "--compare", metavar="LIST", help=f"configurations, comma-separated: {','.join(PRESETS)}"
    )
    evaluation.add_argument(
        "--json", metavar="FILE", help="write every figure and per-question result"
    )
    evaluation.add_argument(
        "--failures", type=int, default=0, metavar="N", help="list the N worst misses"
    )
    evaluation.add_argument("--plot", metavar="FILE.png", help="hit@k curves per configuration")
    evaluation.add_argument(
        "--no-refusal", action="store_true", help="skip the removed-document run"
    )
    evaluation.add_argument(
        "--conversations",
        metavar="FILE.jsonl",
        help="also evaluate a conversation set (follow-ups with and without handling); "
        "DATASET supplies its XQuAD articles",
    )
    evaluation.add_argument(
        "--half",
        choices=("even", "odd"),
        help="only questions on even/odd documents (tuning used even; odd is held out)",
    )
    evaluation.add_argument("--quiet", action="store_true", help="no progress bar")
    evaluation.set_defaults(run=cmd_eval)


def _add_serve(commands: Commands) -> None:
    serve = commands.add_parser(
        "serve",
        help="start the browser chat (same as python app.py)",
        description="Serve the chat UI.",
    )
    serve.add_argument("--docs", nargs="+", metavar="PATH")
    serve.add_argument("--index", metavar="DIR")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(run=cmd_serve)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `qa` command; returns the exit code."""
    from qa.errors import EmbeddingError, QAError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except (QAError, EmbeddingError, ValueError, OSError) as err:
        print(f"qa {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"qa {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
