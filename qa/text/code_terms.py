"""Terms for code in questions and passages: identifiers, options and operators.

The word terms of `qa.text.words.terms` keep letters and digits only. That is right for prose
and loses the key of a question about code: `&str`, `::`, `Vec<T>`, `--show-output`,
`view.batch.POST`. A token that looks like code therefore adds two kinds of terms:
*symbols*, the code kept whole with its punctuation (never stemmed, never a stopword),
and *parts*, the pieces of its identifiers (`try_recv` -> try, recv; `HashMap` -> hash,
map), which are stemmed like prose so a question in words still finds the identifier
(a question's own identifiers are matched whole: see `LexicalIndex.query_terms`).

Only code-looking tokens count, so prose keeps exactly its word terms: a token inside
backticks, or one with a mark prose does not use (an underscore or `::` inside, a
leading dash, `&` before a name, `<>` after one, dots or slashes between names, a
capital inside a word). A question mark ending a sentence is punctuation, never a term;
`?` is the operator only where code uses it (`open(path)?;`, in backticks, or standing
alone mid-sentence as in "the ? operator").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BACKTICKS = re.compile(r"`([^`\n]+)`")
_TOKEN = re.compile(r"\S+")
# A mark that may make its token code, found by one scan (most prose has none): the full
# tests come after, on the few tokens holding one. Every alternative begins with the mark
# itself and looks back for its context, which lets the scan skip other characters fast.
_MARK = re.compile(
    r"[_:<&/$#=|]|\(\)|\?;"
    r"|\.(?<=\w\.)\w|\.(?<![\w.]\.)\w"  # "view.batch", ".editorconfig"; not "..."
    r"|-(?<!\S-)|\?(?<=[)\]]\?)"  # "--exact"; "open(path)?"
    r"|[A-Z](?<=[a-z][A-Z])|[A-Z][a-z](?<=[A-Z]{3}[a-z])"  # "HashMap", "HTTPServer"
    r"|\?(?<!\S\?)(?=\s+\S)"  # a lone "?" followed by more text: the operator
)
_OPENERS = "\"'“‘([{*"
_CLOSERS = "\"'”’,;:!.*?"
_OPENING = {")": "(", "]": "[", "}": "{"}
_MARKS = re.compile(
    r"\w_|_\w|::|^--?[A-Za-z]|[A-Za-z]\w*<\S*>|^&'?[A-Za-z]|\w\(\)|\w#\w|^\$[A-Za-z_]|\w://"
)
_NAME = r"[A-Za-z_$][\w$-]*"
_NAME_PART = r"[A-Za-z_$][\w$]*"
_DOTTED = re.compile(rf"\.?{_NAME_PART}(?:\.{_NAME_PART})+|\.{_NAME_PART}")
_PATH = re.compile(rf"(?:~|\.{{1,2}})?/?[\w.-]+(?:/[\w.-]+)+/?|/{_NAME_PART}")
# The pieces of code kept whole: an option, a reference, or a name path with its type
# arguments ("std::collections::HashMap", "config/kinto.ini", "Vec<T>", "println!").
_ATOM = re.compile(
    r"--?[A-Za-z][\w-]*(?:=[^\s,;]+)?"
    r"|&'?[A-Za-z]\w*"
    rf"|(?:~/|\.{{0,2}}/|\.)?{_NAME}(?:(?:::|://|[./#]){_NAME})*(?:<[\w<>,:&'*]*>)?!?"
)
_OPERATORS = frozenset({"::", "->", "=>", "&&", "||", "==", "!=", "?", "..", "...", "&", "*"})
# Outside backticks a lone symbol is prose as often as code ("Tom & Jerry", "- note").
_LONE_OPERATORS = frozenset({"::", "->", "=>", "&&", "||", "==", "!="})
_TRY_OPERATOR = re.compile(r"[\w)\]]\?;|[)\]]\?(?:\.|$)")
# Where an identifier splits into words: "try_recv", "HashMap", "HTTPServer".
_SPLIT = re.compile(r"_+|(?<=[a-z])(?=[A-Z])|(?<=[A-Z]{2})(?=[A-Z][a-z]{2,})")


@dataclass(frozen=True)
class CodeTerms:
    """What the code of a text adds to its word terms.

    Attributes:
        symbols: code kept whole (`&str`, `--show-output`, `Vec<T>`, `?`).
        parts: identifier pieces to be treated as prose words (`try`, `recv`, `Hash`).
    """

    symbols: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()


def is_symbol(term: str) -> bool:
    """Whether a term is code kept whole rather than a word (it has punctuation)."""
    return not term.replace("_", "a").isalnum()


def looks_like_code(token: str) -> bool:
    """Whether a whitespace-free token, prose punctuation trimmed, is written like code."""
    return _marked(token) or _camel(token)


def code_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each piece of code in `text`, in order: a backtick span (backticks
    included) or a token marked as code.

    A capital inside a word is not enough here: "McDonald" is a name, not code, and
    follow-up resolution reads these spans as whole, opaque mentions.
    """
    spans = [match.span() for match in _BACKTICKS.finditer(text)]
    for match in _TOKEN.finditer(text):
        if any(s < match.end() and match.start() < e for s, e in spans):
            continue
        raw = match.group()
        token = _trim(raw)
        if token and _marked(token):
            start = match.start() + len(raw) - len(raw.lstrip(_OPENERS))
            spans.append((start, start + len(token)))
    return sorted(spans)


def _marked(token: str) -> bool:
    """A mark prose does not use: `_`, `::`, a leading dash, dots or slashes in a name."""
    if _MARKS.search(token):
        return True
    if _DOTTED.fullmatch(token.rstrip("()")):
        names = re.split(r"\.", token.strip("."))
        return any(len(name) > 2 for name in names)  # "e.g", "Ph.D" are abbreviations
    path = _PATH.fullmatch(token)
    # "and/or", "km/h" are prose; a file path has a leading slash or a file name.
    return path is not None and (token[0] in "/~." or "." in token or token.count("/") > 1)


def code_terms(text: str) -> CodeTerms:
    """The symbols and identifier parts of every code-looking token of `text`, in order.

    Returned as typed (not folded): `qa.text.words.terms` folds them with the words.
    """
    symbols: list[str] = []
    parts: list[str] = []

    def quoted(match: re.Match[str]) -> str:
        for piece in match.group(1).split():
            _add(piece, True, symbols, parts)
        return " "

    rest = _BACKTICKS.sub(quoted, text)
    done = -1
    for mark in _MARK.finditer(rest):
        if mark.start() < done:
            continue  # a second mark of a token already read
        start, done = mark.start(), mark.end()
        while start and not rest[start - 1].isspace():
            start -= 1
        while done < len(rest) and not rest[done].isspace():
            done += 1
        _add(rest[start:done], False, symbols, parts)
    return CodeTerms(tuple(symbols), tuple(parts))


def _add(raw: str, quoted: bool, symbols: list[str], parts: list[str]) -> None:
    """The terms of one token: inside backticks it is code whatever it looks like."""
    if (quoted and raw in _OPERATORS) or raw in _LONE_OPERATORS or raw == "?":
        symbols.append(raw)
        return
    if _TRY_OPERATOR.search(raw) or (quoted and raw.endswith("?")):
        symbols.append("?")
    token = _trim(raw)
    if not token or not (quoted or looks_like_code(token)):
        return
    if "::" in token:
        symbols.append("::")
    for atom in _ATOM.findall(token):
        _add_atom(atom, symbols, parts)


def _add_atom(atom: str, symbols: list[str], parts: list[str]) -> None:
    whole = atom.rstrip("-")
    if is_symbol(whole):
        symbols.append(whole)
    if "=" in whole and whole.startswith("-"):
        symbols.append(whole.split("=", 1)[0])  # "--print=HB" is also "--print"
    for name in re.findall(r"\w+", atom):
        pieces = [piece for piece in _SPLIT.split(name) if piece]
        if len(pieces) > 1:
            parts.extend(pieces)


def _trim(token: str) -> str:
    """`token` without the prose punctuation around it; unmatched closing brackets go too."""
    token = token.lstrip(_OPENERS)
    while token and (token[-1] in _CLOSERS or _unmatched(token)):
        token = token[:-1]
    return token


def _unmatched(token: str) -> bool:
    """Whether `token` ends in a closing bracket it never opened ("(see foo.bar)")."""
    opener = _OPENING.get(token[-1])
    return opener is not None and token.count(token[-1]) > token.count(opener)


def _camel(token: str) -> bool:
    """A capital inside a word ("HashMap", "PostgreSQL"), not a plural acronym ("PDFs")."""
    return any(len(_SPLIT.split(name)) > 1 for name in re.findall(r"[A-Za-z0-9]+", token))
