"""An OpenAI-compatible server on a loopback port for the integration tests (the Python twin of
packages/testing/src/fake-openai.ts): ``POST /v1/chat/completions`` answers the scripted replies in
turn (the last one again once they run out), as JSON or as server-sent events for ``stream: true``."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: str | None = None
    tool_calls: list[tuple[str, dict[str, Any]]] | None = None  # (name, arguments)
    usage: tuple[int, int] = (0, 0)  # prompt, completion


@dataclass
class FakeOpenAI:
    replies: list[Reply]
    requests: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""
    _server: ThreadingHTTPServer | None = None
    _turn: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next_reply(self, body: dict[str, Any]) -> tuple[int, Reply]:
        with self._lock:
            self.requests.append(body)
            turn = self._turn
            self._turn += 1
        return turn + 1, self.replies[min(turn, len(self.replies) - 1)]

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _completion(fake: FakeOpenAI, body: dict[str, Any]) -> tuple[bytes, str]:
    turn, reply = fake.next_reply(body)
    calls = None
    if reply.tool_calls:
        calls = [
            {"id": f"call_{turn}_{i}", "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
            for i, (n, a) in enumerate(reply.tool_calls)
        ]
    prompt, completion = reply.usage
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    finish = "tool_calls" if calls else "stop"
    base = {"id": f"chatcmpl-{turn}", "created": 1_700_000_000, "model": body.get("model", "unknown")}
    if body.get("stream") is True:
        delta: dict[str, Any] = {"role": "assistant"}
        if calls:
            delta["tool_calls"] = [{"index": i, **c} for i, c in enumerate(calls)]
        else:
            delta["content"] = reply.content or ""
        chunks = [
            {**base, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
            {**base, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]},
        ]
        if (body.get("stream_options") or {}).get("include_usage"):
            chunks.append({**base, "object": "chat.completion.chunk", "choices": [], "usage": usage})
        text = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
        return text.encode(), "text/event-stream"
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if calls:
        message["tool_calls"] = calls
    out = {
        **base,
        "object": "chat.completion",
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": usage,
    }
    return json.dumps(out).encode(), "application/json"


def start_fake_openai(replies: list[Reply]) -> FakeOpenAI:
    fake = FakeOpenAI(replies=replies)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet tests
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            if self.path.rstrip("/").endswith("/chat/completions"):
                data, kind = _completion(fake, json.loads(raw or b"{}"))
                status = 200
            else:
                data, kind, status = b'{"error":{"message":"not found"}}', "application/json", 404
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            data = b'{"object":"list","data":[]}'
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake._server = server
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return fake
