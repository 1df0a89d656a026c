"""results.json -> docs/benchmarks.md: the headline table, then every figure by family.

Rendering reads only the results dict, so the report can be regenerated from a saved run
and the current notes.md without measuring again: `python -m benchmarks.report` (reads
benchmarks/results.json, writes docs/benchmarks.md; `--markdown -` prints instead).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

NOTES = Path(__file__).with_name("notes.md")  # hand-written reading of the figures
RESULTS = Path(__file__).with_name("results.json")
MARKDOWN = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
ACCURACY_TOLERANCE = 0.005  # a backend is accepted within 0.5 points of torch


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"


def _growth(memory: dict[str, float] | None) -> float:
    return (memory["end_mb"] - memory["start_mb"]) if memory else 0.0


def _get(data: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def accepted(results: dict[str, Any], backend: str) -> bool | None:
    """Whether `backend` kept XQuAD hit@1 and answer accuracy within 0.5 points of torch."""
    torch = _get(results, "backends", "torch", "xquad")
    other = _get(results, "backends", backend, "xquad")
    if not torch or not other:
        return None
    return all(
        abs(other[key] - torch[key]) <= ACCURACY_TOLERANCE + 1e-9
        for key in ("hit_1", "answer_accuracy")
    )


def headline(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(figure, value, goal) rows for the README."""
    rows: list[tuple[str, str, str]] = []
    floor1 = _get(results, "backends", "torch", "floor", "1", "stats", "p50_ms")
    floor2 = _get(results, "backends", "torch", "floor", "2", "stats", "p50_ms")
    if floor1:
        rows.append(("Floor: one forward pass, torch, 1 thread (p50)", _ms(floor1), "-"))
    if floor2:
        rows.append(("Floor: the same with 2 threads (p50)", _ms(floor2), "-"))
    for backend, data in (results.get("backends") or {}).items():
        article = data.get("article")
        if not article:
            continue
        ask = article["ask"]["p50_ms"]
        if backend == "torch":
            value = f"{_ms(ask)} = {article['ratio_to_own_floor']:.2f} x floor"
            goal = "<= 1.25 x floor"
        else:
            value = f"{_ms(ask)} = {article['ratio_to_torch_floor']:.2f} x torch floor"
            goal = "stretch: <= 0.6 x torch floor"
        rows.append(
            (f"`ask` p50, bundled article, {backend} (floor measured alongside)", value, goal)
        )
    for backend, data in (results.get("backends") or {}).items():
        xq = data.get("xquad")
        if xq:
            verdict = {True: "accepted", False: "rejected", None: "reference"}[
                accepted(results, backend) if backend != "torch" else None
            ]
            rows.append(
                (
                    f"XQuAD ({xq['questions']} q), {backend}: hit@1 / answer acc. / ask p50, p95",
                    f"{xq['hit_1']:.3f} / {xq['answer_accuracy']:.3f} / {_ms(xq['ask_p50_ms'])}, "
                    f"{_ms(xq['ask_p95_ms'])}",
                    f"within 0.005 of torch: {verdict}",
                )
            )
    build = _get(results, "backends", "torch", "xquad", "build")
    if build:
        rows.append(
            (
                "Build (XQuAD, torch): passages/s; throughput vs raw encode",
                f"{build['passages_per_second']:.0f}/s; {build['ratio']:.2f}",
                ">= 0.9",
            )
        )
    for name, run in (_get(results, "start", "runs") or {}).items():
        rows.append(
            (
                f"Start: {name}",
                f"{run['seconds']:.1f} s (peak {run['peak_mb']:.0f} MB)",
                "<= 6 s with a saved index" if "saved" in name else "-",
            )
        )
    imp = _get(results, "start", "import_qa")
    if imp:
        rows.append(("`import qa` (fresh interpreter, net)", f"{imp['seconds']:.2f} s", "fast"))
    imp = _get(results, "start", "import_gradio")
    if imp:
        rows.append(
            (
                "`import gradio` (fresh interpreter, net: the app's floor)",
                f"{imp['seconds']:.2f} s",
                "-",
            )
        )
    for dense in _get(results, "scale", "dense") or []:
        n = dense["passages"]
        exact, approx = dense["exact"], dense["approximate"]
        rows.append(
            (
                f"Dense search {n:,}: exact p50 / approx p50, recall@10",
                f"{_ms(exact['search']['p50_ms'])} / {_ms(approx['search']['p50_ms'])}, "
                f"{approx['recall_at_10']:.3f}",
                "1M: <= 10 ms, recall >= 0.95" if n >= 1_000_000 else "-",
            )
        )
        rows.append(
            (
                f"Dense memory {n:,}: exact / approx bytes per passage (RSS)",
                f"{exact['rss_per_passage']:.0f} / {approx['rss_per_passage']:.0f}",
                "<= 2048" if n >= 1_000_000 else "-",
            )
        )
    for lexical in _get(results, "scale", "lexical") or []:
        n = lexical["passages"]
        rows.append(
            (
                f"Lexical {n:,}: top-50 p50 / p95 as qa searches (bm25s scores, top_positive);"
                " bm25s.retrieve p50",
                f"{_ms(lexical['scores']['p50_ms'])} / {_ms(lexical['scores']['p95_ms'])};"
                f" {_ms(lexical['search']['p50_ms'])}",
                "1M: <= 50 ms" if n >= 1_000_000 else "-",
            )
        )
    return rows


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render(results: dict[str, Any]) -> str:
    """The whole report as Markdown."""
    machine = results["machine"]
    libs = ", ".join(f"{k} {v}" for k, v in machine["libraries"].items())
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m benchmarks` (one process, one run); raw figures in "
        "`benchmarks/results.json`. Every figure is a median, a 95th percentile or a ratio "
        "from this one run. Regenerate this page from the saved run and "
        "`benchmarks/notes.md`, without measuring, with `python -m benchmarks.report`.",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB, "
        f"Python {machine['python']}; {libs}. Load average at start "
        f"{', '.join(f'{x:.1f}' for x in machine['load_average'])}, at end "
        f"{', '.join(f'{x:.1f}' for x in machine.get('load_average_end', []))}: the machine "
        "is shared with other engineers' test runs, so absolute times are noisy; ratios "
        "taken in the same run are the figures to compare.",
        f"Run took {results.get('seconds', 0) / 60:.1f} min.",
        "",
        "## Headline",
        "",
        *_table(["figure", "value", "goal"], [list(r) for r in headline(results)]),
        "",
    ]
    lines += _backends_section(results)
    lines += _start_section(results)
    lines += _scale_section(results)
    if NOTES.is_file():
        lines += ["", NOTES.read_text(encoding="utf-8").rstrip()]
    return "\n".join(lines) + "\n"


def _backends_section(results: dict[str, Any]) -> list[str]:
    backends = results.get("backends") or {}
    if not backends:
        return []
    lines = ["## Floor, query and build, per backend", ""]
    rows = []
    for backend, data in backends.items():
        floors = data.get("floor") or {}
        art = data.get("article") or {}
        xq = data.get("xquad") or {}
        rows.append(
            [
                backend,
                f"{data['load_seconds']:.1f} s",
                " / ".join(f"{t}t {_ms(f['stats']['p50_ms'])}" for t, f in floors.items()) or "-",
                _ms(_get(art, "floor", "p50_ms")),
                f"{_ms(_get(art, 'ask', 'p50_ms'))} / {_ms(_get(art, 'ask', 'p95_ms'))}",
                _ms(_get(art, "model", "p50_ms")),
                f"{_ms(xq.get('ask_p50_ms'))} / {_ms(xq.get('ask_p95_ms'))}" if xq else "-",
                f"{xq['hit_1']:.3f} / {xq['answer_accuracy']:.3f}" if xq else "-",
                f"{xq['build']['texts_per_second']:.0f} / {xq['build']['raw_texts_per_second']:.0f}"
                f" = {xq['build']['ratio']:.2f}"
                if xq
                else "-",
                f"{_growth(data.get('load_memory')):.0f} MB",
            ]
        )
    lines += _table(
        [
            "backend",
            "model load",
            "floor p50 (alone)",
            "floor p50 (beside asks)",
            "ask article p50 / p95",
            "model in ask p50",
            "ask XQuAD p50 / p95",
            "XQuAD hit@1 / ans.acc",
            "build texts/s vs raw = ratio",
            "RSS added by loading the model",
        ],
        rows,
    )
    threads = results.get("threads")
    if threads:
        lines += [
            "",
            "Thread policy, batch encoding (torch, 400 article sentences): "
            + ", ".join(f"{k.replace('_', ' ')}: {v:.0f}" for k, v in threads.items())
            + ". Queries use 1 thread (floor above); batches use torch's default.",
        ]
    lines += [
        "",
        "ONNX: the bundled model exported locally with torch's ONNX exporter and run by ONNX "
        "Runtime (fp32), and ONNX Runtime's dynamic int8 quantisation of that export "
        "(per-channel weights); both cached under ~/.cache/qa-assistant keyed by the weights' "
        "SHA-256. A backend is accepted only if XQuAD hit@1 and answer accuracy stay within "
        "0.5 points of torch.",
        "",
    ]
    return lines


def _start_section(results: dict[str, Any]) -> list[str]:
    start = results.get("start")
    if not start:
        return []
    lines = ["## Start", ""]
    rows = [
        [
            name,
            f"{run['seconds']:.2f} s",
            ", ".join(f"{s:.2f}" for s in run["runs"]),
            f"{run['peak_mb']:.0f} MB",
        ]
        for name, run in start["runs"].items()
    ]
    for module in ("qa", "gradio"):
        imp = start.get(f"import_{module}")
        if imp is None:  # runs before import_gradio was measured
            continue
        rows.append(
            [
                f"import {module} (net of interpreter start)",
                f"{imp['seconds']:.2f} s",
                ", ".join(f"{s:.2f}" for s in imp["runs"]),
                f"{imp['peak_mb']:.0f} MB",
            ]
        )
    lines += _table(["from spawn to first answer", "median", "runs", "peak RSS"], rows)
    lines += [
        "",
        "`app.py` rows run the real app with its index cache ($QA_CACHE_DIR) in a temporary "
        "directory: emptied before each first start, kept for the later ones. `app.py` runs "
        "as shipped, on its default backend (fp32 ONNX Runtime, `QA_BACKEND` unset); the "
        "`serve_saved` rows serve `Assistant.load(DIR)` through the same `ui.server.serve` with "
        "a chosen backend. Timed by POSTing `/api/ask` until it answers.",
        "",
        "Slowest top-level imports under `import qa` (cumulative ms): "
        + ", ".join(f"{name} {ms:.0f}" for name, ms in start["slowest_imports"]),
        "",
    ]
    return lines


def _scale_section(results: dict[str, Any]) -> list[str]:
    scale = results.get("scale")
    if not scale:
        return []
    lines = [
        "## Scale (synthetic)",
        "",
        "Vectors: low-rank Gaussian (rank 32 in 384-d) plus noise, unit length; neighbours "
        "have cosine ~0.7 like MiniLM's near passages, and straddle k-means cells, which "
        "makes it a hard case for IVF. Text: 40-80 Zipf-distributed made-up words per "
        "passage; queries 3-6 mid-frequency words. Search is one query at a time on one "
        "thread. The approximate index is built at every size for comparison; `choice` is "
        "what VectorStore picks by itself.",
        "",
    ]
    rows = []
    for dense in scale["dense"]:
        for kind in ("exact", "approximate"):
            run = dense[kind]
            rows.append(
                [
                    f"{dense['passages']:,}",
                    run["index"],
                    f"{run['build_seconds']:.1f} s",
                    _ms(run["search"]["p50_ms"]),
                    _ms(run["search"]["p95_ms"]),
                    f"{run['recall_at_10']:.3f}",
                    f"{run['bytes_per_passage']:.0f}",
                    f"{run['rss_per_passage']:.0f}",
                    dense["product_choice"],
                ]
            )
    lines += _table(
        [
            "passages",
            "index",
            "build",
            "p50",
            "p95",
            "recall@10",
            "file B/passage",
            "RSS B/passage",
            "choice",
        ],
        rows,
    )
    lines += ["", "nprobe sweep (approximate index):", ""]
    sweep_rows = [
        [
            f"{d['passages']:,}",
            str(s["nprobe"]),
            _ms(s["search"]["p50_ms"]),
            _ms(s["search"]["p95_ms"]),
            f"{s['recall_at_10']:.3f}",
        ]
        for d in scale["dense"]
        for s in d["sweep"]
    ]
    lines += _table(["passages", "nprobe", "p50", "p95", "recall@10"], sweep_rows)
    lines += ["", "Lexical (bm25s, its own tokenizer, no stemming):", ""]
    lex_rows = [
        [
            f"{x['passages']:,}",
            f"{x['build_seconds']:.1f} s",
            _ms(x["search"]["p50_ms"]),
            _ms(x["search"]["p95_ms"]),
            _ms(x["scores"]["p50_ms"]),
            _ms(x["scores"]["p95_ms"]),
            f"{x['rss_per_passage']:.0f}",
            f"{x['text_bytes_per_passage']:.0f}",
        ]
        for x in scale["lexical"]
    ]
    lines += _table(
        [
            "passages",
            "build",
            "bm25s.retrieve top-50 p50",
            "p95",
            "qa's search: all scores + top_positive, p50",
            "p95",
            "RSS B/passage",
            "text B/passage",
        ],
        lex_rows,
    )
    lines.append("")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Re-render the report from a saved run and the current notes; nothing is measured."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.report",
        description="Rewrite docs/benchmarks.md from a saved results.json and notes.md.",
    )
    parser.add_argument("results", nargs="?", default=str(RESULTS), help="saved run")
    parser.add_argument(
        "--markdown", default=str(MARKDOWN), help="report to write; '-' prints it instead"
    )
    args = parser.parse_args(argv)
    text = render(json.loads(Path(args.results).read_text(encoding="utf-8")))
    if args.markdown == "-":
        sys.stdout.write(text)
    else:
        Path(args.markdown).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
