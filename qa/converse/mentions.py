"""Words and names in a question, found by spelling alone (no tagger, no model).

Follow-up resolution and comparison questions need to know which people, places and
things a question names. In English questions these are nearly always capitalised words
that are not question or function words ("What did Xi say", "the U.S. failure",
"Treaty of Good-Neighborliness"), which is enough here and costs nothing to run.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.text import STOPWORDS, terms
from qa.text.code_terms import code_spans

_TOKEN = re.compile(r"\w+(?:[.’'\-]\w+)*\.?", re.UNICODE)
# Capitalised words that open or connect questions rather than name anything.
# fmt: off
NOT_NAMES = STOPWORDS | frozenset({
    "according", "also", "and", "any", "anything", "compare", "comparing", "contrast",
    "describe", "did", "do", "does", "else", "explain", "give", "great", "how", "however",
    "i", "interesting", "list", "more", "name", "now", "ok", "okay", "please", "really",
    "say", "show", "something", "summarise", "summarize", "sure", "tell", "thanks", "then",
    "was", "what", "when", "where", "which", "who", "whom", "whose", "why", "yes",
    # prepositions that open a question ("Along with public schools, what ...?")
    "across", "along", "among", "apart", "aside", "besides", "beyond", "despite",
    "except", "following", "including", "like", "regarding", "since", "together",
    "unlike",
})
# fmt: on
# Lowercase words allowed inside a name: "Treaty of Good-Neighborliness", "Jean de la Salle".
_NAME_GLUE = frozenset({"of", "de", "la", "von", "van", "del", "da", "du", "le", "the"})
_AUXILIARIES = frozenset(
    {"did", "does", "do", "was", "is", "were", "are", "has", "have", "had", "will", "would",
     "can", "could", "should"}
)  # fmt: skip


@dataclass(frozen=True)
class Token:
    """A word of a text with its offsets; `lower` is its lowercase form."""

    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()


def tokens(text: str) -> list[Token]:
    """The words of `text`; a trailing full stop is kept only inside abbreviations (U.S.)."""
    found = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        end = match.end()
        if word.endswith(".") and word.count(".") == 1:
            word, end = word[:-1], end - 1
        found.append(Token(word, match.start(), end))
    return found


def _sentence_start(text: str, token: Token) -> bool:
    before = text[: token.start].rstrip(" \t\"“‘'(")
    return not before or before[-1] in ".?!:;]\n"  # "]": after a citation marker


def _can_name(text: str, token: Token) -> bool:
    """A capitalised word that can be part of a name here.

    At the start of a sentence every word is capitalised, so there it must not be a
    question or function word; inside a sentence a capital is a deliberate signal ("Doctor
    Who", "On the Freedom of a Christian").
    """
    first = token.text[0]
    if not first.isupper() or token.lower == "i":
        return False
    return not (_sentence_start(text, token) and token.lower in NOT_NAMES)


_POSSESSIVE = re.compile(r"[’']s$")


def _strip_possessive(name: str) -> str:
    return _POSSESSIVE.sub("", name)


def _joined(text: str, left: Token, right: Token) -> bool:
    """Only spaces (or an ampersand) between two words of one name; a comma ends a name."""
    return re.fullmatch(r"\s+(?:&\s+)?", text[left.end : right.start]) is not None


def _adjective(text: str, words: list[Token], first: int, last: int) -> bool:
    """ "Chinese advisers", "English translation": a nationality word before a noun."""
    word = words[first].lower
    follows = words[last + 1] if last + 1 < len(words) else None
    return (
        first == last
        and word.endswith(("ese", "ish", "ian", "ean"))
        and follows is not None
        and follows.text[0].islower()
        and _joined(text, words[last], follows)
    )


def in_code(token: Token, code: Sequence[tuple[int, int]]) -> bool:
    """Whether `token` lies inside one of the `code` spans (see `qa.text.code_terms.code_spans`)."""
    return any(start <= token.start and token.end <= end for start, end in code)


def name_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each name in `text`: runs of capitalised words, possessive dropped,
    and each piece of code whole.

    A word inside code is never a name of its own: the "T" of `Rc<T>` is a type
    parameter, and "it" in a follow-up means `Rc<T>`.
    """
    code = code_spans(text)
    words = [word for word in tokens(text) if not in_code(word, code)]
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(words):
        if not _can_name(text, words[index]):
            index += 1
            continue
        last = index
        probe = index + 1
        while (
            probe < len(words)
            and not _POSSESSIVE.search(words[probe - 1].text)  # "China's President Xi"
            and _joined(text, words[probe - 1], words[probe])
        ):
            if _can_name(text, words[probe]) or words[probe].text.isdigit():
                last = probe
                probe += 1
            elif (
                words[probe].lower in _NAME_GLUE
                and probe + 1 < len(words)
                and _can_name(text, words[probe + 1])
                and _joined(text, words[probe], words[probe + 1])
            ):
                probe += 1
            else:
                break
        if not _adjective(text, words, index, last):
            start, end = words[index].start, words[last].end
            spans.append((start, start + len(_strip_possessive(text[start:end]))))
        index = last + 1
    return sorted(spans + code)


def entities(text: str) -> list[str]:
    """The names in `text`, in order of appearance, each once."""
    names: list[str] = []
    for start, end in name_spans(text):
        if text[start:end] not in names:
            names.append(text[start:end])
    return names


def subject(text: str) -> str | None:
    """The name right after an auxiliary ("did Xi say", "was Tesla born"), if any."""
    words = tokens(text)
    for start, end in name_spans(text):
        before = [w for w in words if w.end <= start]
        if before and before[-1].lower in _AUXILIARIES:
            return text[start:end]
    return None


def conjoined(text: str) -> list[tuple[str, str, int, int]]:
    """Pairs of names joined by "and"/"or"/"vs": (first, second, span start, span end)."""
    spans = name_spans(text)
    pairs = []
    for (s1, e1), (s2, e2) in itertools.pairwise(spans):
        if re.fullmatch(r"\s*(?:,|and|or|vs\.?|versus|&)\s*", text[e1:s2], re.IGNORECASE):
            pairs.append((text[s1:e1], text[s2:e2], s1, e2))
    return pairs


def is_plural(name: str) -> bool:
    """ "Normans", "Broncos": a name that "they" can point at on its own."""
    last = name.split()[-1]
    return len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is"))


def topic_words(text: str) -> list[str]:
    """The content words of `text` (no question or function words), in order."""
    return [w.text for w in tokens(text) if terms(w.text) and w.lower not in NOT_NAMES]


# The pronoun nearest after a mention usually points back at it ("Tesla ... his patents");
# objects ("him", "her") usually point at someone else in the clause ("Temüjin rescued
# her"), so they are not read.
_PRONOUN_KIND = {
    "he": "person", "his": "person", "himself": "person",
    "she": "person", "hers": "person", "herself": "person",
    "it": "thing", "its": "thing", "itself": "thing",
    "they": "plural", "their": "plural", "them": "plural",
}  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
PERSON_MENTIONS = 5  # mentions followed by he/she before a name counts as a person
PERSON_SHARE = 0.7  # ... and the share of its pronoun-followed mentions that must be


def is_person(name: str, texts: Sequence[str]) -> bool:
    """Whether the documents clearly call `name` he or she.

    Without a tagger, the pronoun nearest after each mention (in its sentence or the
    next) says what a name is. Only a clear record counts (PERSON_MENTIONS mentions
    followed by he/she, PERSON_SHARE of those followed by any pronoun): in a text about
    one man, "he" follows nearly everything once or twice. A company, a law, a place or
    a person mentioned a few times is not known to be a person.
    """
    counts = {"person": 0, "thing": 0, "plural": 0}
    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    for text in texts:
        for match in pattern.finditer(text):
            ends = itertools.islice(_SENTENCE_END.finditer(text, match.end()), 2)
            end = ([m.end() for m in ends] or [len(text)])[-1]
            words = re.findall(r"[a-z]+", text[match.end() : end].lower())
            kinds = [_PRONOUN_KIND[w] for w in words if w in _PRONOUN_KIND]
            if kinds:
                counts[kinds[0]] += 1
    people = counts["person"]
    return people >= PERSON_MENTIONS and people >= PERSON_SHARE * sum(counts.values())
