"""Which pronouns of a question point back to earlier turns, and at what.

The second half of follow-up resolution (`qa.converse.followup` decides what kind of follow-up a
question is): "he", "it", "they" and their forms are replaced by the name they most
likely stand for, chosen by position and number alone. English questions make that
workable: a pronoun bound inside its own question ("Where was Tesla born and when did
he die?") is left alone, one that is not takes the subject, the answered name or the
plural of an earlier turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from qa.converse.mentions import (
    Token,
    conjoined,
    entities,
    in_code,
    is_plural,
    name_spans,
    subject,
    tokens,
    topic_words,
)
from qa.text import STOPWORDS
from qa.text.code_terms import code_spans

PERSON_PRONOUNS = frozenset({"he", "she", "him", "his", "her", "hers", "himself", "herself"})
THING_PRONOUNS = frozenset({"it", "its", "itself"})
PLURAL_PRONOUNS = frozenset({"they", "them", "their", "theirs", "themselves"})
POSSESSIVE_PRONOUNS = frozenset({"his", "its", "their", "theirs", "hers"})
# "What is it called when..." uses "it" without pointing back at anything.
_EXPLETIVE_IT = re.compile(r"\bit\s+(?:called|known|named|mean|means|take|takes)\b", re.IGNORECASE)
_DO = frozenset({"do", "does", "did", "done", "doing"})
_QUESTION_WORDS = frozenset(
    {"what", "who", "whom", "whose", "when", "where", "why", "how", "which"}
)
_DETERMINERS = frozenset(
    {"the", "a", "an", "this", "that", "these", "those", "both", "what", "which"}
)
_CLAUSE_BREAK = re.compile(
    r"[,;]|\b(?:and|but|when|while|after|before|because|since|until|if|that|who|which)\b",
    re.IGNORECASE,
)
# Words between an article and its noun: "the two leaders", "the first problem".
_MODIFIERS = frozenset(
    {"two", "three", "four", "five", "first", "second", "third", "last", "next", "main",
     "new", "old", "other", "same", "whole", "most", "best", "only", "very"}
)  # fmt: skip


@dataclass(frozen=True)
class PreviousTurn:
    """What resolution needs from an earlier turn.

    Attributes:
        query: the turn's question as it was searched (already resolved), so references
            chain: "he" in turn 3 can point at a name that turn 2 itself inherited.
        answer: the answer text ("" when nothing was found).
    """

    query: str
    answer: str = ""


def _dangling(words: list[Token], position: int, body: str) -> bool:
    """True when the pronoun at `position` can only point back to an earlier turn.

    It does not when a name comes before it in the same question ("Where was Tesla born
    and when did he die?"), nor when a noun phrase of matching number does: "it" after
    "the plague" ("What caused the plague and how did it spread?"), "they" after a plural
    ("What did he tell monks and nuns about their vows?"). "What did the leaders call
    it?" still points back: "it" cannot be the leaders.
    """
    before = body[: words[position].start]
    word = words[position].lower
    if entities(before) and (word in POSSESSIVE_PRONOUNS or _CLAUSE_BREAK.search(before)):
        # "How did Tesla finance his work?", "Where was Tesla born and when did he die?";
        # but in "How many Grammys has she won?" a name in the same clause is no antecedent.
        return False
    if word in THING_PRONOUNS and _EXPLETIVE_IT.search(body[words[position].start :]):
        return False
    if (
        word == "it"
        and position
        and words[position - 1].lower in _DO
        and re.match(r"\s*(?:[?!.,;]|$)", body[words[position].end :])
    ):
        return False  # "When did he do it?": the action; "did it reach" is a subject
    # A subject or object "it" cannot be its own clause's questioned noun ("In what year
    # was it passed?", "What type of school did it recognize?": the year and the school
    # are not "it"); a possessive can ("What war marks the anniversary of its end?").
    heads = _noun_heads(words[:position], questioned=word not in ("it", "itself"))
    if word in THING_PRONOUNS:
        return not any(not is_plural(head) for head in heads)
    if word in PLURAL_PRONOUNS:
        return not any(is_plural(w.text) for w in words[:position] if topic_words(w.text))
    return True


def _noun_heads(words: list[Token], *, questioned: bool = True) -> list[str]:
    """The noun after each article ("the first problem" -> "problem"), skipping modifiers;
    with `questioned` False, not the noun after "what" or "which".

    `words` ends just before a pronoun. A word between "what" and that pronoun is its
    verb, not a noun ("What brought it to a stop?"; compare "What war marks its end?").
    """
    heads = []
    for index, word in enumerate(words):
        if word.lower not in _DETERMINERS or (not questioned and word.lower in ("what", "which")):
            continue
        for follower in words[index + 1 : index + 4]:
            if follower.lower in STOPWORDS:
                break
            if word.lower in ("what", "which") and follower is words[-1]:
                break
            if follower.lower not in _MODIFIERS:
                heads.append(follower.text)
                break
    return heads


def replace_pronouns(
    body: str, recent: list[PreviousTurn], person: Callable[[str], bool] | None = None
) -> tuple[str, tuple[str, ...]]:
    """`body` with each dangling pronoun replaced by its antecedent, and the names used.

    `person` says whether the documents call a name he or she (see `antecedent`).
    """
    words = tokens(body)
    code = code_spans(body)  # "`it`" in code is an identifier, not a pronoun
    pieces: list[str] = []
    carried: list[str] = []
    done: set[str] = set()
    position = 0
    for index, word in enumerate(words):
        group = _pronoun_group(word.lower)
        if group is None or group in done or in_code(word, code):
            continue
        if not _dangling(words, index, body):
            continue
        # Only the first pronoun is replaced: the rest now point at the name it became
        # ("How did he finance his work?" -> "How did Tesla finance his work?").
        done.add(group)
        name = antecedent(group, recent, person)
        if name is None or name in carried:
            continue  # "When did they win it?": "it" cannot be the team "they" became
        possessive = word.lower in POSSESSIVE_PRONOUNS or (
            word.lower == "her" and _before_noun(words, index)
        )
        antecedent_text = f"{name}'s" if possessive else name
        pieces.extend([body[position : word.start], antecedent_text])
        position = word.end
        if name not in carried:
            carried.append(name)
    pieces.append(body[position:])
    return "".join(pieces), tuple(carried)


def _before_noun(words: list[Token], index: int) -> bool:
    """True when "her" is possessive ("her wife"), not an object at the end ("ask her")."""
    return index + 1 < len(words) and words[index + 1].lower not in _QUESTION_WORDS


def _pronoun_group(word: str) -> str | None:
    if word in PERSON_PRONOUNS:
        return "person"
    if word in THING_PRONOUNS:
        return "thing"
    if word in PLURAL_PRONOUNS:
        return "plural"
    return None


def antecedent(
    group: str, recent: list[PreviousTurn], person: Callable[[str], bool] | None = None
) -> str | None:
    """The name a pronoun most likely points at, newest turn first.

    Without a tagger the choice is by position: a person pronoun takes the grammatical
    subject ("did Xi say" -> Xi), "it" the last thing named, "they" a plural name or the
    names of both parties ("Xi and Putin"). After a "who" question the person is the one
    the answer named ("Who sang the anthem?" ... "How many Grammys has she won?"), unless
    the question was about someone's people ("Who were Kublai's advisers?"): then the
    conversation is still about Kublai. `person` (name -> whether the documents call it
    he or she) keeps "it" off people named by such an answer.
    """
    for turn in recent:
        names = entities(turn.query)
        if _asks_name(turn.query, group) and not _POSSESSOR.search(turn.query):
            answered = _answer_names(turn)
            if group == "thing" and person is not None:
                # "What was the name of the company...?": "it" is the thing the answer
                # named, not a possessor there ("in Tesla's name") nor a person.
                answered = [a for a in answered if not _possessor(a, turn.answer) and not person(a)]
            if answered:
                return _people(group, answered, turn)
        if names:
            return _pick(group, names, turn.query)
        if group == "plural" and (topic := _plural_phrase(turn.query)):
            return topic
    for turn in recent:
        names = entities(turn.answer)
        if names:
            return _pick(group, names, turn.answer)
    return None


def _possessor(name: str, text: str) -> bool:
    """Whether every mention of `name` in `text` is a possessor ("Tesla's name")."""
    mentions = re.findall(rf"(?<!\w){re.escape(name)}(?!\w)([’']s\b)?", text)
    return bool(mentions) and all(mentions)


def _asks_name(query: str, group: str) -> bool:
    """Questions answered by a name of the pronoun's kind: "Who ...?" answers with a
    person (he, she, they), "Which ...?" or "What was the name of ...?" with anything."""
    match = _NAME_QUESTION.match(query)
    if match is None:
        return False
    return group != "thing" or match.group(1).lower() not in _WHO


def _answer_names(turn: PreviousTurn) -> list[str]:
    """Names the answer adds to its question, nearest to the question's words first.

    An answer sentence names several people; the one it gives as the answer usually
    stands next to the words it shares with the question ("Lady Gaga performed the
    national anthem").
    """
    asked = {w.lower for w in tokens(turn.query)}
    spans = name_spans(turn.answer)
    shared = [
        w
        for w in tokens(turn.answer)
        if w.lower in asked
        and topic_words(w.text)
        and not any(s <= w.start and w.end <= e for s, e in spans)  # "River" of "River of May"
    ]
    fresh = [(s, e) for s, e in spans if turn.answer[s:e].lower() not in turn.query.lower()]

    def distance(span: tuple[int, int]) -> int:
        # A name before the shared words is usually their subject ("Lady Gaga performed
        # the national anthem, while ... Marlee Matlin"), so names after count double.
        if not shared:
            return span[0]
        return min(
            w.start - span[1] if span[1] <= w.start else 2 * abs(span[0] - w.end) for w in shared
        )

    return [turn.answer[s:e] for s, e in sorted(fresh, key=distance)]


def _people(group: str, answered: list[str], turn: PreviousTurn) -> str:
    """The answered name, or for "they" the answered pair or asker and answer together."""
    if group != "plural":
        return answered[0]
    for first, second, _, _ in conjoined(turn.answer):
        if answered[0] in (first, second):
            return f"{first} and {second}"
    main = subject(turn.query)
    return f"{main} and {answered[0]}" if main else answered[0]


def _pick(group: str, names: list[str], text: str) -> str:
    main = subject(text)
    if group == "person":
        return main or names[0]
    if group == "thing":
        others = [n for n in names if n != main]
        return _possession(text, (others or names)[-1])
    plural = [n for n in names if is_plural(n)]
    if plural:
        return plural[0]
    pairs = conjoined(text)
    if pairs:
        return f"{pairs[0][0]} and {pairs[0][1]}"
    return _plural_phrase(text) or main or names[0]


_NAME_QUESTION = re.compile(
    r"\s*(who|whom|whose|which|what (?:is|was|are|were) the names? of)\b", re.IGNORECASE
)
_WHO = frozenset({"who", "whom", "whose"})
_VERBS = frozenset({"say", "said", "do", "did", "think", "mean", "want", "have", "had"})
_POSSESSOR = re.compile(r"\b[A-Z][\w-]*[’']s\b")


def _possession(text: str, name: str) -> str:
    """ "Warsaw's first stock exchange" for Warsaw: "it" is the thing, not its owner;
    "South African law" for "What South African law...": a name between a question
    word and a noun describes that noun, which is what was asked about."""
    asked = re.search(rf"\b(?:what|which)\s+{re.escape(name)}\s+([a-z][\w-]*)", text, re.I)
    if asked and asked.group(1) not in STOPWORDS and asked.group(1) not in _VERBS:
        return f"{name} {asked.group(1)}"
    match = re.search(rf"{re.escape(name)}[’']s((?:\s+[\w-]+){{1,3}})", text)
    if not match:
        return name
    words: list[str] = []
    for word in match.group(1).split():
        if word.lower() in STOPWORDS or (words and word.lower().endswith("ed")):
            break
        words.append(word)
    return f"{name}'s {' '.join(words)}" if words else name


def _plural_phrase(query: str) -> str | None:
    """A plural noun phrase, like "the two leaders" in "What did the two leaders agree on?"."""
    asked = re.search(r"\b(?:what|which)\s+(\w+s)\b", query, re.IGNORECASE)
    if asked and is_plural(asked.group(1)):
        return f"the {asked.group(1)}"  # "What strains ..." -> "they" are the strains
    match = re.search(r"\b(?:the|both)\s+(?:\w+\s+)?\w+s\b", query, re.IGNORECASE)
    return match.group(0) if match else None
