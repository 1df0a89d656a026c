"""The reader's training data, checked and turned into (question, sentence) pairs.

The data lives outside the repository (`../shared/datasets/reader-train/`, see its
SOURCES.md for sources and licences) and is never copied in. Its checksum is pinned here so
that a changed file stops a run before any step, instead of silently training on other data.
"""

from __future__ import annotations

import json
import random
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from embeddings.embedder import file_sha256

DATA_SHA256 = {"train.jsonl": "c00c294852272650a4f8e71ded60482c1a9ef55a1cbc137338fcba932fc11dfd"}
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "reader-train"
HELD_OUT_EVERY = 20  # one question in 20 (by a hash of its text) is kept for validation
# Sources whose candidates are a passage's sentences in order, so the sentence before a
# candidate is its context. ReQA's lists are gold sentences of other questions, shuffled:
# there, a candidate's neighbour is unrelated text, and it is read without context.
ORDERED_SOURCES = frozenset(
    {"squad2.0-train", "squad1.1-train-ec", "selqa-ass-dev", "selqa-ass-test"}
)


class DataError(RuntimeError):
    """The training data is missing, changed, or malformed."""


@dataclass(frozen=True)
class Question:
    """One question with its candidate sentences, as the data file has it."""

    source: str
    question: str
    sentences: tuple[str, ...]
    labels: tuple[int, ...]
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Pair:
    """One training example: does `sentence` answer `question`, and where is the phrase?

    `answer_start`/`answer_end` are character offsets of the answering phrase inside
    `sentence`, or -1 when the pair has no located phrase (negatives, and positives whose
    source gives only the sentence). `context` is the text just before the sentence in its
    passage ("" when there is none, or the source's order is not the passage's).
    """

    question: str
    sentence: str
    label: int
    answer_start: int = -1
    answer_end: int = -1
    context: str = ""


def context_of(question: Question, index: int) -> str:
    """The sentence before candidate `index` in its passage, or "" (first, or unordered)."""
    if index == 0 or question.source not in ORDERED_SOURCES:
        return ""
    return question.sentences[index - 1]


def verify(data_dir: Path, pinned: dict[str, str] = DATA_SHA256) -> None:
    """Refuse to start unless every data file is there with its pinned checksum."""
    for name, expected in pinned.items():
        path = data_dir / name
        if not path.is_file():
            raise DataError(f"training data {path} is missing; point --data at reader-train/")
        actual = file_sha256(path)
        if actual != expected:
            raise DataError(
                f"training data {path} has sha256 {actual}, expected {expected}: the file "
                "changed; check SOURCES.md before training on it"
            )


def read_questions(path: Path, limit: int | None = None) -> list[Question]:
    """Parse the JSONL file, naming the line of any malformed record."""
    questions: list[Question] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if limit is not None and len(questions) >= limit:
                break
            try:
                record = json.loads(line)
                item = Question(
                    source=str(record["source"]),
                    question=str(record["question"]),
                    sentences=tuple(str(s) for s in record["sentences"]),
                    labels=tuple(int(v) for v in record["labels"]),
                    answers=tuple(str(a) for a in record.get("answers") or ()),
                )
            except (ValueError, KeyError, TypeError) as err:
                raise DataError(f"{path}:{number}: malformed record ({err})") from err
            if len(item.sentences) != len(item.labels):
                raise DataError(f"{path}:{number}: {len(item.sentences)} sentences, labels differ")
            questions.append(item)
    return questions


def is_held_out(question: str) -> bool:
    """A stable split by the question's text, the same on every machine and run."""
    return zlib.crc32(question.strip().lower().encode("utf-8")) % HELD_OUT_EVERY == 0


def split(questions: Sequence[Question]) -> tuple[list[Question], list[Question]]:
    train = [q for q in questions if not is_held_out(q.question)]
    held = [q for q in questions if is_held_out(q.question)]
    return train, held


def locate(answer: str, sentence: str) -> tuple[int, int]:
    """Character span of `answer` in `sentence` (exact first, then ignoring case), or (-1, -1)."""
    for haystack, needle in ((sentence, answer), (sentence.lower(), answer.lower())):
        at = haystack.find(needle) if needle else -1
        if at >= 0:
            return at, at + len(needle)
    return -1, -1


def pairs_for(question: Question, rng: random.Random, negatives: int) -> list[Pair]:
    """Every positive sentence of `question`, plus up to `negatives` of its other sentences.

    The other sentences are the hard negatives that matter: same paragraph, same topic, and
    often the neighbour of the answer.
    """
    pairs: list[Pair] = []
    others: list[Pair] = []
    for index, (sentence, label) in enumerate(
        zip(question.sentences, question.labels, strict=True)
    ):
        context = context_of(question, index)
        if not label:
            others.append(Pair(question.question, sentence, 0, context=context))
            continue
        start = end = -1
        for answer in question.answers:
            start, end = locate(answer, sentence)
            if start >= 0:
                break
        pairs.append(Pair(question.question, sentence, 1, start, end, context))
    rng.shuffle(others)
    pairs.extend(others[:negatives])
    return pairs


def build_pairs(
    questions: Iterable[Question], seed: int, negatives: int, unanswerable_repeat: int = 1
) -> list[Pair]:
    """All training pairs, the same list for the same seed.

    An unanswerable question's sentences are on its topic and still do not answer it: the
    negatives that teach "on topic" apart from "answers it", and the rarest in the data, so
    `unanswerable_repeat` shows them more than once.
    """
    rng = random.Random(seed)
    pairs: list[Pair] = []
    for question in questions:
        made = pairs_for(question, rng, negatives)
        repeat = 1 if any(question.labels) else max(1, unanswerable_repeat)
        pairs.extend(made * repeat)
    return pairs
