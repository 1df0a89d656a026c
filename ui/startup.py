"""Loading the app's assistant without Gradio, so it can overlap Gradio's import.

Importing Gradio takes most of the app's start (5.2 s of 6.3 on the AMD EPYC benchmark
machine, docs/benchmarks.md), and loading the bundled article's cached index and model
is most of the rest. Much of loading runs outside Python's GIL (reading and hashing
files, ONNX Runtime building its session), so `python app.py` starts it on a thread
first and imports Gradio meanwhile.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future

from qa import Assistant


def default_assistant() -> Assistant:
    """The bundled article with the bundled model, loaded now rather than on the first question.

    The article's index is cached on disk (qa/store/cache.py), so only the first start embeds.
    The model runs on ONNX Runtime (`QA_BACKEND`, default "onnx"): the same vectors and
    XQuAD accuracy as torch, starting in half the time and answering about twice as fast.
    "onnx-int8" is faster again but fell 0.6 points short of torch's answer accuracy on
    XQuAD in the latest benchmark run, outside the 0.5-point bar (docs/benchmarks.md).
    torch is the fallback when ONNX is unavailable.
    """
    from embeddings import default_embedder
    from qa.answer.reader import default_reader
    from qa.loading import bundled_article_path
    from qa.store.cache import open_cached

    embedder = default_embedder()
    embedder.warm_up()
    return open_cached([bundled_article_path()], embedder=embedder, reader=default_reader())


def load_in_background() -> Future[Assistant]:
    """`default_assistant()` started on its own thread; `.result()` waits for it and
    raises whatever it raised.

    A daemon thread, so Ctrl-C (or a failed Gradio import) during start ends the program
    at once instead of waiting for the load, which on a first start includes embedding.
    """
    future: Future[Assistant] = Future()

    def load() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(default_assistant())
        except BaseException as err:  # handed to whoever asks for the result
            future.set_exception(err)

    threading.Thread(target=load, name="qa-load", daemon=True).start()
    return future
