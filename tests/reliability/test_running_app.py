"""Issue 6, items 9 (the running app's half), 11 (the UI half) and 12, against the served app.

The app (chat and REST) runs in this process on a free loopback port with the fake
encoder, so handlers can be observed directly; the load test runs a second time against
the app as `python app.py` serves it (the real MiniLM on ONNX Runtime int8), in a server
process of its own. Gradio's queue is driven with raw HTTP (`/gradio_api/queue/join` and
its event stream), as a hostile client would, and with `gradio_client`, as a script would.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import reliability_harness as harness

from qa import Assistant
from ui.sessions import Session

SECRET = "zq-secret-token-7731"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shared() -> Assistant:
    return Assistant.from_texts(
        ["Lanterns light the harbour at night. The falcon nests in the old tower."],
        embedder=harness.FakeEncoder(),
    )


@pytest.fixture(scope="module")
def url(shared: Assistant) -> Iterator[str]:
    with harness.live_server(shared) as served:
        yield served


@pytest.fixture(scope="module")
def secret(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file outside every directory the app may serve or read."""
    path = tmp_path_factory.mktemp("outside") / "secret.txt"
    path.write_text(f"The launch code is {SECRET}.", encoding="utf-8")
    return path


def _dependency(url: str, event: str, elem_id: str) -> tuple[int, int]:
    """(fn_index, trigger id) of the event `event` on the component with `elem_id`."""
    config = httpx.get(f"{url}/config").json()
    ids = {c["id"]: c.get("props", {}).get("elem_id") for c in config["components"]}
    for index, dependency in enumerate(config["dependencies"]):
        for target, kind in dependency["targets"]:
            if kind == event and ids.get(target) == elem_id:
                return index, target
    raise LookupError(f"no {event} event on #{elem_id}")


def call_event(url: str, fn_index: int, trigger: int, data: list[Any]) -> list[dict[str, Any]]:
    """Join Gradio's queue as the browser does; every message of the event, in order."""
    session = uuid.uuid4().hex
    body = {
        "data": data,
        "event_data": None,
        "fn_index": fn_index,
        "trigger_id": trigger,
        "session_hash": session,
    }
    joined = httpx.post(f"{url}/gradio_api/queue/join", **_json(body), timeout=30)
    if joined.status_code != 200:
        return [{"msg": "refused", "status": joined.status_code, "body": joined.text}]
    messages = []
    with httpx.stream(
        "GET", f"{url}/gradio_api/queue/data", params={"session_hash": session}, timeout=60
    ) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                message = json.loads(line[5:])
                messages.append(message)
                if message.get("msg") in ("process_completed", "close_stream"):
                    break
    return messages


def _json(body: object) -> dict[str, Any]:
    """Request arguments for a JSON body; escaped, so a lone surrogate can be sent as JSON
    allows ("\\ud800"), which httpx's own encoder refuses."""
    return {"content": json.dumps(body), "headers": {"content-type": "application/json"}}


@pytest.fixture
def seen_uploads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path that reaches the session's upload method."""
    seen: list[str] = []
    original = Session.add_files

    def spy(self: Session, paths: Any, **kwargs: Any) -> Any:
        seen.extend(str(p) for p in paths)
        return original(self, paths, **kwargs)

    monkeypatch.setattr(Session, "add_files", spy)
    return seen


# ----- item 9: traversal and forged paths ---------------------------------------------------
def _traversals(secret: Path) -> list[str]:
    absolute = str(secret)
    up = "../" * 12 + absolute.lstrip("/")
    return [
        absolute,
        up,
        quote(absolute, safe=""),
        quote(up, safe=""),
        quote(quote(up, safe=""), safe=""),
        absolute.upper(),
        absolute.replace("/", "//"),
        absolute + "%00.png",
        "/proc/self/environ",
        str(harness.ROOT / "qa" / "store" / "generations.py"),
    ]


def test_no_url_reads_a_file_outside_the_upload_cache(url: str, secret: Path) -> None:
    for path in _traversals(secret):
        for route in ("/gradio_api/file=", "/file=", "/gradio_api/file/"):
            response = httpx.get(f"{url}{route}{path}", timeout=30)
            assert SECRET not in response.text, (route, path)
            assert "def save(" not in response.text, (route, path)
            assert response.status_code >= 400, (route, path, response.status_code)


def test_a_forged_file_path_never_reaches_the_upload_handler(
    url: str, secret: Path, seen_uploads: list[str], shared: Assistant
) -> None:
    """S2 (CVE-2024-1728): a FileData naming a server file instead of an uploaded one."""
    fn_index, trigger = _dependency(url, "upload", "qa-upload")
    for path in [str(secret), "/etc/passwd", f"{secret.parent}/../{secret.parent.name}/secret.txt"]:
        forged = [{"path": path, "orig_name": "notes.txt", "meta": {"_type": "gradio.FileData"}}]
        messages = call_event(url, fn_index, trigger, [forged, None, []])
        assert SECRET not in json.dumps(messages)
        final = messages[-1]
        assert final.get("success") is not True, (path, final)
    assert seen_uploads == []
    assert not any(SECRET in d.text for d in shared.documents)


def test_a_genuine_upload_through_the_same_route_works(
    url: str, tmp_path: Path, seen_uploads: list[str]
) -> None:
    """The control for the test above: the route is callable, it just refuses forgeries."""
    notes = tmp_path / "notes.txt"
    notes.write_text("Copper kettles whistle in the kitchen.", encoding="utf-8")
    with notes.open("rb") as handle:
        uploaded = httpx.post(
            f"{url}/gradio_api/upload", files={"files": ("notes.txt", handle)}, timeout=30
        ).json()
    fn_index, trigger = _dependency(url, "upload", "qa-upload")
    data = [{"path": uploaded[0], "orig_name": "notes.txt", "meta": {"_type": "gradio.FileData"}}]
    messages = call_event(url, fn_index, trigger, [data, None, []])
    assert messages[-1].get("success") is True, messages[-1]
    assert len(seen_uploads) == 1


# ----- item 11, UI half ---------------------------------------------------------------------


def _bad() -> list[Any]:
    return [
        pytest.param("", id="empty"),
        pytest.param("   ", id="spaces"),
        pytest.param("?!...", id="punct"),
        pytest.param("What is \ud800 this?", id="surrogate"),
        pytest.param("What\x00 happened?", id="nul"),
        pytest.param("why" * 3_000, id="9k"),  # over the question limit, under the body limit
    ]


@pytest.mark.parametrize("question", _bad())
def test_a_bad_question_in_the_chat_warns_without_a_traceback(url: str, question: str) -> None:
    fn_index, trigger = _dependency(url, "submit", "qa-question")
    messages = call_event(url, fn_index, trigger, [question, None, 3, False, "All documents", []])
    text = json.dumps(messages)
    assert "Traceback" not in text and 'File \\"' not in text
    assert messages[-1].get("success") is True, messages[-1]
    warnings = [m for m in messages if m.get("msg") == "log" and m.get("level") == "warning"]
    assert len(warnings) == 1 and "question" in warnings[0]["log"].lower(), messages


@pytest.mark.parametrize("question", _bad())
def test_a_bad_question_to_the_rest_api_is_a_422_with_the_reason(url: str, question: str) -> None:
    response = httpx.post(f"{url}/api/ask", **_json({"question": question}), timeout=30)
    assert response.status_code == 422
    assert "Traceback" not in response.text and str(harness.ROOT) not in response.text


def test_a_question_too_big_to_read_is_refused_with_413_naming_the_limit(url: str) -> None:
    # 100,000 characters is a body over 64 KB: refused before it is read (ui/body_limit.py).
    # The browser shows a 413's "detail" in its error toast.
    question = "why" * 33_334
    fn_index, trigger = _dependency(url, "submit", "qa-question")
    (chat,) = call_event(url, fn_index, trigger, [question, None, 3, False, "All documents", []])
    rest = httpx.post(f"{url}/api/ask", **_json({"question": question}), timeout=30)
    assert chat["status"] == rest.status_code == 413
    assert json.loads(chat["body"]) == rest.json()
    assert rest.json()["detail"].startswith("request body over 65536 bytes; questions are short")


# ----- item 12: load ----------------------------------------------------------------------
# 100 clients at once (50 REST requests, 50 gradio_client jobs over 5 clients) while another
# browser session uploads a 2,000-paragraph file; first with the fake encoder, then with
# the app's own model and backend. Latencies are printed for docs/reliability.md, never
# asserted: the machine is shared and its load varies.
FAKE_QUESTIONS = ["Where does the falcon nest?", "What lights the harbour at night?"]
REAL_QUESTIONS = [
    "What did Putin say about external forces?",
    "What did Xi say about vaccines?",
    "Which anniversary did the two leaders celebrate?",
    "Who did Xi Jinping talk to on the phone?",
    "What is the capital of Peru?",  # not in the article: refused by the answerer, still a 200
]


@pytest.fixture(scope="module")
def real_app() -> Iterator[dict[str, Any]]:
    """The app as `python app.py` serves it, in a server process of its own."""
    with harness.served_app() as served:
        yield served


def test_a_hundred_concurrent_clients_during_an_upload_all_get_answers(
    url: str, tmp_path: Path
) -> None:
    _hundred_clients_during_an_upload(url, FAKE_QUESTIONS, tmp_path, "fake encoder, in-process")


def test_a_hundred_concurrent_clients_during_an_upload_with_the_real_model(
    real_app: dict[str, Any], tmp_path: Path
) -> None:
    encoder = f"MiniLM {real_app['backend']}, server process"
    _hundred_clients_during_an_upload(real_app["url"], REAL_QUESTIONS, tmp_path, encoder)


@dataclass(frozen=True)
class Reply:
    """One client's request as the client saw it."""

    channel: str  # "rest" or "gradio_client"
    question: str
    status: int  # HTTP status; 503 for a gradio_client job the app refused
    seconds: float
    finished: float  # time.monotonic() when the reply arrived
    body: Any  # the answer payload, or the refusal's text


def _shared_ids(url: str) -> set[str]:
    """The documents every session that has not uploaded answers from."""
    return {d["id"] for d in httpx.get(f"{url}/api/documents", timeout=60).json()}


def _hundred_clients_during_an_upload(
    url: str, questions: list[str], tmp_path: Path, encoder: str
) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    shared_ids = _shared_ids(url)
    big = tmp_path / "upload.txt"
    big.write_text(
        "\n\n".join(f"Paragraph {i} about saffron and copper kettles." for i in range(2000)),
        encoding="utf-8",
    )
    fn_index, trigger = _dependency(url, "upload", "qa-upload")

    def upload() -> tuple[float, float]:
        started = time.monotonic()
        with big.open("rb") as handle:
            path = httpx.post(
                f"{url}/gradio_api/upload", files={"files": ("upload.txt", handle)}, timeout=60
            ).json()[0]
        data = [{"path": path, "orig_name": "upload.txt", "meta": {"_type": "gradio.FileData"}}]
        assert call_event(url, fn_index, trigger, [data, None, []])[-1].get("success") is True
        finished = time.monotonic()
        return finished - started, finished

    def asked(number: int) -> str:
        # Every request asks its own question, so a reply given to the wrong client shows.
        return f"{questions[number % len(questions)]} (request {number})"

    def reply(channel: str, number: int, status: int, started: float, body: Any) -> Reply:
        now = time.monotonic()
        return Reply(channel, asked(number), status, now - started, now, body)

    def rest(number: int) -> Reply:
        started = time.monotonic()
        response = httpx.post(f"{url}/api/ask", json={"question": asked(number)}, timeout=120)
        body = response.json() if response.status_code == 200 else response.text
        return reply("rest", number, response.status_code, started, body)

    # A script's patience: gradio_client's default 5 s timeout on joining the queue gives
    # up, client side, before a loaded server has even read the request.
    clients = [Client(url, verbose=False, httpx_kwargs={"timeout": 120}) for _ in range(5)]

    def gradio(number: int) -> Reply:
        started = time.monotonic()
        client = clients[number % len(clients)]
        try:
            answer = client.submit(asked(number), api_name="/ask").result(timeout=120)
            return reply("gradio_client", number, 200, started, answer)
        except AppError as err:  # an error the app raised: a refusal, which must say why
            return reply("gradio_client", number, 503, started, str(err))
        except Exception as err:  # gradio_client's QueueError: "Queue is full! ..."
            return reply("gradio_client", number, 503, started, repr(err))

    try:
        with ThreadPoolExecutor(max_workers=101) as pool:
            uploading = pool.submit(upload)
            futures = [pool.submit(rest if n % 2 else gradio, n) for n in range(100)]
            results = [f.result(timeout=300) for f in futures]
            upload_seconds, upload_finished = uploading.result(timeout=300)
    finally:
        for client in clients:
            client.close()
    answered = [r for r in results if r.status == 200]
    refused = [r for r in results if r.status != 200]
    print(json.dumps({
        "encoder": encoder, "requests": len(results), "answered": len(answered),
        "found": sum(1 for r in answered if r.body["found"]), "refused": len(refused),
        "lost": 100 - len(results),
        "answered_during_the_upload": sum(1 for r in answered if r.finished < upload_finished),
        **_percentiles("all", [r.seconds for r in answered]),
        **_percentiles("rest", [r.seconds for r in answered if r.channel == "rest"]),
        **_percentiles("gradio_client", [r.seconds for r in answered if r.channel != "rest"]),
        "upload_seconds": round(upload_seconds, 3),
        "refusals": sorted({f"{r.channel}: {str(r.body)[:80]}" for r in refused}),
    }))  # fmt: skip
    assert len(results) == 100  # none lost
    for r in refused:
        text = str(r.body).lower()
        assert r.status == 503 and ("busy" in text or "queue is full" in text), r
    for r in answered:
        assert r.body["question"] == r.question  # none mixed between requests
        # The upload went to another session: the shared documents answer everyone else.
        assert {s["doc_id"] for s in r.body["sources"]} <= shared_ids
        assert "saffron" not in json.dumps(r.body)
    assert _shared_ids(url) == shared_ids


def _percentiles(label: str, seconds: list[float]) -> dict[str, float | None]:
    """Nearest-rank p50 and p95 of `seconds`, rounded to milliseconds."""
    ordered = sorted(seconds)

    def rank(fraction: float) -> float | None:
        return round(ordered[int(fraction * (len(ordered) - 1))], 3) if ordered else None

    return {f"{label}_p50_seconds": rank(0.5), f"{label}_p95_seconds": rank(0.95)}
