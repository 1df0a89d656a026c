"""Shared fixtures: a tiny deterministic embedder so most tests run in milliseconds."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embeddings.tokens import TokenVectors
from qa import Assistant
from qa.loading import bundled_article_path
from qa.text import terms

ROOT = Path(__file__).resolve().parent.parent


class FakeEncoder:
    """Hashes stemmed words into a small vector: texts sharing words get similar vectors.

    Deterministic and instant; it behaves like a (weak) embedding model, which is all the
    pipeline's logic needs in unit tests.
    """

    name = "fake-hashing-encoder"
    weights_sha256 = "0" * 64

    def __init__(self, dimension: int = 64) -> None:
        self.dimension = dimension
        self.calls = 0
        self.encoded: list[str] = []  # every text encoded, in order

    def _slot(self, term: str, size: int | None = None) -> int:
        digest = hashlib.blake2b(term.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        return int.from_bytes(digest[:4], "little") % (size or self.dimension)

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for term in terms(text) or ["<empty>"]:
            vector[self._slot(term)] += 1.0
        return vector / np.linalg.norm(vector)

    def _tokens(self, text: str) -> TokenVectors:
        """One piece per word: a random unit vector seeded by its stemmed term, so equal
        words match exactly and others at about 1/sqrt(dimension)."""
        words = list(re.finditer(r"\w+", text))
        vectors = np.zeros((len(words), self.dimension), dtype=np.float32)
        for row, word in enumerate(words):
            term = (terms(word.group(0), drop_stopwords=False) or [word.group(0).lower()])[0]
            vector = np.random.default_rng(self._slot(term, 1 << 30)).standard_normal(
                self.dimension
            )
            vectors[row] = vector / np.linalg.norm(vector)
        spans = np.array([w.span() for w in words], dtype=np.int32).reshape(len(words), 2)
        return TokenVectors(vectors, spans)

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        self.calls += 1
        self.encoded.extend(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def encode_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def encode_with_tokens(
        self, texts: Sequence[str], *, show_progress: bool = False
    ) -> tuple[np.ndarray, list[TokenVectors]]:
        return self.encode(texts), [self._tokens(t) for t in texts]

    def query_tokens(self, text: str) -> TokenVectors:
        return self._tokens(text)


class PooledOnly:
    """The same model without token vectors: a custom encoder, or one from before they
    were kept."""

    def __init__(self, inner: FakeEncoder) -> None:
        self.name, self.weights_sha256 = inner.name, inner.weights_sha256
        self.dimension = inner.dimension
        self.encode, self.encode_query = inner.encode, inner.encode_query


@pytest.fixture
def pooled_only() -> type[PooledOnly]:
    """PooledOnly(encoder) wraps an encoder so that it gives pooled vectors only."""
    return PooledOnly


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture
def article_text() -> str:
    return bundled_article_path().read_text(encoding="utf-8")


@pytest.fixture
def fake_assistant(fake_encoder: FakeEncoder) -> Assistant:
    """The bundled article indexed with the fake encoder."""
    return Assistant.default(embedder=fake_encoder)


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    """The bundled MiniLM, loaded once for the whole test session (slow tests only)."""
    from embeddings import Embedder

    embedder = Embedder()
    embedder.warm_up()
    return embedder


@pytest.fixture(scope="session")
def real_assistant(real_embedder) -> Assistant:  # type: ignore[no-untyped-def]
    return Assistant.default(embedder=real_embedder)


# ----- fixtures for the loader and file-format tests ------------------------------------
FILES = ROOT / "tests" / "data" / "files"


@pytest.fixture
def files_dir() -> Path:
    """Small hand-made documents: notes.md, page.html, utf16-bom.txt, cp1252.txt, binary.txt."""
    return FILES


def minimal_pdf(pages: Sequence[str]) -> bytes:
    """A valid PDF with one line of Helvetica text per page, written by hand (no PDF library).

    The text must be Latin-1; parentheses and backslashes are escaped.
    """
    return positioned_pdf([[(72, 720, 12, line)] for line in pages])


Placed = tuple[float, float, float, str]  # x, y (points from the bottom left), font size, text


def positioned_pdf(pages: Sequence[Sequence[Placed]]) -> bytes:
    """A valid US-letter PDF drawing each page's texts where and as large as told, in order.

    Written by hand (no PDF library writes them here); text must be Latin-1.
    """
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    page_ids = [4 + 2 * i for i in range(len(pages))]
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for page_id, placed in zip(page_ids, pages, strict=True):
        shown = []
        for x, y, size, line in placed:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            shown.append(f"BT /F1 {size} Tf {x} {y} Td ({escaped}) Tj ET")
        stream = "\n".join(shown).encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {page_id + 1} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


@pytest.fixture
def make_pdf() -> Callable[[Sequence[str]], bytes]:
    """`minimal_pdf`, for tests that need a PDF of their own."""
    return minimal_pdf


@pytest.fixture
def make_positioned_pdf() -> Callable[[Sequence[Sequence[Placed]]], bytes]:
    """`positioned_pdf`: pages of (x, y, font size, text), for layout tests."""
    return positioned_pdf


@pytest.fixture
def pdf_file(tmp_path: Path) -> Path:
    """A two-page PDF: 'Solar panels on the roof (2019).' / 'The battery stores ten kWh.'"""
    path = tmp_path / "solar.pdf"
    path.write_bytes(
        minimal_pdf(["Solar panels on the roof (2019).", "The battery stores ten kWh."])
    )
    return path


@pytest.fixture
def make_fake_encoder() -> type[FakeEncoder]:
    """The FakeEncoder class, for tests needing one of another dimension (`make(32)`).

    A fixture rather than `from conftest import ...`: tests/ui has a conftest of its own.
    """
    return FakeEncoder


# ----- Word documents, built with python-docx ---------------------------------------------
def _saved_docx(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def harbour_manual_docx() -> bytes:
    """A Word manual: title, headings, a paragraph, a bulleted list, a table, page header."""
    import docx

    document = docx.Document()
    document.add_paragraph("Harbour Manual", style="Title")
    document.add_heading("Safety", level=1)
    document.add_paragraph("Keep the lamp lit from dusk to dawn.")
    document.add_paragraph("Check the wick.", style="List Bullet")
    document.add_paragraph("Refill the oil.", style="List Bullet")
    document.add_heading("Berths", level=2)
    document.add_paragraph("Ships moor as follows:")
    table = document.add_table(rows=3, cols=2)
    for row, (ship, berth) in enumerate([("Ship", "Berth"), ("Falcon", "3"), ("Osprey", "7")]):
        table.cell(row, 0).text = ship
        table.cell(row, 1).text = berth
    document.add_heading("Storms", level=1)
    document.add_paragraph("Close the shutters.")
    section = document.sections[0]
    section.header.paragraphs[0].text = "CONFIDENTIAL HEADER"
    section.footer.paragraphs[0].text = "Page footer text"
    return _saved_docx(document)


@pytest.fixture
def docx_manual() -> bytes:
    """`harbour_manual_docx()`'s bytes: the Osprey moors at berth 7 (a table row)."""
    return harbour_manual_docx()


@pytest.fixture
def docx_file(tmp_path: Path, docx_manual: bytes) -> Path:
    """The harbour manual saved as manual.docx."""
    path = tmp_path / "manual.docx"
    path.write_bytes(docx_manual)
    return path
