"""Saving and loading a collection as a directory of plain files, crash-safely.

Layout of a saved index:

    DIR/CURRENT           names the live generation, e.g. "gen-000003"
    DIR/gen-000003/       manifest.json, documents.jsonl, passages.faiss, sentences.npy,
                          and without a reader tokens.npy, token_scales.npy
                          (see qa/store/contents.py)
    DIR/.lock             held while writing, so two writers never interleave

A save writes a complete new generation beside the old one, flushes it to disk, and only
then switches CURRENT with an atomic rename: a crash at any moment leaves either the old
or the new generation live, never a mix. The previous generation is kept as a fallback.
JSON, NumPy's .npy (read with allow_pickle=False) and FAISS's own format: no pickle.

Every byte read back is verified before it is parsed: the manifest carries a SHA-256 of its
own canonical form and of every other file, because a flipped digit in a passage offset
would otherwise load cleanly and quote the wrong text. FAISS's reader is not hardened
against hostile files, so it only ever sees bytes whose checksum matched.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from embeddings import TextEncoder, VectorStoreError
from qa.chunking import ChunkingConfig
from qa.errors import (
    IndexChangedError,
    IndexCorruptError,
    IndexMismatchError,
    StoreError,
)
from qa.index import Collection, LexicalConfig
from qa.store.contents import (
    BLOBS,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    TOKEN_BLOBS,
    build_files,
    build_manifest,
    parse,
)
from qa.store.contents import sha256 as _sha256
from qa.store.lock import write_lock

CURRENT = "CURRENT"
_GENERATION = re.compile(r"^gen-(\d{6})$")
SEAL = "manifest_sha256"
LOAD_ATTEMPTS = 3  # a reader racing two saves re-reads the pointer this often


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


# ----- save -----------------------------------------------------------------------------
def _generations(directory: Path) -> list[int]:
    found = []
    if directory.is_dir():
        for child in directory.iterdir():
            match = _GENERATION.match(child.name)
            if match and child.is_dir():
                found.append(int(match.group(1)))
    return sorted(found)


def seal(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest with its own checksum added (over its canonical JSON, without the seal)."""
    body = {key: value for key, value in manifest.items() if key != SEAL}
    return {**body, SEAL: _sha256(_canonical(body))}


def _canonical(body: dict[str, Any]) -> bytes:
    # ASCII escapes keep lone surrogates in titles encodable; sorting makes it canonical.
    return json.dumps(body, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode()


def save(collection: Collection, directory: str | os.PathLike[str]) -> Path:
    """Write the collection to `directory` as a new generation; returns its path.

    Order matters for crash safety: every file of the generation is written and fsynced
    under a staging name, the staging directory is renamed into place and the parent
    fsynced, and only then is CURRENT replaced (atomically) and fsynced. Old generations
    are pruned last, keeping the previous one.

    Raises:
        IndexLockedError: another process is saving to the same directory.
        IndexChangedError: the collection was loaded from `directory` and another process
            has saved there since.
        StoreError: the directory cannot be written (disk full, permissions).
    """
    root = Path(directory)
    try:
        held = collection.writer_session == str(root.resolve())
        with write_lock(root) if not held else contextlib.nullcontext(), collection.lock:
            files = build_files(collection)
            manifest = json.dumps(
                seal(build_manifest(collection, files)), ensure_ascii=True, indent=1, sort_keys=True
            )
            previous = _live_name(root)
            _refuse_lost_update(collection, root, previous)
            number = (_generations(root) or [0])[-1] + 1
            name = f"gen-{number:06d}"
            staging = root / f".{name}.{os.getpid()}.tmp"
            pointer = root / f".{CURRENT}.tmp"
            try:
                _write_generation(staging, files, manifest.encode("ascii"))
                os.replace(staging, root / name)
                _fsync_dir(root)
                _write_file(pointer, (name + "\n").encode())
                os.replace(pointer, root / CURRENT)
                _fsync_dir(root)
            except OSError:
                # The live generation was never touched; leave no half-written files behind.
                shutil.rmtree(staging, ignore_errors=True)
                with contextlib.suppress(OSError):
                    pointer.unlink(missing_ok=True)
                if _live_name(root) != name:
                    shutil.rmtree(root / name, ignore_errors=True)
                raise
            _prune(root, keep={name, previous})
            collection.origin = (str(root.resolve()), name)
            return root / name
    except OSError as err:
        raise StoreError(
            f"Cannot save the index to {root}: {err.strerror or err}. The previous save is "
            "unchanged; free space or fix permissions and save again."
        ) from err


def _refuse_lost_update(collection: Collection, root: Path, live: str | None) -> None:
    """A collection loaded from `root` may only replace the generation it was loaded from.

    Two processes that each load, add and save would otherwise each write a generation
    without the other's documents, and the second save would silently drop the first's.
    A collection that did not come from `root` replaces what is there, as asked.
    """
    origin = collection.origin
    if origin is None or live is None or origin[0] != str(root.resolve()) or origin[1] == live:
        return
    raise IndexChangedError(
        f"The index in {root} was saved by another process ({live}) after this one loaded "
        f"{origin[1]}; saving now would drop that process's changes. Load the index again, "
        "redo your changes, and save."
    )


def _write_generation(staging: Path, files: dict[str, bytes], manifest: bytes) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    for file_name, data in files.items():
        _write_file(staging / file_name, data)
    _write_file(staging / MANIFEST, manifest)
    _fsync_dir(staging)


def _prune(root: Path, keep: set[str | None]) -> None:
    """Delete every generation but the new one and the one it replaced.

    Not "the newest two": a save killed after its rename leaves a complete generation
    that CURRENT never named, and keeping it would push out the real previous save.
    """
    for number in _generations(root):
        if f"gen-{number:06d}" not in keep:
            shutil.rmtree(root / f"gen-{number:06d}", ignore_errors=True)
    for stale in root.glob(".gen-*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)


# ----- load -----------------------------------------------------------------------------
def current_generation(directory: str | os.PathLike[str]) -> str:
    """The generation name CURRENT points at ("gen-000003").

    Raises:
        StoreError: no saved index in the directory.
        IndexCorruptError: the pointer is damaged.
    """
    root = Path(directory)
    pointer = root / CURRENT
    if not pointer.is_file():
        orphans = [f"gen-{number:06d}" for number in _generations(root)]
        if orphans:
            raise StoreError(
                f"No saved index in {root}: there is no {CURRENT} file, only {orphans[-1]} "
                "(a first save that did not finish, or a deleted pointer). Save again, or if "
                f"{orphans[-1]} is the index you want, write its name into {pointer}."
            )
        raise StoreError(f"No saved index in {root} (there is no {CURRENT} file).")
    try:
        name = pointer.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as err:
        raise IndexCorruptError(f"The index pointer {pointer} is unreadable: {err}") from err
    if not _GENERATION.match(name) or not (root / name).is_dir():
        raise IndexCorruptError(
            f"{pointer} names {name[:40]!r}, which is not a saved generation."
            + _recovery_hint(root, None)
        )
    return name


def read_manifest(directory: str | os.PathLike[str]) -> tuple[Path, dict[str, Any]]:
    """The live generation's path and its parsed, self-verified manifest.

    Raises:
        StoreError: no saved index in the directory, or one of another format version.
        IndexCorruptError: the pointer or manifest is damaged.
    """
    root = Path(directory)
    generation = root / current_generation(root)
    try:
        return generation, _verified_manifest(generation)
    except IndexCorruptError as err:
        raise IndexCorruptError(_with_hint(err, _recovery_hint(root, generation.name))) from err


def _verified_manifest(generation: Path) -> dict[str, Any]:
    path = generation / MANIFEST
    try:
        manifest = json.loads(path.read_bytes().decode("ascii"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise IndexCorruptError(f"The manifest {path} is unreadable: {err}") from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexCorruptError(f"{path} is not a qa-assistant index manifest.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise StoreError(
            f"The index in {generation.parent} has format version "
            f"{str(manifest.get('format_version'))[:20]}; this program reads version "
            f"{FORMAT_VERSION}. Rebuild the index (add the documents again and save)."
        )
    if manifest.get(SEAL) != seal(manifest)[SEAL]:
        raise IndexCorruptError(f"{path} does not match its own checksum: the manifest is damaged.")
    return manifest


def _with_hint(err: Exception, hint: str) -> str:
    message = str(err).rstrip()
    return message + ("" if message.endswith((".", "!", "?")) else ".") + hint


def _recovery_hint(root: Path, damaged: str | None) -> str:
    """Name the newest other generation that still verifies, so no one rebuilds in vain."""
    for number in reversed(_generations(root)):
        name = f"gen-{number:06d}"
        if name == damaged:
            continue
        try:
            manifest = _verified_manifest(root / name)
            for file_name in BLOBS:
                _read_verified(root / name, manifest, file_name)
        except StoreError:
            continue
        return (
            f" The earlier save {name} is intact: to open it, write {name!r} into "
            f"{root / CURRENT}; otherwise rebuild the index."
        )
    return " No intact earlier save is left: rebuild the index."


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
        matches = len(data) == expected["bytes"] and _sha256(data) == expected["sha256"]
    except (OSError, KeyError, TypeError) as err:
        raise IndexCorruptError(f"{generation / name} is missing or unlisted: {err}") from err
    if not matches:
        raise IndexCorruptError(
            f"{generation / name} does not match its checksum in the manifest: the file is damaged."
        )
    return data


def load(directory: str | os.PathLike[str], collection: Collection) -> None:
    """Fill an empty collection from a saved index, verifying every file before parsing it.

    Nothing is put into `collection` until the whole generation has been read and checked,
    so a failure leaves it empty. A reader that races saves in another process re-reads
    the pointer and tries again rather than report a generation pruned under it as damaged.

    Raises:
        StoreError, IndexCorruptError, IndexMismatchError: as their names say.
    """
    root = Path(directory)
    for attempt in range(1, LOAD_ATTEMPTS + 1):
        name = current_generation(root)
        try:
            _load_generation(root, root / name, collection)
            return
        except IndexCorruptError as err:
            if attempt < LOAD_ATTEMPTS and _pointer_moved(root, name):
                continue
            raise IndexCorruptError(_with_hint(err, _recovery_hint(root, name))) from err


def _live_name(root: Path) -> str | None:
    """The generation CURRENT names, or None when there is no usable pointer."""
    try:
        return current_generation(root)
    except StoreError:
        return None


def _pointer_moved(root: Path, name: str) -> bool:
    live = _live_name(root)
    return live is not None and live != name


def _load_generation(root: Path, generation: Path, collection: Collection) -> None:
    manifest = _verified_manifest(generation)
    # Checksums before the model check: they are cheap, while asking the embedder for its
    # dimension loads the model, and a damaged file should be reported as damaged.
    blobs = {name: _read_verified(generation, manifest, name) for name in BLOBS}
    # Token vectors only for a collection that keeps them: with a reader they stay on disk
    # unread, neither verified nor parsed (a later save leaves them out).
    if collection.keeps_tokens and any(name in manifest.get("files", {}) for name in TOKEN_BLOBS):
        blobs.update({name: _read_verified(generation, manifest, name) for name in TOKEN_BLOBS})
    try:
        check_model(manifest, collection.embedder, root)
    except (KeyError, TypeError) as err:
        raise IndexCorruptError(
            f"The model record in {generation / MANIFEST} is invalid: {err!r}"
        ) from err
    try:
        store, next_id, parts = parse(manifest, blobs)
    except (KeyError, TypeError, ValueError, IndexError, VectorStoreError) as err:
        raise IndexCorruptError(f"The index in {generation} is inconsistent: {err}") from err
    collection.attach_store(store, next_id)
    for document, sentences, chunks, ids, vectors, tokens in parts:
        collection.restore(
            document,
            sentences,
            chunks,
            vector_ids=ids,
            sentence_vectors=vectors,
            sentence_tokens=tokens,
        )
    collection.origin = (str(root.resolve()), generation.name)


def saved_settings(
    directory: str | os.PathLike[str],
) -> tuple[dict[str, Any], ChunkingConfig, LexicalConfig, bool]:
    """The model record and index settings of a saved index, to rebuild a matching collection."""
    _, manifest = read_manifest(directory)
    try:
        chunking = ChunkingConfig(**manifest["chunking"])
        lexical = LexicalConfig(**manifest["lexical"])
        return dict(manifest["model"]), chunking, lexical, bool(manifest.get("embed_titles", True))
    except (KeyError, TypeError, ValueError) as err:
        raise IndexCorruptError(
            f"The settings in the manifest of {directory} are invalid: {err}"
        ) from err
