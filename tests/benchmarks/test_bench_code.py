"""The benchmark code runs on tiny inputs and computes what it says (no timings asserted).

Figures such as milliseconds are never checked: on a shared machine they mean nothing in
a unit test. What is checked is the arithmetic (percentiles, recall, ratios, acceptance)
and that every family produces the fields the report reads.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks import api_vs_app
from benchmarks.__main__ import parse
from benchmarks.api_vs_app import SideBySide
from benchmarks.build import embedded_texts, measure_build
from benchmarks.common import Stats, peak_memory
from benchmarks.query import Contender, TimedEncoder, interleaved_latency, timed
from benchmarks.report import accepted, headline, render
from benchmarks.scale import (
    dense_scale,
    lexical_scale,
    recall_at_k,
    synthetic_queries,
    synthetic_texts,
    synthetic_vectors,
)
from embeddings.tokens import TokenEncoder
from qa import Assistant
from qa.loading import load_text


# ----- arithmetic -----------------------------------------------------------------------
def test_stats_are_median_and_95th_percentile_in_milliseconds() -> None:
    stats = Stats.of([i / 1000 for i in range(1, 101)])  # 1..100 ms

    assert stats.n == 100
    assert stats.p50_ms == pytest.approx(50.5)
    assert stats.p95_ms == pytest.approx(96.0)
    assert stats.min_ms == pytest.approx(1.0)


def test_stats_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="No samples"):
        Stats.of([])


def test_recall_is_the_share_of_the_exact_top_k_found() -> None:
    exact = [np.array([1, 2, 3, 4]), np.array([5, 6, 7, 8])]
    found = [np.array([1, 2, 9, 9]), np.array([8, 7, 6, 5])]

    assert recall_at_k(found, exact, k=4) == pytest.approx((2 / 4 + 4 / 4) / 2)


def test_the_apps_time_is_its_round_trip_less_a_no_op_and_the_ratio_is_the_apis_over_it() -> None:
    figures = SideBySide.of(
        api=[0.010, 0.018, 0.020],
        round_trip=[0.013, 0.015, 0.017],
        no_op=[0.002, 0.003, 0.004],
        same_answers=3,
    )

    assert figures.app_p50_ms == pytest.approx(15.0 - 3.0)
    assert figures.ratio == pytest.approx(18.0 / 12.0)
    assert figures.same_answers == 3


def test_the_api_vs_app_report_needs_questions_left_for_its_warm_up() -> None:
    with pytest.raises(ValueError, match="--questions must leave at least one"):
        api_vs_app.run(10_000)


def test_peak_memory_sees_a_temporary_allocation() -> None:
    with peak_memory() as memory:
        block = np.ones(20_000_000, dtype=np.uint8)  # 20 MB, touched
        del block

    assert memory.peak_mb >= memory.start_mb + 15


# ----- synthetic data -------------------------------------------------------------------
def test_synthetic_vectors_are_unit_length_and_reproducible() -> None:
    a = synthetic_vectors(50, seed=4, dimension=32)

    assert a.shape == (50, 32)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(a, synthetic_vectors(50, seed=4, dimension=32))


def test_synthetic_texts_and_queries_share_a_vocabulary() -> None:
    passages, vocabulary = synthetic_texts(20)
    queries = synthetic_queries(vocabulary, 5)

    assert len(passages) == 20
    assert all(40 <= len(p.split()) <= 80 for p in passages)
    assert all(3 <= len(q.split()) <= 6 and set(q.split()) <= set(vocabulary) for q in queries)


# ----- families on tiny inputs ----------------------------------------------------------
def test_dense_scale_runs_and_exact_search_is_its_own_ground_truth() -> None:
    result = dense_scale(600, queries=5)

    assert result.exact.recall_at_10 == 1.0
    assert 0.0 <= result.approximate.recall_at_10 <= 1.0
    assert result.product_choice == "IDMap2,Flat,IP"
    assert result.approximate.index.startswith("IVF")
    assert result.sweep and all(0.0 <= s.recall_at_10 <= 1.0 for s in result.sweep)
    assert result.exact.bytes_per_passage > 4 * 384  # float32 vectors plus ids


def test_lexical_scale_runs() -> None:
    result = lexical_scale(300, queries=20)

    assert result.passages == 300
    assert 1 <= result.search.n == result.scores.n <= 20  # queries with a known word


def test_build_counts_every_embedded_text(fake_encoder: object) -> None:
    assistant = Assistant(fake_encoder)  # type: ignore[arg-type]
    document = load_text(
        "Solar panels sit on the roof. They were fitted in 2019. The battery stores ten kWh.",
        title="House",
    )

    build = measure_build(assistant, [document])

    assert build.documents == 1
    assert build.texts == len(embedded_texts(assistant))
    assert build.texts == build.passages + len(assistant.collection.entry(document.id).sentences)
    assert build.ratio > 0


def test_the_timing_proxy_passes_token_vectors_on(fake_encoder: object) -> None:
    proxy = timed(fake_encoder)  # type: ignore[arg-type]

    assert isinstance(proxy, TokenEncoder)
    assert proxy.query_tokens("Who called?").spans.shape == (2, 2)


def test_the_timing_proxy_of_a_plain_encoder_offers_no_token_vectors(
    fake_encoder: object,
) -> None:
    class Plain:
        dimension = 64

        def encode_query(self, text: str) -> np.ndarray:
            return fake_encoder.encode_query(text)  # type: ignore[attr-defined, no-any-return]

    assert not isinstance(timed(Plain()), TokenEncoder)  # type: ignore[arg-type]


def test_a_question_is_one_model_time_however_many_calls_it_takes(
    fake_encoder: object,
) -> None:
    proxy = timed(fake_encoder)  # type: ignore[arg-type]
    assert isinstance(proxy, TimedEncoder) and isinstance(proxy, TokenEncoder)

    proxy.encode_query("Who called?")
    proxy.query_tokens("Who called?")
    proxy.encode_query("What about Afghanistan?")

    assert len(proxy.query_seconds) == 2


def test_build_refuses_a_collection_that_is_not_empty(fake_assistant: Assistant) -> None:
    with pytest.raises(ValueError, match="needs an empty assistant"):
        measure_build(fake_assistant, [])


def test_interleaved_latency_times_every_contender(fake_encoder: object) -> None:
    proxy = timed(fake_encoder)  # type: ignore[arg-type]
    contender = Contender(Assistant.default(embedder=proxy), proxy, lambda: None)

    result = interleaved_latency(
        {"fake": contender}, ["Who called whom?", "What about Afghanistan?"]
    )

    latency = result["fake"]
    assert latency.ask.n == 2 and latency.model.n == 2
    assert latency.floor is not None and latency.floor.n == 2


# ----- the runner and the report --------------------------------------------------------
def test_quick_mode_shrinks_every_family() -> None:
    options = parse(["--quick"])

    assert options.sizes == [2000]
    assert options.xquad_questions == 20


def test_an_unknown_family_is_refused_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse(["--only", "floor,speed"])

    assert "unknown families ['speed']" in capsys.readouterr().err


def _results(torch_hit: float, int8_hit: float) -> dict[str, object]:
    def xquad(hit: float) -> dict[str, object]:
        build = {
            "passages_per_second": 10.0,
            "ratio": 0.95,
            "texts_per_second": 20.0,
            "raw_texts_per_second": 21.0,
        }
        return {
            "questions": 100,
            "hit_1": hit,
            "hit_5": 1.0,
            "answer_accuracy": 0.9,
            "ask_p50_ms": 20.0,
            "ask_p95_ms": 30.0,
            "build": build,
        }

    return {
        "machine": {
            "cpu": "test",
            "cores": 2,
            "memory_gb": 1.0,
            "python": "3.11",
            "load_average": [0.0, 0.0, 0.0],
            "libraries": {},
        },
        "backends": {
            "torch": {"load_seconds": 1.0, "xquad": xquad(torch_hit)},
            "onnx-int8": {"load_seconds": 1.0, "xquad": xquad(int8_hit)},
        },
    }


@pytest.mark.parametrize(
    ("int8_hit", "verdict"), [(0.900, True), (0.896, True), (0.894, False), (0.91, False)]
)
def test_a_backend_is_accepted_only_within_half_a_point_of_torch(
    int8_hit: float, verdict: bool
) -> None:
    assert accepted(_results(0.900, int8_hit), "onnx-int8") is verdict


def test_the_report_renders_partial_results() -> None:
    text = render(_results(0.9, 0.9))

    assert text.startswith("# Benchmarks")
    assert "onnx-int8" in text and "accepted" in text
    assert any("Build" in row[0] for row in headline(_results(0.9, 0.9)))


@pytest.mark.slow
def test_the_runner_writes_json_and_markdown_with_the_real_model(tmp_path: Path) -> None:
    from benchmarks.__main__ import main

    out_json, out_md = tmp_path / "results.json", tmp_path / "benchmarks.md"
    code = main(
        [
            "--quick",
            "--only",
            "floor,query,scale",
            "--backends",
            "torch",
            "--xquad",
            "",
            "--json",
            str(out_json),
            "--markdown",
            str(out_md),
        ]
    )

    results = json.loads(out_json.read_text())
    assert code == 0
    assert results["backends"]["torch"]["article"]["ratio_to_own_floor"] > 0
    assert results["scale"]["dense"][0]["passages"] == 2000
    assert "## Headline" in out_md.read_text()


def test_the_report_is_rewritten_from_a_saved_run_without_measuring(tmp_path: Path) -> None:
    from benchmarks.report import main as rerender

    saved, page = tmp_path / "results.json", tmp_path / "benchmarks.md"
    saved.write_text(json.dumps(_results(0.9, 0.9)))

    assert rerender([str(saved), "--markdown", str(page)]) == 0
    assert page.read_text() == render(_results(0.9, 0.9))


def test_the_report_can_be_printed_instead(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks.report import main as rerender

    saved = tmp_path / "results.json"
    saved.write_text(json.dumps(_results(0.9, 0.9)))

    rerender([str(saved), "--markdown", "-"])

    assert capsys.readouterr().out == render(_results(0.9, 0.9))
