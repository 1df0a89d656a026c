"""PDF pages read per second: the loader (qa/load/pdf.py) against pypdf's plain text.

    python -m benchmarks.pdf_speed                    # the development set's PDFs
    python -m benchmarks.pdf_speed DIR_OR_FILE ... --repeat 3

Each PDF is read `--repeat` times, both ways; its figure is pages over the fastest run
(the others waited for a core: the reference machine's two cores are shared). The
summary is the median over the files. Measured, not asserted.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.real_docs import DEFAULT_DATASET
from qa.load.pdf import read_pdf


def _plain(data: bytes) -> int:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        page.extract_text()
    return len(reader.pages)


def _loader(data: bytes) -> int:
    return read_pdf(data, "benchmark.pdf").pages


def pages_per_second(data: bytes, read: Callable[[bytes], int], repeat: int) -> float:
    """Pages over the fastest of `repeat` reads."""
    best = float("inf")
    pages = 0
    for _ in range(repeat):
        started = time.perf_counter()
        pages = read(data)
        best = min(best, time.perf_counter() - started)
    return pages / best if best > 0 else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[DEFAULT_DATASET / "docs"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    files = sorted(f for p in args.paths for f in ([p] if p.is_file() else p.glob("*.pdf")))
    if not files:
        print("no PDF files found", file=sys.stderr)
        return 1
    loader, plain = [], []
    print(f"{'file':40} {'loader p/s':>10} {'plain p/s':>10}")
    for file in files:
        data = file.read_bytes()
        loader.append(pages_per_second(data, _loader, args.repeat))
        plain.append(pages_per_second(data, _plain, args.repeat))
        print(f"{file.name[:40]:40} {loader[-1]:10.1f} {plain[-1]:10.1f}")
    print(f"{'median':40} {statistics.median(loader):10.1f} {statistics.median(plain):10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
