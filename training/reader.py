"""Train the answer reader from the bundled MiniLM: `python -m training.reader`.

The run is deterministic (fixed seeds, one data order computed up front) and resumable: a
checkpoint (weights, AdamW moments, the RNG state, the step) is written every
`--checkpoint-every` steps, atomically, and a rerun with the same arguments continues from
it. A run on 2 cores takes longer than one session, so this matters.

What it learns, per (question, sentence) pair: the probability that the sentence answers the
question (binary cross-entropy), and, where the data locates the answering phrase, its start
and end token (cross-entropy over the sentence's tokens). See docs/reader.md.

Never train or tune on XQuAD, the SQuAD dev sets, or the question sets in tests/data: they
are how we know the reader works. The data file is checked against its pinned checksum.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from embeddings.embedder import file_sha256
from qa.answer.reader_input import InputShape, ReaderInput, encode_pair, shape_metadata
from qa.answer.reader_model import ReaderModel, build, load_shipped_state, shipped_state
from training.data import (
    DATA_SHA256,
    DEFAULT_DATA_DIR,
    Pair,
    Question,
    build_pairs,
    context_of,
    locate,
    read_questions,
    split,
    verify,
)

DEFAULT_OUT = Path.home() / ".cache" / "qa-assistant" / "reader-run"
IGNORE = -100
MAX_PHRASE_TOKENS = 30


@dataclass(frozen=True)
class RunConfig:
    """Everything that decides a run's result; a checkpoint is only resumed under the same."""

    seed: int = 13
    negatives: int = 3
    batch_size: int = 32
    max_length: int = 96  # tokens of [CLS] question [SEP] sentence [SEP]
    context_tokens: int = 0  # tokens of the sentence before, read as a third segment
    learning_rate: float = 5e-5
    warmup_share: float = 0.05
    weight_decay: float = 0.01
    span_weight: float = 0.5
    epochs: float = 1.0
    limit: int | None = None  # questions read from the file (a tiny slice for tests)
    unanswerable_repeat: int = 1  # how often an all-negative question's pairs are seen
    init_sha256: str | None = None  # the reader file training continued from (None: MiniLM)

    @property
    def shape(self) -> InputShape:
        return InputShape(pair_tokens=self.max_length, context_tokens=self.context_tokens)


def bundled_tokenizer(model_dir: Path) -> Any:
    """The bundled model's fast tokenizer, without its own truncation or padding: rows are
    laid out by `encode_pair`."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def bundled_dir() -> Path:
    from embeddings.embedder import bundled_model_dir

    return bundled_model_dir()


def encode(tokenizer: Any, pairs: Sequence[Pair], shape: InputShape) -> dict[str, torch.Tensor]:
    """Token tensors for a batch, with the answering phrase as token positions (or IGNORE).

    Rows are laid out by `qa.answer.reader_input.encode_pair`, the function question time
    uses too, and zero-padded to the longest row.
    """
    rows = [encode_pair(tokenizer, p.question, p.sentence, p.context, shape) for p in pairs]
    width = max(len(row.ids) for row in rows)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    offsets = torch.zeros((len(rows), width, 2), dtype=torch.long)
    starts, ends = [], []
    for at, (row, pair) in enumerate(zip(rows, pairs, strict=True)):
        n = len(row.ids)
        ids[at, :n] = torch.tensor(row.ids)
        types[at, :n] = torch.tensor(row.type_ids)
        mask[at, :n] = 1
        offsets[at, :n] = torch.tensor(row.offsets)
        start_token, end_token = phrase_tokens(row, pair)
        starts.append(start_token)
        ends.append(end_token)
    return {
        "input_ids": ids,
        "attention_mask": mask,
        "token_type_ids": types,
        "offsets": offsets,
        "start": torch.tensor(starts),
        "end": torch.tensor(ends),
        "label": torch.tensor([float(p.label) for p in pairs]),
    }


def phrase_tokens(row: ReaderInput, pair: Pair) -> tuple[int, int]:
    """The first and last sentence token of the pair's answering phrase, or IGNORE twice
    (no located phrase, or one the sentence's truncation cut)."""
    if pair.answer_start < 0:
        return IGNORE, IGNORE
    start_token = end_token = IGNORE
    for index in row.sentence_tokens():
        lo, hi = row.offsets[index]
        if hi <= lo:
            continue
        if start_token == IGNORE and hi > pair.answer_start:
            start_token = index
        if lo < pair.answer_end:
            end_token = index
    if start_token == IGNORE or end_token == IGNORE or end_token < start_token:
        return IGNORE, IGNORE
    if row.offsets[end_token][1] < pair.answer_end and end_token == row.sentence_tokens()[-1]:
        return IGNORE, IGNORE  # the phrase was cut by truncation
    return start_token, end_token


def span_mask(token_type_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """True where a phrase may start or end: the sentence's tokens (segment 1, not padding)."""
    return (token_type_ids == 1) & (attention_mask == 1)


def losses(model: ReaderModel, batch: dict[str, torch.Tensor], span_weight: float) -> torch.Tensor:
    relevance, start, end = model(
        batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]
    )
    loss = torch.nn.functional.binary_cross_entropy_with_logits(relevance, batch["label"])
    located = batch["start"] != IGNORE
    if span_weight and bool(located.any()):
        mask = span_mask(batch["token_type_ids"], batch["attention_mask"])
        start = start.masked_fill(~mask, -1e4)[located]
        end = end.masked_fill(~mask, -1e4)[located]
        span = torch.nn.functional.cross_entropy(start, batch["start"][located])
        span = span + torch.nn.functional.cross_entropy(end, batch["end"][located])
        loss = loss + span_weight * span / 2
    return loss


def batch_order(pairs: Sequence[Pair], config: RunConfig) -> list[list[int]]:
    """Batches of pair indices for the whole run: shuffled, length-bucketed, fixed by the seed.

    Pairs of similar length share a batch (within shuffled buckets of 50 batches), so little
    compute goes to padding; the buckets keep the order random.
    """
    rng = random.Random(config.seed)
    size = config.batch_size
    epochs = math.ceil(config.epochs)
    order: list[list[int]] = []
    for _ in range(epochs):
        indices = list(range(len(pairs)))
        rng.shuffle(indices)
        bucket = size * 50
        for at in range(0, len(indices), bucket):
            chunk = sorted(
                indices[at : at + bucket],
                key=lambda i: (
                    len(pairs[i].question)
                    + len(pairs[i].sentence)
                    + min(len(pairs[i].context), 4 * config.context_tokens)
                ),
            )
            batches = [chunk[b : b + size] for b in range(0, len(chunk), size)]
            rng.shuffle(batches)
            order.extend(batches)
    total = int(len(order) / epochs * config.epochs) if epochs else 0
    return order[: max(total, 1)]


def learning_rate(step: int, total: int, config: RunConfig) -> float:
    """Linear warm-up, then linear decay to zero (the schedule BERT fine-tuning uses)."""
    warmup = max(1, int(total * config.warmup_share))
    if step < warmup:
        return config.learning_rate * (step + 1) / warmup
    return config.learning_rate * max(0.0, (total - step) / max(1, total - warmup))


def trainable(model: ReaderModel) -> list[tuple[str, torch.nn.Parameter]]:
    model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    return [(n, p) for n, p in model.named_parameters() if p.requires_grad]


def make_optimizer(
    params: list[tuple[str, torch.nn.Parameter]], config: RunConfig
) -> torch.optim.AdamW:
    decay = [p for n, p in params if not (n.endswith("bias") or "LayerNorm" in n)]
    plain = [p for n, p in params if n.endswith("bias") or "LayerNorm" in n]
    groups = [
        {"params": decay, "weight_decay": config.weight_decay},
        {"params": plain, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=config.learning_rate)


# -- checkpoints: safetensors for tensors, JSON for the rest; never pickle ---------------------


def save_checkpoint(
    out: Path, step: int, model: ReaderModel, optimizer: Any, config: RunConfig
) -> None:
    tmp = out / "checkpoint.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file({k: v.float() for k, v in shipped_state(model).items()}, tmp / "model.safetensors")
    moments: dict[str, torch.Tensor] = {}
    steps: dict[str, float] = {}
    for index, state in optimizer.state_dict()["state"].items():
        moments[f"{index}.exp_avg"] = state["exp_avg"].contiguous()
        moments[f"{index}.exp_avg_sq"] = state["exp_avg_sq"].contiguous()
        steps[str(index)] = float(state["step"])
    moments["rng"] = torch.get_rng_state()
    save_file(moments, tmp / "optimizer.safetensors")
    meta = {"step": step, "config": asdict(config), "adam_steps": steps}
    (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    final = out / "checkpoint"
    old = out / "checkpoint.old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def load_checkpoint(out: Path, model: ReaderModel, optimizer: Any, config: RunConfig) -> int:
    """The step to continue from (0 when there is no checkpoint)."""
    final = out / "checkpoint"
    if not (final / "meta.json").is_file():
        old = out / "checkpoint.old"  # a crash between the two renames leaves only this
        if not (old / "meta.json").is_file():
            return 0
        final = old
    meta = json.loads((final / "meta.json").read_text(encoding="utf-8"))
    if meta["config"] != asdict(config):
        raise SystemExit(
            f"the checkpoint in {final} was made with other settings ({meta['config']}); "
            "rerun with those, or pass another --out"
        )
    state = load_file(final / "model.safetensors")
    model.load_state_dict(state, strict=False)
    moments = load_file(final / "optimizer.safetensors")
    torch.set_rng_state(moments.pop("rng"))
    current = optimizer.state_dict()
    current["state"] = {
        int(index): {
            "step": torch.tensor(step),
            "exp_avg": moments[f"{index}.exp_avg"],
            "exp_avg_sq": moments[f"{index}.exp_avg_sq"],
        }
        for index, step in meta["adam_steps"].items()
    }
    optimizer.load_state_dict(current)
    return int(meta["step"])


# -- validation on the held-out questions ------------------------------------------------------


@torch.no_grad()
def validate(
    model: ReaderModel, tokenizer: Any, questions: Sequence[Question], shape: InputShape
) -> dict[str, float]:
    """Top-1 sentence accuracy over each question's own candidates, and phrase exact match."""
    model.eval()
    right = answerable = exact = located = 0
    for question in questions:
        if not any(question.labels):
            continue
        pairs = [
            Pair(question.question, s, label, context=context_of(question, index))
            for index, (s, label) in enumerate(
                zip(question.sentences, question.labels, strict=True)
            )
        ]
        batch = encode(tokenizer, pairs, shape)
        relevance, start, end = model(
            batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]
        )
        best = int(relevance.argmax())
        answerable += 1
        right += question.labels[best] == 1
        sentence = question.sentences[best]
        if question.labels[best] and any(locate(a, sentence)[0] >= 0 for a in question.answers):
            located += 1
            phrase = best_phrase(batch, start[best], end[best], best, sentence)
            exact += phrase.strip().lower() in {a.strip().lower() for a in question.answers}
    model.train()
    return {
        "top1": right / max(1, answerable),
        "questions": float(answerable),
        "phrase_exact": exact / max(1, located),
        "phrases": float(located),
    }


def best_phrase(
    batch: dict[str, torch.Tensor], start: torch.Tensor, end: torch.Tensor, row: int, sentence: str
) -> str:
    """The highest-scoring phrase of row `row` (start <= end, at most MAX_PHRASE_TOKENS)."""
    mask = span_mask(batch["token_type_ids"][row], batch["attention_mask"][row])
    allowed = torch.nonzero(mask).flatten().tolist()
    offsets = batch["offsets"][row].tolist()
    starts, ends = start.tolist(), end.tolist()
    best, span = -math.inf, (0, 0)
    for i in allowed:
        for j in allowed:
            if i <= j < i + MAX_PHRASE_TOKENS and starts[i] + ends[j] > best:
                best, span = starts[i] + ends[j], (offsets[i][0], offsets[j][1])
    return sentence[span[0] : span[1]]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training.reader", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA_DIR, help="the reader-train folder"
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="run folder: checkpoints, log, weights"
    )
    parser.add_argument("--epochs", type=float, default=RunConfig.epochs)
    parser.add_argument("--negatives", type=int, default=RunConfig.negatives)
    parser.add_argument("--batch-size", type=int, default=RunConfig.batch_size)
    parser.add_argument(
        "--max-length", type=int, default=RunConfig.max_length, help="tokens of question + sentence"
    )
    parser.add_argument(
        "--context-tokens",
        type=int,
        default=RunConfig.context_tokens,
        help="read up to N tokens of the sentence before as context (0: none)",
    )
    parser.add_argument("--learning-rate", type=float, default=RunConfig.learning_rate)
    parser.add_argument("--span-weight", type=float, default=RunConfig.span_weight)
    parser.add_argument(
        "--unanswerable-repeat",
        type=int,
        default=RunConfig.unanswerable_repeat,
        help="see each unanswerable question's pairs N times (same-topic negatives)",
    )
    parser.add_argument(
        "--init",
        type=Path,
        default=None,
        help="continue from this reader file (e.g. the shipped one) instead of bare MiniLM",
    )
    parser.add_argument("--limit", type=int, default=None, help="read only the first N questions")
    parser.add_argument(
        "--max-steps",
        type=int,
        default=None,
        help="stop (with a checkpoint) after N steps this call",
    )
    parser.add_argument("--checkpoint-every", type=int, default=100)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    config = RunConfig(
        epochs=args.epochs,
        negatives=args.negatives,
        batch_size=args.batch_size,
        max_length=args.max_length,
        context_tokens=args.context_tokens,
        learning_rate=args.learning_rate,
        span_weight=args.span_weight,
        limit=args.limit,
        unanswerable_repeat=args.unanswerable_repeat,
        init_sha256=file_sha256(args.init) if args.init else None,
    )
    return run(
        config,
        args.data,
        args.out,
        args.max_steps,
        args.checkpoint_every,
        args.threads,
        init=args.init,
    )


def run(
    config: RunConfig,
    data_dir: Path,
    out: Path,
    max_steps: int | None,
    checkpoint_every: int,
    threads: int,
    init: Path | None = None,
) -> int:
    if (init is None) != (config.init_sha256 is None):
        raise SystemExit("pass the --init file together with its checksum in the run config")
    if init is not None and file_sha256(init) != config.init_sha256:
        raise SystemExit(f"{init} changed since the run started; pass the same file")
    verify(data_dir, {name: DATA_SHA256[name] for name in DATA_SHA256})
    torch.manual_seed(config.seed)
    np.random.seed(config.seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    questions = read_questions(data_dir / "train.jsonl", config.limit)
    train_q, held_q = split(questions)
    pairs = build_pairs(train_q, config.seed, config.negatives, config.unanswerable_repeat)
    order = batch_order(pairs, config)
    total = len(order)

    model_dir = bundled_dir()
    tokenizer = bundled_tokenizer(model_dir)
    model = build(model_dir)
    if init is not None:
        load_shipped_state(model, {k: v.float() for k, v in load_file(init).items()})
    params = trainable(model)
    optimizer = make_optimizer(params, config)
    out.mkdir(parents=True, exist_ok=True)
    step = load_checkpoint(out, model, optimizer, config)
    log = (out / "log.jsonl").open("a", encoding="utf-8")
    print(
        f"{len(train_q)} questions, {len(pairs)} pairs, {total} steps; starting at step {step}",
        flush=True,
    )
    model.train()
    started = time.monotonic()
    done_here = 0
    running = 0.0
    while step < total and (max_steps is None or done_here < max_steps):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, total, config)
        batch = encode(tokenizer, [pairs[i] for i in order[step]], config.shape)
        loss = losses(model, batch, config.span_weight)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for _, p in params], 1.0)
        optimizer.step()
        step += 1
        done_here += 1
        value = float(loss.detach())
        running = 0.98 * running + 0.02 * value if done_here > 1 else value
        if step % 20 == 0 or step == total:
            rate = (time.monotonic() - started) / done_here
            entry = {
                "step": step,
                "of": total,
                "loss": round(running, 4),
                "lr": optimizer.param_groups[0]["lr"],
                "s_per_step": round(rate, 3),
            }
            log.write(json.dumps(entry) + "\n")
            log.flush()
            print(json.dumps(entry), flush=True)
        if step % checkpoint_every == 0 or step == total:
            save_checkpoint(out, step, model, optimizer, config)
    if step < total:
        save_checkpoint(out, step, model, optimizer, config)
        print(f"stopped at step {step} of {total}; rerun the same command to continue", flush=True)
        return 0
    metrics = validate(model, tokenizer, held_q, config.shape)
    metrics["steps"] = float(total)
    (out / "validation.json").write_text(json.dumps(metrics, indent=1), encoding="utf-8")
    log.write(json.dumps({"validation": metrics}) + "\n")
    state = {k: v.half() for k, v in shipped_state(model).items()}
    metadata = {"config": json.dumps(asdict(config)), **shape_metadata(config.shape)}
    save_file(state, out / "reader.safetensors", metadata=metadata)
    print(
        json.dumps({"validation": metrics, "weights": str(out / "reader.safetensors")}), flush=True
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
