"""Fit the answer confidence on labelled questions, on one half of the articles.

    python -m benchmarks.calibrate [--index DIR] [--dataset XQUAD.json]

For every question the evidence features are computed twice: with its article in the
corpus (label 1 if the answer shown contains a gold answer, else 0) and with its article
removed (label 0: the right reply is a refusal). A logistic model is fitted on the
even-numbered articles; the threshold is the lowest that refuses at least 95.2%
(--refusal) of the removed-article questions of that half. Figures are then reported on
the odd half, which the fit never saw. Paste the printed tuple into AnsweringConfig.calibration.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from qa import Assistant
from qa.answer.confidence import evidence_features
from qa.answer.evidence import Evidence
from qa.answer.sentences import ScoredSentence, choose_sentences, score_sentences
from qa.evaluate import Dataset, contains_answer, load_dataset
from qa.retrieve import Candidate, retrieve

XQUAD = "../shared/datasets/xquad/xquad.en.json"


def assistant_for(dataset: Dataset, index: str | None) -> Assistant:
    """The dataset's documents, from a saved index when given (saves minutes of embedding)."""
    if index:
        return Assistant.load(index)
    documents = dataset.documents
    return Assistant.from_texts([d.text for d in documents], titles=[d.title for d in documents])


def scored(assistant: Assistant, question: str) -> tuple[list[ScoredSentence], list[Candidate]]:
    """The candidate passages and their scored sentences, as `ask` computes them."""
    collection = assistant.collection
    vector = assistant.embedder.encode_query(question)
    config = assistant.settings.answering
    candidates = retrieve(
        collection, question, vector, max(3, config.passages), assistant.settings.retrieval
    )
    evidence = Evidence(
        collection=collection,
        question=question,
        query_vector=vector,
        candidates=candidates,
        top_k=len(candidates),
        config=config,
    )
    return score_sentences(evidence), candidates


def sentence_text(assistant: Assistant, sentence: ScoredSentence) -> str:
    """The sentence as the user would read it: labels are judged on this text."""
    text = assistant.collection.entry(sentence.doc_id).document.text
    return text[sentence.span.start : sentence.span.end]


def features(assistant: Assistant, question: str) -> tuple[tuple[float, ...], str]:
    """The evidence features and the answer text the pipeline would show."""
    sentences, candidates = scored(assistant, question)
    chosen = choose_sentences(sentences, assistant.settings.answering)
    text = " ".join(sentence_text(assistant, s) for s in chosen)
    evidence = evidence_features(sentences[0], candidates[0])
    return evidence, text


Row = tuple[int, tuple[float, ...], float, int]


def evidence_rows(assistant: Assistant, dataset: Dataset, extra: str = "") -> list[Row]:
    """(article position, evidence features, label, kind) for every question: kind 1 with
    its article (label: the answer shown contains a gold answer), 0 with its article
    removed (label 0), 2 / 3 a paraphrase in `extra` (JSONL) answerable / not. Paraphrases
    on articles the dataset does not hold (a subset) are left out."""
    order = [d.id for d in dataset.documents]
    rows: list[Row] = []
    for example in dataset.examples:
        if example.document is None:
            continue
        feats, text = features(assistant, example.question)
        right = float(contains_answer(text, example.answers))
        rows.append((order.index(example.document), feats, right, 1))
    for doc_id in order:
        without = assistant.fork()
        without.remove_document(doc_id)
        for example in (e for e in dataset.examples if e.document == doc_id):
            feats, _ = features(without, example.question)
            rows.append((order.index(doc_id), feats, 0.0, 0))
    if extra:
        titles = {d.title: i for i, d in enumerate(dataset.documents)}
        for line in Path(extra).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            position = titles.get(record["article"].replace("_", " "))
            if position is None:
                continue
            feats, text = features(assistant, record["question"])
            label = float(record["answerable"] and contains_answer(text, record["answers"]))
            rows.append((position, feats, label, 2 if record["answerable"] else 3))
    return rows


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 4000) -> np.ndarray:
    """Logistic regression by gradient descent on standardised features; raw weights out."""
    mean, scale = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / scale
    w = np.zeros(z.shape[1])
    b = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        w -= 0.5 * (z.T @ (p - y) / len(y) + l2 * w)
        b -= 0.5 * float((p - y).mean())
    raw = w / scale
    return np.append(raw, b - float(np.sum(w * mean / scale)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default=XQUAD)
    parser.add_argument("--index", help="a saved index of the dataset's documents")
    parser.add_argument(
        "--extra",
        default="tests/data/paraphrase_dev.jsonl",
        help="paraphrased development questions on the even articles (JSONL; '' for none)",
    )
    parser.add_argument(
        "--refusal",
        type=float,
        default=0.952,
        help="share of the tuning half's removed-article questions to refuse (the goal is "
        "0.95; one question of margin, since a full `qa eval` can land one question lower)",
    )
    args = parser.parse_args(argv)
    if not 0.5 <= args.refusal <= 1.0:
        parser.error(f"--refusal must be between 0.5 and 1, got {args.refusal}")
    dataset = load_dataset(args.dataset)
    assistant = assistant_for(dataset, args.index)
    rows = evidence_rows(assistant, dataset, args.extra)
    x = np.array([r[1] for r in rows])
    y = np.array([r[2] for r in rows])
    normal = np.array([r[3] for r in rows])
    tune = np.array([r[0] % 2 == 0 for r in rows])
    coef = fit(x[tune], y[tune])
    belief = 1 / (1 + np.exp(-(x @ coef[:-1] + coef[-1])))
    removed_tune = np.sort(belief[tune & (normal == 0)])  # the threshold is set by XQuAD
    cut = int(np.ceil(args.refusal * len(removed_tune))) - 1
    threshold = float(removed_tune[cut]) + 1e-6
    refused = belief < threshold
    for name, part in (("tune (even articles)", tune), ("held-out (odd articles)", ~tune)):
        refusal = refused[part & (normal == 0)].mean()
        false_refusal = refused[part & (normal == 1)].mean()
        print(f"XQuAD {name}: refusal {refusal:.3f}, false refusal {false_refusal:.3f}")
    if args.extra:
        print(
            "paraphrase dev (tuning data): unanswerable refused "
            f"{refused[normal == 3].mean():.3f}, "
            f"answerable refused {refused[normal == 2].mean():.3f}"
        )
    print("calibration =", tuple(round(float(c), 4) for c in coef))
    print(f"threshold = {threshold:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
