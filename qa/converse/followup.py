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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from qa.converse.mentions import entities, subject, tokens, topic_words
from qa.converse.pronouns import PreviousTurn, replace_pronouns

__all__ = ["FollowUpKind", "PreviousTurn", "Resolution", "resolve"]

FollowUpKind = Literal["standalone", "continuation", "pronoun", "ellipsis", "why", "more"]

DEMONSTRATIVES = frozenset({"that", "this", "those", "these"})
_LEADS = ("what about", "how about", "and", "but", "so", "also", "ok", "okay", "then", "now")
_ELLIPSIS_LEADS = frozenset({"what about", "how about"})
_WH = frozenset({"what", "who", "whom", "whose", "when", "where", "why", "how", "which"})
_BARE_WH = re.compile(
    r"^(why|how|when|where|who|how come|what for)"
    r"(?:\s+(?:is|was|did|does|do|would)\s+(?:that|it|this|they|he|she))?(?:\s+so)?$",
    re.IGNORECASE,
)
# "more" only as a request ("tell me more", "anything more?"), never as a comparative
# ("When did the campus start to look more modern?").
_MORE = re.compile(
    r"\belse\b|\b(?:tell me|anything|something|what|any|say|said)\s+more\b|^\W*more\W*$"
    r"|\banything further\b",
    re.IGNORECASE,
)
_TOPIC_PREPOSITION = re.compile(r"\b(?:about|on|regarding|concerning|of)\b", re.IGNORECASE)
_FRAGMENT_PREPOSITION = frozenset({"about", "on", "regarding", "concerning", "with", "for", "in"})
_AUXILIARIES = frozenset(
    {"did", "does", "do", "was", "is", "were", "are", "has", "have", "had", "will", "would",
     "can", "could", "should"}
)  # fmt: skip
HISTORY_TURNS = 3  # how far back antecedents are looked for


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


def resolve(
    question: str,
    history: Sequence[PreviousTurn],
    person: Callable[[str], bool] | None = None,
) -> Resolution:
    """Rewrite `question` into a stand-alone query using `history` (oldest turn first).

    Questions that need nothing from earlier turns come back unchanged with kind
    "standalone"; so does every question of a conversation's first turn. `person` (name
    -> whether the documents call it he or she) keeps "it" off people.
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
        return _more(question, body, recent, person)
    if lead in _ELLIPSIS_LEADS or (lead and _is_fragment(body)):
        return _ellipsis(question, body, recent[0])
    rewritten, carried = replace_pronouns(body, recent, person)
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


def _more(
    question: str,
    body: str,
    recent: list[PreviousTurn],
    person: Callable[[str], bool] | None = None,
) -> Resolution:
    """For "What else did he say?": the same subject, sentences not quoted yet."""
    core = _MORE.sub(" ", body)
    core, carried = replace_pronouns(core, recent, person)
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
    """The question after its question word: "In what year did X end" -> "did X end"."""
    words = tokens(query)
    for index, word in enumerate(words[:3]):
        if word.lower in _WH:
            # Skip the rest of the question phrase up to its verb ("what year did").
            verbs = [w for w in words[index + 1 : index + 4] if w.lower in _AUXILIARIES]
            return _bare(query[(verbs[0].start if verbs else word.end) :])
    return _bare(query)


def _ends_with_demonstrative(body: str) -> bool:
    words = tokens(body)
    return bool(words) and words[-1].lower in DEMONSTRATIVES
