"""Fit the sentence model (which sentence holds the answer) on one half of the articles.

    python -m benchmarks.fit_sentences [--index DIR] [--dataset XQUAD.json]

Every sentence of the top passages of every question gets its sentence_features() and a
label: does it contain a gold answer. The model is fitted on the even-numbered articles'
questions plus the paraphrased development questions on those articles
(tests/data/paraphrase_dev.jsonl), as a ranking: the answer sentence should come first.
Reported: how often the top-scored sentence holds the answer, on the tuning half, on the
odd half (which the fit never saw) and on the paraphrases. Paste the printed tuple into
AnsweringConfig.sentence_model, then refit the confidence with
`python -m benchmarks.calibrate`, since the confidence reads the sentence score.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.calibrate import XQUAD, assistant_for, scored, sentence_text
from qa import Assistant
from qa.evaluate import contains_answer, load_dataset

PARAPHRASES = "tests/data/paraphrase_dev.jsonl"


@dataclass(frozen=True)
class Question:
    """One question's candidate sentences: features (sentences x 9) and labels."""

    article: int  # position of its article in the dataset
    features: np.ndarray
    labels: np.ndarray
    paraphrase: bool


def candidates(
    assistant: Assistant, question: str, answers: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Every candidate sentence's features, and whether it contains a gold answer."""
    sentences, _ = scored(assistant, question)
    features = np.array([s.features for s in sentences], dtype=np.float64)
    labels = [contains_answer(sentence_text(assistant, s), answers) for s in sentences]
    return features.reshape(len(sentences), -1), np.array(labels, dtype=np.float64)


def fit_ranking(questions: list[Question], l2: float = 1e-3, steps: int = 3000) -> np.ndarray:
    """Weights that put the answer sentence first: a softmax over each question's sentences.

    Choosing the sentence is a ranking within one question, so the fit is too (a
    conditional logit); a plain logistic fit over all sentences measured 0.3 to 4 points
    worse at choosing (docs/evaluation.md). Raw weights, no intercept.
    """
    usable = [q for q in questions if q.labels.sum() > 0]
    stacked = np.concatenate([q.features for q in usable])
    mean, scale = stacked.mean(0), stacked.std(0) + 1e-9
    blocks = [((q.features - mean) / scale, q.labels / q.labels.sum()) for q in usable]
    weights = np.full(len(usable), 1.0 / len(usable))
    w = np.zeros(stacked.shape[1])
    for _ in range(steps):
        gradient = l2 * w
        for (z, target), share in zip(blocks, weights, strict=True):
            s = z @ w
            p = np.exp(s - s.max())
            gradient += share * (z.T @ (p / p.sum() - target))
        w -= 0.5 * gradient
    return w / scale


def platt(questions: list[Question], w: np.ndarray, steps: int = 2000) -> tuple[float, float]:
    """(a, b) so that sigmoid(a * w.x + b) is the probability that a sentence holds the answer.

    The ranking fit fixes only the order; this puts the scores on a probability scale,
    which the second-sentence rule and the confidence read.
    """
    s = np.concatenate([q.features @ w for q in questions])
    y = np.concatenate([q.labels for q in questions])
    mean, scale = s.mean(), s.std() + 1e-9
    z = (s - mean) / scale
    a, b = 0.0, 0.0
    for _ in range(steps):
        residual = 1 / (1 + np.exp(-(a * z + b))) - y
        a -= 0.5 * float((residual * z).mean())
        b -= 0.5 * float(residual.mean())
    return a / scale, b - a * mean / scale


def top_accuracy(questions: list[Question], model: np.ndarray) -> float:
    """Share of questions whose best-scored sentence contains a gold answer."""
    hits = [
        float(q.labels[int(np.argmax(q.features @ model[:-1] + model[-1]))])
        if q.labels.size
        else 0.0
        for q in questions
    ]
    return float(np.mean(hits)) if hits else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default=XQUAD)
    parser.add_argument("--index", help="a saved index of the dataset's documents")
    parser.add_argument("--extra", default=PARAPHRASES, help="paraphrase JSONL ('' for none)")
    args = parser.parse_args(argv)
    dataset = load_dataset(args.dataset)
    assistant = assistant_for(dataset, args.index)
    order = {d.id: i for i, d in enumerate(dataset.documents)}
    questions = [
        Question(order[e.document], *candidates(assistant, e.question, e.answers), False)
        for e in dataset.examples
        if e.document is not None
    ]
    if args.extra:
        titles = {d.title: i for i, d in enumerate(dataset.documents)}
        for line in Path(args.extra).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["answerable"]:
                article = titles[record["article"].replace("_", " ")]
                found = candidates(assistant, record["question"], record["answers"])
                questions.append(Question(article, *found, True))
    tune = [q for q in questions if q.article % 2 == 0 and q.labels.size]
    held = [q for q in questions if q.article % 2 == 1 and not q.paraphrase]
    paraphrases = [q for q in questions if q.paraphrase]
    w = fit_ranking(tune)
    a, b = platt(tune, w)
    model = np.append(a * w, b)
    current = np.asarray(
        assistant.settings.answering.sentence_weights(assistant.reader is not None)
    )
    for name, part in (
        ("XQuAD even (tuning)", [q for q in tune if not q.paraphrase]),
        ("XQuAD odd (held out)", held),
        ("paraphrases (tuning)", paraphrases),
    ):
        print(
            f"{name}: best sentence holds the answer, current {top_accuracy(part, current):.3f}, "
            f"refit {top_accuracy(part, model):.3f} ({len(part)} questions)"
        )
    print("sentence_model =", tuple(round(float(c), 4) for c in model))
    return 0


if __name__ == "__main__":
    sys.exit(main())
