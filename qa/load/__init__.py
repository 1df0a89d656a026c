"""Readers that turn a structured file (HTML, Markdown) into text plus its blocks.

Each reader walks its format's own tree and writes through one `BlockWriter`, so the
document's text and every block's offsets are built together and always agree.
"""
