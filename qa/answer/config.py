"""The answering settings: how many passages are read, the fitted weights, the thresholds.

The weights are fitted, not set by hand: `python -m benchmarks.fit_sentences` fits the
sentence model and `python -m benchmarks.calibrate` the confidence. What each fit measured
is in docs/evaluation.md and docs/benchmarks.md, not here, where figures go stale.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from qa.answer.short import ShortAnswerConfig


@dataclass(frozen=True)
class AnsweringConfig:
    """How the answer sentences are chosen and how sure we are of them.

    Attributes:
        passages: how many of the top passages are searched for the answer sentence.
        second_ratio: a second sentence is added when its probability of holding the
            answer reaches this share of the best one's; it must come from another
            passage or sit right next to the best one (one highlighted span per source).
        max_answer_chars: two sentences are given only if together they fit in this.
        sentence_model: logistic weights for sentence_features() followed by the intercept.
        calibration: logistic weights for evidence_features() followed by the intercept.
        threshold: confidence below which the reply is "the documents don't say".
        use_reader: answer with the trained reader when the collection has one; False
            falls back to the sentence model alone (the browser's and the API's switch).
        short: when the reader's phrase is given as the short answer (qa/answer/short.py).
    """

    passages: int = 3
    use_reader: bool = True
    # The reader reads only this many of the candidate sentences, the best by the
    # reader-free sentence model (None: all of them). Reading costs one MiniLM pass per
    # sentence and long structured passages hold dozens; a short shortlist answers as
    # reading all of them does, at a fraction of the reading (docs/reader.md,
    # docs/benchmarks.md).
    reader_sentences: int | None = 6
    # Past those, more sentences are read while all the text read stays within this many
    # characters (0: none). A documentation page's candidates are short lines (commands,
    # table rows, list items) that crowd the shortlist; prose sentences fill the budget
    # with the first six, so XQuAD reads what it read before. See docs/evaluation.md.
    reader_chars: int = 1000
    second_ratio: float = 0.15
    max_answer_chars: int = 500
    # A list, code block or table row quoted with its lead-in, caption or header row
    # (qa/answer/structured.py) may run to this many characters.
    max_structure_chars: int = 800
    # Fitted by `python -m benchmarks.fit_sentences` on the even XQuAD articles plus the
    # paraphrased development questions on them (tests/data/paraphrase_dev.jsonl) as a
    # ranking, then scaled to probabilities; checked on the odd articles. The weight on the
    # word-level match (the 9th) is the largest. A model that gives no token vectors gets
    # its pooled cosine in that place, a weaker stand-in these weights were not fitted for
    # (docs/evaluation.md).
    sentence_model: tuple[float, ...] = (
        1.4143, 0.1173, 2.3067, 0.6317, 0.5591, -0.9292, -0.0399, -0.287, 6.6345, -8.1502,
    )  # fmt: skip
    # Fitted by `python -m benchmarks.calibrate` on the even XQuAD articles (with and
    # without each question's article) and the paraphrase development set; the threshold
    # is set by the share of the even articles' removed-article questions it refuses, and
    # the odd articles are the held-out check (`qa eval --half odd`; docs/evaluation.md).
    calibration: tuple[float, ...] = (0.2891, 2.8121, 0.3505, 3.1403, -1.4023, 7.7856, -6.5919)
    threshold: float = 0.2825
    # With the trained reader (qa/answer/reader.py): the same fits with the reader's
    # log-odds as one more sentence feature and one more evidence feature, by the same two
    # commands with the reader on (`--index` of the XQuAD articles; QA_READER unset).
    # fit_sentences' refit equals these weights; what calibrate measured is in
    # docs/benchmarks.md.
    reader_sentence_model: tuple[float, ...] = (
        0.3518, -1.5726, 1.9122, 1.0594, 0.3788, -0.6296, 0.1456, -0.2709, 2.2626, 0.522, -5.3269,
    )  # fmt: skip
    reader_calibration: tuple[float, ...] = (
        0.6146, 1.7848, -0.3649, 4.3575, -0.543, 2.7753, 0.2102, -3.4576,
    )  # fmt: skip
    reader_threshold: float = 0.3021
    # Settings(reader_token_vectors=False) drops the token vectors; its pooled-only fit
    # (`python -m benchmarks.token_vectors`) is in docs/benchmarks.md, not shipped.
    short: ShortAnswerConfig = field(default_factory=ShortAnswerConfig)

    def __post_init__(self) -> None:
        if self.passages < 1:
            raise ValueError(f"passages must be at least 1, got {self.passages}.")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {self.threshold}.")
        if not self.second_ratio >= 0.0:
            raise ValueError(f"second_ratio must be 0 or more, got {self.second_ratio}.")
        if self.reader_sentences is not None and self.reader_sentences < 1:
            raise ValueError(
                f"reader_sentences must be 1 or more (or None), got {self.reader_sentences}."
            )
        if self.reader_chars < 0:
            raise ValueError(f"reader_chars must be 0 or more, got {self.reader_chars}.")
        if not 0.0 <= self.reader_threshold <= 1.0:
            raise ValueError(
                f"reader_threshold must be between 0 and 1, got {self.reader_threshold}."
            )
        if len(self.calibration) != 7:
            raise ValueError("calibration must hold 6 weights and an intercept.")
        if len(self.sentence_model) != 10:
            raise ValueError("sentence_model must hold 9 weights and an intercept.")
        if len(self.reader_calibration) != 8:
            raise ValueError("reader_calibration must hold 7 weights and an intercept.")
        if len(self.reader_sentence_model) != 11:
            raise ValueError("reader_sentence_model must hold 10 weights and an intercept.")

    def sentence_weights(self, reader: bool) -> tuple[float, ...]:
        """The sentence model for answering with the reader, or without it."""
        return self.reader_sentence_model if reader else self.sentence_model

    def calibration_weights(self, reader: bool) -> tuple[tuple[float, ...], float]:
        """The confidence's weights and threshold, with the reader or without it."""
        if reader:
            return self.reader_calibration, self.reader_threshold
        return self.calibration, self.threshold

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
