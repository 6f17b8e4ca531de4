"""The CLI contracts of DESIGN.md: ask prints a reply, route --jsonl answers one line per input, in order."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(monkeypatch, capsys, argv, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    return code, capsys.readouterr()


def test_route_jsonl_contract(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    lines = (
        '{"id": "a", "text": "what is twelve times seven"}\nnot json\n\n{"id": 7, "text": "play baby shark"}\n'
        '{"id": "b", "text": "never mind"}\n'
    )
    code, out = run(monkeypatch, capsys, ["route", "--jsonl", "--no-llm"], lines)
    records = [json.loads(line) for line in out.out.splitlines()]
    assert code == 0 and [r["id"] for r in records] == ["a", None, 7, "b"]
    assert records[3]["skill"] == "none" and records[3]["dismissed"] and "dismissed" not in records[2]
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


# ---- odd input in a real process: every line answered, no traceback for the user ----

SPELL = '''
from typing import Annotated

from assistant.registry import Normalize, Reply, skill


def _word(text: str) -> str:
    if "boom" in text:
        raise RuntimeError("a bug in the converter")
    return text


@skill(examples=[("spell hello", 'spell(word="hello")'), ("how do you spell cat", 'spell(word="cat")')])
def spell(word: Annotated[str, Normalize(_word)]) -> Reply:
    """Spell a word letter by letter."""
    return Reply(" ".join(word))
'''


def assistant_process(tmp_path, argv: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """`assistant ARGV` in its own process, with a skill whose converter has a bug ("spell boom") and its own data."""
    folder = tmp_path / "skills"
    folder.mkdir(exist_ok=True)
    (folder / "spell.py").write_text(SPELL)
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\nskill_dirs = ["{folder}"]\n')
    command = [sys.executable, "-m", "assistant.cli", "--config", str(config), *argv]
    return subprocess.run(command, input=stdin, capture_output=True, timeout=300, cwd=ROOT)


def test_route_jsonl_one_failing_line_costs_no_other_line_its_answer(tmp_path):
    lines = [
        b'{"id": 1, "text": "spell hello"}',
        b'{"id": 2, "text": "spell boom"}',  # the skill's converter raises: a bug on this line only
        b'{"id": 3, "text": "\xff\xfe weather"}',  # not UTF-8
        b'{"id": 4, "text": "\\ud800 news"}',  # a lone surrogate
        b"[" * 100_000,  # nested too deep for the JSON parser
        b'{"id": 6, "text": 7}',
        b"not json",
        b'{"id": 8, "text": "what is two plus two"}',
    ]
    done = assistant_process(tmp_path, ["route", "--jsonl", "--no-llm"], b"\n".join(lines) + b"\n")
    records = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert done.returncode == 0 and [r["id"] for r in records] == [1, 2, 3, 4, None, 6, None, 8]
    assert records[0]["call"] == 'spell(word="hello")' and records[-1]["call"] == 'calculate(expression="2+2")'
    assert records[1]["skill"] == "none" and "line 2: RuntimeError: a bug in the converter" in records[1]["error"]
    assert "RuntimeError" in done.stderr.decode()  # the bug is logged with its traceback, not hidden
    assert records[2]["transcript"] == "\ufffd\ufffd weather" and records[3]["transcript"] == "\ufffd news"
    assert all(
        r["skill"] == "none" and r["error"].startswith(f"line {n}:") for n, r in ((5, records[4]), (6, records[5]))
    )


def test_ask_answers_odd_input_with_a_sentence_never_a_traceback(tmp_path):
    for argv in (['calculate __import__("os").system("id")'], ["\udcff\udcfe", "news"], ["\x1b[31m", "]]"]):
        done = assistant_process(tmp_path, ["ask", "--no-llm", *argv])
        assert done.returncode == 0 and done.stdout.strip() and b"Traceback" not in done.stderr, done.stderr
    done = assistant_process(tmp_path, ["ask", "--no-llm", "spell", "boom"])  # a bug in a skill's converter
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    assert b"sorry, that request could not be answered (RuntimeError: a bug in the converter)" in done.stderr


@pytest.mark.model
def test_the_issue_requests_with_the_real_model(tmp_path):
    lines = ['calculate __import__("os").system("id")', 'ñjazz[Paris";whatisnews', "what's two plus two"]
    stdin = "".join(json.dumps({"id": i, "text": text}) + "\n" for i, text in enumerate(lines)).encode()
    done = assistant_process(tmp_path, ["route", "--jsonl"], stdin)
    records = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert done.returncode == 0 and [r["id"] for r in records] == [0, 1, 2] and b"Traceback" not in done.stderr
    assert records[2]["call"] == 'calculate(expression="2+2")'
    done = assistant_process(tmp_path, ["ask", 'calculate __import__("os").system("id")'])
    assert done.returncode == 0 and done.stdout.strip() and b"Traceback" not in done.stderr, done.stderr
