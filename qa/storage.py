"""Saving and loading a collection as a directory of plain files, crash-safely.

Layout of a saved index:

    DIR/CURRENT           names the live generation, e.g. "gen-000003"
    DIR/gen-000003/       manifest.json, documents.jsonl, passages.faiss, sentences.npy
    DIR/.lock             held while writing, so two writers never interleave

A save writes a complete new generation beside the old one, flushes it to disk, and only
then switches CURRENT with an atomic rename: a crash at any moment leaves either the old
or the new generation live, never a mix. The previous generation is kept as a fallback.
JSON, NumPy's .npy (read with allow_pickle=False) and FAISS's own format: no pickle.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from embeddings import TextEncoder, VectorStore, VectorStoreError
from qa.chunking import ChunkingConfig
from qa.collection import Collection
from qa.errors import IndexCorruptError, IndexLockedError, IndexMismatchError, StoreError
from qa.lexical import LexicalConfig
from qa.types import Chunk, Document, Span, content_id

FORMAT = "qa-assistant-index"
FORMAT_VERSION = 1
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
PASSAGES = "passages.faiss"
SENTENCES = "sentences.npy"
_GENERATION = re.compile(r"^gen-(\d{6})$")
KEEP_GENERATIONS = 2


# ----- low-level file helpers ---------------------------------------------------------
def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_file(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextlib.contextmanager
def write_lock(directory: Path, timeout: float = 1.0) -> Iterator[None]:
    """Hold the directory's writer lock, or raise IndexLockedError within `timeout` s."""
    import fcntl

    directory.mkdir(parents=True, exist_ok=True)
    handle = (directory / ".lock").open("a+")
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as err:
                if err.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                    raise IndexLockedError(
                        f"Another process is writing the index in {directory}; try again "
                        "when it has finished."
                    ) from err
                time.sleep(0.05)
        yield
    finally:
        handle.close()


# ----- save -----------------------------------------------------------------------------
def _manifest(collection: Collection, files: dict[str, bytes]) -> dict[str, Any]:
    embedder = collection.embedder
    documents = []
    chunks = []
    for entry in (collection.entry(d.id) for d in collection.documents):
        doc = entry.document
        documents.append(
            {
                "id": doc.id,
                "title": doc.title,
                "source": doc.source,
                "length": doc.length,
                "sha256": _sha256(doc.text.encode("utf-8", "surrogatepass")),
                "sentences": [[s.start, s.end] for s in entry.sentences],
            }
        )
    for vector_id, chunk in collection.chunk_items():
        chunks.append(
            [vector_id, chunk.doc_id, chunk.index, chunk.start, chunk.end,
             chunk.first_sentence, chunk.last_sentence]
        )
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "model": {
            "name": embedder.name,
            "weights_sha256": embedder.weights_sha256,
            "dimension": embedder.dimension,
        },
        "chunking": collection.chunking.to_dict(),
        "lexical": {
            "k1": collection.lexical_config.k1,
            "b": collection.lexical_config.b,
            "stem": collection.lexical_config.stem,
            "drop_stopwords": collection.lexical_config.drop_stopwords,
        },
        "embed_titles": collection.embed_titles,
        "vector_index": {"type": VectorStore.index_type, "count": collection.passage_count},
        "next_vector_id": collection.next_id,
        "documents": documents,
        "chunks_columns": ["vector_id", "doc_id", "index", "start", "end", "first", "last"],
        "chunks": chunks,
        "files": {name: {"sha256": _sha256(data), "bytes": len(data)} for name, data in files.items()},
    }


def _payload(collection: Collection) -> dict[str, bytes]:
    lines = [
        json.dumps({"id": d.id, "text": d.text}, ensure_ascii=False) for d in collection.documents
    ]
    documents = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass") if lines else b""
    vectors = [collection.entry(d.id).sentence_vectors for d in collection.documents]
    dimension = collection.embedder.dimension
    matrix = np.concatenate(vectors) if vectors else np.zeros((0, dimension), np.float32)
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(matrix, dtype=np.float32), allow_pickle=False)
    return {DOCUMENTS: documents, PASSAGES: collection.store.to_bytes(), SENTENCES: buffer.getvalue()}


def _generations(directory: Path) -> list[int]:
    found = []
    if directory.is_dir():
        for child in directory.iterdir():
            match = _GENERATION.match(child.name)
            if match and child.is_dir():
                found.append(int(match.group(1)))
    return sorted(found)


def save(collection: Collection, directory: str | os.PathLike[str]) -> Path:
    """Write the collection to `directory` as a new generation; returns its path.

    Raises:
        IndexLockedError: another process is saving to the same directory.
        StoreError: the directory cannot be written (disk full, permissions).
    """
    root = Path(directory)
    try:
        with write_lock(root), collection.lock:
            files = _payload(collection)
            manifest = json.dumps(_manifest(collection, files), ensure_ascii=False, indent=1)
            number = (_generations(root) or [0])[-1] + 1
            name = f"gen-{number:06d}"
            staging = root / f".{name}.tmp"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            for file_name, data in files.items():
                _write_file(staging / file_name, data)
            _write_file(staging / MANIFEST, manifest.encode("utf-8"))
            _fsync_dir(staging)
            os.replace(staging, root / name)
            _fsync_dir(root)
            pointer = root / f".{CURRENT}.tmp"
            _write_file(pointer, (name + "\n").encode())
            os.replace(pointer, root / CURRENT)
            _fsync_dir(root)
            _prune(root, keep_from=number - KEEP_GENERATIONS + 1)
            return root / name
    except OSError as err:
        raise StoreError(f"Cannot save the index to {root}: {err.strerror or err}") from err


def _prune(root: Path, keep_from: int) -> None:
    for number in _generations(root):
        if number < keep_from:
            shutil.rmtree(root / f"gen-{number:06d}", ignore_errors=True)
    for stale in root.glob(".gen-*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)


# ----- load -----------------------------------------------------------------------------
def read_manifest(directory: str | os.PathLike[str]) -> tuple[Path, dict[str, Any]]:
    """The live generation's path and its parsed manifest.

    Raises:
        StoreError: no saved index in the directory.
        IndexCorruptError: the pointer or manifest is damaged.
    """
    root = Path(directory)
    pointer = root / CURRENT
    if not pointer.is_file():
        raise StoreError(f"No saved index in {root} (there is no {CURRENT} file).")
    try:
        name = pointer.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as err:
        raise IndexCorruptError(f"The index pointer {pointer} is unreadable: {err}") from err
    if not _GENERATION.match(name) or not (root / name).is_dir():
        raise IndexCorruptError(f"{pointer} names {name[:40]!r}, which is not a saved generation.")
    generation = root / name
    try:
        manifest = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise IndexCorruptError(f"The manifest in {generation} is unreadable: {err}") from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexCorruptError(f"{generation / MANIFEST} is not a qa-assistant index manifest.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise StoreError(
            f"The index in {root} has format version {manifest.get('format_version')}; this "
            f"program reads version {FORMAT_VERSION}. Rebuild the index."
        )
    return generation, manifest


def check_model(manifest: dict[str, Any], embedder: TextEncoder, where: Path) -> None:
    """Refuse an index built by another model or dimension, naming both."""
    saved = manifest["model"]
    if saved["name"] != embedder.name or saved["dimension"] != embedder.dimension:
        raise IndexMismatchError(
            f"The index in {where} was built with model {saved['name']!r} "
            f"(dimension {saved['dimension']}), but the current model is {embedder.name!r} "
            f"(dimension {embedder.dimension}). Load it with model={saved['name']!r} or rebuild it."
        )
    if saved.get("weights_sha256") and saved["weights_sha256"] != embedder.weights_sha256:
        raise IndexMismatchError(
            f"The index in {where} was built with model {saved['name']!r} whose weights have "
            f"SHA-256 {saved['weights_sha256']}, but the current model {embedder.name!r} has "
            f"{embedder.weights_sha256 or 'no readable weights'}. Rebuild the index."
        )


def _read_verified(generation: Path, manifest: dict[str, Any], name: str) -> bytes:
    try:
        data = (generation / name).read_bytes()
        expected = manifest["files"][name]
    except (OSError, KeyError, TypeError) as err:
        raise IndexCorruptError(f"{generation / name} is missing or unlisted: {err}") from err
    if len(data) != expected["bytes"] or _sha256(data) != expected["sha256"]:
        raise IndexCorruptError(
            f"{generation / name} does not match its checksum in the manifest: the file is "
            "damaged. Restore it or rebuild the index."
        )
    return data


def load(directory: str | os.PathLike[str], collection: Collection) -> None:
    """Fill an empty collection from a saved index, verifying every file first.

    Raises:
        StoreError, IndexCorruptError, IndexMismatchError: as their names say.
    """
    generation, manifest = read_manifest(directory)
    check_model(manifest, collection.embedder, Path(directory))
    blobs = {name: _read_verified(generation, manifest, name) for name in (DOCUMENTS, PASSAGES, SENTENCES)}
    try:
        _restore(collection, manifest, blobs)
    except (KeyError, TypeError, ValueError, IndexError, VectorStoreError) as err:
        raise IndexCorruptError(f"The index in {generation} is inconsistent: {err}") from err


def _restore(collection: Collection, manifest: dict[str, Any], blobs: dict[str, bytes]) -> None:
    dimension = int(manifest["model"]["dimension"])
    texts: dict[str, str] = {}
    for line in blobs[DOCUMENTS].decode("utf-8", "surrogatepass").splitlines():
        record = json.loads(line)
        texts[record["id"]] = record["text"]
    store = VectorStore.from_bytes(blobs[PASSAGES], dimension)
    sentence_matrix = np.load(io.BytesIO(blobs[SENTENCES]), allow_pickle=False)
    rows = manifest["chunks"]
    if len(store) != len(rows):
        raise ValueError(f"{len(store)} vectors for {len(rows)} passages")
    by_doc: dict[str, list[list[Any]]] = {}
    for row in rows:
        by_doc.setdefault(row[1], []).append(row)
    collection.attach_store(store, int(manifest["next_vector_id"]))
    offset = 0
    for info in manifest["documents"]:
        text = texts[info["id"]]
        if content_id(text) != info["id"]:
            raise ValueError(f"document {info['id']} text does not match its id")
        document = Document(id=info["id"], title=info["title"], text=text, source=info["source"])
        sentences = [Span(int(s), int(e)) for s, e in info["sentences"]]
        vectors = sentence_matrix[offset : offset + len(sentences)]
        offset += len(sentences)
        if vectors.shape != (len(sentences), dimension):
            raise ValueError(f"sentence vectors of {info['id']} have shape {vectors.shape}")
        chunks = []
        ids = []
        for vector_id, doc_id, index, start, end, first, last in by_doc.get(info["id"], []):
            if not (0 <= start < end <= len(text)) or not (0 <= first <= last < len(sentences)):
                raise ValueError(f"passage {doc_id}:{index} has offsets outside its document")
            chunks.append(Chunk(doc_id, index, start, end, text[start:end], first, last))
            ids.append(int(vector_id))
        collection.restore(document, sentences, chunks, ids, vectors)
    if offset != sentence_matrix.shape[0]:
        raise ValueError("more sentence vectors than sentences")


def saved_settings(directory: str | os.PathLike[str]) -> tuple[dict[str, Any], ChunkingConfig, LexicalConfig, bool]:
    """The model record and index settings of a saved index, to rebuild a matching collection."""
    _, manifest = read_manifest(directory)
    try:
        chunking = ChunkingConfig(**manifest["chunking"])
        lexical = LexicalConfig(**manifest["lexical"])
        return manifest["model"], chunking, lexical, bool(manifest.get("embed_titles", True))
    except (KeyError, TypeError, ValueError) as err:
        raise IndexCorruptError(f"The settings in the manifest of {directory} are invalid: {err}") from err
