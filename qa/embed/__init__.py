"""What the index embeds and how: a batch of passages and sentences through the model.

- batch.py: encode a batch in large steps, sentences with their token vectors quantised;
  refuse a wrong shape, NaN or infinity before the collection changes.
- token_packing.py: the sentences' content token vectors packed as int8 blocks (`SentenceTokens`),
  as the index keeps them for MaxSim (`qa.answer.maxsim`).

The vectors themselves come from `embeddings/` (the model and vector search); this stage
knows which texts of a document are encoded and what the index needs back.
"""

from qa.embed.batch import (
    STEP,
    Planned,
    ProgressCallback,
    check_vectors,
    encode,
    sentence_tokens,
)

__all__ = [
    "STEP",
    "Planned",
    "ProgressCallback",
    "check_vectors",
    "encode",
    "sentence_tokens",
]
