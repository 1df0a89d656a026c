"""Serve the chat over a saved index: what `python app.py` would do if it opened one.

Usage: python -m benchmarks.serve_saved INDEX_DIR [--backend torch|onnx|onnx-int8]

The start-up benchmark launches this as a fresh process; app.py itself always rebuilds
the bundled article (see docs/benchmarks.md), so this is the nearest runnable stand-in.
"""

from __future__ import annotations

import argparse

from embeddings import Embedder
from embeddings.embedder import BACKENDS
from qa import Assistant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", help="directory written by Assistant.save")
    parser.add_argument("--backend", choices=BACKENDS, default="torch")
    args = parser.parse_args()
    from ui.server import serve

    embedder = Embedder(backend=args.backend)
    embedder.warm_up()
    serve(Assistant.load(args.index, embedder=embedder))


if __name__ == "__main__":
    main()
