"""Experiment tracking: the run store, provenance, paired comparison statistics, the HTML report and the CLI."""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.evaluation.evaluate import Dataset, EvalResult, Example, Outcome
from assistant.evaluation.metrics import mcnemar_p, metrics, paired_difference_ci
from assistant.evaluation.report import render
from assistant.evaluation.runs import (
    RunNotFound,
    RunStore,
    compare,
    file_sha256,
    format_comparison,
    format_runs,
    git_state,
    prompt_hash,
    provenance,
)


def outcomes(pattern: str, text: str = "t") -> list[Outcome]:
    """One outcome per character: 1 = right, 0 = wrong (predicted none)."""
    return [
        Outcome(
            f"e{i}",
            f"{text}{i}",
            "en",
            ["tag"],
            "weather()",
            "weather()" if c == "1" else "none()",
            "weather",
            "weather" if c == "1" else "none",
            "fast",
            0.1 * (i + 1),
            c == "1",
            c == "1",
            c == "1",
        )
        for i, c in enumerate(pattern)
    ]


def result(pattern: str, sha: str = "s" * 64) -> EvalResult:
    items = outcomes(pattern)
    dataset = Dataset("mini", Path("mini.jsonl"), "calls", [Example(o.id, o.text, "en", "weather") for o in items], sha)
    return EvalResult(dataset, items, metrics(items))


def test_store_roundtrip_and_references(tmp_path):
    store = RunStore(tmp_path / "runs" / "runs.sqlite")
    first = store.add(result("1100"), {"git": {"commit": "a" * 40, "dirty": False}}, "baseline")
    second = store.add(result("1110"), {"git": {"commit": "b" * 40, "dirty": True}})
    assert store.resolve("last") == second and store.resolve("last~1") == first and store.resolve(str(first)) == first
    run = store.get("last")
    assert run.accuracy == 0.75 and run.n == 4 and run.meta["git"]["dirty"] is True
    assert [o.correct for o in run.outcomes] == [True, True, True, False]
    assert run.outcomes[2].route_ms == pytest.approx(0.3)
    assert [r.id for r in store.list()] == [second, first] and store.list("other") == []
    table = format_runs(store.list())
    assert "baseline" in table and "bbbbbbbbbb+" in table
    for bad in ("99", "last~5", "yesterday"):
        with pytest.raises(RunNotFound):
            store.get(bad)
    store.close()


def test_mcnemar_exact():
    assert mcnemar_p(0, 10) == pytest.approx(2 / 1024)
    assert mcnemar_p(5, 5) == 1.0
    assert mcnemar_p(0, 0) == 1.0
    assert mcnemar_p(12, 20) == pytest.approx(0.2153, abs=1e-3)


def test_paired_ci_contains_estimate_and_zero_when_balanced():
    low, high = paired_difference_ci(140, 10, 18, 32)
    assert low < 0.04 < high and low >= -1 and high <= 1
    low, high = paired_difference_ci(140, 10, 10, 40)
    assert low < 0 < high
    low, high = paired_difference_ci(150, 0, 8, 42)  # 8 fixes, no regressions
    assert 0 < low < 0.04 < high


def test_75_versus_79_percent_depends_on_the_pairs(tmp_path):
    """Same accuracies (75% -> 79% on 200), different verdicts: the paired test is what tells them apart."""
    store = RunStore(tmp_path / "runs.sqlite")
    base = "1" * 150 + "0" * 50
    clean = "1" * 150 + "1" * 8 + "0" * 42  # 8 fixes, 0 regressions
    noisy = "1" * 138 + "0" * 12 + "1" * 20 + "0" * 30  # 20 fixes, 12 regressions
    a, b, c = (store.add(result(p), {}) for p in (base, clean, noisy))
    significant = compare(store.get(a), store.get(b))
    assert significant.counts == (150, 0, 8, 42) and not significant.within_noise
    assert "significantly better" in format_comparison(significant)
    noise = compare(store.get(a), store.get(c))
    assert len(noise.regressions) == 12 and len(noise.fixes) == 20 and noise.within_noise
    text = format_comparison(noise, show=3)
    assert "within noise" in text and "regressions (right in A, wrong in B): 12" in text and "... 9 more" in text
    assert "+4.0 pt" in text


def test_compare_different_datasets_pairs_by_id(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    a = store.add(result("10", sha="a" * 64), {})
    b = store.add(result("011", sha="b" * 64), {})
    cmp = compare(store.get(a), store.get(b))
    assert cmp.paired == 2 and len(cmp.regressions) == 1 and len(cmp.fixes) == 1
    assert "the datasets differ" in format_comparison(cmp)


def test_compare_warns_that_two_adapters_differ_by_training_noise_too(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    runs = [store.add(result("1100"), {"router": {"llm": True, "adapter_sha256": sha}}) for sha in ("a" * 64, "b" * 64)]
    same = store.add(result("1010"), {"router": {"llm": True, "adapter_sha256": "a" * 64}})
    assert "different adapters" in format_comparison(compare(store.get(runs[0]), store.get(runs[1])))
    assert "different adapters" not in format_comparison(compare(store.get(runs[0]), store.get(same)))


def test_git_state_and_hashes(tmp_path, registry):
    state = git_state()
    assert re.fullmatch(r"[0-9a-f]{40}", state["commit"]) and isinstance(state["dirty"], bool)
    model = tmp_path / "model.bin"
    model.write_bytes(b"weights v1")
    cache = tmp_path / "cache.json"
    first = file_sha256(model, cache)
    assert first == file_sha256(model, cache) and json.loads(cache.read_text())
    model.write_bytes(b"weights v2, longer")
    assert file_sha256(model, cache) != first
    digest, source = prompt_hash(registry, None)
    assert source == "registry.prompt_listing+grammar" and len(digest) == 64

    class Backend:
        prompt_prefix = "You route requests.\n"

    expected = hashlib.sha256(b"You route requests.\n").hexdigest()
    assert prompt_hash(registry, Backend()) == (expected, "backend.prompt_prefix")


def test_provenance_without_llm(tmp_path, registry, config):
    meta = provenance(config, registry, None, tmp_path, selection={"limit": 3})
    assert meta["router"] == {"llm": False, "fast_path": True, "backend": "local"}
    assert meta["config"]["data_dir"] == config.data_dir and meta["selection"] == {"limit": 3}
    assert len(meta["skills_sha256"]) == 64 and meta["host"]["cpus"]
    json.dumps(meta)  # stored as JSON


def test_report_is_self_contained_and_escapes(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    items = outcomes("1010", text="<script>alert(1)</script>")
    dataset = Dataset("mini", Path("m"), "calls", [], "s" * 64)
    store.add(EvalResult(dataset, items, metrics(items)), {"git": {"commit": "c" * 40}})
    run = store.get("last")
    page = render(run, store.list())
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) == 3
    for svg in svgs:
        ET.fromstring(svg)


def test_cli_eval_runs_compare_show(tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    html = tmp_path / "report.html"
    args = ["--config", str(config), "eval"]
    assert main([*args, "--dataset", "golden", "--no-llm", "--limit", "10", "--note", "first"]) == 0
    assert main([*args, "--dataset", "golden", "--no-llm", "--tag", "weather", "--html", str(html)]) == 0
    out = capsys.readouterr().out
    assert "run #1" in out and "run #2" in out and "exact call match" in out and html.is_file()
    assert main([*args, "runs"]) == 0 and "first" in capsys.readouterr().out
    assert main([*args, "compare", "1", "last"]) == 0
    assert "paired examples" in capsys.readouterr().out
    assert main([*args, "show", "last"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["meta"]["selection"]["tags"] == ["weather"] and shown["meta"]["dataset"]["name"] == "golden"
    assert main([*args, "--dataset", "nope"]) == 2
    assert "no dataset 'nope'" in capsys.readouterr().err
    assert main([*args, "compare", "1", "9"]) == 2
