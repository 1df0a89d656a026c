"""Saved indexes reused across runs, keyed by content and model, so nothing is embedded twice.

`python app.py` opens the bundled article this way: the first start embeds and saves it,
every later start loads the saved index. The key covers the documents' content ids, the
model's name and weight hash, and the settings that shape the index, so any change to
one of them builds a fresh index instead of reusing a stale one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from embeddings import TextEncoder
from qa.assistant import Assistant
from qa.chunking import CUTTER_VERSION
from qa.errors import StoreError
from qa.loading import load_items
from qa.settings import Settings
from qa.store import read_manifest
from qa.store.contents import TOKENS
from qa.types import SentenceReader

CACHE_ENV_VAR = "QA_CACHE_DIR"


def default_cache_dir() -> Path:
    """`QA_CACHE_DIR`, or ~/.cache/qa-assistant/indexes."""
    configured = os.environ.get(CACHE_ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "qa-assistant" / "indexes"


def cache_key(doc_ids: Iterable[str], embedder: TextEncoder, settings: Settings) -> str:
    """A short hash of everything an index depends on."""
    record = {
        "documents": sorted(doc_ids),
        # The backend too: int8 vectors must not be searched with torch's, or the reverse.
        "model": [
            embedder.name,
            embedder.weights_sha256,
            embedder.dimension,
            getattr(embedder, "backend", "torch"),
        ],
        "chunking": settings.chunking.to_dict(),
        "cutter": CUTTER_VERSION,
        "lexical": [
            settings.lexical.k1,
            settings.lexical.b,
            settings.lexical.stem,
            settings.lexical.drop_stopwords,
        ],
        "embed_titles": settings.embed_titles,
    }
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:20]


def _complete(assistant: Assistant, where: Path) -> None:
    """Save again an index cached before sentence token vectors were kept, once, so later
    starts do not make them again (the save writes the ones made on loading). Only for a
    collection that keeps them: with a reader an index without them is complete."""
    if not assistant.collection.keeps_tokens:
        return
    with contextlib.suppress(StoreError, OSError):
        _, manifest = read_manifest(where)
        if TOKENS not in manifest.get("files", {}):
            assistant.save(where)


def open_bundled(cache_dir: str | os.PathLike[str] | None = None) -> Assistant:
    """The bundled article with the bundled model and reader, loaded now rather than on the
    first question: what `python app.py` and `qa serve` answer from.

    The article's index comes from the cache, so only the first start embeds. The model
    runs on the backend `QA_BACKEND` names (ONNX Runtime by default, torch as the fallback;
    the int8 graph stays opt-in while it misses the accuracy bar, docs/benchmarks.md), and
    is warmed here so the first question does not pay for building its session.
    """
    from embeddings import default_embedder
    from qa.answer.reader import default_reader
    from qa.loading import bundled_article_path

    embedder = default_embedder()
    embedder.warm_up()
    return open_cached(
        [bundled_article_path()], embedder=embedder, cache_dir=cache_dir, reader=default_reader()
    )


def open_cached(
    items: Iterable[str | os.PathLike[str]],
    *,
    embedder: TextEncoder,
    settings: Settings | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    reader: SentenceReader | None = None,
) -> Assistant:
    """An assistant over `items`, loaded from the cache if an index of them exists.

    A damaged cached index is rebuilt and saved again; a cache that cannot be written
    still yields a working (unsaved) assistant.
    """
    settings = settings or Settings()
    documents = load_items(items)
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    where = root / cache_key((d.id for d in documents), embedder, settings)
    if (where / "CURRENT").exists():
        try:
            cached = Assistant.load(where, embedder=embedder, settings=settings, reader=reader)
        except StoreError:
            pass  # rebuilt below
        else:
            _complete(cached, where)
            return cached
    assistant = Assistant(embedder, settings=settings, reader=reader)
    assistant.add_documents(documents)
    with contextlib.suppress(StoreError, OSError):  # a read-only home still gets an assistant
        assistant.save(where)
    return assistant
