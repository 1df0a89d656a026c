"""Issue 6, item 6 (threats M6, D9, P10 of the note; Chroma's test_persist): the index
always matches a simple model of it.

A Hypothesis state machine adds, re-adds, removes, replaces (a new edition of a document),
saves, reopens and asks, checking after every step that the assistant holds exactly the
documents of a plain dict. "Reopen" loads the directory in a separate, long-lived
interpreter, so no in-memory state can hide a persistence bug, and then continues from a
fresh in-process load of what was saved. Removed documents must never come back.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
import reliability_harness as harness
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from qa import Assistant, UnknownDocumentError

# Each slot has two editions; the second replaces the first.
EDITIONS = [
    ("Lanterns light the harbour at night.", "Lanterns light the harbour until dawn."),
    ("The falcon nests in the old tower.", "The falcon left the old tower in May."),
    ("Copper kettles whistle when the water boils.", "Copper kettles hum before they boil."),
    ("Glaciers carve deep valleys.\n\nThey move slowly.", "Glaciers retreat each year."),
    ("Violins need rosin on the bow.", "Violins need new strings every season."),
    ("Saffron is the costliest spice.", "Saffron comes from crocus flowers."),
]
QUERIES = ["harbour lanterns", "falcon tower", "kettles boil", "glaciers", "saffron spice"]


class IndexMachine(RuleBasedStateMachine):
    worker: harness.Worker  # set by the test: one fresh interpreter for all examples
    counts: ClassVar[Counter[str]] = Counter()  # steps run, reported with the figures

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="qa-state-"))
        self.assistant = Assistant(harness.FakeEncoder())
        self.model: dict[str, str] = {}  # doc id -> text, in the order added
        self.saved: dict[str, str] | None = None
        self.removed: set[str] = set()

    # ----- changes ---------------------------------------------------------------------
    @rule(slot=st.integers(0, len(EDITIONS) - 1), edition=st.integers(0, 1))
    def add(self, slot: int, edition: int) -> None:
        self.counts["add"] += 1
        text = EDITIONS[slot][edition]
        [doc_id] = self.assistant.add_documents([text])
        self.model.setdefault(doc_id, text)
        self.removed.discard(doc_id)

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def re_add(self, data: st.DataObject) -> None:
        self.counts["re-add"] += 1
        text = data.draw(st.sampled_from(sorted(self.model.values())))
        before = self.assistant.collection.passage_count
        self.assistant.add_documents([text])
        assert self.assistant.collection.passage_count == before

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        self.counts["remove"] += 1
        doc_id = data.draw(st.sampled_from(sorted(self.model)))
        assert self.assistant.remove_document(doc_id).text == self.model.pop(doc_id)
        self.removed.add(doc_id)

    @rule()
    def remove_unknown(self) -> None:
        with pytest.raises(UnknownDocumentError, match=r"No document with id 'feedface'"):
            self.assistant.remove_document("feedface")

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def replace(self, data: st.DataObject) -> None:
        """A new edition: the old text goes, the other edition of its slot comes in."""
        self.counts["replace"] += 1
        doc_id = data.draw(st.sampled_from(sorted(self.model)))
        old = self.model[doc_id]
        slot = next(pair for pair in EDITIONS if old in pair)
        self.remove_document(doc_id)
        self.add(EDITIONS.index(slot), 1 - slot.index(old))

    def remove_document(self, doc_id: str) -> None:
        self.assistant.remove_document(doc_id)
        del self.model[doc_id]
        self.removed.add(doc_id)

    # ----- persistence -------------------------------------------------------------------
    @rule()
    def save(self) -> None:
        self.counts["save"] += 1
        self.assistant.save(self.directory)
        self.saved = dict(self.model)

    @rule()
    def reopen(self) -> None:
        self.counts["reopen in a fresh process"] += 1
        seen = self.worker.load(self.directory, QUERIES)
        if self.saved is None:
            assert seen["status"] == "error" and seen["type"] == "StoreError", seen
            return
        assert seen["status"] == "ok", seen
        assert [(i, t) for i, _, t in seen["documents"]] == list(self.saved.items())
        assert seen["problems"] == []
        for hits in seen["search"].values():
            assert {doc_id for doc_id, *_ in hits} <= set(self.saved)
        self.assistant = Assistant.load(self.directory, embedder=harness.FakeEncoder())
        self.model = dict(self.saved)
        self.removed -= set(self.model)

    # ----- questions ---------------------------------------------------------------------
    @rule(query=st.sampled_from(QUERIES), top_k=st.integers(1, 8))
    def ask(self, query: str, top_k: int) -> None:
        self.counts["ask"] += 1
        reply = self.assistant.ask(query, top_k=top_k)
        cited = {s.doc_id for s in reply.sources}
        assert cited <= set(self.model)
        assert not cited & self.removed
        for source in reply.sources:
            assert self.model[source.doc_id][source.start : source.end] == source.text

    # ----- after every step ------------------------------------------------------------
    @invariant()
    def matches_the_model(self) -> None:
        assert [(d.id, d.text) for d in self.assistant.documents] == list(self.model.items())
        collection = self.assistant.collection
        items = collection.chunk_items()
        assert len(collection.store) == len(items)
        assert sorted(int(i) for i in collection.store.ids()) == sorted(v for v, _ in items)
        assert {c.doc_id for _, c in items} == set(self.model)

    def teardown(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture(scope="module")
def fresh_process() -> Iterator[harness.Worker]:
    with harness.Worker() as worker:
        yield worker


@pytest.mark.slow
def test_the_index_always_matches_a_simple_model(fresh_process: harness.Worker) -> None:
    IndexMachine.worker = fresh_process
    IndexMachine.counts.clear()
    run_state_machine_as_test(
        IndexMachine,
        settings=settings(max_examples=60, stateful_step_count=25, deadline=None, derandomize=True),
    )
    print(json.dumps(dict(IndexMachine.counts)))
    assert IndexMachine.counts["reopen in a fresh process"] >= 50
