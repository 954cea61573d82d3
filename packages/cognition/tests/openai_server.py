"""A tiny OpenAI-compatible chat server on 127.0.0.1 (the one allowed test double: no LLM runs here).

It speaks the real protocol (POST /v1/chat/completions, JSON in, ``choices[0].message.content``
out), records every request, and answers from a script: a list of replies used in order (the
last one repeats), or a function of the request.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class OpenAIServer:
    def __init__(self, replies=None, status: int = 200) -> None:
        self.replies = replies if replies is not None else ["ok"]
        self.status = status
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                if self.path != "/v1/chat/completions":
                    self._send(404, {"error": {"message": "not found"}})
                    return
                if server.status != 200:
                    self._send(server.status, {"error": {"message": "server error"}})
                    return
                if callable(server.replies):
                    content = server.replies(body)
                else:
                    k = min(len(server.requests) - 1, len(server.replies) - 1)
                    content = server.replies[k]
                if isinstance(content, bytes):
                    self._raw(200, content)
                    return
                self._send(200, {"id": f"chatcmpl-{len(server.requests)}", "object": "chat.completion",
                                 "model": body.get("model", ""), "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                                 "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

            def _send(self, code, obj):
                self._raw(code, json.dumps(obj).encode())

            def _raw(self, code, data):
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "OpenAIServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
