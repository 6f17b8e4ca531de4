"""The run ledger in git (assistant/evaluation/ledger.py): runs carried between machines, damaged lines named."""

from __future__ import annotations

import re

import pytest

from assistant.cli import main
from assistant.errors import AssistantError
from assistant.evaluation import ledger
from assistant.evaluation.runs import RunStore, compare
from tests.evaluation.test_runs import result


def test_the_ledger_carries_runs_to_another_machine_and_back(tmp_path):
    """Runs exported on one machine and imported on another compare as the originals do, and nothing doubles."""
    here = RunStore(tmp_path / "here.sqlite")
    here.add(result("1100"), {"host": {"name": "kitchen"}, "git": {"commit": "a" * 40, "dirty": False}}, "baseline")
    here.add(result("1011"), {"host": {"name": "kitchen"}, "git": {"commit": "b" * 40, "dirty": False}}, "tried")
    folder = tmp_path / "evals" / "runs"
    assert ledger.export(here, folder) == (2, 0)
    assert ledger.export(here, folder) == (0, 2)
    (day,) = folder.glob("*.jsonl")  # a file per day, named by it
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}\.jsonl", day.name) and len(day.read_text().splitlines()) == 2
    there = RunStore(tmp_path / "there.sqlite")
    assert ledger.import_runs(there, folder) == (2, 0)
    assert ledger.import_runs(there, folder) == (0, 2)
    old, new = there.get(1), there.get(2)
    assert (old.note, new.note, new.accuracy, new.meta["git"]["commit"]) == ("baseline", "tried", 0.75, "b" * 40)
    assert new.meta["imported_from"] == str(day)
    original = compare(here.get(1), here.get(2))
    moved = compare(old, new)
    assert moved.counts == original.counts and moved.p_value == original.p_value
    assert [b.text for _, b in moved.regressions] == [b.text for _, b in original.regressions] == ["t1"]
    assert [a.predicted for a, _ in moved.fixes] == ["none()", "none()"]
    # the machine that imported can export again without repeating the runs it got from the ledger
    assert ledger.export(there, folder) == (0, 2)
    # one file can be named too
    single = tmp_path / "all.jsonl"
    assert ledger.export(here, single) == (2, 0) and len(single.read_text().splitlines()) == 2


def test_a_damaged_ledger_line_is_named(tmp_path):
    folder = tmp_path / "runs"
    store = RunStore(tmp_path / "runs.sqlite")
    store.add(result("10"), {"host": {"name": "kitchen"}})
    ledger.export(store, folder)
    (day,) = folder.glob("*.jsonl")
    day.write_text(day.read_text() + "<<<<<<< HEAD\n", encoding="utf-8")
    with pytest.raises(AssistantError, match=f"{day.name}, line 2: not a ledger entry"):
        ledger.import_runs(RunStore(tmp_path / "other.sqlite"), folder)
    store.add(result("11"), {"host": {"name": "kitchen"}})
    with pytest.raises(AssistantError, match="line 2"):
        ledger.export(store, folder)  # nothing is appended to a ledger that cannot be read
    assert len(day.read_text().splitlines()) == 2


def test_cli_eval_export_and_import(tmp_path, capsys):
    folder = tmp_path / "ledger"
    configs = []
    for name in ("one", "two"):
        config = tmp_path / f"{name}.toml"
        config.write_text(f'data_dir = "{tmp_path / name}"\n', encoding="utf-8")
        configs.append(["--config", str(config), "eval"])
    assert main([*configs[0], "--dataset", "golden", "--no-llm", "--limit", "5", "--note", "on one"]) == 0
    assert main([*configs[0], "export", "--ledger", str(folder)]) == 0
    assert "1 runs appended (0 were there)" in capsys.readouterr().out
    assert main([*configs[1], "import", "--ledger", str(folder)]) == 0
    assert "1 runs added" in capsys.readouterr().out
    assert main([*configs[1], "runs"]) == 0 and "on one" in capsys.readouterr().out
    (folder / "blocked.jsonl").mkdir()  # a file that cannot be written: a sentence, no traceback
    assert main([*configs[1], "export", "--ledger", str(folder / "blocked.jsonl")]) == 2
    assert "cannot write the ledger" in capsys.readouterr().err


def test_outside_a_checkout_the_default_ledger_is_refused_with_a_sentence(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(ledger, "LEDGER_DIR", tmp_path / "site-packages" / "evals" / "runs")
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    args = ["--config", str(config), "eval"]
    assert main([*args, "export", "--ledger", str(ledger.LEDGER_DIR)]) == 2
    assert "give --ledger" in capsys.readouterr().err and not ledger.LEDGER_DIR.exists()
    assert main([*args, "export", "--ledger", str(tmp_path / "mine")]) == 0  # a ledger named is written
