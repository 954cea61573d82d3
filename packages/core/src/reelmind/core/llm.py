"""Client of any OpenAI-compatible chat endpoint (llama.cpp server, vLLM, Ollama); off by default.

Configured once per run (``llm: {base_url, model, api_key_env}`` in the run YAML). The API key is
read from the environment variable that ``api_key_env`` names, at call time, and is never part of
any option, file or log. The LLM only renders facts into prose (or extracts structure from text it
is given); every text it returns is marked as LLM text by the caller and checked by a guard.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from .errors import ConfigError, ReelmindError

log = logging.getLogger("reelmind.core.llm")


class LLMError(ReelmindError):
    """The LLM endpoint could not be reached or answered something unusable."""


@dataclass(frozen=True)
class LLMOptions:
    base_url: str = ""  # e.g. http://127.0.0.1:8080/v1 ; empty = LLM off
    model: str = ""
    api_key_env: str = ""  # name of the environment variable holding the key (sent as a Bearer token)
    temperature: float = 0.0
    max_tokens: int = 400
    timeout_s: float = 60.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.api_key_env and not self.api_key_env.replace("_", "").isalnum():
            raise ConfigError(f"llm.api_key_env must name an environment variable, got {self.api_key_env[:4]}…",
                              "put the key in an environment variable and give its name, e.g. api_key_env: OPENAI_API_KEY")

    def api_key(self) -> str:
        """The key from the named environment variable ('' when unset)."""
        import os

        return os.environ.get(self.api_key_env, "") if self.api_key_env else ""


def llm_options(values: dict | None, where: str = "llm") -> LLMOptions:
    """The run config's ``llm`` section as options; a key given in clear is refused."""
    from .config import options_from_dict

    values = dict(values or {})
    for secret in ("api_key", "key", "token", "password"):
        if secret in values:
            raise ConfigError(f"{where}.{secret}: API keys are never written in a config file",
                              f"put the key in an environment variable and set {where}.api_key_env to its name")
    return options_from_dict(LLMOptions, values, where=where)


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
        key = o.api_key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
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
