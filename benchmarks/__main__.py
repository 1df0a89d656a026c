"""Run every benchmark in one process and one run; write benchmarks/results.json and docs.

    python -m benchmarks                      # everything (about 30 min on 2 cores)
    python -m benchmarks --quick              # tiny sizes, seconds: checks the code runs
    python -m benchmarks --sizes 10000,100000 --backends torch,onnx-int8

Families: floor, query, build (with XQuAD accuracy per backend), start, scale. Figures
are medians, 95th percentiles or ratios of this one run; the machine and its load average
are recorded with them, because a shared 2-core machine moves every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, Machine, peak_memory

DEFAULT_XQUAD = ROOT.parent / "shared" / "datasets" / "xquad" / "xquad.en.json"
FAMILIES = ("floor", "query", "build", "start", "scale")


@dataclass
class Options:
    backends: list[str]
    sizes: list[int]
    families: list[str]
    xquad: Path | None
    xquad_questions: int | None
    floor_repeats: int = 200
    article_passes: int = 4
    start_runs: int = 3
    scale_queries: int = 200
    json_path: Path = ROOT / "benchmarks" / "results.json"
    markdown_path: Path = ROOT / "docs" / "benchmarks.md"
    quick: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="tiny inputs: seconds, not minutes")
    parser.add_argument("--backends", default="torch,onnx,onnx-int8")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="scale corpus sizes")
    parser.add_argument(
        "--only", default=",".join(FAMILIES), help=f"families: {','.join(FAMILIES)}"
    )
    parser.add_argument("--xquad", default=str(DEFAULT_XQUAD), help="SQuAD-format file; '' skips")
    parser.add_argument("--xquad-questions", type=int, default=None, help="ask only the first N")
    parser.add_argument(
        "--json", default=None, help="results file (default benchmarks/results.json)"
    )
    parser.add_argument("--markdown", default=None, help="report (default docs/benchmarks.md)")
    args = parser.parse_args(argv)
    families = [f for f in args.only.split(",") if f]
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        parser.error(f"unknown families {unknown}; choose from {', '.join(FAMILIES)}")
    options = Options(
        backends=[b for b in args.backends.split(",") if b],
        sizes=[int(s) for s in args.sizes.split(",") if s],
        families=families,
        xquad=Path(args.xquad) if args.xquad else None,
        xquad_questions=args.xquad_questions,
    )
    if args.quick:
        options.quick = True
        options.sizes = [2000]
        options.floor_repeats = 10
        options.article_passes = 1
        options.start_runs = 1
        options.scale_queries = 20
        options.xquad_questions = options.xquad_questions or 20
    if args.json:
        options.json_path = Path(args.json)
    if args.markdown:
        options.markdown_path = Path(args.markdown)
    return options


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(options: Options) -> dict[str, Any]:
    """Every requested family; returns the results as plain data (what results.json holds)."""
    from embeddings import Embedder

    results: dict[str, Any] = {"machine": Machine.here().to_dict(), "options": _options(options)}
    started = time.perf_counter()
    # A one-question cache: `query_tokens` reuses the pass `encode_query` just made, as
    # the product's cache lets it, while every new question still pays its model call.
    embedders = {b: Embedder(backend=b, query_cache_size=1) for b in options.backends}
    if {"floor", "query", "build"} & set(options.families):
        results["backends"] = {}
        for backend, embedder in embedders.items():
            _log(f"backend {backend}")
            results["backends"][backend] = _backend(options, embedder)
        if "query" in options.families:
            _log("article: interleaved asks")
            for backend, latency in _article(options, embedders).items():
                results["backends"][backend]["article"] = latency
    if "build" in options.families and "torch" in embedders:
        results["threads"] = _thread_policy(options, embedders["torch"])
    if "start" in options.families:
        _log("start")
        results["start"] = _start(options, embedders)
    if "scale" in options.families:
        results["scale"] = _scale(options)
    results["machine"]["load_average_end"] = os.getloadavg()
    results["seconds"] = time.perf_counter() - started
    return results


def _options(options: Options) -> dict[str, Any]:
    data = asdict(options)
    return {k: str(v) if isinstance(v, Path) else v for k, v in data.items()}


def _backend(options: Options, embedder: Any) -> dict[str, Any]:
    from benchmarks.floor import measure_floor, thread_floors
    from embeddings import Embedder

    out: dict[str, Any] = {}
    embedder.warm_up()  # exports the ONNX graph on first use; the timed load below reuses it
    with peak_memory() as memory:
        began = time.perf_counter()
        Embedder(backend=embedder.backend).warm_up()
        out["load_seconds"] = time.perf_counter() - began
    out["load_memory"] = asdict(memory)
    if "floor" in options.families:
        if embedder.backend == "torch":
            out["floor"] = {
                t: {"backend": "torch", "threads": int(t), "stats": asdict(stats)}
                for t, stats in thread_floors(embedder, repeats=options.floor_repeats).items()
            }
        else:
            out["floor"] = {"1": asdict(measure_floor(embedder, repeats=options.floor_repeats))}
    if options.xquad is not None and {"query", "build"} & set(options.families):
        out["xquad"] = _xquad(options, embedder)
    return out


def _article(options: Options, embedders: dict[str, Any]) -> dict[str, Any]:
    """`ask` on the bundled article for every backend, interleaved, each beside its floor."""
    from benchmarks.floor import floor_call
    from benchmarks.query import Contender, article_questions, interleaved_latency, timed
    from qa import Assistant

    contenders = {}
    with peak_memory() as memory:
        for backend, embedder in embedders.items():
            proxy = timed(embedder)
            contenders[backend] = Contender(
                Assistant.default(embedder=proxy), proxy, floor_call(embedder)
            )
        latencies = interleaved_latency(
            contenders, article_questions(), passes=options.article_passes
        )
    torch_floor = latencies["torch"].floor if "torch" in latencies else None
    out = {}
    for backend, latency in latencies.items():
        assert latency.floor is not None
        out[backend] = {
            "ask": asdict(latency.ask),
            "model": asdict(latency.model),
            "floor": asdict(latency.floor),
            "ratio_to_own_floor": latency.ask.p50_ms / latency.floor.p50_ms,
            "ratio_to_torch_floor": (
                latency.ask.p50_ms / torch_floor.p50_ms if torch_floor else None
            ),
            "passages": contenders[backend].assistant.collection.passage_count,
            "memory_all_backends": asdict(memory),
        }
    return out


def _xquad(options: Options, embedder: Any) -> dict[str, Any]:
    from benchmarks.build import measure_build
    from benchmarks.query import timed
    from qa import Assistant
    from qa.evaluate import Dataset, evaluate, load_dataset

    assert options.xquad is not None
    dataset = load_dataset(options.xquad)
    if options.xquad_questions is not None:
        # A subset of questions, and only the articles they ask about: the quick mode.
        examples = dataset.examples[: options.xquad_questions]
        needed = {e.document for e in examples}
        documents = [d for d in dataset.documents if d.id in needed]
        dataset = Dataset(dataset.name, documents, examples)
    proxy = timed(embedder)
    assistant = Assistant(proxy)
    with peak_memory() as memory:
        build = measure_build(assistant, dataset.documents)
    proxy.query_seconds.clear()
    with peak_memory() as ask_memory:
        report = evaluate(assistant, dataset, refusal=False)
    metrics = report.configs[0].metrics
    from benchmarks.common import Stats

    return {
        "questions": metrics.questions,
        "hit_1": metrics.hit[1],
        "hit_5": metrics.hit[5],
        "answer_accuracy": metrics.answer_accuracy,
        "ask_p50_ms": metrics.latency_p50_ms,
        "ask_p95_ms": metrics.latency_p95_ms,
        "model": asdict(Stats.of(proxy.query_seconds)),
        "build": {
            **asdict(build),
            "passages_per_second": build.passages_per_second,
            "texts_per_second": build.texts_per_second,
            "raw_texts_per_second": build.raw_texts_per_second,
            "ratio": build.ratio,
        },
        "build_memory": asdict(memory),
        "ask_memory": asdict(ask_memory),
    }


def _thread_policy(options: Options, embedder: Any) -> dict[str, Any]:
    """Batch encoding with 1 and 2 torch threads on the same texts (the indexing path)."""
    from benchmarks.build import raw_encode_seconds
    from qa.loading import bundled_article_path

    text = bundled_article_path().read_text(encoding="utf-8")
    sentences = [s.strip() for s in text.replace("\n", " ").split(". ") if s.strip()]
    texts = (sentences * 8)[: 64 if options.quick else 400]
    out = {}
    for threads in (1, 2):
        seconds = raw_encode_seconds(embedder, texts, threads=threads)
        out[f"batch_texts_per_second_{threads}_threads"] = len(texts) / seconds
    return out


def _start(options: Options, embedders: dict[str, Any]) -> dict[str, Any]:
    from benchmarks import start
    from qa import Assistant

    out: dict[str, Any] = {
        "import_qa": asdict(start.import_time("qa", runs=options.start_runs)),
        # The app's floor: Gradio's own import, which no start of the app can avoid.
        "import_gradio": asdict(start.import_time("gradio", runs=options.start_runs)),
        "slowest_imports": start.slowest_imports("qa"),
    }
    runs = options.start_runs
    with tempfile.TemporaryDirectory(prefix="qa-bench-index-") as directory:
        index = Path(directory) / "index"
        Assistant.default(embedder=embedders.get("torch") or next(iter(embedders.values()))).save(
            index
        )
        served = {
            name: asdict(result)
            for name, result in start.app_starts(
                Path(directory) / "app-cache", min(runs, 2)
            ).items()
        }
        for backend in [b for b in embedders if b != "onnx"]:  # fp32 ONNX: see the floor
            for name, command in start.serve_commands(index, backend).items():
                if name in served:
                    continue
                _log(f"start: {name}")
                served[name] = asdict(
                    start.measure(
                        name, lambda c=command: start.time_to_first_answer(c), min(runs, 2)
                    )
                )
            _log(f"start: load + ask ({backend})")
            served[f"Assistant.load + first ask ({backend})"] = asdict(
                start.measure(
                    f"load + ask {backend}", lambda b=backend: start.load_and_ask(index, b), runs
                )
            )
    out["runs"] = served
    return out


def _scale(options: Options) -> dict[str, Any]:
    import gc

    from benchmarks.scale import dense_scale, lexical_scale

    out: dict[str, Any] = {"dense": [], "lexical": []}
    for size in options.sizes:
        _log(f"scale: dense {size:,}")
        out["dense"].append(asdict(dense_scale(size, queries=options.scale_queries)))
        gc.collect()
        _log(f"scale: lexical {size:,}")
        out["lexical"].append(asdict(lexical_scale(size, queries=options.scale_queries)))
        gc.collect()
    return out


def main(argv: list[str] | None = None) -> int:
    from benchmarks.report import render

    options = parse(argv)
    results = run(options)
    options.json_path.parent.mkdir(parents=True, exist_ok=True)
    options.json_path.write_text(
        json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8"
    )
    options.markdown_path.parent.mkdir(parents=True, exist_ok=True)
    options.markdown_path.write_text(render(results), encoding="utf-8")
    _log(f"wrote {options.json_path} and {options.markdown_path} in {results['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
