"""Questions in a conversation -> answers: the converse stage.

- chat.py: `Chat`, a conversation's turns, and how each question is searched in their
  context (the previous answer's passages, "what else", a topic carried over).
- followup.py: a follow-up question -> the stand-alone question the person meant.
- pronouns.py: which earlier name a "he", "it" or "they" stands for.
- mentions.py: the names, subjects and topic words of a question or answer.
- parties.py: "Compare what Xi and Putin said" -> one question per party (not
  `qa eval --compare`, which compares retrieval presets).

The names callers use are here: `from qa.converse import Chat, Turn`.
"""

from qa.converse.chat import Answerer, Chat, SearchPlan, Turn
from qa.converse.followup import PreviousTurn, Resolution, resolve

__all__ = ["Answerer", "Chat", "PreviousTurn", "Resolution", "SearchPlan", "Turn", "resolve"]
