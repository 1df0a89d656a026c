"""PDFs and Word files, good and hostile, for the upload tests (the PDFs built by hand).

Each builder returns bytes; the hostile ones reproduce known parser traps: a compressed
stream that inflates to hundreds of megabytes (pypdf#3429), the same behind two filters,
a cross-reference chain whose /Prev points back at itself (CVE-2026-27628's class), a
file cut in half, a password-protected file, a page with no text at all and a PDF with
no pages; and Word documents, good and password-protected.
"""

from __future__ import annotations

import io
import zlib


def _pdf(content: bytes, *, filters: str = "", prev_loop: bool = False) -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)}{' /Filter ' + filters if filters else ''} >>\nstream\n".encode()
        + content
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    prev = f" /Prev {xref}" if prev_loop else ""
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{prev} >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def text_pdf(line: str) -> bytes:
    """One page showing `line` (Latin-1) in Helvetica."""
    escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return _pdf(f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode("latin-1"))


def bomb_pdf(inflated_bytes: int = 300_000_000, *, nested: bool = False) -> bytes:
    """A few hundred KB that inflate to `inflated_bytes` of page content."""
    raw = b"BT /F1 12 Tf 72 720 Td (" + b"A" * inflated_bytes + b") Tj ET"
    packed = zlib.compress(raw, 9)
    if nested:
        return _pdf(zlib.compress(packed, 9), filters="[/FlateDecode /FlateDecode]")
    return _pdf(packed, filters="/FlateDecode")


def looping_pdf() -> bytes:
    """A cross-reference section whose /Prev names itself: a naive reader never stops."""
    return _pdf(b"BT /F1 12 Tf 72 720 Td (loop) Tj ET", prev_loop=True)


def truncated_pdf() -> bytes:
    whole = text_pdf("This file was cut off in the middle of an upload.")
    return whole[: len(whole) // 2]


def image_only_pdf() -> bytes:
    """A page that draws a filled rectangle and no text (a scan without OCR, in effect)."""
    return _pdf(b"0 0 0 rg 72 72 200 200 re f")


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(text_pdf("A secret memo about the harbour."))))
    writer.encrypt(user_password="open sesame", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def zip_bomb(inflated_bytes: int = 100_000_000) -> bytes:
    """A .docx-shaped zip whose one member inflates to `inflated_bytes`."""
    import zipfile

    buffer = io.BytesIO()
    block = b"\0" * (1 << 20)
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("word/document.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(inflated_bytes // len(block)):
            member.write(block)
    return buffer.getvalue()


def zero_page_pdf() -> bytes:
    """A well-formed PDF whose page tree is empty (pypdf writes it)."""
    from pypdf import PdfWriter

    buffer = io.BytesIO()
    PdfWriter().write(buffer)
    return buffer.getvalue()


def text_docx(paragraph: str) -> bytes:
    """A Word document holding one heading and one paragraph (python-docx)."""
    import docx

    document = docx.Document()
    document.add_heading("Notes", level=1)
    document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def encrypted_docx() -> bytes:
    """What Word writes for a password-protected .docx: an OLE compound file, not a zip."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096
