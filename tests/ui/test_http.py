"""The served app over HTTP: REST /api/ask, its OpenAPI schema, the Gradio /ask endpoint,
and what the server refuses to hand out. One in-process server on 127.0.0.1 per module."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest
from gradio_client import Client

from qa import Assistant
from qa.loading import bundled_article_path
from ui.body_limit import DEFAULT_BODY_BYTES
from ui.sessions import UploadLimits

QUESTION = "What did Putin say about external forces?"
MB = 1024 * 1024


def post(url: str, body: object, *, raw: bytes | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


MEGABYTE = b" " * MB  # every streamed body sends this one buffer, however many run at once


def megabytes(count: int) -> Iterator[bytes]:
    """A body streamed one (shared) megabyte at a time, so the client holds only one."""
    for _ in range(count):
        yield MEGABYTE


def post_oversized(client: httpx.Client, url: str, *, declared: bool) -> httpx.Response | None:
    """POST 200 MB of JSON whitespace, with its Content-Length declared or chunked.

    None when the connection closed before the reply could be read: the server answers and
    closes while the client is still sending, and on a loaded machine the closing socket's
    reset can reach the client before the reply's last bytes do ("413 or closed").
    """
    headers = {"Content-Type": "application/json"}
    if declared:
        headers["Content-Length"] = str(200 * MB)
    try:
        return client.post(url, content=megabytes(200), headers=headers)
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
        return None


def refused_reply(
    url: str, *, declared: bool, tries: int = 5, client: httpx.Client | None = None
) -> httpx.Response:
    """The server's reply to an oversized POST, trying again if a reset swallowed it.

    On a fresh client each time unless `client` is given (threads may share one).
    """
    for _ in range(tries):
        if client is not None:
            reply = post_oversized(client, url, declared=declared)
        else:
            with httpx.Client(timeout=60) as fresh:
                reply = post_oversized(fresh, url, declared=declared)
        if reply is not None:
            return reply
    raise AssertionError(f"no reply read in {tries} oversized POSTs to {url}")


def resident_mb() -> float:
    """This process's resident memory (the server runs in it), from /proc/self/status."""
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_rest_ask_returns_the_answer_with_offsets(server_url: str) -> None:
    status, body = post(f"{server_url}/api/ask", {"question": QUESTION, "top_k": 2})
    assert status == 200
    assert body["found"] is True and body["text"].endswith("[1]")
    assert 0.0 <= body["confidence"] <= 1.0
    assert [s["number"] for s in body["sources"]] == [1, 2]
    first = body["sources"][0]
    article = bundled_article_path().read_text(encoding="utf-8")
    assert first["text"] in article
    assert first["text"][first["answer_start"] : first["answer_end"]] == first["answer"]
    assert "external forces" in first["answer"]
    assert first["end"] - first["start"] == len(first["text"])


def test_rest_top_k_defaults_to_three(server_url: str) -> None:
    status, body = post(f"{server_url}/api/ask", {"question": QUESTION})
    assert status == 200 and len(body["sources"]) == 3


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"question": ""}, "The question is empty; type a question to ask."),
        ({"question": "   "}, "The question is empty; type a question to ask."),
        ({"question": "?!"}, "The question has no words in it"),
        ({"question": QUESTION, "documents": ["nope"]}, "nope"),
    ],
)
def test_rest_unusable_questions_get_422_with_the_reason(
    server_url: str, body: dict[str, Any], message: str
) -> None:
    status, reply = post(f"{server_url}/api/ask", body)
    assert status == 422
    assert message in reply["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "question"),
        ({"question": QUESTION, "top_k": 0}, "top_k"),
        ({"question": QUESTION, "top_k": 101}, "top_k"),
        ({"question": QUESTION, "top_k": "many"}, "top_k"),
        ({"question": "x" * 2001}, "question"),
    ],
)
def test_rest_malformed_requests_get_422_naming_the_field(
    server_url: str, body: dict[str, Any], field: str
) -> None:
    status, reply = post(f"{server_url}/api/ask", body)
    assert status == 422
    assert any(field in error["loc"] for error in reply["detail"])


def test_rest_invalid_json_is_a_client_error(server_url: str) -> None:
    status, _ = post(f"{server_url}/api/ask", None, raw=b"{not json")
    assert status == 422


def test_openapi_describes_the_rest_api(server_url: str) -> None:
    status, raw = get(f"{server_url}/openapi.json")
    schema = json.loads(raw)
    assert status == 200
    operation = schema["paths"]["/api/ask"]["post"]
    assert {"413", "422"} <= set(operation["responses"])
    assert {"question", "top_k"} <= set(schema["components"]["schemas"]["AskRequest"]["properties"])


def test_rest_lists_the_documents(server_url: str, module_assistant: Assistant) -> None:
    status, raw = get(f"{server_url}/api/documents")
    (expected,) = module_assistant.documents
    assert status == 200
    assert json.loads(raw) == [
        {"id": expected.id, "title": expected.title, "length": expected.length}
    ]


def test_the_chat_page_is_served(server_url: str) -> None:
    status, page = get(f"{server_url}/")
    assert status == 200 and b"<html" in page


@pytest.mark.parametrize(
    "path", [str(bundled_article_path()), str(bundled_article_path().parents[2] / "app.py")]
)
def test_files_outside_the_upload_cache_are_not_served(server_url: str, path: str) -> None:
    status, _ = get(f"{server_url}/gradio_api/file={path}")
    assert status in (403, 404)


def test_gradio_client_calls_ask(server_url: str) -> None:
    client = Client(server_url, verbose=False)
    try:
        reply = client.predict(QUESTION, api_name="/ask")
        assert reply["found"] is True
        assert "external forces" in reply["sources"][0]["answer"]
        with pytest.raises(Exception, match="The question is empty"):
            client.predict("", api_name="/ask")
    finally:
        client.close()


def test_gradio_queue_answers_many_callers(server_url: str) -> None:
    client = Client(server_url, verbose=False)
    try:
        jobs = [client.submit(QUESTION, api_name="/ask") for _ in range(8)]
        assert all(job.result()["found"] for job in jobs)
    finally:
        client.close()


def test_only_ask_is_in_the_public_api(server_url: str) -> None:
    status, raw = get(f"{server_url}/gradio_api/info")
    assert status == 200
    assert list(json.loads(raw)["named_endpoints"]) == ["/ask"]


def test_many_questions_at_once_all_get_answers(server_url: str) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(lambda _: post(f"{server_url}/api/ask", {"question": QUESTION}), range(16))
        )
    assert [status for status, _ in results] == [200] * 16


def test_gradio_refuses_files_over_the_size_limit(
    module_assistant: Assistant, serve_app: Callable[..., AbstractContextManager[str]]
) -> None:
    with serve_app(module_assistant, UploadLimits(max_file_bytes=1024)) as url:
        small = httpx.post(
            f"{url}/gradio_api/upload", files={"files": ("ok.txt", b"fine", "text/plain")}
        )
        big = httpx.post(
            f"{url}/gradio_api/upload", files={"files": ("big.txt", b"x" * 4096, "text/plain")}
        )
    assert small.status_code == 200
    assert big.status_code == 413


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
@pytest.mark.parametrize(
    "path", ["/api/ask", "/gradio_api/queue/join", "/gradio_api/call/ask", "/gradio_api/run/ask"]
)
def test_oversized_bodies_get_413_naming_the_limit(
    server_url: str, path: str, declared: bool
) -> None:
    reply = refused_reply(f"{server_url}{path}", declared=declared)
    assert reply.status_code == 413
    assert reply.json() == {
        "detail": f"request body over {DEFAULT_BODY_BYTES} bytes; questions are short, "
        f"uploads are limited to {UploadLimits().max_upload_bytes / MB:.1f} MB"
    }


def test_a_question_padded_to_exactly_the_limit_still_gets_its_answer(server_url: str) -> None:
    body = json.dumps({"question": QUESTION})
    padded = body[:-1] + " " * (DEFAULT_BODY_BYTES - len(body)) + "}"
    status, reply = post(f"{server_url}/api/ask", None, raw=padded.encode("ascii"))
    assert len(padded) == DEFAULT_BODY_BYTES
    assert status == 200 and reply["found"] is True


def test_oversized_requests_leave_the_servers_memory_flat(server_url: str) -> None:
    with httpx.Client(timeout=60) as client:
        post_oversized(client, f"{server_url}/api/ask", declared=True)  # warm-up
        before = resident_mb()
        replies = [
            post_oversized(client, f"{server_url}/api/ask", declared=n % 2 == 0) for n in range(20)
        ]
        grown = resident_mb() - before
    with httpx.Client(timeout=60) as client:
        answered = client.post(f"{server_url}/api/ask", json={"question": QUESTION})
    statuses = [None if r is None else r.status_code for r in replies]
    assert set(statuses) <= {413, None}, f"refused (413) or closed, got {statuses}"
    assert grown < 20, f"resident memory grew {grown:.1f} MB over 20 oversized requests"
    assert answered.status_code == 200 and answered.json()["found"] is True


def test_twenty_oversized_requests_at_once_get_413_and_leave_memory_flat(
    server_url: str,
) -> None:
    """15 with a declared 200 MB Content-Length and 5 chunked, all in flight together, while
    one ordinary question is asked beside them."""
    url = f"{server_url}/api/ask"
    declared = [n % 4 != 0 for n in range(20)]
    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(max_workers=21) as pool:

        def refused(is_declared: bool) -> int:
            return refused_reply(url, declared=is_declared, client=client).status_code

        list(pool.map(refused, declared[:4]))  # warm-up: threads, connections, first replies
        before = resident_mb()
        flood = pool.map(refused, declared)  # all 20 submitted before the question
        answered = pool.submit(client.post, url, json={"question": QUESTION})
        statuses = list(flood)
        grown = resident_mb() - before
        reply = answered.result()
    assert statuses == [413] * 20
    assert grown < 20, f"resident memory grew {grown:.1f} MB over 20 oversized requests at once"
    assert reply.status_code == 200 and reply.json()["found"] is True


def test_uploads_over_the_upload_limit_get_413_before_gradio_reads_them(
    module_assistant: Assistant, serve_app: Callable[..., AbstractContextManager[str]]
) -> None:
    limits = UploadLimits(max_file_bytes=1024, max_files_per_upload=2)
    over = b"x" * (limits.max_upload_bytes + 1)
    with serve_app(module_assistant, limits) as url:
        reply = httpx.post(
            f"{url}/gradio_api/upload", files={"files": ("big.txt", over, "text/plain")}
        )
    assert reply.status_code == 413
    assert reply.json()["detail"] == (
        f"upload body over {limits.max_upload_bytes} bytes; uploads are limited to 66 KB"
    )
