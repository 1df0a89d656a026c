"""Issue 6, item 9, file half (threats D1, D3, D5, D6, D7): hostile uploads are refused by
name, within seconds, and the good files of the same batch are still indexed.

The batch runs through the browser session's upload path (`ui.sessions.Session`) in a
separate process under a 3 GB address-space limit, so a decompression bomb that escaped
its limits would be a MemoryError or a kill there, and a hang a timeout, not a stuck test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pdf_fixtures
import pytest
import reliability_harness as harness

from qa import Assistant
from ui.sessions import Session, UploadLimits

BATCH = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
import reliability_harness as harness
from qa import Assistant
from ui.sessions import Session, UploadLimits
shared = Assistant.from_texts(["The shared article."], embedder=harness.FakeEncoder())
session = Session(shared, UploadLimits(max_files_per_upload=20, max_documents=40))
paths = sys.argv[2:]
started = time.monotonic()
report = session.add_files(paths)
print(json.dumps({
    "seconds": time.monotonic() - started,
    "added": sorted(Path(d.source).name for d in report.added),
    "problems": report.problems,
    "shared_documents": len(shared.documents),
}))
"""

HOSTILE = {
    "truncated.pdf": pdf_fixtures.truncated_pdf,
    "encrypted.pdf": pdf_fixtures.encrypted_pdf,
    "image-only.pdf": pdf_fixtures.image_only_pdf,
    "bomb-single.pdf": pdf_fixtures.bomb_pdf,
    "bomb-nested.pdf": lambda: pdf_fixtures.bomb_pdf(nested=True),
    "bomb.docx": pdf_fixtures.zip_bomb,
    "zero-pages.pdf": pdf_fixtures.zero_page_pdf,
    "encrypted.docx": pdf_fixtures.encrypted_docx,
    "truncated.docx": lambda: pdf_fixtures.text_docx("The heron fishes at the weir.")[:1500],
    "empty.txt": lambda: b"",
    "whitespace.txt": lambda: b"  \n\t \n",
    "binary.txt": lambda: b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4,
    "undecodable.txt": lambda: b"caf\xe9 \x81\x8d\x8f\x90\x9d",
}
GOOD = {
    "good.txt": lambda: b"Lanterns light the harbour at night.",
    "good.pdf": lambda: pdf_fixtures.text_pdf("The falcon nests in the old tower."),
    "looping.pdf": pdf_fixtures.looping_pdf,  # pypdf stops at the circular /Prev and reads it
    "good.docx": lambda: pdf_fixtures.text_docx("The heron fishes at the weir."),
}


@pytest.mark.slow
def test_a_batch_of_hostile_files_names_each_and_indexes_the_good_ones(tmp_path: Path) -> None:
    paths = []
    for name, build in {**HOSTILE, **GOOD}.items():
        (tmp_path / name).write_bytes(build())
        paths.append(str(tmp_path / name))
    done = subprocess.run(
        [sys.executable, "-c", BATCH, str(Path(harness.__file__).parent), *paths],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=harness.ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    print(json.dumps(report))
    assert report["added"] == sorted(GOOD)
    assert len(report["problems"]) == len(HOSTILE)
    for name in HOSTILE:
        assert sum(p.startswith(name) for p in report["problems"]) == 1, (name, report)
    assert report["seconds"] < 120  # bounded; measured ~10 s on the 2-core reference machine
    assert report["shared_documents"] == 1  # uploads never touch the shared collection


def test_the_size_limit_is_exact_to_the_byte(tmp_path: Path) -> None:
    limits = UploadLimits(max_file_bytes=1000)
    shared = Assistant.from_texts(["The shared article."], embedder=harness.FakeEncoder())
    session = Session(shared, limits)
    fits = tmp_path / "fits.txt"
    fits.write_bytes(b"lantern " * 125)
    over = tmp_path / "over.txt"
    over.write_bytes(b"harbour " * 125 + b"!")
    report = session.add_files([str(fits), str(over)])
    assert [Path(d.source).name for d in report.added] == ["fits.txt"]
    assert report.problems == ["over.txt is 1001 bytes; the limit is 1000 bytes per file. "
                               "Split it or upload a shorter version."]  # fmt: skip
    assert [d.title for d in shared.documents] == ["The shared article."]


def test_script_style_and_comments_in_html_are_never_indexed(tmp_path: Path) -> None:
    """D8: text a browser would not show is not quoted back either."""
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Harbour news</title><style>.x{content:'tokenstyle'}</style>"
        "<script>var tokenscript = 1;</script></head><body><!-- tokencomment -->"
        "<noscript>tokennoscript</noscript><template>tokentemplate</template>"
        "<p>Lanterns light the harbour at night, the keeper said on Monday.</p>"
        '<p onclick="tokenhandler()">The falcon nests in the old tower.</p></body></html>',
        encoding="utf-8",
    )
    assistant = Assistant(harness.FakeEncoder())
    [doc_id] = assistant.add_documents([page])
    text = assistant.collection.entry(doc_id).document.text
    assert "Lanterns light the harbour" in text and "falcon" in text
    for token in ("tokenstyle", "tokenscript", "tokencomment", "tokennoscript", "tokentemplate",
                  "tokenhandler"):  # fmt: skip
        assert token not in text
        assert assistant.search(token, k=3) == [] or all(
            token not in s.text for s in assistant.search(token, k=3)
        )
