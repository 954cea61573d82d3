"""Client of any OpenAI-compatible chat endpoint (llama.cpp server, vLLM, Ollama); off by default.

The LLM only renders facts into prose; every text it returns is marked as LLM text by the
caller and checked by the hallucination guard in :mod:`reelmind.cognition.reflection`.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from reelmind.core import ReelmindError

log = logging.getLogger("reelmind.cognition.llm_client")


class LLMError(ReelmindError):
    """The LLM endpoint could not be reached or answered something unusable."""


@dataclass(frozen=True)
class LLMOptions:
    base_url: str = ""  # e.g. http://127.0.0.1:8080/v1 ; empty = LLM off
    model: str = ""
    api_key: str = ""  # sent as a Bearer token when set (never echoed into outputs)
    temperature: float = 0.0
    max_tokens: int = 400
    timeout_s: float = 60.0
    seed: int = 0


class LLMClient:
    """``chat(system, user) -> str`` against ``{base_url}/chat/completions``."""

    def __init__(self, options: LLMOptions) -> None:
        if not options.base_url:
            raise LLMError("no LLM configured", "set llm.base_url to an OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1")
        self.options = options
        base = options.base_url.rstrip("/")
        self.url = base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")

    def chat(self, system: str, user: str) -> str:
        o = self.options
        body = {"model": o.model or "default", "temperature": o.temperature, "max_tokens": o.max_tokens, "seed": o.seed,
                "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}]}
        headers = {"Content-Type": "application/json"}
        if o.api_key:
            headers["Authorization"] = f"Bearer {o.api_key}"
        req = urllib.request.Request(self.url, data=json.dumps(body).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=o.timeout_s) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:200].decode("utf-8", "replace").replace("\n", " ")
            raise LLMError(f"LLM endpoint {self.url} answered HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise LLMError(f"LLM endpoint {self.url} unreachable: {reason}", "start the server or fix llm.base_url") from None
        try:
            data = json.loads(raw)
            content = data["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMError(f"LLM endpoint {self.url} returned no choices[0].message.content: {raw[:120]!r}") from None
        if not isinstance(content, str):
            raise LLMError(f"LLM endpoint {self.url} returned non-text content")
        log.debug("LLM answered %d chars", len(content))
        return content.strip()


def make_client(options: LLMOptions) -> LLMClient | None:
    """A client when an endpoint is configured, else None (LLM off)."""
    return LLMClient(options) if options.base_url else None
