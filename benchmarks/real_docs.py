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
and for unanswerable ones, declined: the answer is not found (tallied by qa/evaluate/tally.py, as
`qa eval --by` does). Both string checks collapse
whitespace and ignore case, as the data set's own gold check does; citation markers such as
"[1]" are taken out of the answer text first.

Corpus figures show how documents were cut: passages per million characters, and how many
passages end inside a sentence (cut short of the chunking limit, without sentence-final
punctuation, inside a paragraph or list item that goes on: a sign that loading or
segmentation broke a sentence apart; a command or a table row ends unpunctuated by nature).

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
from qa.evaluate import Tally, file_name, share, tally_groups
from qa.types import Document

DEFAULT_DATASET = ROOT.parent / "shared" / "datasets" / "real-docs"
FORMATS = ("html", "md", "pdf", "txt")
BACKENDS = ("onnx", "torch")
TOP_K = 3
ANSWER_CHARS = 300
SOURCE_CHARS = 160

_SPACE = re.compile(r"\s+")
_CITATION = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
# Sentence-final punctuation, optionally followed by closing quotes or brackets and by
# citation marks: 'end.', 'end."', 'end.)', 'Note:', 'end.[10]', 'end.[citation needed]'.
_SENTENCE_END = re.compile(r"[.!?:][\"'\u201d\u2019)\]]*(?:\[[^\]\n]{1,30}\])*$")
# A line end whose next line starts otherwise than in lower case (qa.chunking's rule for
# where a line break ends a sentence).
_LINE_END = re.compile(r"[ \t]*\n(?![ \t]*[a-z(])")
_PARAGRAPH_END = re.compile(r"[ \t]*\n[ \t]*\n")
_CONTAINERS = frozenset({"list", "table", "quote"})
_PROSE = frozenset({"paragraph", "list_item", "caption"})


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


def ends_mid_sentence(
    document: Document, start: int, end: int, max_chars: int, sentence_limit: int | None = None
) -> bool:
    """Whether the passage document.text[start:end] stops inside a sentence: it is shorter
    than the chunking limit, its text does not end a sentence, and the block of prose it
    ends in (a paragraph, list item, caption; in plain text, the paragraph) goes on.

    A command, a table row or a heading ends without punctuation by nature; a passage that
    ends where its block ends is whole. With `sentence_limit` (the chunker's
    `max_sentence_chars`), a cut inside a "sentence" longer than that (a list of lines
    without a full stop, say) is one the chunker had to make, and is not counted.
    """
    text = document.text[start:end].rstrip()
    if len(text) >= max_chars or _SENTENCE_END.search(text):
        return False
    last = start + len(text)  # the end of the passage's last character
    if _LINE_END.match(document.text, last):
        return False  # a line the next one does not continue: an item, a row, a list line
    if not document.blocks:  # plain text: whole when a blank line or the end follows
        rest = document.text[last:]
        if not rest.strip() or _PARAGRAPH_END.match(rest):
            return False
        breaks = [m.start() for m in _PARAGRAPH_END.finditer(document.text)]
        low = max((b for b in breaks if b < last), default=0)
        high = min((b for b in breaks if b >= last), default=len(document.text))
        return not _forced(document.text, low, high, last, sentence_limit)
    inner = [b for b in document.blocks if b.start < last <= b.end and b.kind not in _CONTAINERS]
    block = min(inner, key=lambda b: b.end - b.start, default=None)
    if block is None or block.kind not in _PROSE:
        return False
    if not document.text[last : block.end].strip():
        return False
    following = last + len(document.text[last:]) - len(document.text[last:].lstrip())
    if following in document.block_starts:
        return False  # a list item's own text, before the list nested in it
    return not _forced(document.text, block.start, block.end, last, sentence_limit)


def _forced(text: str, low: int, high: int, cut: int, limit: int | None) -> bool:
    """Whether the cut at `cut` falls inside a sentence of text[low:high] over `limit`."""
    if limit is None:
        return False
    from qa.chunking import ChunkingConfig, sentence_spans

    whole = ChunkingConfig(max_chars=len(text) + 1, max_sentence_chars=len(text) + 1)
    for span in sentence_spans(text[low:high], whole):
        if span.start < cut - low < span.end:
            return span.end - span.start > limit
    return False


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


def corpus_figures(documents: int, characters: int, passages: int, mid_sentence: int) -> Corpus:
    return Corpus(
        documents=documents,
        characters=characters,
        passages=passages,
        passages_per_million_chars=1e6 * passages / characters if characters else 0.0,
        ends_mid_sentence=mid_sentence,
        ends_mid_sentence_share=share(mid_sentence, passages),
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
    from benchmarks.build import measure_build
    from qa import Assistant
    from qa.chunking import ChunkingConfig
    from qa.loading import load_path

    paths = sorted(p for p in (dataset / "docs").iterdir() if format_of(p.name) in formats)
    if not paths:
        raise SystemExit(f"No documents of formats {', '.join(formats)} in {dataset / 'docs'}.")
    started = time.perf_counter()
    embedder, used_backend = make_embedder(backend)
    model_seconds = time.perf_counter() - started

    # Loaded first, so the build is timed (against raw encode of the very texts it
    # embeds, batch by batch) without the parsing in it.
    started = time.perf_counter()
    loaded = [load_path(p) for p in paths]
    load_seconds = time.perf_counter() - started
    assistant = Assistant.from_texts([], embedder=embedder)
    build = measure_build(assistant, loaded)

    by_name = {file_name(d): d for d in assistant.documents}
    doc_ids = {name: d.id for name, d in by_name.items()}
    names = {d.id: name for name, d in by_name.items()}
    documents = {d.id: d for d in assistant.documents}
    max_chars = ChunkingConfig().max_chars
    sentence_limit = ChunkingConfig().max_sentence_chars
    passages_by_format: dict[str, list[bool]] = defaultdict(list)  # ends mid-sentence?
    for _, chunk in assistant.collection.chunk_items():
        document = documents[chunk.doc_id]
        passages_by_format[format_of(file_name(document))].append(
            ends_mid_sentence(document, chunk.start, chunk.end, max_chars, sentence_limit)
        )

    corpus = {
        fmt: corpus_figures(
            documents=sum(format_of(n) == fmt for n in by_name),
            characters=sum(d.length for n, d in by_name.items() if format_of(n) == fmt),
            passages=len(passages_by_format[fmt]),
            mid_sentence=sum(passages_by_format[fmt]),
        )
        for fmt in formats
    }
    corpus["all"] = corpus_figures(
        documents=len(documents),
        characters=sum(d.length for d in documents.values()),
        passages=sum(len(passages_by_format[fmt]) for fmt in formats),
        mid_sentence=sum(sum(passages_by_format[fmt]) for fmt in formats),
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
        "load_seconds": load_seconds,
        "build_seconds": build.build_seconds,
        "raw_encode_seconds": build.raw_seconds,
        "build_over_raw_encode": build.ratio,
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
        f"load {report['load_seconds']:.1f} s, index build {report['build_seconds']:.1f} s "
        f"(raw encode of its texts {report['raw_encode_seconds']:.1f} s: build throughput "
        f"{report['build_over_raw_encode']:.2f} x raw), model load "
        f"{report['model_load_seconds']:.1f} s, ask p50 {report['ask_p50_ms']:.1f} ms",
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
