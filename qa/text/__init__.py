"""Text -> the terms that lexical search and answer selection match on.

- words.py: the shared English word list (stop words), Unicode folding and word terms;
- code_terms.py: what a code-looking token adds: its symbols whole, its identifier parts.

The word names callers use are here: `from qa.text import STOPWORDS, fold, terms`. The
code-term helpers are imported from `qa.text.code_terms` itself, since its function of
the same name would shadow the module here.
"""

from qa.text.words import STOPWORDS, fold, terms

__all__ = ["STOPWORDS", "fold", "terms"]
