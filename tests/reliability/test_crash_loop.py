"""Issue 6, item 1 (threats P1, P2, P6, P7): a save killed at any moment loses nothing.

The pass criterion is SQLite's: after a crash the index equals the state before the save
or after it, never a mix; and the next save works with no manual clean-up. The kills are
real SIGKILLs of a forked writer (see reliability_harness.py); each reopen happens in a
fresh process and rebuilds every passage and vector from the document texts to compare.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
import reliability_harness as harness

from qa import Assistant, StoreError, store
from qa.store import generations

RANDOM_TRIALS = 200
SEED = 20261128


@pytest.mark.slow
def test_random_sigkill_crash_loop_never_loses_a_completed_save(tmp_path: Path) -> None:
    summary = harness.run("crash-loop", str(tmp_path / "index"), str(RANDOM_TRIALS), str(SEED))
    print(json.dumps(summary))
    assert summary["failures"] == [], "a reopen saw a state no completed save had"
    assert summary["trials"] == RANDOM_TRIALS
    # The kills must mostly land inside saves, or the loop proves little.
    assert summary["kills_during_save"] >= RANDOM_TRIALS // 4
    # Both ends were seen: reopened to the state before a save and to the state after one.
    assert summary["outcomes"].get("before", 0) > 0
    assert summary["outcomes"].get("after", 0) > 0
    assert summary["final"]["status"] == "ok"
    assert summary["final"]["problems"] == []
    # The last completed save keeps itself and the one it replaced; no debris is left.
    assert len(summary["generations_after_clean_save"]) <= 2
    assert summary["staging_left_after_clean_save"] == []


@pytest.mark.slow
def test_a_kill_at_every_step_of_a_save_leaves_before_or_after(tmp_path: Path) -> None:
    summary = harness.run("step-crashes", str(tmp_path), str(SEED))
    print(json.dumps(summary))
    assert summary["failures"] == []
    # Every write, fsync, rename and prune of saves 1 to 4, plus a torn write of each file.
    assert all(steps >= 11 for steps in summary["steps_per_save"])
    assert summary["crashes"] >= 60


def test_the_pointer_is_switched_last_after_everything_is_on_disk(
    fake_assistant: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """P7: fsync order. Files, then their directory, then the rename, then CURRENT."""
    fake_assistant.save(tmp_path)  # a previous generation to keep
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync " + Path(os.readlink(f"/proc/self/fd/{fd}")).name)
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        events.append(f"replace {Path(src).name} -> {Path(dst).name}")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    fake_assistant.add_documents(["A new document about lanterns and harbours."])
    fake_assistant.save(tmp_path)
    staging = next(e.split()[1] for e in events if e.startswith("replace .gen-"))
    assert events == [
        f"fsync {store.DOCUMENTS}",
        f"fsync {store.PASSAGES}",
        f"fsync {store.SENTENCES}",
        f"fsync {store.TOKENS}",
        f"fsync {store.TOKEN_SCALES}",
        f"fsync {store.MANIFEST}",
        f"fsync {staging}",
        f"replace {staging} -> gen-000002",
        f"fsync {tmp_path.name}",
        f"fsync .{store.CURRENT}.tmp",
        f"replace .{store.CURRENT}.tmp -> {store.CURRENT}",
        f"fsync {tmp_path.name}",
    ]


def test_the_first_save_killed_before_the_pointer_means_no_index_yet(
    fake_assistant: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """P2 (LUCENE-4738): a crashed first save is "no index", and the next save just works."""
    real_replace = os.replace

    def crash_on_pointer(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).name == store.CURRENT:
            raise KeyboardInterrupt  # stands in for the kill; nothing after it runs
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_pointer)
    with pytest.raises(KeyboardInterrupt):
        fake_assistant.save(tmp_path)
    monkeypatch.setattr(os, "replace", real_replace)
    with pytest.raises(StoreError, match=r"no CURRENT file, only gen-000001.*Save again"):
        Assistant.load(tmp_path, embedder=fake_assistant.embedder)
    fake_assistant.save(tmp_path)
    reopened = Assistant.load(tmp_path, embedder=fake_assistant.embedder)
    assert [d.id for d in reopened.documents] == [d.id for d in fake_assistant.documents]


@pytest.mark.parametrize("failing_write", range(1, 6))
def test_a_full_disk_at_any_write_keeps_the_previous_save_and_no_debris(
    fake_assistant: Assistant,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failing_write: int,
) -> None:
    """P6: ENOSPC on the k-th file write (5 per save) raises StoreError; nothing changes."""
    fake_assistant.save(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    fake_assistant.add_documents(["Another document, about copper kettles."])
    real_write = generations._write_file
    count = {"writes": 0}

    def write(path: Path, data: bytes) -> None:
        count["writes"] += 1
        if count["writes"] == failing_write:
            path.write_bytes(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(generations, "_write_file", write)
    with pytest.raises(StoreError, match=r"No space left on device.*previous save is unchanged"):
        fake_assistant.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    reopened = Assistant.load(tmp_path, embedder=fake_assistant.embedder)
    assert len(reopened.documents) == len(fake_assistant.documents) - 1
