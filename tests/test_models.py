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
