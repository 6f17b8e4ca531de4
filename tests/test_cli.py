"""The CLI contracts of DESIGN.md: ask prints a reply, route --jsonl answers one line per input, in order."""

from __future__ import annotations

import io
import json

from assistant.cli import main


def run(monkeypatch, capsys, argv, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    return code, capsys.readouterr()


def test_route_jsonl_contract(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    lines = '{"id": "a", "text": "what is twelve times seven"}\nnot json\n\n{"id": 7, "text": "play baby shark"}\n'
    code, out = run(monkeypatch, capsys, ["route", "--jsonl", "--no-llm"], lines)
    records = [json.loads(line) for line in out.out.splitlines()]
    assert code == 0 and [r["id"] for r in records] == ["a", None, 7]
    first = records[0]
    assert {"id", "transcript", "call", "skill", "args", "path", "timings_ms"} <= set(first)
    assert (first["call"], first["skill"], first["args"], first["path"]) == (
        'calculate(expression="12*7")',
        "calculate",
        {"expression": "12*7"},
        "fast",
    )
    assert "line 2" in records[1]["error"] and records[1]["skill"] == "none"
    assert records[2]["skill"] == "play_music"


def test_ask_prints_reply(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    code, out = run(monkeypatch, capsys, ["ask", "--no-llm", "what is twelve times seven"])
    assert code == 0 and out.out.strip() == "12 times 7 is 84."
    code, out = run(monkeypatch, capsys, ["ask", "--no-llm", "--language", "de", "was ist zwölf mal sieben"])
    assert code == 0 and out.out.strip() == "12 mal 7 ist 84."


def test_config_typo_is_one_clear_line(monkeypatch, capsys, tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text("[vad]\nsilense_ms = 1\n")
    code, out = run(monkeypatch, capsys, ["--config", str(bad), "skills"])
    assert code == 2 and "did you mean 'silence_ms'" in out.err
