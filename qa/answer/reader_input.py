"""The reader's input, laid out by one function that training and question time share.

Why one function: a reader is only as good as the match between what it was trained on and
what it reads later. Training (`training/reader.py`) and `qa/answer/reader.py` both call
`encode_pair`, so the two can never drift apart.

The layout is `[CLS] question [SEP] sentence [SEP]`, as a cross-encoder reads a pair, with
an optional third segment after it: `context [SEP]`, the text just before the sentence in
its document. A sentence such as "He signed it in 1648." names neither who nor what; the
sentence before it does. The context carries segment id 0, like the question, so the
network tells the sentence it judges (id 1) apart from the text around it, and the answering
phrase is only ever looked for inside the sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

QUESTION, SENTENCE, CONTEXT = 0, 1, 2  # segment numbers; None marks a special token


@dataclass(frozen=True)
class ReaderInput:
    """One encoded (question, sentence[, context]) row.

    Attributes:
        ids: token ids, specials included.
        type_ids: BERT segment ids (0 for question and context, 1 for the sentence).
        segments: QUESTION, SENTENCE or CONTEXT per token, None for [CLS]/[SEP].
        offsets: each token's character span inside its own segment's text.
    """

    ids: list[int]
    type_ids: list[int]
    segments: list[int | None]
    offsets: list[tuple[int, int]]

    @property
    def attention_mask(self) -> list[int]:
        return [1] * len(self.ids)

    def sentence_tokens(self) -> list[int]:
        """Positions of the sentence's tokens: where an answering phrase may start or end."""
        return [i for i, segment in enumerate(self.segments) if segment == SENTENCE]


@dataclass(frozen=True)
class InputShape:
    """How long a row may be.

    Attributes:
        pair_tokens: the most tokens for `[CLS] question [SEP] sentence [SEP]`; a longer
            sentence is cut at its end (the question is kept whole).
        context_tokens: the most tokens of context; 0 reads no context (the first shipped
            reader). The context keeps its end, the words nearest the sentence.
    """

    pair_tokens: int = 96
    context_tokens: int = 0

    @property
    def max_length(self) -> int:
        return self.pair_tokens + (self.context_tokens + 1 if self.context_tokens else 0)


MIN_CONTEXT_TOKENS = 4  # fewer context tokens than this say nothing and only cost


def encode_pair(
    tokenizer: Any, question: str, sentence: str, context: str, shape: InputShape
) -> ReaderInput:
    """The row for one candidate; `tokenizer` is a `tokenizers.Tokenizer` of the bundled model.

    Without context (or with `shape.context_tokens == 0`) the row is exactly what the
    tokenizer's own pair encoding gives with `only_second` truncation at `pair_tokens`.
    """
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    q = tokenizer.encode(question, add_special_tokens=False)
    s = tokenizer.encode(sentence, add_special_tokens=False)
    q_ids, q_offsets = list(q.ids), list(q.offsets)
    room = max(0, shape.pair_tokens - 3 - len(q_ids))
    s_ids, s_offsets = list(s.ids)[:room], list(s.offsets)[:room]
    ids = [cls, *q_ids, sep, *s_ids, sep]
    segments: list[int | None] = [None, *[QUESTION] * len(q_ids), None]
    segments += [*[SENTENCE] * len(s_ids), None]
    offsets = [(0, 0), *q_offsets, (0, 0), *s_offsets, (0, 0)]
    type_ids = [0] * (len(q_ids) + 2) + [1] * (len(s_ids) + 1)
    if shape.context_tokens and context.strip():
        c = tokenizer.encode(context, add_special_tokens=False)
        keep = min(shape.context_tokens, len(c.ids))
        if keep >= MIN_CONTEXT_TOKENS:
            c_ids, c_offsets = list(c.ids)[-keep:], list(c.offsets)[-keep:]
            ids += [*c_ids, sep]
            segments += [*[CONTEXT] * len(c_ids), None]
            offsets += [*c_offsets, (0, 0)]
            type_ids += [0] * (len(c_ids) + 1)
    return ReaderInput(ids, type_ids, segments, offsets)


def shape_from_metadata(metadata: dict[str, str] | None) -> InputShape:
    """The input shape a reader file was trained with (its safetensors metadata).

    A file without the keys is the first shipped reader: pairs of 96 tokens, no context.
    """
    metadata = metadata or {}
    try:
        return InputShape(
            pair_tokens=int(metadata.get("pair_tokens", InputShape.pair_tokens)),
            context_tokens=int(metadata.get("context_tokens", InputShape.context_tokens)),
        )
    except ValueError as err:
        raise ValueError(f"the reader file's input shape is unreadable ({err})") from err


def shape_metadata(shape: InputShape) -> dict[str, str]:
    """The safetensors metadata that records `shape` in a reader file."""
    return {"pair_tokens": str(shape.pair_tokens), "context_tokens": str(shape.context_tokens)}
