"""Loading the app's assistant without Gradio, so it can overlap Gradio's import.

Importing Gradio takes most of the app's start, and loading the bundled article's cached
index and model is most of the rest (docs/benchmarks.md). Much of loading runs outside
Python's GIL (reading and hashing files, ONNX Runtime building its session), so
`python app.py` starts it on a thread first and imports Gradio meanwhile.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future

from qa import Assistant, open_bundled


def load_in_background() -> Future[Assistant]:
    """`qa.open_bundled()` started on its own thread; `.result()` waits for it and
    raises whatever it raised.

    A daemon thread, so Ctrl-C (or a failed Gradio import) during start ends the program
    at once instead of waiting for the load, which on a first start includes embedding.
    """
    future: Future[Assistant] = Future()

    def load() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(open_bundled())
        except BaseException as err:  # handed to whoever asks for the result
            future.set_exception(err)

    threading.Thread(target=load, name="qa-load", daemon=True).start()
    return future
