"""Model files: the adapter folded into the model gives llama.cpp the same scores as applying it at run time."""

from __future__ import annotations

import pytest


@pytest.mark.model
def test_a_merged_adapter_scores_as_the_adapter_applied_at_run_time(tmp_path):
    pytest.importorskip("gguf")
    import numpy as np

    from assistant.models import DEFAULT_ADAPTER, gemma_path, merge_lora

    if not DEFAULT_ADAPTER.is_file():
        pytest.skip("no adapter shipped")
    import importlib.util
    import sys
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("export", Path(__file__).parents[1] / "finetune" / "3_export.py")
    export = importlib.util.module_from_spec(spec)
    sys.modules["export"] = export
    spec.loader.exec_module(export)
    merged = merge_lora(gemma_path(), DEFAULT_ADAPTER, tmp_path / "merged.gguf")
    runtime = export.probe_scores(gemma_path(), DEFAULT_ADAPTER)
    folded = export.probe_scores(merged, None)
    assert int(runtime.argmax()) == int(folded.argmax())
    assert float(np.corrcoef(runtime, folded)[0, 1]) > 0.99


def test_two_processes_merging_the_same_adapter_at_once_both_get_the_model(tmp_path, monkeypatch):
    """An eval started beside the service merged the same adapter: the second rename found the shared partial gone."""
    pytest.importorskip("gguf")
    import threading
    import time

    from assistant import models

    model, adapter = tmp_path / "model.gguf", tmp_path / "adapter.gguf"
    model.write_bytes(b"model")
    adapter.write_bytes(b"adapter")
    cache = tmp_path / "cache"
    monkeypatch.setattr(models, "CACHE_DIR", cache)
    started = threading.Barrier(2)

    def slow_merge(model_path, adapter_path, out):
        started.wait()  # both merges run at the same time
        out.write_bytes(b"merged")
        time.sleep(0.05)
        return out

    monkeypatch.setattr(models, "merge_lora", slow_merge)
    results, errors = [], []

    def start():
        try:
            results.append(models.merged_router_path(model, adapter))
        except Exception as error:  # noqa: BLE001  (the test reports any)
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(results) == 2 and results[0] == results[1]
    assert results[0].read_bytes() == b"merged" and not list(cache.glob("*.partial"))
