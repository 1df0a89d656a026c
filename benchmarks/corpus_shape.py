"""How documents are cut, on any folder of HTML and Markdown: no model, no questions.

    python -m benchmarks.corpus_shape /usr/share/doc/nodejs/api /usr/share/doc/valgrind/html
    python -m benchmarks.corpus_shape DIR --json shape.json

The development set (`benchmarks.real_docs`) is tuned on; these are corpora held back from
tuning, to check that what the loaders and the chunker do there holds elsewhere. Per
folder and format:
- passages per million characters of clean text (a page cut into one-line passages shows
  as a high figure);
- passages that end inside a sentence (`benchmarks.real_docs.ends_mid_sentence`);
- code listings kept: `<pre>` elements in the HTML source (fences in Markdown) against
  code blocks in the loaded document.
Files that are skipped (redirect stubs, empty pages) are counted with their reason.

Measured, not asserted: nothing here fails on a low figure.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.real_docs import ends_mid_sentence
from qa.chunking import ChunkingConfig, chunk_document
from qa.errors import DocumentError
from qa.loading import load_path

SUFFIXES = {".html": "html", ".htm": "html", ".md": "md"}
_PRE = re.compile(r"<pre[\s>]", re.IGNORECASE)
_FENCE = re.compile(r"^ {0,3}(```|~~~)", re.MULTILINE)


@dataclass(frozen=True)
class Shape:
    """How one folder's files of one format were cut."""

    folder: str
    format: str
    files: int
    skipped: dict[str, int]
    characters: int
    passages: int
    passages_per_million_chars: float
    ends_mid_sentence: int
    listings_in_source: int
    code_blocks_loaded: int


def listings_in(source: str, fmt: str) -> int:
    """Code listings in a file's source: `<pre>` elements, or fenced blocks (two fences each)."""
    return len(_PRE.findall(source)) if fmt == "html" else len(_FENCE.findall(source)) // 2


def shape_of(folder: Path, fmt: str, files: Sequence[Path], config: ChunkingConfig) -> Shape:
    skipped: Counter[str] = Counter()
    characters = passages = mid = listings = code = 0
    for file in files:
        try:
            document = load_path(file)
        except DocumentError as err:
            skipped[type(err).__name__] += 1
            continue
        listings += listings_in(file.read_text(encoding="utf-8", errors="replace"), fmt)
        code += sum(b.kind == "code" for b in document.blocks)
        _, chunks = chunk_document(document, config)
        characters += document.length
        passages += len(chunks)
        mid += sum(
            ends_mid_sentence(document, c.start, c.end, config.max_chars, config.max_sentence_chars)
            for c in chunks
        )
    return Shape(
        folder=str(folder),
        format=fmt,
        files=len(files),
        skipped=dict(skipped),
        characters=characters,
        passages=passages,
        passages_per_million_chars=1e6 * passages / characters if characters else 0.0,
        ends_mid_sentence=mid,
        listings_in_source=listings,
        code_blocks_loaded=code,
    )


def run(folders: Sequence[Path]) -> list[Shape]:
    config = ChunkingConfig()
    shapes: list[Shape] = []
    for folder in folders:
        if not folder.is_dir():
            raise SystemExit(f"{folder} is not a folder; give folders of HTML or Markdown files.")
        by_format: dict[str, list[Path]] = {}
        for file in sorted(folder.rglob("*")):
            fmt = SUFFIXES.get(file.suffix.lower())
            if fmt and file.is_file():
                by_format.setdefault(fmt, []).append(file)
        shapes.extend(shape_of(folder, fmt, files, config) for fmt, files in by_format.items())
    return shapes


def render(shapes: Sequence[Shape]) -> str:
    lines = [
        f"{'folder':<40} {'fmt':<4} {'files':>5} {'skipped':>7} {'chars':>10} {'passages':>8} "
        f"{'per 1M':>7} {'mid-sentence':>12} {'listings kept':>14}"
    ]
    for s in shapes:
        lines.append(
            f"{s.folder[-40:]:<40} {s.format:<4} {s.files:>5} {sum(s.skipped.values()):>7} "
            f"{s.characters:>10,} {s.passages:>8} {s.passages_per_million_chars:>7.0f} "
            f"{s.ends_mid_sentence:>12} {s.code_blocks_loaded:>6} / {s.listings_in_source:<6}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.corpus_shape", description=__doc__.splitlines()[0]
    )
    parser.add_argument("folders", nargs="+", type=Path, help="folders of .html/.md files")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    shapes = run(args.folders)
    print(render(shapes))
    if args.json:
        args.json.write_text(json.dumps([asdict(s) for s in shapes], indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
