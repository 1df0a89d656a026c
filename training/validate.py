"""Re-measure a reader's validation figures from its shipped file, without training.

Why: the model card quotes the held-out figures of the file we ship; this recomputes them
from that file (the same held-out questions, the same measure as the end of a training
run), so the card can be checked by anyone with the training data.

    python -m training.validate [--weights qa/data/reader/reader.safetensors]
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors.torch import load_file

from qa.answer.reader import READER_FILE
from qa.answer.reader_input import shape_from_metadata
from qa.answer.reader_model import build, load_shipped_state
from training.data import DATA_SHA256, DEFAULT_DATA_DIR, read_questions, split, verify
from training.reader import bundled_dir, bundled_tokenizer, validate


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=READER_FILE)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    verify(args.data, DATA_SHA256)
    torch.set_num_threads(args.threads)
    from safetensors import safe_open

    with safe_open(str(args.weights), framework="pt") as handle:
        shape = shape_from_metadata(handle.metadata())  # the input the file was trained on
    _, held = split(read_questions(args.data / "train.jsonl"))
    model_dir = bundled_dir()
    model = build(model_dir)
    load_shipped_state(model, load_file(str(args.weights)))
    metrics = validate(model, bundled_tokenizer(model_dir), held, shape)
    print(json.dumps(metrics, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
