"""What a saved generation holds, file by file: building it from a collection, and
parsing it back into documents, passages and vectors with every count cross-checked.

Only bytes whose checksums matched reach the parser (see qa/store/generations.py); it still checks
that the pieces fit together, since a valid file can belong with the wrong manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from typing import Any

import numpy as np

from embeddings import VectorStore
from qa.embed.token_packing import SentenceTokens
from qa.index import Collection, IndexedDocument
from qa.types import Block, Chunk, Document, Span, content_id

FORMAT = "qa-assistant-index"
FORMAT_VERSION = 2  # 2: the manifest checks itself (version 1 could not)
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
PASSAGES = "passages.faiss"
SENTENCES = "sentences.npy"
BLOBS = (DOCUMENTS, PASSAGES, SENTENCES)
# The sentences' token vectors (int8) and their scales: written when the model gives
# token vectors and the collection keeps them (no reader); an index without them still
# loads, and they are made again when needed; one with them loads into a collection that
# keeps none without their being read.
TOKENS = "tokens.npy"
TOKEN_SCALES = "token_scales.npy"
TOKEN_BLOBS = (TOKENS, TOKEN_SCALES)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_manifest(collection: Collection, files: dict[str, bytes]) -> dict[str, Any]:
    embedder = collection.embedder
    with_tokens = TOKENS in files
    documents = [_document_entry(collection.entry(d.id), with_tokens) for d in collection.documents]
    chunks = [
        [vector_id, c.doc_id, c.index, c.start, c.end, c.first_sentence, c.last_sentence]
        for vector_id, c in collection.chunk_items()
    ]
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
        "vector_index": {
            "type": collection.store.index_type,
            "spec": collection.store.spec.to_dict(),
            "count": collection.passage_count,
        },
        "next_vector_id": collection.next_id,
        "documents": documents,
        "chunks_columns": ["vector_id", "doc_id", "index", "start", "end", "first", "last"],
        "chunks": chunks,
        "files": {
            name: {"sha256": sha256(data), "bytes": len(data)} for name, data in files.items()
        },
    }


def _document_entry(entry: IndexedDocument, with_tokens: bool) -> dict[str, Any]:
    """One document's manifest record: what restores it besides its text and vectors."""
    doc = entry.document
    record: dict[str, Any] = {
        "id": doc.id,
        "title": doc.title,
        "source": doc.source,
        "length": doc.length,
        "sha256": sha256(doc.text.encode("utf-8", "surrogatepass")),
        "sentences": [[s.start, s.end] for s in entry.sentences],
    }
    if doc.site:
        record["site"] = doc.site
    if doc.blocks:
        record.update(blocks_to_json(doc.blocks))
    if with_tokens and entry.sentence_tokens is not None:
        record["token_counts"] = np.diff(entry.sentence_tokens.bounds).tolist()
    return record


def build_files(collection: Collection) -> dict[str, bytes]:
    lines = [
        json.dumps({"id": d.id, "text": d.text}, ensure_ascii=False) for d in collection.documents
    ]
    documents = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass") if lines else b""
    vectors = [collection.entry(d.id).sentence_vectors for d in collection.documents]
    dimension = collection.embedder.dimension
    matrix = np.concatenate(vectors) if vectors else np.zeros((0, dimension), np.float32)
    payload = {
        DOCUMENTS: documents,
        PASSAGES: collection.store.to_bytes(),
        SENTENCES: _npy(np.ascontiguousarray(matrix, dtype=np.float32)),
    }
    tokens = [collection.entry(d.id).sentence_tokens for d in collection.documents]
    if tokens and all(t is not None for t in tokens):
        payload[TOKENS] = _npy(np.concatenate([t.codes for t in tokens if t is not None]))
        payload[TOKEN_SCALES] = _npy(np.concatenate([t.scales for t in tokens if t is not None]))
    return payload


def blocks_to_json(blocks: tuple[Block, ...]) -> dict[str, Any]:
    """A document's blocks for the manifest: each distinct heading path once, rows by index."""
    paths: dict[tuple[str, ...], int] = {}
    rows = []
    for b in blocks:
        rows.append(
            [b.kind, b.start, b.end, b.level, paths.setdefault(b.path, len(paths)), int(b.header)]
        )
    return {"paths": [list(p) for p in paths], "blocks": rows}


def blocks_from_json(info: dict[str, Any], length: int) -> tuple[Block, ...]:
    """The blocks `blocks_to_json` wrote (none for an index saved before blocks existed).

    Raises:
        ValueError: a block of an unknown kind, or one that lies outside its document.
    """
    paths = [tuple(str(h) for h in p) for p in info.get("paths", [])]
    blocks = []
    for kind, start, end, level, path, header in info.get("blocks", []):
        if not 0 <= int(path) < len(paths):
            raise ValueError(f"a block of {info['id']} names heading path {path}, not stored")
        block = Block(str(kind), int(start), int(end), int(level), paths[int(path)], bool(header))
        if block.end > length:
            raise ValueError(f"a block of {info['id']} lies outside its document")
        blocks.append(block)
    return tuple(blocks)


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


_Part = tuple[Document, list[Span], list[Chunk], list[int], np.ndarray, SentenceTokens | None]


def parse(
    manifest: dict[str, Any], blobs: dict[str, bytes]
) -> tuple[VectorStore, int, list[_Part]]:
    """Every document, passage and vector of a generation, cross-checked; nothing applied."""
    dimension = int(manifest["model"]["dimension"])
    texts: dict[str, str] = {}
    for line in blobs[DOCUMENTS].decode("utf-8", "surrogatepass").splitlines():
        record = json.loads(line)
        texts[record["id"]] = record["text"]
    store = VectorStore.from_bytes(blobs[PASSAGES], dimension)
    sentence_matrix = load_array(blobs[SENTENCES], SENTENCES)
    token_reader = _TokenReader(blobs, dimension)
    rows = manifest["chunks"]
    stored_ids = sorted(int(i) for i in store.ids())
    row_ids = sorted(int(row[0]) for row in rows)
    if stored_ids != row_ids or len(set(row_ids)) != len(row_ids):
        raise ValueError(f"{len(stored_ids)} vectors do not match {len(rows)} passages by id")
    next_id = int(manifest["next_vector_id"])
    if row_ids and next_id <= row_ids[-1]:
        raise ValueError(f"next_vector_id {next_id} is not above the largest id {row_ids[-1]}")
    by_doc: dict[str, list[list[Any]]] = {}
    for row in rows:
        by_doc.setdefault(row[1], []).append(row)
    if set(by_doc) - set(texts) or len(texts) != len(manifest["documents"]):
        raise ValueError("passages or texts of documents the manifest does not list")
    parts: list[_Part] = []
    offset = 0
    for info in manifest["documents"]:
        text = texts[info["id"]]
        if content_id(text) != info["id"]:
            raise ValueError(f"document {info['id']} text does not match its id")
        document = Document(
            id=info["id"],
            title=info["title"],
            text=text,
            source=info["source"],
            blocks=blocks_from_json(info, len(text)),
            site=str(info.get("site", "")),
        )
        sentences = [Span(int(s), int(e)) for s, e in info["sentences"]]
        if any(not 0 <= s.start < s.end <= len(text) for s in sentences):
            raise ValueError(f"a sentence of {info['id']} lies outside its document")
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
        tokens = token_reader.next(info, len(sentences))
        parts.append((document, sentences, chunks, ids, vectors, tokens))
    if offset != sentence_matrix.shape[0]:
        raise ValueError("more sentence vectors than sentences")
    token_reader.finish()
    return store, next_id, parts


def load_array(data: bytes, name: str) -> np.ndarray:
    """One .npy file's array (never a pickle), or ValueError naming the file."""
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (EOFError, OSError, ValueError) as err:
        raise ValueError(f"{name} is not a readable .npy array: {err}") from err
    if not isinstance(array, np.ndarray):  # e.g. an .npz archive under the .npy name
        raise ValueError(f"{name} is not a single .npy array")
    return array


class _TokenReader:
    """Hands out each document's block of the saved token vectors, checking every count."""

    def __init__(self, blobs: dict[str, bytes], dimension: int) -> None:
        self.codes: np.ndarray | None = None
        self.scales: np.ndarray | None = None
        self.offset = 0
        if TOKENS in blobs:
            self.codes = load_array(blobs[TOKENS], TOKENS)
            self.scales = load_array(blobs[TOKEN_SCALES], TOKEN_SCALES)
            if (
                self.codes.dtype != np.int8
                or self.codes.ndim != 2
                or self.codes.shape[1] != dimension
                or self.scales.dtype != np.float32
                or self.scales.shape != (self.codes.shape[0],)
            ):
                raise ValueError(
                    f"token vectors {self.codes.shape} {self.codes.dtype} and scales "
                    f"{self.scales.shape} {self.scales.dtype} do not fit dimension {dimension}"
                )
            if not (np.isfinite(self.scales).all() and (self.scales > 0).all()):
                raise ValueError("token scales must be finite and positive")

    def next(self, info: dict[str, Any], sentences: int) -> SentenceTokens | None:
        """The next document's block (documents come in manifest order); None when the
        index was saved without token vectors."""
        if self.codes is None or self.scales is None:
            return None
        counts = [int(c) for c in info["token_counts"]]
        left = self.codes.shape[0] - self.offset
        if len(counts) != sentences or any(not 0 <= c <= left for c in counts):
            raise ValueError(f"token counts of {info['id']} do not match its sentences")
        bounds = np.zeros(sentences + 1, dtype=np.int64)
        np.cumsum(counts, out=bounds[1:])
        end = self.offset + int(bounds[-1])
        if end > self.codes.shape[0]:
            raise ValueError(f"token vectors of {info['id']} run past the saved ones")
        block = SentenceTokens(
            self.codes[self.offset : end], self.scales[self.offset : end], bounds
        )
        self.offset = end
        return block

    def finish(self) -> None:
        """Refuse token vectors left over: they belong to no sentence the manifest lists."""
        if self.codes is not None and self.offset != self.codes.shape[0]:
            raise ValueError("more token vectors than the documents' sentences hold")
