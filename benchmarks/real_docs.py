"""Accuracy on real documents: the development set in ../shared/datasets/real-docs/.

    python -m benchmarks.real_docs                          # every format, ONNX
    python -m benchmarks.real_docs --formats html,md --json report.json
    python -m benchmarks.real_docs --backend torch

One assistant is built over every document of the selected formats, then each question
whose document is loaded is asked once through the public API (`Assistant.ask`, top 3).
Figures, for answerable questions:
- gold@3: a gold answer string occurs in one of the top 3 sources that come from the
  question's own document (retrieval and chunking kept the answer whole and findable);
- answered right: the answer is found and quotes a gold string;
and for unanswerable ones, declined: the answer is not found (tallied by qa/tally.py, as
`qa eval --by` does). Both string checks collapse
whitespace and ignore case, as the data set's own gold check does; citation markers such as
"[1]" are taken out of the answer text first.

Corpus figures show how documents were cut: passages per million characters, and how many
passages end inside a sentence (cut short of the chunking limit without sentence-final
punctuation: a sign that loading or segmentation broke a sentence apart).

Measured, not asserted: nothing here fails on a low figure.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT
from qa.datasets import file_name
from qa.tally import Tally, share, tally_groups

DEFAULT_DATASET = ROOT.parent / "shared" / "datasets" / "real-docs"
FORMATS = ("html", "md", "pdf", "txt")
BACKENDS = ("onnx", "torch")
TOP_K = 3
ANSWER_CHARS = 300
SOURCE_CHARS = 160

_SPACE = re.compile(r"\s+")
_CITATION = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
# Sentence-final punctuation, optionally followed by closing quotes or brackets: 'end.',
# 'end."', 'end.)', 'Note:'.
_SENTENCE_END = re.compile(r"[.!?:][\"'\u201d\u2019)\]]*$")


# ----- scoring: small pure functions ---------------------------------------------------
def normalise(text: str) -> str:
    """Whitespace collapsed to single spaces, outer space stripped, lower case."""
    return _SPACE.sub(" ", text).strip().lower()


def strip_citations(text: str) -> str:
    """`text` without citation markers such as "[1]" or "[1, 2]"."""
    return _CITATION.sub("", text)


def gold_in(golds: Iterable[str], text: str) -> bool:
    """Whether any gold string occurs in `text`, both normalised (an empty gold never does)."""
    haystack = normalise(text)
    return any(needle and needle in haystack for needle in map(normalise, golds))


def answered_right(golds: Sequence[str], found: bool, answer_text: str) -> bool:
    """Found, and the answer (citation markers removed) quotes a gold string."""
    return found and gold_in(golds, strip_citations(answer_text))


def ends_mid_sentence(passage: str, max_chars: int) -> bool:
    """A passage shorter than the chunking limit whose last character does not end a
    sentence: it was cut where no sentence ended and no length limit forced a cut."""
    text = passage.rstrip()
    return len(text) < max_chars and not _SENTENCE_END.search(text)


def format_of(document: str) -> str:
    """The format of a file by its extension: "html" (also .htm), "md", "pdf", "txt"."""
    suffix = Path(document).suffix.lower().lstrip(".")
    return "html" if suffix == "htm" else suffix


def parse_formats(value: str) -> list[str]:
    """The comma-separated formats of `--formats`, checked against FORMATS."""
    formats = [f.strip().lower() for f in value.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(FORMATS))
    if not formats or unknown:
        raise argparse.ArgumentTypeError(
            f"--formats takes a comma-separated list of {', '.join(FORMATS)}; got {value!r}."
        )
    return formats


# ----- records -------------------------------------------------------------------------
@dataclass(frozen=True)
class Question:
    question: str
    document: str
    answers: tuple[str, ...]
    answerable: bool
    kind: str


@dataclass(frozen=True)
class Result:
    """One question's outcome (gold@3 and correct are None for unanswerable questions).

    `sources` are the top passages as "document@offset: opening text", for reading failures.
    """

    question: str
    document: str
    format: str
    kind: str
    answerable: bool
    gold_at_3: bool | None
    correct: bool | None
    found: bool
    confidence: float
    seconds: float
    answer: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Corpus:
    """How a group of documents was cut into passages."""

    documents: int
    characters: int
    passages: int
    passages_per_million_chars: float
    ends_mid_sentence: int
    ends_mid_sentence_share: float | None


def corpus_figures(
    documents: int, characters: int, passages: Sequence[str], max_chars: int
) -> Corpus:
    mid = sum(ends_mid_sentence(p, max_chars) for p in passages)
    return Corpus(
        documents=documents,
        characters=characters,
        passages=len(passages),
        passages_per_million_chars=1e6 * len(passages) / characters if characters else 0.0,
        ends_mid_sentence=mid,
        ends_mid_sentence_share=share(mid, len(passages)),
    )


def read_questions(path: Path) -> list[Question]:
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            questions.append(
                Question(
                    question=record["question"],
                    document=record["document"],
                    answers=tuple(record["answers"]),
                    answerable=bool(record["answerable"]),
                    kind=record["kind"],
                )
            )
    return questions


def group(results: Sequence[Result], key: str) -> dict[str, Tally]:
    return tally_groups(results, lambda result: str(getattr(result, key)))


# ----- the run -------------------------------------------------------------------------
def make_embedder(backend: str) -> tuple[Any, str]:
    """A warmed-up embedder on `backend`, falling back to torch when ONNX cannot run."""
    from embeddings import Embedder
    from qa.errors import ModelNotAvailableError

    embedder = Embedder(backend=backend)
    try:
        embedder.warm_up()
    except ModelNotAvailableError as err:
        if backend == "torch":
            raise
        print(f"{backend} backend unavailable ({err}); using torch.", file=sys.stderr)
        embedder = Embedder()
        embedder.warm_up()
    return embedder, embedder.backend


def run(dataset: Path, formats: Sequence[str], backend: str) -> dict[str, Any]:
    from qa import Assistant
    from qa.chunking import ChunkingConfig

    paths = sorted(p for p in (dataset / "docs").iterdir() if format_of(p.name) in formats)
    if not paths:
        raise SystemExit(f"No documents of formats {', '.join(formats)} in {dataset / 'docs'}.")
    started = time.perf_counter()
    embedder, used_backend = make_embedder(backend)
    model_seconds = time.perf_counter() - started

    started = time.perf_counter()
    assistant = Assistant.from_paths(paths, embedder=embedder)
    build_seconds = time.perf_counter() - started

    by_name = {file_name(d): d for d in assistant.documents}
    doc_ids = {name: d.id for name, d in by_name.items()}
    names = {d.id: name for name, d in by_name.items()}
    documents = {d.id: d for d in assistant.documents}
    max_chars = ChunkingConfig().max_chars
    passages_by_format: dict[str, list[str]] = defaultdict(list)
    for _, chunk in assistant.collection.chunk_items():
        name = file_name(documents[chunk.doc_id])
        passages_by_format[format_of(name)].append(chunk.text)

    corpus = {
        fmt: corpus_figures(
            documents=sum(format_of(n) == fmt for n in by_name),
            characters=sum(d.length for n, d in by_name.items() if format_of(n) == fmt),
            passages=passages_by_format[fmt],
            max_chars=max_chars,
        )
        for fmt in formats
    }
    corpus["all"] = corpus_figures(
        documents=len(documents),
        characters=sum(d.length for d in documents.values()),
        passages=[p for fmt in formats for p in passages_by_format[fmt]],
        max_chars=max_chars,
    )

    results = []
    for question in read_questions(dataset / "questions.jsonl"):
        doc_id = doc_ids.get(question.document)
        if doc_id is None:
            continue
        started = time.perf_counter()
        answer = assistant.ask(question.question, top_k=TOP_K)
        seconds = time.perf_counter() - started
        own = [s.text for s in answer.sources[:TOP_K] if s.doc_id == doc_id]
        results.append(
            Result(
                question=question.question,
                document=question.document,
                format=format_of(question.document),
                kind=question.kind,
                answerable=question.answerable,
                gold_at_3=any(gold_in(question.answers, t) for t in own)
                if question.answerable
                else None,
                correct=answered_right(question.answers, answer.found, answer.text)
                if question.answerable
                else None,
                found=answer.found,
                confidence=answer.confidence,
                seconds=seconds,
                answer=answer.text[:ANSWER_CHARS],
                sources=tuple(
                    f"{names[s.doc_id]}@{s.start}: {s.text[:SOURCE_CHARS]}"
                    for s in answer.sources[:TOP_K]
                ),
            )
        )
    return {
        "dataset": str(dataset),
        "formats": list(formats),
        "backend": used_backend,
        "model": embedder.name,
        "top_k": TOP_K,
        "max_chars": max_chars,
        "model_load_seconds": model_seconds,
        "build_seconds": build_seconds,
        "ask_p50_ms": 1000 * statistics.median(r.seconds for r in results) if results else None,
        "overall": asdict(Tally.of(results)),
        "by_kind": {k: asdict(v) for k, v in group(results, "kind").items()},
        "by_format": {k: asdict(v) for k, v in group(results, "format").items()},
        "corpus": {k: asdict(v) for k, v in corpus.items()},
        "questions": [asdict(r) for r in results],
    }


# ----- the report ----------------------------------------------------------------------
def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def render(report: dict[str, Any]) -> str:
    """The report as plain-text tables."""
    lines = [
        f"real-docs: formats {','.join(report['formats'])}, backend {report['backend']}, "
        f"top {report['top_k']}",
        f"index build {report['build_seconds']:.1f} s (model load "
        f"{report['model_load_seconds']:.1f} s), ask p50 {report['ask_p50_ms']:.1f} ms",
        "",
        f"{'group':<18} {'answerable':>10} {'gold@3':>8} {'right':>8} "
        f"{'unanswerable':>12} {'declined':>8}",
    ]

    def row(name: str, tally: dict[str, Any]) -> str:
        return (
            f"{name:<18} {tally['answerable']:>10} {_pct(tally['gold_at_3']):>8} "
            f"{_pct(tally['answered_right']):>8} {tally['unanswerable']:>12} "
            f"{_pct(tally['declined']):>8}"
        )

    lines.append(row("all", report["overall"]))
    for title in ("by_format", "by_kind"):
        lines.append(f"-- {title.replace('_', ' ')}")
        lines.extend(row(name, tally) for name, tally in report[title].items())
    lines += [
        "",
        f"{'corpus':<8} {'docs':>5} {'chars':>9} {'passages':>9} {'per 1M':>8} "
        f"{'mid-sentence':>13}",
    ]
    for name, c in report["corpus"].items():
        lines.append(
            f"{name:<8} {c['documents']:>5} {c['characters']:>9,} {c['passages']:>9} "
            f"{c['passages_per_million_chars']:>8.0f} "
            f"{c['ends_mid_sentence']:>5} ({_pct(c['ends_mid_sentence_share'])})"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.real_docs", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--formats",
        type=parse_formats,
        default=list(FORMATS),
        help=f"comma-separated formats to load (default: {','.join(FORMATS)})",
    )
    parser.add_argument("--backend", choices=BACKENDS, default="onnx")
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--json", type=Path, help="write every figure and question here")
    args = parser.parse_args(argv)

    report = run(args.dataset, args.formats, args.backend)
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
