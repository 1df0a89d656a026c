"""Labelled questions -> figures: the evaluate stage (`qa eval`, the benchmarks).

- datasets.py: question sets, SQuAD-format or our own JSON/JSONL, and their documents;
- run.py: `evaluate`, every question asked through the public pipeline (and again with its
  document removed, to measure refusal), once per configuration;
- matching.py: whether a text holds a gold answer (SQuAD normalisation, containment);
- metrics.py: where the relevant passages rank, and each configuration's `Metrics`;
- report.py: the run's `Report`: its table, worst misses, JSON and plot, and `check`;
- short_answers.py: exact match and token F1 of short answers, by SQuAD's definitions;
- tally.py: shares per group of questions (`qa eval --by kind`, the real-documents benchmark);
- conversations.py: per-turn accuracy of labelled conversations, with and without
  follow-up handling (`qa eval --conversations`).

The names callers use are here: `from qa.evaluate import evaluate, load_dataset`.
"""

from qa.evaluate.conversations import (
    ConversationReport,
    evaluate_conversations,
    load_conversations,
)
from qa.evaluate.datasets import Dataset, DatasetError, Example, file_name, load_dataset
from qa.evaluate.matching import contains_answer, normalize_answer, strip_citations
from qa.evaluate.report import KS, ConfigReport, Metrics, QuestionResult, Report, check
from qa.evaluate.run import evaluate, evaluate_config
from qa.evaluate.short_answers import exact_match, token_f1
from qa.evaluate.tally import NO_VALUE, Tally, group_table, share, tally_groups

__all__ = [
    "KS",
    "NO_VALUE",
    "ConfigReport",
    "ConversationReport",
    "Dataset",
    "DatasetError",
    "Example",
    "Metrics",
    "QuestionResult",
    "Report",
    "Tally",
    "check",
    "contains_answer",
    "evaluate",
    "evaluate_config",
    "evaluate_conversations",
    "exact_match",
    "file_name",
    "group_table",
    "load_conversations",
    "load_dataset",
    "normalize_answer",
    "share",
    "strip_citations",
    "tally_groups",
    "token_f1",
]
