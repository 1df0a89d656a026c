"""Files and strings -> clean `Document`s.

Reads plain text, Markdown, HTML (the main content, as a browser renders it, with its
structure: qa/load/html.py), PDF (re-flowed in reading order, with headings: qa/load/pdf.py)
and Word .docx (headings, lists, tables: qa/load/docx.py), detects text encodings, and
removes site chrome such as "Go to home page" lines, so that
what gets indexed and quoted is the article itself.
"""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qa.errors import (
    DocumentError,
    EmptyDocumentError,
    NoTextLayerError,
    RedirectPageError,
    UnsupportedFormatError,
)
from qa.load.docx import read_docx
from qa.load.html import read_html
from qa.load.markdown import read_markdown
from qa.load.pdf import read_pdf
from qa.types import Block, Document, content_id

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
TEXT_SUFFIXES = frozenset({".txt", ".text"}) | MARKDOWN_SUFFIXES
HTML_SUFFIXES = frozenset({".html", ".htm"})
PDF_SUFFIXES = frozenset({".pdf"})
WORD_SUFFIXES = frozenset({".docx"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES | WORD_SUFFIXES
# Formats people bring that we do not read, each with what to do instead.
_CONVERT_HINTS = {
    ".doc": "Word 97-2003 files are not read: save it as .docx in Word or LibreOffice.",
    ".rtf": "Rich Text is not read: save it as .docx or plain text.",
    ".odt": "OpenDocument text is not read: save it as .docx (LibreOffice: File > Save As).",
}
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_TITLE_CHARS = 200

# Words that make up navigation lines on news sites ("Back to top    Go to home page clear").
# A line is dropped only if it is short and every word is one of these.
_CHROME_WORDS = frozenset(
    "go to home page back top clear skip content main menu navigation share print email "
    "subscribe sign in log login next previous prev article read more comments close "
    "search tweet facebook twitter linkedin".split()
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_RUN = re.compile(r"\n{3,}")
# Lone surrogates (from JSON "\ud800" or bad decoders) cannot be encoded as UTF-8: the
# model's tokenizer raises a bare TypeError on them. They become U+FFFD, one for one.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def supported_suffixes() -> list[str]:
    """File endings the loader reads, for messages and upload filters."""
    return sorted(SUPPORTED_SUFFIXES)


def _is_chrome_line(line: str) -> bool:
    words = re.findall(r"[a-z]+", line.lower())
    return 0 < len(words) <= 10 and all(word in _CHROME_WORDS for word in words)


def clean_text(text: str) -> str:
    """Normalise a document's text before indexing.

    NFC so that one word has one spelling; LF line ends; control characters (NUL and the
    like) removed; lone surrogates replaced by U+FFFD; navigation lines dropped; runs of
    blank lines folded; ends trimmed.
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))
    lines = [line.rstrip() for line in text.split("\n")]
    kept = [line for line in lines if not _is_chrome_line(line)]
    return _BLANK_RUN.sub("\n\n", "\n".join(kept)).strip()


def title_from_text(text: str, fallback: str) -> str:
    """The first line, if it reads like a headline; otherwise `fallback`."""
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if line:
            if len(line) <= MAX_TITLE_CHARS:
                return line
            break
    return fallback


def load_text(text: str, *, title: str | None = None, source: str = "") -> Document:
    """Make a Document from a string.

    Args:
        text: the document's text.
        title: shown with citations; by default the first line when it is short.
        source: where the text came from (a path), or "" for a string.

    Raises:
        EmptyDocumentError: nothing but whitespace and chrome is left.
    """
    if not isinstance(text, str):
        raise DocumentError(f"Document text must be a string, got {type(text).__name__}.")
    clean = clean_text(text)
    name = source or title or "text"
    if not clean:
        raise EmptyDocumentError(f"Document {name!r} is empty: it has no text to index.")
    fallback = Path(source).stem if source else clean[:60].split("\n")[0]
    chosen = (title or "").strip() or title_from_text(clean, fallback)
    return Document(id=content_id(clean), title=chosen, text=clean, source=source)


def load_structured(
    text: str,
    blocks: tuple[Block, ...],
    *,
    title: str | None = None,
    source: str = "",
    site: str = "",
) -> Document:
    """Make a Document from text a structured reader built, keeping its blocks.

    The text is used as given (the reader cleaned each piece as it placed it), so every
    block's offsets stay exact; `clean_text` would move them.

    Raises:
        EmptyDocumentError: the text is only whitespace.
        DocumentError: a block lies outside the text (a reader's bug, named).
    """
    name = source or title or "text"
    if not text.strip():
        raise EmptyDocumentError(f"Document {name!r} is empty: it has no text to index.")
    for block in blocks:
        if block.end > len(text):
            raise DocumentError(
                f"Document {name!r}: a {block.kind} block ends at {block.end}, past the "
                f"text's {len(text)} characters."
            )
    fallback = Path(source).stem if source else text[:60].split("\n")[0]
    chosen = (title or "").strip() or title_from_text(text, fallback)
    return Document(
        id=content_id(text), title=chosen, text=text, source=source, blocks=blocks, site=site
    )


def decode_bytes(data: bytes, name: str) -> str:
    """Decode a text file: BOMs first (UTF-8, UTF-16, UTF-32), then UTF-8, then cp1252.

    Raises:
        UnsupportedFormatError: the bytes are binary, not text in a known encoding.
    """
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as err:
                raise UnsupportedFormatError(
                    f"{name} starts with a {encoding} byte-order mark but is not valid "
                    f"{encoding}: {err.reason} at byte {err.start}."
                ) from err
    if b"\x00" in data[:8192]:
        raise UnsupportedFormatError(
            f"{name} looks binary (it contains NUL bytes), not text. Supported files: "
            f"{', '.join(supported_suffixes())}."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as err:
        raise UnsupportedFormatError(
            f"{name} is neither UTF-8, UTF-16 nor cp1252 text (byte {err.start} cannot be "
            "decoded); save it as UTF-8 and try again."
        ) from err


def _read(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError as err:
        raise DocumentError(f"File not found: {path}") from err
    except OSError as err:
        raise DocumentError(f"Cannot read {path}: {err.strerror or err}") from err
    if not path.is_file():
        raise DocumentError(f"{path} is not a file.")
    if size > max_bytes:
        raise DocumentError(
            f"{path} is {size:,} bytes; the limit is {max_bytes:,} bytes. Split it or raise "
            "the limit."
        )
    try:
        return path.read_bytes()
    except OSError as err:
        raise DocumentError(f"Cannot read {path}: {err.strerror or err}") from err


def load_path(
    path: str | os.PathLike[str], *, title: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Document:
    """Load one file as a Document.

    Raises:
        DocumentError: missing, unreadable, too large, or damaged file (named).
        UnsupportedFormatError: a file type not in `supported_suffixes()`, or binary.
        EmptyDocumentError: no text in it; for a redirect stub, RedirectPageError.
        NoTextLayerError: a PDF with no text layer (scanned images only).
    """
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        hint = f" {_CONVERT_HINTS[suffix]}" if suffix in _CONVERT_HINTS else ""
        raise UnsupportedFormatError(
            f"{file.name}: unsupported file type {suffix or '(none)'!r}; supported: "
            f"{', '.join(supported_suffixes())}.{hint}"
        )
    data = _read(file, max_bytes)
    if suffix in PDF_SUFFIXES:
        return _load_pdf(data, file, title)
    if suffix in WORD_SUFFIXES:
        return _load_docx(data, file, title)
    if suffix in HTML_SUFFIXES:
        return _load_html(decode_bytes(data, file.name), file, title)
    if suffix in MARKDOWN_SUFFIXES:
        page = read_markdown(decode_bytes(data, file.name))
        return _file_document(file, page.text, page.blocks, title or page.title or file.stem)
    text = decode_bytes(data, file.name)
    try:
        return load_text(text, title=title, source=str(file))
    except EmptyDocumentError as err:
        raise EmptyDocumentError(f"{file.name} is empty: it has no text to index.") from err


def _load_pdf(data: bytes, file: Path, title: str | None) -> Document:
    pdf = read_pdf(data, file.name)
    if pdf.pages == 0:
        raise EmptyDocumentError(f"{file.name} is a PDF with no pages: there is nothing to index.")
    if not pdf.text.strip():
        raise NoTextLayerError(
            f"{file.name} has no extractable text (a scanned PDF needs OCR first)."
        )
    return load_structured(pdf.text, pdf.blocks, title=title or pdf.title, source=str(file))


def _load_docx(data: bytes, file: Path, title: str | None) -> Document:
    word = read_docx(data, file.name)
    return _file_document(file, word.text, word.blocks, title or word.title or file.stem)


def _load_html(markup: str, file: Path, title: str | None) -> Document:
    page = read_html(markup)
    if page.redirect is not None:
        raise RedirectPageError(
            f"{file.name} is a redirect stub (it only points to {page.redirect}); it was "
            "skipped. Add the page it points to instead.",
            target=page.redirect,
        )
    return _file_document(file, page.text, page.blocks, title or page.title, site=page.site)


def _file_document(
    file: Path, text: str, blocks: tuple[Block, ...], title: str | None, *, site: str = ""
) -> Document:
    """A structured reader's result as the file's Document; an empty one named by file."""
    try:
        return load_structured(text, blocks, title=title, source=str(file), site=site)
    except EmptyDocumentError as err:
        raise EmptyDocumentError(f"{file.name} is empty: it has no text to index.") from err


def looks_like_path(item: str) -> bool:
    """Whether a string given as a document is meant as a file name rather than text."""
    if "\n" in item or len(item) > 1024:
        return False
    candidate = Path(item.strip())
    return candidate.suffix.lower() in SUPPORTED_SUFFIXES or candidate.is_file()


Item = str | os.PathLike[str] | Document


def load_item(item: Item) -> Document:
    """Load a path, a string or a Document; a str naming a file is read as a file.

    Raises:
        DocumentError: as `load_path` and `load_text` do, or an item of another type.
    """
    if isinstance(item, Document):
        return item
    if isinstance(item, os.PathLike):
        return load_path(item)
    if isinstance(item, str):
        return load_path(item.strip()) if looks_like_path(item) else load_text(item)
    raise DocumentError(
        f"Cannot add a {type(item).__name__} as a document; pass a path, a string of "
        "text, or a Document."
    )


def load_items(items: Iterable[Item]) -> list[Document]:
    """Load a mix of paths, strings and Documents, stopping at the first that fails."""
    return [load_item(item) for item in items]


@dataclass(frozen=True)
class FileListing:
    """The files to load for a list of paths, and what in their folders was left out.

    Attributes:
        files: every file named directly, then each folder's readable files, in order.
        skipped: one line per entry of a folder that is not loaded, saying why
            ("notes.pptx: unsupported format .pptx").
    """

    files: list[Path]
    skipped: list[str]


def document_files(paths: Iterable[str | os.PathLike[str]]) -> FileListing:
    """Expand folders into the documents inside them (and in their sub-folders).

    A file named directly is always listed, so that loading it names any problem; inside a
    folder, files of a type the loader does not read and hidden entries (".git") are
    skipped and reported in `skipped`, never silently.

    Raises:
        DocumentError: a folder holds no file the loader reads.
    """
    files: list[Path] = []
    skipped: list[str] = []
    for item in paths:
        found, left_out = path_contents(Path(item))
        skipped.extend(f"{entry}: {why}" for entry, why in left_out)
        if not found:  # only a folder finds nothing: a file stands for itself
            raise DocumentError(
                f"Folder {Path(item)} holds no documents ({', '.join(supported_suffixes())})."
            )
        files.extend(found)
    return FileListing(files, skipped)


def path_contents(path: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """A file stands for itself; a folder for its `folder_contents`."""
    return folder_contents(path) if path.is_dir() else ([path], [])


def folder_contents(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The files the loader reads in `folder` and its sub-folders, in name order, and each
    entry left out with why ("hidden", "unsupported format .pptx")."""
    found: list[Path] = []
    left_out: list[tuple[Path, str]] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            left_out.append((entry, "hidden"))
        elif entry.is_dir():
            inner, inner_left = folder_contents(entry)
            found.extend(inner)
            left_out.extend(inner_left)
        elif entry.suffix.lower() not in SUPPORTED_SUFFIXES:
            left_out.append((entry, f"unsupported format {entry.suffix.lower() or '(none)'}"))
        else:
            found.append(entry)
    return found, left_out


def bundled_article_path() -> Path:
    """The news article shipped with the package (EIR News Service, 25 Aug 2021)."""
    return Path(__file__).parent / "data" / "xi-putin-phone-call-2021-08-25.txt"
