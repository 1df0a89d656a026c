"""What a question and a result count may be: the limits, and the checks that enforce them.

Why a module of its own: the facade (`qa.assistant`) and the conversation stage
(`qa.converse`) both refuse the same bad questions with the same messages, and the CLI
and the UI check them before a model loads. Kept here, below all of them, each imports it and
none has to import another to share it.
"""

from __future__ import annotations

import unicodedata

from qa.errors import QuestionError

MAX_QUESTION_CHARS = 2000
MAX_TOP_K = 100


def validate_question(question: object) -> str:
    """The question stripped of outer whitespace, or a QuestionError naming the problem."""
    if not isinstance(question, str):
        raise QuestionError(f"The question must be text, got {type(question).__name__}.")
    text = question.strip()
    if not text:
        raise QuestionError("The question is empty; type a question to ask.")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"The question is {len(text):,} characters long; the limit is "
            f"{MAX_QUESTION_CHARS:,}. Ask something shorter."
        )
    if "\x00" in text:
        raise QuestionError("The question contains a NUL character; remove it and ask again.")
    if any(unicodedata.category(ch) == "Cs" for ch in text):
        raise QuestionError("The question contains invalid characters (unpaired surrogates).")
    if not any(ch.isalnum() for ch in text):
        raise QuestionError("The question has no words in it, only punctuation or symbols.")
    return text


def check_k(name: str, value: object) -> int:
    """`value` if it is a whole number in 1..MAX_TOP_K, else a QuestionError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise QuestionError(f"{name} must be a whole number, got {value!r}.")
    if not 1 <= value <= MAX_TOP_K:
        raise QuestionError(f"{name} must be between 1 and {MAX_TOP_K}, got {value}.")
    return value
