"""Do the sentences' token vectors still earn their place now that the reader reads?

    python -m benchmarks.token_vectors [--dataset XQUAD.json] [--json FILE]

The word-by-word match (MaxSim, qa/answer/maxsim.py) reads int8 token vectors kept for every
sentence (qa/embed/token_packing.py): most of a saved index's bytes. The trained reader
reads each candidate sentence against the question, which may make them redundant. This
measures both ways on XQuAD with the reader on, each fitted the same way so neither is
judged with the other's weights: without token vectors the word-level feature is the pooled
cosine, as for a model that gives none.

For each configuration: the sentence model is refitted on the even articles (as
`benchmarks.fit_sentences` does), then the confidence (as `benchmarks.calibrate` does, the
threshold refusing 95.2% of the even articles' removed-article questions), and the odd
articles, which neither fit saw, are the report: answer accuracy (answered, and the answer
shown contains a gold answer, as calibrate judges it), refusal and false refusal. Also the
saved index's bytes per passage. Issue 28's rule: drop the token vectors if the held-out
accuracy is within 0.5 point without them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.calibrate import XQUAD, evidence_rows, fit
from benchmarks.fit_sentences import PARAPHRASES, Question, candidates, fit_ranking, platt
from embeddings import Embedder
from embeddings.embedder import TextEncoder
from qa import Assistant
from qa.answer.reader import Reader, default_reader
from qa.evaluate import Dataset, load_dataset

REFUSAL = 0.952


class PooledOnly:
    """The same model giving pooled vectors only: no `encode_with_tokens`, so the index
    keeps no token vectors and the word-level feature falls back to the pooled cosine."""

    def __init__(self, inner: TextEncoder) -> None:
        self.name, self.weights_sha256 = inner.name, inner.weights_sha256
        self.dimension = inner.dimension
        self.encode, self.encode_query = inner.encode, inner.encode_query


@dataclass(frozen=True)
class Outcome:
    """One configuration's held-out figures and index size."""

    name: str
    accuracy_odd: float
    accuracy_all: float
    refusal_odd: float
    false_refusal_odd: float
    bytes_per_passage: float
    sentence_model: tuple[float, ...]
    calibration: tuple[float, ...]
    threshold: float


def paraphrases(dataset: Dataset) -> list[tuple[int, dict[str, Any]]]:
    titles = {d.title: i for i, d in enumerate(dataset.documents)}
    lines = Path(PARAPHRASES).read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    named = [(titles.get(r["article"].replace("_", " ")), r) for r in records]
    return [(article, r) for article, r in named if article is not None]  # a subset: its own


def refit_sentences(assistant: Assistant, dataset: Dataset) -> tuple[float, ...]:
    """The sentence model fitted on the even articles and their paraphrases."""
    order = {d.id: i for i, d in enumerate(dataset.documents)}
    questions = [
        Question(order[e.document], *candidates(assistant, e.question, e.answers), False)
        for e in dataset.examples
        if e.document is not None and order[e.document] % 2 == 0
    ]
    for article, record in paraphrases(dataset):
        if record["answerable"] and article % 2 == 0:
            found = candidates(assistant, record["question"], record["answers"])
            questions.append(Question(article, *found, True))
    tune = [q for q in questions if q.labels.size]
    w = fit_ranking(tune)
    a, b = platt(tune, w)
    return tuple(float(c) for c in np.append(a * w, b))


def index_bytes_per_passage(assistant: Assistant) -> float:
    with tempfile.TemporaryDirectory() as directory:
        assistant.save(directory)
        total = sum(p.stat().st_size for p in Path(directory).rglob("*") if p.is_file())
    return total / max(1, assistant.collection.passage_count)


def measure(name: str, embedder: Any, reader: Reader, dataset: Dataset) -> Outcome:
    documents = dataset.documents
    assistant = Assistant.from_texts(
        [d.text for d in documents],
        titles=[d.title for d in documents],
        embedder=embedder,
        reader=reader,
    )
    size = index_bytes_per_passage(assistant)
    answering = assistant.settings.answering
    sentence_model = refit_sentences(assistant, dataset)
    answering = replace(answering, reader_sentence_model=sentence_model)
    assistant.settings = replace(assistant.settings, answering=answering)
    rows = evidence_rows(assistant, dataset, PARAPHRASES)
    article, y, kind = (np.array([r[i] for r in rows]) for i in (0, 2, 3))
    x = np.array([r[1] for r in rows])
    even = article % 2 == 0
    coef = fit(x[even], y[even])
    belief = 1 / (1 + np.exp(-(x @ coef[:-1] + coef[-1])))
    removed = np.sort(belief[even & (kind == 0)])
    threshold = float(removed[int(np.ceil(REFUSAL * len(removed))) - 1]) + 1e-6
    answered = belief >= threshold
    odd, asked = ~even, kind == 1
    return Outcome(
        name=name,
        accuracy_odd=float((answered & (y == 1))[odd & asked].mean()),
        accuracy_all=float((answered & (y == 1))[asked].mean()),
        refusal_odd=float((~answered)[odd & (kind == 0)].mean()),
        false_refusal_odd=float((~answered)[odd & asked].mean()),
        bytes_per_passage=size,
        sentence_model=tuple(round(c, 4) for c in sentence_model),
        calibration=tuple(round(float(c), 4) for c in coef),
        threshold=round(threshold, 4),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default=XQUAD)
    parser.add_argument("--json", type=Path, help="write both outcomes here")
    args = parser.parse_args(argv)
    dataset = load_dataset(args.dataset)
    embedder = Embedder()
    reader = default_reader()
    if reader is None:
        raise SystemExit("The reader is off (QA_READER=off?): this measures with it on.")
    outcomes = [
        measure("token vectors (today)", embedder, reader, dataset),
        measure("pooled only", PooledOnly(embedder), reader, dataset),
    ]
    heads = ("acc odd", "acc all", "refusal", "false ref", "B/passage")
    print(f"{'':24} " + " ".join(f"{h:>9}" for h in heads))
    for o in outcomes:
        print(
            f"{o.name:24} {o.accuracy_odd:9.3f} {o.accuracy_all:9.3f} {o.refusal_odd:9.3f} "
            f"{o.false_refusal_odd:9.3f} {o.bytes_per_passage:9,.0f}"
        )
    gap = outcomes[0].accuracy_odd - outcomes[1].accuracy_odd
    print(f"held-out accuracy lost without token vectors: {100 * gap:.1f} points")
    if args.json:
        args.json.write_text(json.dumps([o.__dict__ for o in outcomes], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
