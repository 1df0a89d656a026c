"""Follow-up questions -> stand-alone queries, from the conversation so far, without a model.

A chat question often leans on earlier turns: "What did he express satisfaction with?",
"And Putin?", "Why?", "What else did he say?". Retrieval can only find what the query
names, so each such question is rewritten into the question the person meant, using the
named things (people, places, topics) of the previous questions and answers. The rules are
deliberately conservative: a question that names its own subject is left exactly as asked,
so stand-alone questions are answered as before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from qa.mentions import (
    Token,
    conjoined,
    entities,
    is_plural,
    name_spans,
    subject,
    tokens,
    topic_words,
)
from qa.text import STOPWORDS

FollowUpKind = Literal["standalone", "continuation", "pronoun", "ellipsis", "why", "more"]

PERSON_PRONOUNS = frozenset({"he", "she", "him", "his", "her", "hers", "himself", "herself"})
THING_PRONOUNS = frozenset({"it", "its", "itself"})
PLURAL_PRONOUNS = frozenset({"they", "them", "their", "theirs", "themselves"})
POSSESSIVE_PRONOUNS = frozenset({"his", "its", "their", "theirs", "hers"})
DEMONSTRATIVES = frozenset({"that", "this", "those", "these"})
# "What is it called when..." uses "it" without pointing back at anything.
_EXPLETIVE_IT = re.compile(r"\bit\s+(?:called|known|named|mean|means|take|takes)\b", re.IGNORECASE)
_LEADS = ("what about", "how about", "and", "but", "so", "also", "ok", "okay", "then", "now")
_ELLIPSIS_LEADS = frozenset({"what about", "how about"})
_WH = frozenset({"what", "who", "whom", "whose", "when", "where", "why", "how", "which"})
_BARE_WH = re.compile(
    r"^(why|how|when|where|who|how come|what for)"
    r"(?:\s+(?:is|was|did|does|do|would)\s+(?:that|it|this|they|he|she))?(?:\s+so)?$",
    re.IGNORECASE,
)
_MORE = re.compile(r"\b(?:else|more|anything further)\b", re.IGNORECASE)
_TOPIC_PREPOSITION = re.compile(r"\b(?:about|on|regarding|concerning|of)\b", re.IGNORECASE)
_FRAGMENT_PREPOSITION = frozenset({"about", "on", "regarding", "concerning", "with", "for", "in"})
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
HISTORY_TURNS = 3  # how far back antecedents are looked for


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


@dataclass(frozen=True)
class Resolution:
    """How a question was understood.

    Attributes:
        question: the question as asked.
        query: the stand-alone question to search for (equal to `question` when it stands
            alone).
        kind: "standalone", or which kind of follow-up it is: "continuation" ("And what did
            Putin say...", full question after a connective), "pronoun" (he/it/they),
            "ellipsis" ("and Putin?"), "why" (a bare "why?", "how?"), "more" ("what else?").
        carried: the names or topic words taken from earlier turns.
        use_prior: the previous turn's passages should stay in view for this one.
        exclude_previous: sentences already quoted in the chat should not be quoted again.
        alternatives: other readings worth trying when the words alone cannot decide ("and
            Afghanistan?" may swap the person or the topic); the caller tries them in order
            when the preferred reading finds nothing.
        wording: the words to match answer sentences against ("" = `query`). For a
            pronoun question these are its own words: the name finds the right passage,
            but documents say "he" too ("'Only the wearer knows whether the shoe fits,' he
            said."), and the name would count against such a sentence.
    """

    question: str
    query: str
    kind: FollowUpKind = "standalone"
    carried: tuple[str, ...] = ()
    use_prior: bool = False
    exclude_previous: bool = False
    alternatives: tuple[str, ...] = ()
    wording: str = ""

    @property
    def is_follow_up(self) -> bool:
        return self.kind != "standalone"

    @property
    def answer_wording(self) -> str:
        return self.wording or self.query


def resolve(question: str, history: Sequence[PreviousTurn]) -> Resolution:
    """Rewrite `question` into a stand-alone query using `history` (oldest turn first).

    Questions that need nothing from earlier turns come back unchanged with kind
    "standalone"; so does every question of a conversation's first turn.
    """
    question = question.strip()
    recent = list(history)[-HISTORY_TURNS:][::-1]  # newest first
    if not recent:
        return Resolution(question, question)
    lead, body = _split_lead(question)
    if not body:
        return Resolution(question, question)
    if _BARE_WH.match(_bare(body)):
        return _why(question, _bare(body), recent[0])
    if _MORE.search(body) and not entities(body):
        return _more(question, body, recent)
    if lead in _ELLIPSIS_LEADS or (lead and _is_fragment(body)):
        return _ellipsis(question, body, recent[0])
    rewritten, carried = _replace_pronouns(body, recent)
    if carried:
        return Resolution(question, rewritten, "pronoun", carried, use_prior=True, wording=body)
    if _ends_with_demonstrative(body):
        topic = tuple(topic_words(recent[0].query))
        return Resolution(
            question, f"{_bare(body)} {' '.join(topic)}".strip(), "pronoun", topic, use_prior=True
        )
    if lead:
        return Resolution(question, body, "continuation")
    return Resolution(question, question)


def _split_lead(question: str) -> tuple[str, str]:
    """("and", "what did Putin say?") for "And what did Putin say?"; ("", q) without one."""
    lowered = question.lower()
    for lead in _LEADS:
        if re.match(rf"{lead}\b", lowered):
            rest = question[len(lead) :].lstrip(" ,;:-")
            return lead, rest
    return "", question


def _bare(text: str) -> str:
    return text.strip().rstrip("?!. ").strip()


def _is_fragment(body: str) -> bool:
    """A fragment such as "Putin?" or "about vaccines?": no question word, no verb."""
    words = tokens(body)
    return (
        bool(words)
        and words[0].lower not in _WH
        and len(words) <= 5
        and not any(
            w.lower in {"did", "does", "do", "is", "are", "was", "were", "say", "said"}
            for w in words
        )
    )


def _why(question: str, wh: str, previous: PreviousTurn) -> Resolution:
    """A bare "Why?" asks the previous question again with another question word."""
    rest = _without_question_word(previous.query)
    word = wh.split()[0].capitalize()
    return Resolution(question, f"{word} {rest}".strip(), "why", (rest,), use_prior=True)


def _more(question: str, body: str, recent: list[PreviousTurn]) -> Resolution:
    """For "What else did he say?": the same subject, sentences not quoted yet."""
    core = _MORE.sub(" ", body)
    core, carried = _replace_pronouns(core, recent)
    core = " ".join(_bare(core).split())
    if not topic_words(core):
        core = recent[0].query
        carried = (core,)
    return Resolution(question, core, "more", carried, use_prior=True, exclude_previous=True)


def _ellipsis(question: str, body: str, previous: PreviousTurn) -> Resolution:
    """For "And Putin?" swap the previous subject; for "and the war?" its topic."""
    fragment = _bare(body)
    words = tokens(fragment)
    names = entities(fragment)
    base = _bare(previous.query)
    matches = list(_TOPIC_PREPOSITION.finditer(base))
    if words and words[0].lower in _FRAGMENT_PREPOSITION:
        fragment = fragment[words[0].end :].strip()
        names = []
    topic_swap = f"{base[: matches[-1].end()]} {fragment}?" if matches else f"{base} {fragment}?"
    names_before = entities(base)
    old = subject(base) or (names_before[0] if names_before else None)
    if names and old:
        person_swap = base.replace(old, names[0], 1) + "?"
        others = (topic_swap,) if matches else ()
        return Resolution(question, person_swap, "ellipsis", (base,), alternatives=others)
    return Resolution(question, topic_swap, "ellipsis", (base,))


def _without_question_word(query: str) -> str:
    words = tokens(query)
    if words and words[0].lower in _WH:
        return _bare(query[words[0].end :])
    return _bare(query)


def _ends_with_demonstrative(body: str) -> bool:
    words = tokens(body)
    return bool(words) and words[-1].lower in DEMONSTRATIVES


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
    heads = _noun_heads(words[:position])
    if word in THING_PRONOUNS:
        return not any(not is_plural(head) for head in heads)
    if word in PLURAL_PRONOUNS:
        return not any(is_plural(w.text) for w in words[:position] if topic_words(w.text))
    return True


def _noun_heads(words: list[Token]) -> list[str]:
    """The noun after each article ("the first problem" -> "problem"), skipping modifiers."""
    heads = []
    for index, word in enumerate(words):
        if word.lower not in _DETERMINERS:
            continue
        for follower in words[index + 1 : index + 4]:
            if follower.lower in STOPWORDS:
                break
            if follower.lower not in _MODIFIERS:
                heads.append(follower.text)
                break
    return heads


def _replace_pronouns(body: str, recent: list[PreviousTurn]) -> tuple[str, tuple[str, ...]]:
    """`body` with each dangling pronoun replaced by its antecedent, and the names used."""
    words = tokens(body)
    pieces: list[str] = []
    carried: list[str] = []
    done: set[str] = set()
    position = 0
    for index, word in enumerate(words):
        group = _pronoun_group(word.lower)
        if group is None or group in done or not _dangling(words, index, body):
            continue
        # Only the first pronoun is replaced: the rest now point at the name it became
        # ("How did he finance his work?" -> "How did Tesla finance his work?").
        done.add(group)
        antecedent = _antecedent(group, recent)
        if antecedent is None:
            continue
        possessive = word.lower in POSSESSIVE_PRONOUNS or (
            word.lower == "her" and _before_noun(words, index)
        )
        antecedent_text = f"{antecedent}'s" if possessive else antecedent
        pieces.extend([body[position : word.start], antecedent_text])
        position = word.end
        if antecedent not in carried:
            carried.append(antecedent)
    pieces.append(body[position:])
    return "".join(pieces), tuple(carried)


def _before_noun(words: list[Token], index: int) -> bool:
    """True when "her" is possessive ("her wife"), not an object at the end ("ask her")."""
    return index + 1 < len(words) and words[index + 1].lower not in _WH


def _pronoun_group(word: str) -> str | None:
    if word in PERSON_PRONOUNS:
        return "person"
    if word in THING_PRONOUNS:
        return "thing"
    if word in PLURAL_PRONOUNS:
        return "plural"
    return None


def _antecedent(group: str, recent: list[PreviousTurn]) -> str | None:
    """The name a pronoun most likely points at, newest turn first.

    Without a tagger the choice is by position: a person pronoun takes the grammatical
    subject ("did Xi say" -> Xi), "it" the last thing named, "they" a plural name or the
    names of both parties ("Xi and Putin"). After a "who" question the person is the one
    the answer named ("Who sang the anthem?" ... "How many Grammys has she won?"), unless
    the question was about someone's people ("Who were Kublai's advisers?"): then the
    conversation is still about Kublai.
    """
    for turn in recent:
        names = entities(turn.query)
        if _asks_name(turn.query) and not _POSSESSOR.search(turn.query):
            answered = _answer_names(turn)
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


def _asks_name(query: str) -> bool:
    """Questions answered by a name: "Who ...?", "Which ...?", "What was the name of ...?"."""
    return bool(_NAME_QUESTION.match(query))


def _answer_names(turn: PreviousTurn) -> list[str]:
    """Names the answer adds to its question, nearest to the question's words first.

    An answer sentence names several people; the one it gives as the answer usually
    stands next to the words it shares with the question ("Lady Gaga performed the
    national anthem").
    """
    asked = {w.lower for w in tokens(turn.query)}
    shared = [w for w in tokens(turn.answer) if w.lower in asked and topic_words(w.text)]
    fresh = [
        (start, end)
        for start, end in name_spans(turn.answer)
        if turn.answer[start:end].lower() not in turn.query.lower()
    ]

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
        return (others or names)[-1]
    plural = [n for n in names if is_plural(n)]
    if plural:
        return plural[0]
    pairs = conjoined(text)
    if pairs:
        return f"{pairs[0][0]} and {pairs[0][1]}"
    return _plural_phrase(text) or main or names[0]


_NAME_QUESTION = re.compile(
    r"\s*(?:who|whom|whose|which|what (?:is|was|are|were) the names? of)\b", re.IGNORECASE
)
_POSSESSOR = re.compile(r"\b[A-Z][\w-]*[’']s\b")


def _plural_phrase(query: str) -> str | None:
    """A plural noun phrase, like "the two leaders" in "What did the two leaders agree on?"."""
    asked = re.search(r"\b(?:what|which|how many)\s+(\w+s)\b", query, re.IGNORECASE)
    if asked and is_plural(asked.group(1)):
        return f"the {asked.group(1)}"  # "What strains ..." -> "they" are the strains
    match = re.search(r"\b(?:the|both)\s+(?:\w+\s+)?\w+s\b", query, re.IGNORECASE)
    return match.group(0) if match else None
