"""The evidence one question is answered from: one object instead of six loose values.

Every answering step (the core answer, a list answer, "what else", a comparison party's own
words) reads the same things: the collection, the question, its vector, the ranked
candidate passages, how many sources to return and the answering settings. They travel
together as one `Evidence`, so a step's signature says what it adds, not what it carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Self

import numpy as np

from qa.answer.config import AnsweringConfig
from qa.index import Collection
from qa.retrieve import Candidate


@dataclass(frozen=True, kw_only=True, eq=False)
class Evidence:
    """What answering one question reads.

    Attributes:
        collection: the documents, their sentences and vectors (and the reader, if any).
        question: the words answer sentences are matched against.
        query_vector: the question's embedding, (dimension,) float32, as
            `encode_query` returns it.
        candidates: the retrieved passages, best first (`qa.retrieve.retrieve`).
        top_k: how many numbered sources the answer lists.
        config: how sentences are chosen and how sure the answer must be.

    Compared by identity: it holds an array and the live collection.
    """

    collection: Collection
    question: str
    query_vector: np.ndarray
    candidates: Sequence[Candidate]
    top_k: int
    config: AnsweringConfig = field(default_factory=AnsweringConfig)

    def reading(self, passages: int) -> Self:
        """The same evidence with sentences searched in the top `passages` passages."""
        return replace(self, config=replace(self.config, passages=passages))
