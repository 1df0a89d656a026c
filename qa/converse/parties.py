"""Comparison questions ("compare what X and Y said": two parties) -> one question per party.

"Compare what Xi and Putin said about Afghanistan" asks for two pieces of evidence. One
search for the whole question finds whichever passage mentions both names best, often an
introduction that says nothing of either view. Asking once per party ("what Xi said about
Afghanistan", "what Putin said about Afghanistan") finds each one's own words.
"""

from __future__ import annotations

import re

from qa.converse.mentions import conjoined

# A comparison needs a cue besides two names: "Weights and Measures" or "Broncos and
# Steelers" inside a factual question are not a request to compare.
_CUE = re.compile(
    r"\b(?:compare|comparing|comparison|contrast|differ|differs|differed|difference|"
    r"differences|versus|vs|both|each|say|said|says|think|thought|view|views|position|"
    r"positions|stance)\b",
    re.IGNORECASE,
)
_OPENING = re.compile(r"^\s*(?:please\s+)?(?:compare|contrast)\s+", re.IGNORECASE)
_FILLER = re.compile(r"\s+(?:both|each)\b", re.IGNORECASE)


def comparison_queries(question: str) -> tuple[tuple[str, str], ...]:
    """(party, question for that party) for each of two named parties, or () if none.

    Example: "Compare what Xi and Putin said about Afghanistan" ->
    (("Xi", "What Xi said about Afghanistan"), ("Putin", "What Putin said about Afghanistan")).
    """
    pairs = conjoined(question)
    if not pairs or not _CUE.search(question):
        return ()
    first, second, start, end = pairs[0]
    queries = []
    for party in (first, second):
        text = question[:start] + party + question[end:]
        text = _FILLER.sub("", _OPENING.sub("", text)).strip()
        queries.append((party, text[:1].upper() + text[1:]))
    return tuple(queries)
