"""A tiny OpenAI-compatible chat completion server on 127.0.0.1, standing in for Ollama.

A real HTTP server in a thread on port 0: it records every request (path,
headers, JSON body) and answers ``POST /v1/chat/completions`` with a canned
completion chosen by what the prompt asks (a question, a translation, a
summary style). Tests override replies per feature and switch ``mode`` to
make it fail: ``slow`` (holds the request until the server stops), ``status``
(answers ``status_code``), ``garbage`` (not JSON), ``empty`` (no choices),
``redirect`` (a 307 elsewhere).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SEGMENT = re.compile(r"^\[(\d+)\] (.*)$", re.MULTILINE)
NUMBERED = re.compile(r"^\[(\d+)\] ", re.MULTILINE)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def prompt(self) -> str:
        return "\n".join(str(message.get("content", "")) for message in self.body.get("messages", []))


def feature_of(prompt: str) -> str:
    if "<question>" in prompt:
        return "ask"
    if "<segments>" in prompt:
        return "translate"
    for style, cue in (
        ("brief", "one sentence"),
        ("bullets", "bullet points"),
        ("timeline", "chronological"),
        ("explain", "general reader"),
    ):
        if cue in prompt:
            return style
    return "unknown"


def canned(prompt: str) -> str:
    """The default reply for a prompt: plausible, and checkable by the tests."""
    kind = feature_of(prompt)
    if kind == "ask":
        numbers = [int(n) for n in NUMBERED.findall(prompt)]
        return f"The council voted to rebuild it [1]. Inspectors found cracks [{numbers[-1] + 5}][2]."
    if kind == "translate":
        segment_block = prompt.split("<segments>", 1)[1].split("</segments>", 1)[0]
        return "\n".join(f"[{n}] DE: {text}" for n, text in SEGMENT.findall(segment_block))
    return {
        "brief": "The council will rebuild the closed river bridge.",
        "bullets": (
            "- The council voted to rebuild the bridge.\n- Inspectors found 40 cracks.\n"
            "- Work starts in June 2027."
        ),
        "timeline": "- February: inspectors found cracks.\n- Tuesday: the council voted.",
        "explain": "The bridge is broken.\n\nThe city will build a new one.",
    }.get(kind, "A reply.")


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients closing kept-alive connections are normal here; anything else is reported."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class LlmServer:
    mode: str = "ok"
    status_code: int = 500
    replies: dict[str, str] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.release = threading.Event()
        self.httpd = _QuietServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def start(self) -> LlmServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)

    def reply_for(self, prompt: str) -> str:
        return self.replies.get(feature_of(prompt)) or canned(prompt)


def _handler(server: LlmServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            raw = self.rfile.read(length)
            body = json.loads(raw) if raw else {}
            recorded = Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            server.requests.append(recorded)
            if self.path != "/v1/chat/completions":
                self._send(404, b'{"error": "not found"}')
            elif server.mode == "slow":
                server.release.wait(timeout=30)
                self._send(200, b"{}")
            elif server.mode == "status":
                self._send(server.status_code, b'{"error": {"message": "boom"}}')
            elif server.mode == "garbage":
                self._send(200, b"<html>not json</html>", "text/html")
            elif server.mode == "empty":
                self._send(200, b'{"choices": []}')
            elif server.mode == "redirect":
                self._send(307, b"", extra={"location": "http://127.0.0.2:9/v1/chat/completions"})
            else:
                self._send(200, json.dumps(_completion(server.reply_for(recorded.prompt))).encode())

        def _send(
            self,
            status: int,
            payload: bytes,
            kind: str = "application/json",
            extra: dict[str, str] | None = None,
        ) -> None:
            try:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(payload)))
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


def _completion(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": "test-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
    }


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (connecting to it is refused)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
