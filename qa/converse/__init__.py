"""Questions in a conversation -> answers: the converse stage.

- chat.py: `Chat`, the conversation's state: its turns, repeats, what is resolved.
- turn.py: `Turn`, one question and its answer; `Answerer`, what a chat uses of its assistant.
- strategy.py: `FollowUpStrategy`, how a resolved question is searched (the previous
  answer's passages, "what else", a topic carried over), one `SearchPlan` per search.
- followup.py: a follow-up question -> the stand-alone question the person meant.
- pronouns.py: which earlier name a "he", "it" or "they" stands for.
- mentions.py: the names, subjects and topic words of a question or answer.
- parties.py: "Compare what Xi and Putin said" -> one question per party (not
  `qa eval --compare`, which compares retrieval presets).

The names callers use are here: `from qa.converse import Chat, Turn`.
"""

from qa.converse.chat import Chat
from qa.converse.followup import PreviousTurn, Resolution, resolve
from qa.converse.strategy import FollowUpStrategy, SearchPlan
from qa.converse.turn import Answerer, Turn

__all__ = [
    "Answerer",
    "Chat",
    "FollowUpStrategy",
    "PreviousTurn",
    "Resolution",
    "SearchPlan",
    "Turn",
    "resolve",
]
