"""Which PDF library: our reader against other text extractors, on the development set.

    python -m benchmarks.pdf_libraries                     # every extractor installed, ONNX
    python -m benchmarks.pdf_libraries --only ours,pdfminer --json pdf-libraries.json

Issue 24 asks to choose the library by measurement. Each extractor turns every PDF of the
development set (../shared/datasets/real-docs/docs/*.pdf) into a Document:
- ours: `qa.loading.load_path` (qa/load/pdf.py: pypdf's text visitor, then re-flow,
  hyphenation, headers and footers, columns, headings, tables);
- the others give plain text, which becomes a Document through `qa.loading.load_text`
  (the file's stem as title, the path as source, pages joined by a blank line):
  pypdf `extract_text()`, pypdf `extract_text(extraction_mode="layout")`, pdfminer.six
  `extract_text` (default LAParams: text boxes), pdfplumber `page.extract_text()`,
  pypdfium2 `textpage.get_text_range()`.

One assistant per extractor is built over its Documents (one embedder shared by all), and
the development set's questions on those PDFs are asked and scored as
`python -m benchmarks.real_docs --formats pdf` scores them (its functions: gold@3,
answered right, declined, passages ending mid-sentence). Speed: pages per second of
path-to-Document, the best of `--repeat` reads of each file (the extractors' reads
interleaved), median over the files.

An extractor whose library is not installed is skipped with a note (pdfminer.six,
pdfplumber and pypdfium2 are measured, not shipped: they are not in pyproject.toml).
Measured, not asserted: nothing here fails on a low figure.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.real_docs import (
    BACKENDS,
    DEFAULT_DATASET,
    TOP_K,
    Question,
    Result,
    answered_right,
    ends_mid_sentence,
    format_of,
    gold_in,
    make_embedder,
    read_questions,
)
from qa.evaluate import file_name
from qa.types import Document

ANSWER_CHARS = 300
PAGE_BREAK = "\n\n"  # between the pages of a plain-text extraction


# ----- the extractors ------------------------------------------------------------------
def _ours(path: Path) -> Document:
    from qa.loading import load_path

    return load_path(path)


def _as_document(path: Path, pages: Sequence[str]) -> Document:
    """Plain text of `pages` as a Document titled by the file's stem, sourced by its path."""
    from qa.loading import load_text

    return load_text(PAGE_BREAK.join(pages), title=path.stem, source=str(path))


def _pypdf(path: Path, **options: Any) -> Document:
    from pypdf import PdfReader

    reader = PdfReader(path)
    return _as_document(path, [page.extract_text(**options) for page in reader.pages])


def _pypdf_plain(path: Path) -> Document:
    return _pypdf(path)


def _pypdf_layout(path: Path) -> Document:
    return _pypdf(path, extraction_mode="layout")


def _pdfminer(path: Path) -> Document:
    from pdfminer.high_level import extract_text
    from pdfminer.layout import LAParams

    return _as_document(path, extract_text(str(path), laparams=LAParams()).split("\f"))


def _pdfplumber(path: Path) -> Document:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return _as_document(path, [page.extract_text() or "" for page in pdf.pages])


def _pypdfium2(path: Path) -> Document:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        pages = []
        for page in pdf:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return _as_document(path, pages)


@dataclass(frozen=True)
class Extractor:
    """A way from a PDF file to a Document; `module` must import for it to run."""

    name: str
    description: str
    module: str
    distribution: str  # the package whose version is reported
    load: Callable[[Path], Document]

    def available(self) -> bool:
        return importlib.util.find_spec(self.module) is not None

    def version(self) -> str:
        try:
            return metadata.version(self.distribution)
        except metadata.PackageNotFoundError:
            return ""


EXTRACTORS = (
    Extractor("ours", "qa.loading.load_path (pypdf visitor + layout)", "pypdf", "pypdf", _ours),
    Extractor("pypdf", "pypdf extract_text()", "pypdf", "pypdf", _pypdf_plain),
    Extractor(
        "pypdf-layout",
        'pypdf extract_text(extraction_mode="layout")',
        "pypdf",
        "pypdf",
        _pypdf_layout,
    ),
    Extractor(
        "pdfminer",
        "pdfminer.six extract_text, default LAParams",
        "pdfminer",
        "pdfminer.six",
        _pdfminer,
    ),
    Extractor(
        "pdfplumber", "pdfplumber page.extract_text()", "pdfplumber", "pdfplumber", _pdfplumber
    ),
    Extractor(
        "pypdfium2",
        "pypdfium2 textpage.get_text_range()",
        "pypdfium2",
        "pypdfium2",
        _pypdfium2,
    ),
)
NAMES = tuple(e.name for e in EXTRACTORS)


def parse_only(value: str) -> list[str]:
    """The comma-separated extractor names of `--only`, checked against NAMES."""
    names = [n.strip().lower() for n in value.split(",") if n.strip()]
    unknown = sorted(set(names) - set(NAMES))
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"--only takes a comma-separated list of {', '.join(NAMES)}; got {value!r}."
        )
    return names


# ----- speed ---------------------------------------------------------------------------
def page_count(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def speeds(
    loads: Mapping[str, Callable[[Path], Document]], paths: Sequence[Path], repeat: int
) -> dict[str, dict[str, float]]:
    """Pages per second of each load on each file: pages over the fastest of `repeat` reads.

    The reads are interleaved (each round reads the file once with every extractor in turn),
    so a spell of load on the shared cores falls on all of them rather than on one. A load
    that raises on a file gets no figure for it (`measure` notes the error).
    """
    best: dict[str, dict[str, float]] = {name: {} for name in loads}
    pages = {path.name: page_count(path) for path in paths}
    for path in paths:
        for _ in range(max(1, repeat)):
            for name, load in loads.items():
                started = time.perf_counter()
                try:
                    load(path)
                except Exception:
                    continue
                seconds = time.perf_counter() - started
                best[name][path.name] = min(best[name].get(path.name, float("inf")), seconds)
    return {
        name: {file: pages[file] / s if s > 0 else 0.0 for file, s in times.items()}
        for name, times in best.items()
    }


# ----- records -------------------------------------------------------------------------
@dataclass
class Measured:
    """One extractor's figures over the development set's PDFs (counts, not shares)."""

    name: str
    description: str
    version: str
    skipped: str = ""  # why it did not run ("" when it did)
    files: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # file name: error
    characters: int = 0
    answerable: int = 0
    answered_right: int = 0
    gold_at_3: int = 0
    unanswerable: int = 0
    declined: int = 0
    passages: int = 0
    ends_mid_sentence: int = 0
    pages_per_second: float | None = None  # median over the files
    pages_per_second_by_file: dict[str, float] = field(default_factory=dict)
    questions: list[dict[str, Any]] = field(default_factory=list)


def skipped(extractor: Extractor, why: str) -> Measured:
    return Measured(extractor.name, extractor.description, extractor.version(), skipped=why)


# ----- the run -------------------------------------------------------------------------
AssistantFactory = Callable[[Sequence[Document]], Any]  # Documents -> an Assistant over them


def measure(
    extractor: Extractor,
    paths: Sequence[Path],
    questions: Sequence[Question],
    make_assistant: AssistantFactory,
) -> Measured:
    """Load `paths` with `extractor`, and ask and score `questions` over them."""
    from qa.chunking import ChunkingConfig

    measured = Measured(extractor.name, extractor.description, extractor.version())
    documents = []
    for path in paths:
        try:
            documents.append(extractor.load(path))
        except Exception as err:  # a library that fails on a file: noted, not fatal
            measured.failed[path.name] = f"{type(err).__name__}: {err}"[:200]
            continue
    measured.files = len(documents)
    measured.characters = sum(d.length for d in documents)
    if not documents:
        return measured

    assistant = make_assistant(documents)
    loaded = {d.id: d for d in assistant.documents}
    doc_ids = {file_name(d): d.id for d in loaded.values()}
    limit, sentence_limit = ChunkingConfig().max_chars, ChunkingConfig().max_sentence_chars
    for _, chunk in assistant.collection.chunk_items():
        measured.passages += 1
        measured.ends_mid_sentence += ends_mid_sentence(
            loaded[chunk.doc_id], chunk.start, chunk.end, limit, sentence_limit
        )

    results = []
    for question in questions:
        doc_id = doc_ids.get(question.document)
        if doc_id is None:
            continue
        started = time.perf_counter()
        answer = assistant.ask(question.question, top_k=TOP_K)
        seconds = time.perf_counter() - started
        own = [s.text for s in answer.sources[:TOP_K] if s.doc_id == doc_id]
        answerable = question.answerable
        results.append(
            Result(
                question=question.question,
                document=question.document,
                format=format_of(question.document),
                kind=question.kind,
                answerable=answerable,
                gold_at_3=any(gold_in(question.answers, t) for t in own) if answerable else None,
                correct=answered_right(question.answers, answer.found, answer.text)
                if answerable
                else None,
                found=answer.found,
                confidence=answer.confidence,
                seconds=seconds,
                answer=answer.text[:ANSWER_CHARS],
            )
        )
    answerable_results = [r for r in results if r.answerable]
    measured.answerable = len(answerable_results)
    measured.answered_right = sum(bool(r.correct) for r in answerable_results)
    measured.gold_at_3 = sum(bool(r.gold_at_3) for r in answerable_results)
    measured.unanswerable = len(results) - measured.answerable
    measured.declined = sum(not r.found for r in results if not r.answerable)
    measured.questions = [asdict(r) for r in results]
    return measured


def run(
    dataset: Path,
    names: Sequence[str],
    make_assistant: AssistantFactory,
    *,
    repeat: int = 3,
) -> list[Measured]:
    """Every extractor of `names` over the dataset's PDFs; uninstalled ones skipped.

    Speed is measured first, every extractor interleaved (see `speeds`), then each
    extractor's documents are indexed and the questions asked.
    """
    paths = sorted(p for p in (dataset / "docs").iterdir() if format_of(p.name) == "pdf")
    if not paths:
        raise SystemExit(f"No PDF documents in {dataset / 'docs'}.")
    questions = read_questions(dataset / "questions.jsonl")
    chosen = [e for e in EXTRACTORS if e.name in names]
    running = [e for e in chosen if e.available()]
    speed = speeds({e.name: e.load for e in running}, paths, repeat)
    out = []
    for extractor in chosen:
        if extractor not in running:
            out.append(skipped(extractor, f"{extractor.distribution} is not installed"))
            continue
        measured = measure(extractor, paths, questions, make_assistant)
        measured.pages_per_second_by_file = speed[extractor.name]
        if speed[extractor.name]:
            measured.pages_per_second = statistics.median(speed[extractor.name].values())
        out.append(measured)
    return out


def assistant_factory(embedder: Any) -> AssistantFactory:
    """Documents -> a fresh assistant over them, sharing `embedder` (the model loads once)."""
    from qa import Assistant

    def make(documents: Sequence[Document]) -> Any:
        assistant = Assistant.from_texts([], embedder=embedder)
        assistant.add_documents(documents)
        return assistant

    return make


# ----- the report ----------------------------------------------------------------------
def _of(hits: int, total: int) -> str:
    return f"{hits}/{total}" if total else "-"


def render(measured: Sequence[Measured]) -> str:
    """The figures as a plain-text table, skipped extractors as notes below it."""
    lines = [
        f"{'extractor':<13} {'version':<10} {'right':>6} {'gold@3':>7} {'declined':>9} "
        f"{'mid-sentence':>14} {'pages/s':>8}"
    ]
    notes = []
    for m in measured:
        if m.skipped:
            notes.append(f"{m.name}: skipped, {m.skipped}")
            continue
        mid = f"{m.ends_mid_sentence}/{m.passages}"
        speed = "-" if m.pages_per_second is None else f"{m.pages_per_second:.1f}"
        lines.append(
            f"{m.name:<13} {m.version[:10]:<10} {_of(m.answered_right, m.answerable):>6} "
            f"{_of(m.gold_at_3, m.answerable):>7} {_of(m.declined, m.unanswerable):>9} "
            f"{mid:>14} {speed:>8}"
        )
        notes.extend(f"{m.name}: failed on {name}: {why}" for name, why in m.failed.items())
    return "\n".join(lines + (["", *notes] if notes else []))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.pdf_libraries", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--only",
        type=parse_only,
        default=list(NAMES),
        help=f"comma-separated extractors to run (default: {','.join(NAMES)})",
    )
    parser.add_argument("--backend", choices=BACKENDS, default="onnx")
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--repeat", type=int, default=3, help="reads per file; the best counts")
    parser.add_argument("--json", type=Path, help="write every figure and question here")
    args = parser.parse_args(argv)

    embedder, backend = make_embedder(args.backend)
    measured = run(args.dataset, args.only, assistant_factory(embedder), repeat=args.repeat)
    print(f"pdf libraries: {args.dataset}, backend {backend}, top {TOP_K}, best of {args.repeat}")
    print(render(measured))
    if args.json:
        report = {
            "dataset": str(args.dataset),
            "backend": backend,
            "model": embedder.name,
            "top_k": TOP_K,
            "repeat": args.repeat,
            "extractors": [asdict(m) for m in measured],
        }
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
