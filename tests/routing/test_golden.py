"""The golden set: clear, common requests the real router must never get wrong (100%, in `make test`)."""

from __future__ import annotations

import importlib.util

import pytest

from assistant.config import load_config
from assistant.evaluation.evaluate import evaluate, load_dataset
from assistant.pipeline import build_assistant


@pytest.mark.model
def test_golden_set_is_all_right_with_the_real_router(tmp_path):
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'data_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    config = load_config(config_file)
    # Until the LLM backend exists the fast path alone has to carry the golden set.
    llm = importlib.util.find_spec("assistant.routing.llm") is not None
    assistant = build_assistant(config, llm=llm, trace=False)
    try:
        dataset = load_dataset("golden", assistant.registry)
        result = evaluate(assistant.route, dataset, assistant.registry)
    finally:
        assistant.close()
    wrong = [
        f"{o.text!r} -> {o.predicted} (expected {o.expected}, path {o.path}) {o.error}".rstrip()
        for o in result.outcomes
        if not o.correct
    ]
    assert not wrong, f"{len(wrong)} of {len(result.outcomes)} golden examples wrong:\n" + "\n".join(wrong)
