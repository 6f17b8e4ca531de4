"""The skill developer's check: sentences as text lines, a dataset's own skill folder, `eval --skills`, hints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.calls import Call
from assistant.cli import main
from assistant.evaluation.evaluate import DatasetError, dataset_skills, load_dataset
from assistant.evaluation.metrics import Outcome, metrics
from assistant.evaluation.runs import skill_dirs_state
from assistant.evaluation.skill_check import format_check, hint, skill_folders

ROOT = Path(__file__).resolve().parents[2]
SKILL = '''"""A skill of the test's own."""

from typing import Literal

from assistant import Reply, skill


@skill(examples=[("open the hatch", 'hatch(action="open")')])
def hatch(action: Literal["open", "close"]) -> Reply:
    """Open or close the roof hatch."""
    return Reply(f"Hatch {action}.")
'''


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def cli(tmp_path: Path, *args: str) -> int:
    config = write(tmp_path / "config.toml", f'data_dir = "{tmp_path / "data"}"\n')
    return main(["--config", str(config), "eval", *args])


def test_sentence_lines_load_with_comments_languages_and_none(tmp_path, registry):
    path = write(
        tmp_path / "mine.txt",
        "# my sentences\n\nturn it up to 5 => volume(level=5)\n"
        'will it be sunny in Oslo tomorrow =>  forecast(city="Oslo", day="tomorrow")\n'
        '# lang: de\nWetter in Berlin => forecast(city="Berlin")\nthanks, that\'s all => none()\n',
    )
    dataset = load_dataset(str(path), registry)
    assert dataset.kind == "calls" and dataset.name == "mine"
    assert [(e.text, e.lang, e.call) for e in dataset.examples] == [
        ("turn it up to 5", "en", Call("volume", {"level": 5})),
        ("will it be sunny in Oslo tomorrow", "en", Call("forecast", {"city": "Oslo", "day": "tomorrow"})),
        ("Wetter in Berlin", "de", Call("forecast", {"city": "Berlin"})),
        ("thanks, that's all", "de", Call("none")),
    ]
    assert [e.line for e in dataset.examples] == [3, 4, 6, 7]
    assert dataset.examples[0].id.startswith("volume-en-")  # the skill and a hash of the text: stable across edits


def test_a_typo_line_is_named_by_file_and_line(tmp_path, registry):
    path = write(
        tmp_path / "typos.txt",
        "set the volume to 3 => volume(level=3)\n"
        "turn on the radio none()\n"  # the arrow forgotten
        "volume 4 => volume(level=4\n"  # a bracket forgotten
        "weather please => weather()\n"  # a skill that is not there
        "volume eleven => volume(level=11)\n"  # out of range
        "set the volume to 3 => volume(level=3)\n",  # twice
    )
    with pytest.raises(DatasetError) as caught:
        load_dataset(str(path), registry)
    message = str(caught.value)
    assert "5 malformed line(s)" in message
    assert f"{path}:2: expected 'sentence => call'" in message and "'turn on the radio none()'" in message
    assert f"{path}:3: " in message
    assert f"{path}:4: unknown skill 'weather'" in message
    assert f"{path}:5: " in message and "11" in message
    assert f"{path}:6: the same sentence is already on line 1" in message


def test_a_dataset_brings_its_skill_folder(tmp_path, capsys):
    dataset = write(
        tmp_path / "roof.jsonl",
        json.dumps(
            {"id": "h1", "text": "open the hatch", "lang": "en", "call": 'hatch(action="open")', "tags": ["mine"]}
        )
        + "\n"
        + json.dumps({"id": "n1", "text": "feed the cat", "lang": "en", "call": "none()", "tags": ["unlisted"]}),
    )
    folder = write(tmp_path / "roof" / "skills" / "hatch.py", SKILL).parent
    assert dataset_skills(dataset) == folder and dataset_skills(tmp_path / "other.jsonl") is None
    assert cli(tmp_path, "--dataset", str(dataset), "--no-llm") == 0
    out = capsys.readouterr().out
    assert "skill + arguments, listed skills" in out and "100.0%" in out and "declined, skill not listed" in out
    assert cli(tmp_path, "show", "last") == 0
    meta = json.loads(capsys.readouterr().out)["meta"]
    assert meta["skill_dirs"] == skill_dirs_state({str(folder): "dataset"}) and meta["skill_dirs"][0]["files"] == 1
    assert meta["config"]["skill_dirs"] == [str(folder)]


def test_eval_skills_prints_each_skill_and_each_failure_with_a_hint(tmp_path, capsys):
    sentences = write(
        tmp_path / "hatch.txt",
        'open the hatch => hatch(action="open")\nshut the roof hatch please => hatch(action="close")\n'
        'what\'s the weather in Oslo => weather(location="Oslo")\n',
    )
    folder = write(tmp_path / "skills" / "hatch.py", SKILL).parent
    assert cli(tmp_path, "--skills", str(folder), "--dataset", str(sentences), "--no-llm") == 0
    out = capsys.readouterr().out
    assert "hatch: 3 sentences; exact call 66.7% (2/3" in out and "note: the model is off" in out
    assert "  hatch " in out and "  weather " in out  # a row per skill
    assert "'shut the roof hatch please'" in out and 'expected hatch(action="close")' in out
    assert "got      none()  [none]" in out and "hint     no example's template fits" in out
    assert cli(tmp_path, "show", "last") == 0
    assert json.loads(capsys.readouterr().out)["meta"]["skill_dirs"][0]["from"] == "--skills"
    # --skills works with any dataset, and a folder that is not there is one clear line
    assert cli(tmp_path, "--skills", str(folder), "--dataset", "golden", "--no-llm", "--limit", "3") == 0
    assert "3 sentences" in capsys.readouterr().out
    assert cli(tmp_path, "--skills", str(tmp_path / "nowhere"), "--dataset", "golden", "--no-llm") == 2
    assert "nowhere does not exist" in capsys.readouterr().err


def test_a_folder_named_twice_loads_once(tmp_path):
    folder = tmp_path / "skills"
    folder.mkdir()
    assert skill_folders([str(folder)], [str(folder) + "/", "~/x"], folder) == {
        str(folder): "config",
        "~/x": "--skills",
    }


def outcome(expected: str, predicted: str, path: str, error: str = "") -> Outcome:
    want, got = expected.split("(")[0], predicted.split("(")[0]
    right = expected == predicted
    return Outcome(
        "i", "some words", "en", [], expected, predicted, want, got, path, 1.0, want == got, right, right, error
    )


def test_hints_say_which_path_answered_and_what_helps():
    assert "fast path: an example of flip_coin matched" in hint(outcome("lights()", "flip_coin()", "fast"), True)
    assert hint(outcome('lights(state="on")', "none()", "none"), False).startswith("no example's template fits")
    declined = hint(outcome('lights(state="on")', "none()", "llm"), True)
    assert declined.startswith("model: declined") and "docstring" in declined
    args = hint(outcome('lights(state="on", room="bedroom")', 'lights(state="on")', "llm"), True)
    assert 'room: "bedroom" expected, left out' in args
    assert "chose lights for a request that is not for it" in hint(outcome("none()", "lights()", "llm"), True)
    assert "descriptions overlap" in hint(outcome("lights()", "fan()", "llm"), True)
    assert "LLM unavailable" in hint(outcome("lights()", "none()", "llm", "LLM unavailable: no model"), True)
    # Each rule that rules a call out says what the developer can do about it.
    lamp = "lights(state=\"on\") ruled out: lights does not act on 'lamp'"
    assert "add its word to acts_on" in hint(outcome('lights(state="on")', "none()", "llm", lamp), True)
    unsaid = "lights() ruled out: the request says no word of lights's declaration"
    assert "in the docstring line or an example" in hint(outcome("lights()", "none()", "llm", unsaid), True)
    joke = "lights() ruled out: the request says 'joke'"
    assert "never_for word" in hint(outcome("lights()", "none()", "llm", joke), True)


def test_the_check_lists_every_skill_and_a_clean_run_says_so():
    items = [outcome("lights()", "lights()", "fast"), outcome("none()", "none()", "llm")]
    text = format_check("mine", metrics(items), items, True)
    assert "every sentence came out as expected" in text and "  lights " in text and "  none " in text


def test_the_worked_example_of_the_guide_loads():
    """docs/skills.md's check: examples/sentences.txt validates against examples/skills/ and the built-ins."""
    from assistant.registry import Registry

    registry = Registry.load([ROOT / "examples" / "skills"])
    dataset = load_dataset(str(ROOT / "examples" / "sentences.txt"), registry)
    assert {e.skill for e in dataset.examples} >= {"water_garden", "roll_dice", "none"}
