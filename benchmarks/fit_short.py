"""Fit the short-answer threshold on the even XQuAD articles; report it on the odd ones.

    python -m benchmarks.fit_short [--dataset XQUAD.json] [--index DIR] [--given 0.85]

Every question is asked as `qa eval` asks it, with the threshold off, and the span head's
score of the phrase it would give is kept. The threshold is the highest score that still
gives a short answer on `--given` of the even half's right answers (the issue's goal is
0.80; the margin is for the odd half, which the fit never saw): below it, the phrases
withheld are the head's least sure. A table of thresholds shows the trade-off on both
halves. Paste the printed value into ShortAnswerConfig.threshold (qa/answer/short.py).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.calibrate import XQUAD, assistant_for, scored
from qa import Assistant
from qa.answer.short import ShortAnswerConfig, asks_for_explanation
from qa.evaluate import contains_answer, exact_match, load_dataset, strip_citations, token_f1


@dataclass(frozen=True)
class Row:
    """One question: its half, whether the answer was right, the phrase and its score."""

    even: bool
    found: bool
    correct: bool
    short: str | None  # what would be shown with no threshold
    score: float  # the span head's score of it (-inf: none possible)
    em: float
    f1: float


def rows(assistant: Assistant, dataset_path: str) -> list[Row]:
    """Every answerable question with a document, asked with the threshold off."""
    dataset = load_dataset(dataset_path)
    order = [d.id for d in dataset.documents]
    answering = replace(assistant.settings.answering, short=ShortAnswerConfig(-math.inf))
    open_ = assistant.with_settings(replace(assistant.settings, answering=answering))
    out = []
    for example in dataset.examples:
        if example.document is None or not example.answerable:
            continue
        reply = open_.ask(example.question, top_k=3)
        sentences, _ = scored(open_, example.question)
        best = sentences[0].reading if sentences else None
        score = best.phrase_score if best is not None and reply.short is not None else -math.inf
        text = strip_citations(reply.text) if reply.found else ""
        out.append(
            Row(
                even=order.index(example.document) % 2 == 0,
                found=reply.found,
                correct=reply.found and contains_answer(text, example.answers),
                short=reply.short,
                score=score,
                em=exact_match(reply.short, example.answers),
                f1=token_f1(reply.short, example.answers),
            )
        )
    return out


def figures(part: list[Row], threshold: float) -> dict[str, float]:
    """Given-rate on right answers, EM/F1 over all and over the phrases given."""
    given = [r for r in part if r.short is not None and r.score >= threshold]
    right = [r for r in part if r.correct]
    n = max(1, len(part))
    return {
        "given_on_right": sum(r.short is not None and r.score >= threshold for r in right)
        / max(1, len(right)),
        "em_all": sum(r.em for r in given) / n,
        "f1_all": sum(r.f1 for r in given) / n,
        "em_given": sum(r.em for r in given) / max(1, len(given)),
        "f1_given": sum(r.f1 for r in given) / max(1, len(given)),
    }


def fit_threshold(tune: list[Row], given: float) -> float:
    """The highest score keeping a short answer on `given` of the right answers."""
    right = [r for r in tune if r.correct]
    scores = sorted((r.score for r in right if r.short is not None), reverse=True)
    needed = math.ceil(given * len(right))
    if not scores or needed > len(scores):
        return -math.inf
    return scores[needed - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default=XQUAD)
    parser.add_argument("--index", help="a saved index of the dataset's documents")
    parser.add_argument("--given", type=float, default=0.85, help="share of right answers")
    parser.add_argument("--rows", type=Path, help="write the per-question rows here (JSON)")
    args = parser.parse_args(argv)
    if not 0.0 < args.given <= 1.0:
        parser.error(f"--given must be in (0, 1], got {args.given}")
    assistant = assistant_for(load_dataset(args.dataset), args.index)
    table = rows(assistant, args.dataset)
    if args.rows:
        args.rows.write_text(json.dumps([r.__dict__ for r in table], indent=0), encoding="utf-8")
    tune = [r for r in table if r.even]
    held = [r for r in table if not r.even]
    threshold = fit_threshold(tune, args.given)
    explanations = sum(
        asks_for_explanation(q.question) for q in load_dataset(args.dataset).examples
    )
    print(f"{len(table)} questions, {explanations} asking for an explanation (never given)")
    print(f"{'threshold':>10} {'half':>5} {'given|right':>12} {'EM all':>7} {'F1 all':>7} "
          f"{'EM given':>9} {'F1 given':>9}")  # fmt: skip
    for cut in sorted({-math.inf, -4.0, -3.0, -2.5, -2.0, -1.5, -1.0, -0.5, threshold}):
        for name, part in (("even", tune), ("odd", held), ("all", table)):
            f = figures(part, cut)
            print(
                f"{cut:>10.3f} {name:>5} {f['given_on_right']:>12.3f} {f['em_all']:>7.3f} "
                f"{f['f1_all']:>7.3f} {f['em_given']:>9.3f} {f['f1_given']:>9.3f}"
            )
    print(f"threshold = {threshold:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
