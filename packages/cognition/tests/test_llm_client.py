import socket

import pytest
from openai_server import OpenAIServer

from reelmind.core.llm import LLMClient, LLMError, LLMOptions, make_client


def test_llm_is_off_by_default():
    assert make_client(LLMOptions()) is None
    with pytest.raises(LLMError, match="no LLM configured"):
        LLMClient(LLMOptions())


def test_chat_completions_round_trip(monkeypatch):
    monkeypatch.setenv("REELMIND_TEST_LLM_KEY", "k3y")
    with OpenAIServer(["  Scarlett is furious.  "]) as srv:
        client = LLMClient(LLMOptions(base_url=srv.url, model="qwen2.5", api_key_env="REELMIND_TEST_LLM_KEY", seed=3))
        assert client.chat("system text", "user text") == "Scarlett is furious."
    req = srv.requests[0]
    assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer k3y"
    body = req["body"]
    assert body["model"] == "qwen2.5" and body["temperature"] == 0.0 and body["seed"] == 3
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["messages"][1]["content"] == "user text"


def test_base_url_without_v1_is_completed():
    with OpenAIServer(["hi"]) as srv:
        client = LLMClient(LLMOptions(base_url=srv.url[: -len("/v1")]))
        assert client.chat("s", "u") == "hi"


def test_http_errors_and_bad_answers_are_one_line_llm_errors():
    with OpenAIServer(status=500) as srv:
        with pytest.raises(LLMError, match="HTTP 500"):
            LLMClient(LLMOptions(base_url=srv.url)).chat("s", "u")
    with OpenAIServer([b'{"nothing": 1}']) as srv:
        with pytest.raises(LLMError, match="no choices"):
            LLMClient(LLMOptions(base_url=srv.url)).chat("s", "u")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(LLMError, match="unreachable") as ei:
        LLMClient(LLMOptions(base_url=f"http://127.0.0.1:{port}/v1", timeout_s=2)).chat("s", "u")
    assert "\n" not in str(ei.value)
