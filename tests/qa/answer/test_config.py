"""The answering settings are checked when they are made, each message naming the setting."""

from __future__ import annotations

import pytest

from qa.answer.config import AnsweringConfig


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"passages": 0}, r"passages must be at least 1, got 0\."),
        ({"threshold": 1.5}, r"threshold must be between 0 and 1, got 1\.5\."),
        ({"calibration": (1.0, 2.0)}, r"calibration must hold \d+ weights and an intercept\."),
    ],
)
def test_settings_are_validated(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AnsweringConfig(**settings)  # type: ignore[arg-type]
