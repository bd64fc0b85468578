"""The agent loop with a real text adapter: the OpenAI-compatible provider against the loopback
fake server, which answers the two steps (a search, then an answer with a bad citation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mangaflow.support.agent import Final, SupportAgent, registry_models
from tests.conftest import make_settings
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.agent_parts import make_parts, who, with_knowledge


def chat(content: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return 200, {"id": "c", "object": "chat.completion", "created": 0, "model": "fake-chat",
                 "choices": [{"index": 0, "finish_reason": "stop",
                              "message": {"role": "assistant", "content": json.dumps(content)}}],
                 "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}  # fmt: skip


def test_an_openai_compatible_model_drives_the_loop(tmp_path: Path) -> None:
    parts = with_knowledge(make_parts(tmp_path))
    alice = who("acme", "alice")
    parts.configs.update(who("acme", "root", "admin"), {"model": "openai"})
    steps = [chat({"tool_calls": [{"name": "search_knowledge", "args": {"query": "refund card"}}]}),
             chat({"answer": "Refunds reach your card within 5 business days. [1] See [4]."})]  # fmt: skip
    with FakeOpenAIServer(raw_responses=steps) as server:
        settings = make_settings(tmp_path / "home", **server.settings_overrides(key="sk-test"))
        agent = SupportAgent(tickets=parts.tickets, configs=parts.configs, tools=parts.tools,
                             models=registry_models(settings))  # fmt: skip
        events = list(agent.chat(alice, "How do refunds reach my card?"))
        sent = [r.body for r in server.text_requests]
    final = events[-1]
    assert isinstance(final, Final)
    assert final.answer == "Refunds reach your card within 5 business days. [1] See."
    assert [c.doc_id for c in final.citations] == ["refunds"]
    assert final.usage.calls == 2 and final.usage.input_tokens == 20
    assert len(sent) == 2 and sent[0]["response_format"] == {"type": "json_object"}
    assert '"search_knowledge"' in sent[0]["messages"][0]["content"]
    assert "<passage>" in sent[1]["messages"][-1]["content"]  # the search results went back
    assert "sk-test" not in json.dumps(sent)
