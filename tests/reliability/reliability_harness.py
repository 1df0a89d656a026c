"""Crash, corruption and reopen harness, run as a separate process by the reliability tests.

Why a separate process: every trial forks a writer that is killed with SIGKILL and a
reader that loads what is left, so a segfault or a hang in a load is an observed outcome,
not the death of pytest. The harness imports the package once and forks children from a
process that never ran FAISS or BLAS itself, so forking is safe and each trial costs
milliseconds instead of a fresh interpreter.

Usage (prints one JSON object):
    python tests/reliability/reliability_harness.py crash-loop DIR TRIALS SEED
    python tests/reliability/reliability_harness.py step-crashes DIR SEED
    python tests/reliability/reliability_harness.py corruption DIR SEED
    python tests/reliability/reliability_harness.py save-loop DIR SAVES SEED
    python tests/reliability/reliability_harness.py worker     (JSON lines on stdin/stdout)
    python tests/reliability/reliability_harness.py serve-app  (the real app until stdin closes)
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from qa import (  # noqa: E402
    Assistant,
    StoreError,
    store,
)
from qa.chunking import chunk_document  # noqa: E402
from qa.store import generations  # noqa: E402

Result = dict[str, Any]


def _fake_encoder_class() -> type:
    """The suite's FakeEncoder, loaded by path: tests/ is not a package."""
    spec = importlib.util.spec_from_file_location(
        "qa_tests_conftest", ROOT / "tests" / "conftest.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FakeEncoder  # type: ignore[no-any-return]


FakeEncoder = _fake_encoder_class()
NO_INDEX = "no-index"
WORDS = [
    "harbour",
    "lantern",
    "orchard",
    "meadow",
    "glacier",
    "canyon",
    "violin",
    "falcon",
    "copper",
    "saffron",
    "quartz",
    "willow",
    "ember",
    "tundra",
    "lagoon",
    "marble",
    "cedar",
    "thistle",
    "beacon",
    "pepper",
]


# ----- the state a reader must see --------------------------------------------------------
def state_digest(assistant: Assistant) -> str:
    """What a completed save fixes: documents in order, with titles and exact texts."""
    record = [[d.id, d.title, d.text] for d in assistant.documents]
    return hashlib.sha256(json.dumps(record, ensure_ascii=True).encode()).hexdigest()[:16]


def consistency_problems(assistant: Assistant) -> list[str]:
    """Differences between a loaded collection and one rebuilt from its own texts.

    Re-chunking and re-encoding every document (the fake encoder is deterministic) is the
    simplest model of "right passages": any offset, vector or id that a damaged file had
    shifted shows up here, even if the load itself raised nothing.
    """
    collection = assistant.collection
    encoder = assistant.embedder
    problems: list[str] = []
    items = collection.chunk_items()
    if len(collection.store) != len(items):
        problems.append(f"{len(collection.store)} vectors for {len(items)} passages")
    if sorted(int(i) for i in collection.store.ids()) != sorted(v for v, _ in items):
        problems.append("vector ids differ from passage ids")
    for document in assistant.documents:
        entry = collection.entry(document.id)
        sentences, chunks = chunk_document(document, collection.chunking)
        if entry.sentences != sentences:
            problems.append(f"{document.id}: sentence spans differ from a re-segmentation")
        loaded = [(v, c) for v, c in items if c.doc_id == document.id]
        if [c for _, c in loaded] != chunks:
            problems.append(f"{document.id}: passages differ from a re-chunking")
            continue
        texts = [collection.passage_text_for_embedding(document, c) for c in chunks]
        if chunks and not np.allclose(
            collection.store.vectors([v for v, _ in loaded]), encoder.encode(texts), atol=1e-6
        ):
            problems.append(f"{document.id}: passage vectors differ from a re-encoding")
        sentence_texts = [document.text[s.start : s.end] for s in sentences]
        if sentences and not np.allclose(
            entry.sentence_vectors, encoder.encode(sentence_texts), atol=1e-6
        ):
            problems.append(f"{document.id}: sentence vectors differ from a re-encoding")
    live = {d.id for d in assistant.documents}
    for document in assistant.documents[:3]:
        query = " ".join(document.text.split()[:6]) or "text"
        sources = assistant.search(query, k=5)
        ids = [(s.doc_id, s.start) for s in sources]
        if len(set(ids)) != len(ids) or any(s.doc_id not in live for s in sources):
            problems.append(f"search for {query!r} returned duplicates or dead documents")
    return problems


def verify(directory: Path) -> Result:
    """Load the index as a user would and check it completely."""
    if not (directory / store.CURRENT).exists():
        try:
            Assistant.load(directory, embedder=FakeEncoder())
        except StoreError as err:
            return {"status": "ok", "digest": NO_INDEX, "type": "StoreError", "message": str(err)}
    try:
        assistant = Assistant.load(directory, embedder=FakeEncoder())
    except StoreError as err:
        return {"status": "error", "type": type(err).__name__, "message": str(err)}
    problems = consistency_problems(assistant)
    return {
        "status": "inconsistent" if problems else "ok",
        "digest": state_digest(assistant),
        "documents": len(assistant.documents),
        "passages": assistant.collection.passage_count,
        "problems": problems[:5],
    }


# ----- forking ------------------------------------------------------------------------------
def _in_child(
    job: Callable[[int], Result | None], timeout: float = 60.0
) -> tuple[int, Result | None, list[str]]:
    """Run job(write_fd) in a forked child; returns (wait status, its result, its markers).

    The child writes marker lines ("begin <digest>", "end <digest>") and finally one JSON
    line to the pipe. A child that outlives `timeout` is killed and reported as hung.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        code = 0
        try:
            result = job(write_fd)
            if result is not None:
                os.write(write_fd, ("json " + json.dumps(result) + "\n").encode())
        except BaseException as err:  # report anything unexpected, then die quietly
            os.write(
                write_fd,
                (
                    "json "
                    + json.dumps(
                        {
                            "status": "unexpected",
                            "type": type(err).__name__,
                            "message": str(err)[:500],
                        }
                    )
                    + "\n"
                ).encode(),
            )
            code = 1
        os._exit(code)
    os.close(write_fd)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read_fd)
            return -1, {"status": "hung"}, []
        time.sleep(0.002)
    return status, *_read_markers(read_fd)


def _read_markers(read_fd: int) -> tuple[Result | None, list[str]]:
    chunks = []
    while block := os.read(read_fd, 65536):
        chunks.append(block)
    os.close(read_fd)
    result = None
    markers = []
    for line in b"".join(chunks).decode().splitlines():
        if line.startswith("json "):
            result = json.loads(line[5:])
        else:
            markers.append(line)
    return result, markers


def verify_in_child(directory: Path) -> Result:
    status, result, _ = _in_child(lambda fd: verify(directory))
    if status == -1:
        return {"status": "hung"}
    if os.WIFSIGNALED(status):
        return {"status": "signal", "signal": os.WTERMSIG(status)}
    return result or {"status": "no result", "exit": os.WEXITSTATUS(status)}


def _mark(fd: int, text: str) -> None:
    os.write(fd, (text + "\n").encode())


def _open_or_new(directory: Path) -> Assistant:
    if not (directory / store.CURRENT).exists():
        return Assistant(FakeEncoder())
    return Assistant.load(directory, embedder=FakeEncoder())


def _mutate(assistant: Assistant, rng: random.Random, label: str) -> None:
    """Add one new document; sometimes remove one or re-add a present one (a no-op)."""
    words = rng.sample(WORDS, 4)
    assistant.add_documents(
        [
            f"Record {label}: the {words[0]} and the {words[1]}.\n\n"
            f"A {words[2]} met a {words[3]} near record {label}. It rained."
        ]
    )
    documents = assistant.documents
    if len(documents) > 12 or (len(documents) > 3 and rng.random() < 0.3):
        assistant.remove_document(rng.choice(documents).id)
    if rng.random() < 0.2:
        assistant.add_documents([rng.choice(assistant.documents)])


# ----- 1. random SIGKILL crash loop -----------------------------------------------------------
def _writer(directory: Path, seed: int, saves: int) -> Callable[[int], None]:
    def job(fd: int) -> None:
        rng = random.Random(seed)
        assistant = _open_or_new(directory)
        _mark(fd, "loaded")
        for number in range(saves):
            _mutate(assistant, rng, f"{seed}-{number}")
            _mark(fd, f"begin {state_digest(assistant)}")
            assistant.save(directory)
            _mark(fd, f"end {state_digest(assistant)}")

    return job


def _allowed_states(before: str, markers: list[str]) -> tuple[set[str], bool]:
    """States a reader may see after a kill, and whether the kill landed inside a save."""
    committed = before
    in_flight = None
    for marker in markers:
        kind, _, digest = marker.partition(" ")
        if kind == "begin":
            in_flight = digest
        elif kind == "end":
            committed, in_flight = digest, None
    return {committed} | ({in_flight} if in_flight else set()), in_flight is not None


def _save_seconds(directory: Path, seed: int) -> float:
    """Mean time of one mutate-and-save step, measured in a child on this machine today."""

    def job(fd: int) -> Result:
        assistant = _open_or_new(directory)
        rng = random.Random(seed)
        started = time.monotonic()
        for number in range(3):
            _mutate(assistant, rng, f"calibrate-{seed}-{number}")
            assistant.save(directory)
        return {"seconds": (time.monotonic() - started) / 3}

    _, result, _ = _in_child(job)
    return float((result or {}).get("seconds", 0.05))


def _wait_for_line(read_fd: int, line: bytes) -> bytes:
    """Block until the child has written `line`; returns everything read so far."""
    buffer = b""
    while line not in buffer:
        block = os.read(read_fd, 4096)
        if not block:
            break
        buffer += block
    return buffer


def crash_loop(directory: Path, trials: int, seed: int) -> Result:
    """Kill a saving process with SIGKILL at random moments, `trials` times, reopening after each.

    The kill time is drawn after the writer has loaded the index, uniformly over about two
    of its save steps, so most kills land inside a save rather than in start-up.
    """
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    window = 2 * _save_seconds(directory, seed)
    state = verify_in_child(directory)
    failures: list[Result] = []
    during_save = 0
    acknowledged = 0
    outcomes: dict[str, int] = {}
    for trial in range(trials):
        before = state.get("digest", "?")
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            try:
                _writer(directory, seed * 100_003 + trial, 1000)(write_fd)
            finally:
                os._exit(0)
        os.close(write_fd)
        early = _wait_for_line(read_fd, b"loaded\n")
        time.sleep(rng.uniform(0.0, window))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        _, markers = _read_markers(read_fd)
        markers = [*early.decode().splitlines(), *markers]
        allowed, inside = _allowed_states(before, markers)
        during_save += inside
        acknowledged += sum(1 for m in markers if m.startswith("end"))
        state = verify_in_child(directory)
        outcome = "after" if state.get("digest") not in (before, None) else "before"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if state["status"] != "ok" or state.get("digest") not in allowed:
            failures.append({"trial": trial, "allowed": sorted(allowed), "got": state})
    # One save that is allowed to finish must clean up after all the killed ones.
    _, _, markers = _in_child(_writer(directory, seed - 1, 1))
    cleaned = verify_in_child(directory)
    if cleaned["status"] != "ok" or cleaned.get("digest") != markers[-1].partition(" ")[2]:
        failures.append({"trial": "final clean save", "got": cleaned})
    return {
        "trials": trials,
        "kills_during_save": during_save,
        "saves_acknowledged": acknowledged,
        "final": state,
        "outcomes": outcomes,
        "failures": failures[:10],
        "failure_count": len(failures),
        "seconds": round(time.monotonic() - started, 1),
        "kill_window_seconds": round(window, 4),
        "generations_after_clean_save": sorted(p.name for p in directory.glob("gen-*")),
        "staging_left_after_clean_save": sorted(p.name for p in directory.glob(".*.tmp")),
    }


# ----- 1b. a kill at every step of a save -----------------------------------------------------
def _crash_at(step: int, torn: bool) -> None:
    """Patch the storage steps so that the `step`-th one kills this process (kill -9).

    With `torn`, only file writes count, and the chosen one first puts half its bytes on
    disk, as a kill in the middle of a write would.
    """
    counter = {"n": 0}

    def gate(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if torn and name != "write":
                return original(*args, **kwargs)
            counter["n"] += 1
            if counter["n"] == step:
                if torn and name == "write":
                    path, data = args
                    Path(path).write_bytes(data[: len(data) // 2])
                os.kill(os.getpid(), signal.SIGKILL)
            return original(*args, **kwargs)

        return wrapped

    generations._write_file = gate("write", generations._write_file)  # type: ignore[assignment]
    generations._fsync_dir = gate("fsync", generations._fsync_dir)  # type: ignore[assignment]
    os.replace = gate("replace", os.replace)
    shutil.rmtree = gate("rmtree", shutil.rmtree)  # type: ignore[assignment]


def _one_save(directory: Path, seed: int, step: int | None, torn: bool) -> Callable[[int], None]:
    def job(fd: int) -> None:
        assistant = _open_or_new(directory)
        _mutate(assistant, random.Random(seed), f"step-{seed}")
        _mark(fd, f"begin {state_digest(assistant)}")
        if step is not None:
            _crash_at(step, torn)
        assistant.save(directory)
        _mark(fd, f"end {state_digest(assistant)}")

    return job


def step_crashes(directory: Path, seed: int) -> Result:
    """For saves 1 to 4 of an index, kill at step k = 1, 2, ... until a save completes.

    Each crash starts from a copy of the same state; after the crash the index is
    verified, then a normal save must succeed and leave no staging files behind.
    """
    base = directory / "base"
    base.mkdir(parents=True)
    failures: list[Result] = []
    crashes = 0
    steps_per_save: list[int] = []
    for save_number in range(1, 5):
        before = verify_in_child(base)["digest"]
        for torn in (False, True):
            step = 1
            while True:
                work = directory / f"work-{save_number}-{int(torn)}-{step}"
                shutil.copytree(base, work)
                status, _, markers = _in_child(_one_save(work, seed + save_number, step, torn))
                killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
                allowed, _ = _allowed_states(before, markers)
                state = verify_in_child(work)
                if state["status"] != "ok" or state.get("digest") not in allowed:
                    failures.append({"save": save_number, "step": step, "torn": torn, "got": state})
                if not killed:
                    if not torn:
                        steps_per_save.append(step - 1)
                    shutil.rmtree(work)
                    break
                crashes += 1
                status, _, markers = _in_child(_one_save(work, seed + 1000 + step, None, False))
                after = verify_in_child(work)
                leftovers = sorted(p.name for p in work.glob(".*.tmp"))
                if (
                    os.WEXITSTATUS(status) != 0
                    or after["status"] != "ok"
                    or leftovers
                    or (after.get("digest") != markers[-1].partition(" ")[2])
                ):
                    failures.append(
                        {"save": save_number, "step": step, "recovery": after, "left": leftovers}
                    )
                shutil.rmtree(work)
                step += 1
        _in_child(_one_save(base, seed + save_number, None, False))
    return {
        "crashes": crashes,
        "steps_per_save": steps_per_save,
        "failures": failures[:10],
        "failure_count": len(failures),
    }


# ----- 2. corruption matrix -----------------------------------------------------------------
def _faults(data: bytes, rng: random.Random) -> list[tuple[str, bytes | None]]:
    """Named ways to damage one file: truncations, bit flips, random bytes, deletion."""
    faults: list[tuple[str, bytes | None]] = [
        (f"truncate-{fraction}", data[: int(len(data) * fraction)])
        for fraction in (0.0, 0.1, 0.5, 0.99)
    ]
    for _ in range(20):
        position = rng.randrange(len(data)) if data else 0
        bit = 1 << rng.randrange(8)
        flipped = bytearray(data)
        if flipped:
            flipped[position] ^= bit
        faults.append((f"flip-byte{position}-bit{bit}", bytes(flipped)))
    faults.append(("random-same-size", rng.randbytes(len(data))))
    faults.append(("random-4k", rng.randbytes(4096)))
    faults.append(("append-garbage", data + b"\x00junk"))
    faults.append(("deleted", None))
    return faults


def corruption(directory: Path, seed: int) -> Result:
    """Damage each file of a two-generation index in many ways; load each result apart."""
    rng = random.Random(seed)
    pristine = directory / "pristine"
    pristine.mkdir(parents=True)
    states = []
    for number in range(2):
        _in_child(_one_save(pristine, seed + number, None, False))
        states.append(verify_in_child(pristine)["digest"])
    live = pristine / (pristine / store.CURRENT).read_text().strip()
    previous = sorted(p for p in pristine.glob("gen-*") if p != live)[-1]
    targets = [pristine / store.CURRENT, *sorted(p for p in live.iterdir())]
    outcomes: dict[str, int] = {}
    failures: list[Result] = []
    faults_run = 0
    for target in targets:
        replacements = _faults(target.read_bytes(), rng)
        if target.parent == live:  # a valid file from the other generation, in the wrong place
            replacements.append(("previous-generation-file", (previous / target.name).read_bytes()))
        if target.name == store.MANIFEST:
            replacements.extend(_plausible_edits(target.read_bytes()))
        if target.name == store.PASSAGES:
            replacements.append(("huge-ntotal-header", _huge_faiss_header()))
        for name, replacement in replacements:
            work = directory / "work"
            shutil.copytree(pristine, work)
            victim = work / target.relative_to(pristine)
            if replacement is None:
                victim.unlink()
            else:
                victim.write_bytes(replacement)
            result = verify_in_child(work)
            faults_run += 1
            key = result["status"] + ("/" + result["type"] if "type" in result else "")
            if result["status"] == "ok" and "type" not in result:
                key += "/" + ("live" if result["digest"] == states[1] else "earlier")
            outcomes[key] = outcomes.get(key, 0) + 1
            named = result["status"] in ("ok", "error") and result.get("type") in {
                "IndexCorruptError",
                "StoreError",
            }
            good = result["status"] == "ok" and result.get("digest") in states
            if not (named or good):
                failures.append({"file": target.name, "fault": name, "got": result})
            shutil.rmtree(work)
    return {
        "faults": faults_run,
        "outcomes": outcomes,
        "failures": failures[:10],
        "failure_count": len(failures),
        "files": [t.name for t in targets],
    }


def _plausible_edits(data: bytes) -> list[tuple[str, bytes | None]]:
    """Damage that leaves valid JSON: a shifted passage offset, sentence span or title."""
    edits: list[tuple[str, bytes | None]] = []
    for name, edit in (
        ("edited-passage-offset", lambda m: m["chunks"][0].__setitem__(3, m["chunks"][0][3] + 1)),
        ("edited-sentence-span", lambda m: m["documents"][0]["sentences"][0].__setitem__(0, 1)),
        ("edited-title", lambda m: m["documents"][0].__setitem__("title", "Forged title")),
    ):
        manifest = json.loads(data)
        edit(manifest)
        edits.append((name, json.dumps(manifest, indent=1).encode()))
    return edits


def _huge_faiss_header() -> bytes:
    """A real FAISS file whose header claims 2**40 vectors (faiss#5400)."""
    import faiss

    index = faiss.IndexIDMap2(faiss.IndexFlatIP(64))
    data = bytearray(faiss.serialize_index(index).tobytes())
    # IndexIDMap2 header "IxM2", then d (int32) and ntotal (int64) at byte 8.
    data[8:16] = (2**40).to_bytes(8, "little")
    return bytes(data)


# ----- 6. a fresh process that reopens an index on request ----------------------------------
def worker() -> None:
    """Answer JSON requests {"dir": ..., "queries": [...]} with what a fresh load sees."""
    for line in sys.stdin:
        request = json.loads(line)
        directory = Path(request["dir"])
        try:
            assistant = Assistant.load(directory, embedder=FakeEncoder())
        except StoreError as err:
            reply: Result = {"status": "error", "type": type(err).__name__, "message": str(err)}
        except Exception as err:  # an unnamed error is a finding; report it, keep serving
            reply = {"status": "unexpected", "type": type(err).__name__, "message": str(err)}
        else:
            reply = {
                "status": "ok",
                "documents": [[d.id, d.title, d.text] for d in assistant.documents],
                "problems": consistency_problems(assistant),
                "search": {
                    q: [[s.doc_id, s.start, s.end, s.text] for s in assistant.search(q, k=5)]
                    for q in request.get("queries", [])
                },
            }
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def run(*args: str, timeout: float = 600) -> Result:
    """Run a harness command in a fresh interpreter (as tests do) and parse its summary."""
    import subprocess

    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"harness {args} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _warm_up() -> None:
    """Do the lazy one-time work (segmenter, stemmer, bm25s import) once, before forking.

    Nothing here starts a thread or touches FAISS, so children forked afterwards are safe.
    """
    from qa.index import LexicalIndex
    from qa.loading import load_text

    chunk_document(load_text("Warm up the segmenter. It is lazy.\n\nSo is the stemmer."))
    LexicalIndex(["warm up", "the stemmer"]).scores("warm")


class Worker:
    """A long-lived fresh interpreter that reopens indexes on request (see `worker`).

    Usage:
        with Worker() as fresh:
            seen = fresh.load(directory, queries=["lantern"])
    """

    def __init__(self) -> None:
        import subprocess

        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        self._process = subprocess.Popen(
            [sys.executable, __file__, "worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )

    def load(self, directory: Path, queries: list[str] | None = None) -> Result:
        assert self._process.stdin is not None and self._process.stdout is not None
        request = {"dir": str(directory), "queries": queries or []}
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            code = self._process.wait(timeout=10)
            return {"status": "died", "exit": code}
        return json.loads(line)  # type: ignore[no-any-return]

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except Exception:
            self._process.kill()
            self._process.wait()


def live_server(assistant: Assistant, limits: Any = None) -> contextlib.AbstractContextManager[str]:
    """The whole app (chat and REST) served on a free 127.0.0.1 port; yields its URL."""
    from ui.server import running

    return running(assistant, limits=limits)


# ----- 12. the app with the real model, in a process of its own -----------------------------
def serve_app() -> None:
    """Serve what `python app.py` serves (the bundled article, the bundled MiniLM on ONNX
    Runtime int8) on a free 127.0.0.1 port until stdin closes; print {"url", "backend"}.

    Built here rather than by `ui.startup.default_assistant`, which would write an index cache
    into the user's home; the ONNX export is cached where the app keeps it.
    """
    from embeddings import Embedder
    from ui.server import running

    embedder = Embedder(backend="onnx-int8")
    embedder.warm_up()
    with running(Assistant.default(embedder=embedder)) as url:
        sys.stdout.write(json.dumps({"url": url, "backend": embedder.backend}) + "\n")
        sys.stdout.flush()
        sys.stdin.read()  # until the test closes the pipe (or dies)


@contextlib.contextmanager
def served_app(timeout: float = 120) -> Iterator[Result]:
    """Run `serve_app` in a fresh interpreter; yields {"url", "backend"}, stops it after."""
    import subprocess

    process = subprocess.Popen(
        [sys.executable, __file__, "serve-app"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        deadline = time.monotonic() + timeout
        line = ""
        while not line.startswith('{"url"'):  # skip anything a library printed first
            ready, _, _ = select.select([process.stdout], [], [], deadline - time.monotonic())
            line = process.stdout.readline() if ready else ""
            if not line:
                raise RuntimeError(f"the app did not start within {timeout} s; see its stderr")
        yield json.loads(line)
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def reseal(generation: Path) -> None:
    """Make the manifest vouch for the files as they now are, as an attacker with write
    access to the index directory could: checksums then no longer stand in the way."""
    path = generation / store.MANIFEST
    manifest = json.loads(path.read_text())
    for name in list(manifest["files"]):
        if (generation / name).is_file():
            data = (generation / name).read_bytes()
            manifest["files"][name] = {
                "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
            }
    path.write_text(json.dumps(store.seal(manifest), indent=1))


def main(argv: list[str]) -> None:
    command = argv[0]
    _warm_up()
    if command == "worker":
        worker()
        return
    if command == "serve-app":
        serve_app()
        return
    directory = Path(argv[1])
    if command == "save-loop":  # markers on stdout, for readers racing the saves
        _writer(directory, int(argv[3]), int(argv[2]))(sys.stdout.fileno())
        return
    if command == "crash-loop":
        result = crash_loop(directory, int(argv[2]), int(argv[3]))
    elif command == "step-crashes":
        result = step_crashes(directory, int(argv[2]))
    elif command == "corruption":
        result = corruption(directory, int(argv[2]))
    else:
        raise SystemExit(f"unknown command {command!r}; see the module docstring")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])


@contextlib.contextmanager
def holder(script: str, directory: Path, ready: str) -> Iterator[subprocess.Popen[str]]:
    """Another process runs `script` on `directory` until the block ends; yielded once it
    has printed `ready` (it holds a lock by then), killed afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(directory)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == ready
        yield process
    finally:
        process.kill()
        process.wait()
