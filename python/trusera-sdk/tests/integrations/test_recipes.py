"""The @monitor recipes of docs/python.md ("Framework recipes") run as written, each in its own
Python process, against a real server and a loopback OpenAI-compatible server. A recipe whose
framework is not installed is skipped (the repository's test run installs none of the three: see
docs/python.md)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .fake_openai import Reply, start_fake_openai
from .support import REPO

DOC = REPO / "docs" / "python.md"

# Test-only set-up run before a recipe: the stand-ins a recipe cannot name itself.
PRELUDES = {
    "LlamaIndex": """
from llama_index.core import Settings
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.llms import MockLLM
Settings.llm = MockLLM(max_tokens=8)
Settings.embed_model = MockEmbedding(embed_dim=8)
Settings.tokenizer = str.split  # no tokenizer download
""",
    "OpenAI Agents SDK": """
from agents import set_default_openai_api, set_tracing_disabled
set_default_openai_api("chat_completions")  # the loopback stand-in speaks chat completions
set_tracing_disabled(True)
""",
}
MODULES = {"LlamaIndex": "llama_index.core", "Semantic Kernel": "semantic_kernel", "OpenAI Agents SDK": "agents"}
# What each recipe must have recorded: (event type, name).
EXPECTED = {
    "LlamaIndex": [("data_access", "query_index"), ("llm_invoke", "llamaindex_query")],
    "Semantic Kernel": [("tool_call", "search_web"), ("llm_invoke", "invoke_kernel")],
    "OpenAI Agents SDK": [("tool_call", "get_weather")],
}


def recipe(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Framework recipes") :]
    m = re.search(r"^#### " + re.escape(title) + r"\n.*?```python\n(.*?)```", section, re.S | re.M)
    assert m, f"no {title} recipe in {DOC}"
    return m.group(1)


@pytest.mark.parametrize("title", list(MODULES))
def test_recipe_runs_as_written(title, server, tmp_path):
    if importlib.util.find_spec(MODULES[title].split(".")[0]) is None:
        # Kept skipping under TRUSERA_PY_REQUIRE_EXTRAS: no extra brings these frameworks (docs/python.md).
        pytest.skip(f"{title} recipe: {MODULES[title]} is not installed (the test run installs only the five integration extras)")
    code = PRELUDES.get(title, "") + recipe(title)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "findings.txt").write_text("The key finding: agents need guardrails.\n")
    replies = [Reply(tool_calls=[("get_weather", {"city": "SF"})]), Reply(content="It is 72F in SF.", usage=(20, 6))]
    with start_fake_openai(replies) as fake:
        env = {
            **os.environ,
            "TRUSERA_API_KEY": server.api_key,
            "TRUSERA_API_URL": server.url,
            "OPENAI_BASE_URL": fake.base_url,
            "OPENAI_API_KEY": "sk-test-not-a-real-key",
            "OPENAI_AGENTS_DISABLE_TRACING": "1",
        }
        done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-4000:]
    events = server.events()
    seen = {(e["type"], e["name"]) for e in events}
    for want in EXPECTED[title]:
        assert want in seen, (title, want, sorted(seen))
    if title == "OpenAI Agents SDK":
        assert "72F in SF" in done.stdout
        tool = next(e for e in events if e["name"] == "get_weather")
        assert tool["payload"]["args"] == {"city": "SF"} and tool["payload"]["result"] == "72F in SF"
