"""The reader's ONNX graph in fp32 against int8 dynamic quantisation (issue 28).

    python -m benchmarks.reader_int8 [--threads 1]

Both graphs read the held-out questions of the reader's training data (one in 20, never
trained on; `training.data.split`) against each question's own candidate sentences, as
`training.validate` does. Reported: how often the top-scored sentence answers, and
milliseconds per (question, sentence) pair. A quick proxy: shipping int8 still needs the
XQuAD answer accuracy within 0.5 point (`qa eval`), which this does not measure.
Measured, not asserted; figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embeddings.onnx import padded_feed
from qa.answer.reader import Reader
from qa.answer.reader_input import InputShape, encode_pair
from training.data import DEFAULT_DATA_DIR, Question, context_of, read_questions, split

OUTPUTS = ("relevance", "start", "end")


def measure(
    graph: Path, reader: Reader, questions: Sequence[Question], threads: int
) -> dict[str, float]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
    shape = reader.shape or InputShape()
    right = pairs = 0
    seconds = 0.0
    for question in questions:
        encodings = [
            encode_pair(reader._tokenizer, question.question, s, context_of(question, i), shape)
            for i, s in enumerate(question.sentences)
        ]
        started = time.perf_counter()
        relevance = session.run(list(OUTPUTS), padded_feed(encodings))[0]
        seconds += time.perf_counter() - started
        pairs += len(encodings)
        right += question.labels[int(np.argmax(relevance))] == 1
    return {
        "top1": right / max(1, len(questions)),
        "ms_per_pair": 1000 * seconds / max(1, pairs),
        "megabytes": graph.stat().st_size / 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    reader = Reader()
    reader.warm_up()
    if reader.runtime != "onnx":
        print("ONNX Runtime did not load the reader; nothing to compare", file=sys.stderr)
        return 1
    int8 = Reader(quantised=True)
    int8.warm_up()
    if reader.graph is None or int8.runtime != "onnx-int8" or int8.graph is None:
        print("the int8 graph could not be made; nothing to compare", file=sys.stderr)
        return 1
    held = [q for q in split(read_questions(args.data / "train.jsonl"))[1] if any(q.labels)]
    print(f"{len(held)} held-out answerable questions, {args.threads} thread(s)")
    for name, graph in (("fp32", reader.graph), ("int8", int8.graph)):
        figures = measure(graph, reader, held, args.threads)
        print(
            f"{name}: top-1 {figures['top1']:.3f}, {figures['ms_per_pair']:.1f} ms a pair, "
            f"{figures['megabytes']:.1f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
