"""Every tunable of the pipeline, in one object.

Why apart from the facade: the stages above the index (`qa.converse`) read the same
settings the facade (`qa.assistant`) holds, and the facade builds their objects; with the
settings here, neither has to import the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qa.answer.config import AnsweringConfig
from qa.chunking import ChunkingConfig
from qa.index import LexicalConfig
from qa.retrieve import RetrievalConfig


@dataclass(frozen=True)
class Settings:
    """Every tunable of the pipeline, in one object (the defaults are the measured best)."""

    chunking: ChunkingConfig = field(default_factory=ChunkingConfig)
    lexical: LexicalConfig = field(default_factory=LexicalConfig)
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    answering: AnsweringConfig = field(default_factory=AnsweringConfig)
    embed_titles: bool = True
    # With a reader, keep the sentences' token vectors (False: pooled vectors only, a
    # quarter of the saved index; XQuAD held the same, the article set's paraphrased
    # questions fell from 13/22 to 9/22, so not the default; issue 28, docs/benchmarks.md).
    reader_token_vectors: bool = True
