"""Third-party noise kept off our output while a model loads or exports.

Why: transformers prints a "Loading weights" progress bar and a load report on every load,
and the ONNX exporter prints TracerWarnings meant for exporter authors. Our commands, the
app's first start and the API should show our progress and our errors only. The previous
settings are restored afterwards, so a caller's own logging set-up is left as it was.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_loading() -> Iterator[None]:
    """transformers' progress bars and info/warning logs off, Python warnings ignored."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
