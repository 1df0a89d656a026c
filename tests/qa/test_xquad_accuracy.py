"""The whole XQuAD-en evaluation, asserted, so accuracy cannot silently regress (slow).

Bars are the figures measured on 2026-11-28 (docs/evaluation.md) less a small margin;
raise them when the engine improves.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import Assistant
from qa.evaluate import check, evaluate, load_dataset

XQUAD = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "xquad" / "xquad.en.json"


@pytest.mark.slow
@pytest.mark.skipif(not XQUAD.exists(), reason=f"XQuAD-en not found at {XQUAD}")
def test_xquad_figures_hold(real_embedder) -> None:  # type: ignore[no-untyped-def]
    dataset = load_dataset(XQUAD)
    report = evaluate(Assistant(real_embedder), dataset)
    print("\n" + report.table())
    check(
        report["default"],
        hit_1=0.96,
        hit_5=0.99,
        context_chars_max=800,
        answer_accuracy=0.86,
        answer_chars_max=300,
        refusal=0.94,
        false_refusal_max=0.04,
    )
