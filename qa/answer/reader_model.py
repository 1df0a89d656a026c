"""The reader's network: the bundled MiniLM read as a cross-encoder, with two small heads.

One forward pass over `[CLS] question [SEP] sentence [SEP]` gives both what the answer stage
needs: the probability that the sentence answers the question (a linear head on the [CLS]
state) and, for issue 15's short answers, start and end logits of the answering phrase (a
linear head on every token state). Sharing the encoder means one pass serves both.

Only the word-embedding table is kept frozen at the bundled model's values during training,
so the shipped file holds everything else (the transformer layers, position and type
embeddings, the heads) and the table is read from the bundled model at load: the file stays
near 21 MB in fp16 instead of 45 MB.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

FROZEN_KEY = "encoder.embeddings.word_embeddings.weight"


class ReaderModel(nn.Module):
    """A BERT encoder plus a relevance head on [CLS] and a span head on every token."""

    def __init__(self, encoder: Any) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = int(encoder.config.hidden_size)
        self.relevance = nn.Linear(hidden, 1)
        self.span = nn.Linear(hidden, 2)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Relevance logits `[batch]`, start and end logits `[batch, tokens]`."""
        states = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        relevance = self.relevance(states[:, 0]).squeeze(-1)
        span = self.span(states)
        return relevance, span[..., 0], span[..., 1]


def build(model_dir: Path, *, eager: bool = False) -> ReaderModel:
    """A reader whose encoder starts as the bundled MiniLM at `model_dir` (heads random).

    `eager` picks the plain attention implementation, which traces to ONNX cleanly.
    """
    from transformers import AutoModel

    from embeddings.quiet import quiet_loading

    kwargs: dict[str, Any] = {"attn_implementation": "eager"} if eager else {}
    with quiet_loading():  # the loader's bar and its report of the unused pooler are noise
        encoder = AutoModel.from_pretrained(model_dir, add_pooling_layer=False, **kwargs)
    return ReaderModel(encoder)


def shipped_state(model: ReaderModel) -> dict[str, torch.Tensor]:
    """Every tensor the shipped file holds: all but the frozen word-embedding table."""
    return {
        name: tensor.detach().contiguous()
        for name, tensor in model.state_dict().items()
        if name != FROZEN_KEY
    }


def load_shipped_state(model: ReaderModel, state: dict[str, torch.Tensor]) -> None:
    """Put a shipped state into `model`, refusing a file that is not exactly a reader's."""
    expected = set(shipped_state(model))
    got = set(state)
    if got != expected:
        missing = sorted(expected - got)[:3]
        extra = sorted(got - expected)[:3]
        raise ValueError(
            f"not a reader state: missing {missing or 'nothing'}, unexpected {extra or 'nothing'}"
        )
    own = model.state_dict()
    for name, tensor in state.items():
        if tuple(tensor.shape) != tuple(own[name].shape):
            raise ValueError(
                f"not a reader state: {name} has shape {tuple(tensor.shape)}, "
                f"expected {tuple(own[name].shape)}"
            )
    model.load_state_dict({k: v.to(own[k].dtype) for k, v in state.items()}, strict=False)
