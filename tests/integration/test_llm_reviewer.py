"""The LLM reviewer over real HTTP against a local stand-in for an OpenAI-compatible server.

No real LLM runs on this machine (no model server, no internet), so a small HTTP server started by
the test plays the endpoint: it checks the request microcred sends and answers with a canned chat
completion. Everything on microcred's side — HTTP client, prompt, parsing, errors — is real.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from microcred.adapters.ai.llm import LLMReviewer, LLMSettings, ReviewerUnavailable, UnusableReview
from microcred.assessment.rubric import Criterion, Level, Rubric


class FakeChat(BaseHTTPRequestHandler):
    """Answers ``POST /v1/chat/completions`` with whatever the test queued."""

    replies: ClassVar[list[tuple[int, str]]] = []
    requests: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FakeChat.requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": json.loads(body)}
        )
        status, content = FakeChat.replies.pop(0)
        payload = (
            json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]})
            if status == 200
            else content
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeChat)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    FakeChat.replies.clear()
    FakeChat.requests.clear()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def _rubric() -> Rubric:
    crit = Criterion(
        "reason",
        "Explains why the bulbs stay lit",
        (Level("missing", 0), Level("partial", 1), Level("full", 2, "Names the parallel circuit")),
        references=("The bulbs are wired in parallel, so each has its own path.",),
    )
    return Rubric("bulbs", "Bulbs", "What happens when the middle bulb burns out?", (crit,))


def test_a_review_from_the_endpoint(server: str) -> None:
    FakeChat.replies.append(
        (
            200,
            'Here you go: {"criteria": [{"id": "reason", "points": 2, "feedback": '
            '"Names the parallel circuit, as the rubric asks."}], "confidence": 0.9}',
        )
    )
    reviewer = LLMReviewer(LLMSettings(server, "tiny-model", api_key="k-123"))
    [review] = reviewer.review(_rubric(), ["They stay lit because they are in parallel."])
    reviewer.close()
    assert review.points == 2 and review.passed
    assert review.reviewer == "llm/tiny-model"
    assert review.confidence == pytest.approx(0.9)
    assert "parallel" in review.feedback
    [sent] = FakeChat.requests
    assert sent["path"] == "/v1/chat/completions"
    assert sent["auth"] == "Bearer k-123"
    assert sent["body"]["model"] == "tiny-model"
    user = json.loads(sent["body"]["messages"][1]["content"])
    assert user["answer"] == "They stay lit because they are in parallel."
    assert user["criteria"][0]["levels"][2]["points"] == 2


@pytest.mark.parametrize(
    "content",
    [
        "I think it deserves full marks.",
        '{"criteria": [{"id": "other", "points": 2}]}',
        '{"criteria": [{"id": "reason", "points": 1.5}]}',
        '{"criteria": [{"id": "reason"}]}',
    ],
)
def test_answers_that_do_not_fit_the_rubric_are_refused(server: str, content: str) -> None:
    FakeChat.replies.append((200, content))
    with pytest.raises(UnusableReview):
        LLMReviewer(LLMSettings(server, "m")).review(_rubric(), ["x"])


def test_endpoint_errors_are_reported(server: str) -> None:
    FakeChat.replies.append((500, '{"error": "overloaded"}'))
    with pytest.raises(ReviewerUnavailable, match="HTTP 500"):
        LLMReviewer(LLMSettings(server, "m")).review(_rubric(), ["x"])


def test_an_unreachable_endpoint_is_reported() -> None:
    reviewer = LLMReviewer(LLMSettings("http://127.0.0.1:9/v1", "m", timeout_seconds=2))
    with pytest.raises(ReviewerUnavailable, match="cannot be reached"):
        reviewer.review(_rubric(), ["x"])
