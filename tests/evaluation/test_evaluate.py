"""Evaluation: dataset loading with file:line errors, call and slot judging, metrics, and the project's own sets."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import pytest
import yaml

from assistant.calls import Call
from assistant.evaluation.evaluate import (
    EVALS_DIR,
    DatasetError,
    Example,
    Outcome,
    evaluate,
    judge,
    load_dataset,
    normalize_value,
    resolve_dataset,
    same_call,
    slot_success,
)
from assistant.evaluation.metrics import metrics, percentile, wilson
from assistant.evaluation.report import format_summary
from assistant.registry import Normalize, Registry, Reply, skill
from assistant.routing.router import Route, Router


def write(path: Path, lines: list[object]) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path


def row(i: int, text: str, call: str, **extra: object) -> dict[str, object]:
    return {"id": f"e{i}", "text": text, "lang": "en", "call": call, "tags": ["t"], **extra}


def test_load_canonicalises_calls_through_the_registry(tmp_path, registry):
    path = write(
        tmp_path / "set.jsonl",
        [row(1, "volume five", 'volume(level="5")'), "", row(2, "weather", 'forecast(day="today", city="Oslo")')],
    )
    dataset = load_dataset(str(path), registry)
    assert dataset.kind == "calls" and dataset.name == "set" and len(dataset.sha256) == 64
    assert [e.call for e in dataset.examples] == [Call("volume", {"level": 5}), Call("forecast", {"city": "Oslo"})]
    assert dataset.examples[1].line == 3


def test_every_malformed_line_is_reported_with_file_and_line(tmp_path, registry):
    path = write(
        tmp_path / "bad.jsonl",
        [
            row(1, "fine", "forecast()"),
            "{not json",
            {"id": "e3", "text": "no call", "lang": "en"},
            row(4, "typo key", "forecast()", cal="x"),
            row(5, "syntax", "forecast(city=)"),
            row(6, "unknown skill", "alarm()"),
            row(7, "out of range", "volume(level=30)"),
            row(1, "duplicate id", "forecast()"),
            ["a", "list"],
        ],
    )
    with pytest.raises(DatasetError) as caught:
        load_dataset(str(path), registry)
    message = str(caught.value)
    assert "8 malformed line(s)" in message
    for line in range(2, 10):
        assert f"{path}:{line}:" in message
    assert f"{path}:1:" not in message
    assert "already used on line 1" in message and "not in the range 0<=x<=10" in message and "cal" in message


def test_intent_files_map_labels_to_skills(tmp_path, registry):
    path = write(
        tmp_path / "ext.jsonl",
        [
            {
                "id": "a",
                "lang": "de",
                "text": "wetter in bonn",
                "intent": "weather",
                "slots": [{"type": "city", "value": "Bonn"}],
            },
            {"id": 7, "text": "what is 2 plus 2", "intent": "math", "slots": []},
            {"id": "c", "text": "wake me up", "intent": "out_of_scope", "orig_intent": "alarm_set", "source": "s"},
        ],
    )
    dataset = load_dataset(str(path), registry)  # no clock skills in this registry: an alarm is out of scope
    assert dataset.kind == "intents"
    assert [(e.id, e.skill, e.lang) for e in dataset.examples] == [
        ("a", "weather", "de"),
        ("7", "calculate", "en"),
        ("c", "none", "en"),
    ]
    assert dataset.examples[2].tags == ("source:s", "oos:alarm_set")


def test_out_of_scope_requests_the_product_serves_are_judged_as_served(tmp_path):
    path = write(
        tmp_path / "ext.jsonl",
        [{"id": "v", "text": "turn it up", "intent": "out_of_scope", "orig_intent": "audio_volume_up"}],
    )
    example = load_dataset(str(path)).examples[0]
    assert (example.skill, example.also, example.tags) == (
        "music_control",
        ("set_volume",),
        ("served:audio_volume_up",),
    )
    assert judge(example, Call("music_control", {"action": "volume_up"})) == (True, True)
    assert judge(example, Call("set_volume", {"level": 9})) == (True, True)
    assert judge(example, Call("none")) == (False, False)


def test_alarms_and_the_time_are_served_once_the_clock_skills_are_registered(tmp_path, registry, builtin_registry):
    path = write(
        tmp_path / "ext.jsonl",
        [
            {"id": "a", "text": "wake me up at seven", "intent": "out_of_scope", "orig_intent": "alarm_set"},
            {"id": "d", "text": "time in beijing", "intent": "out_of_scope", "orig_intent": "datetime_query"},
        ],
    )
    alarm, time = load_dataset(str(path), builtin_registry).examples
    assert (alarm.skill, alarm.also, alarm.tags) == ("set_alarm", ("set_timer",), ("served:alarm_set",))
    assert (time.skill, time.also) == ("current_date", ("current_time",))
    assert judge(time, Call("current_time", {"place": "beijing"}))[0]
    without = load_dataset(str(path), registry).examples  # a registry without them: the dataset's negatives
    assert [(e.skill, e.tags) for e in without] == [("none", ("oos:alarm_set",)), ("none", ("oos:datetime_query",))]


def test_intent_file_errors(tmp_path):
    path = write(
        tmp_path / "ext.jsonl",
        [
            {"id": "a", "text": "x", "intent": "weather"},
            {"id": "b", "text": "x", "intent": "alarm"},
            {"id": "c", "text": "x", "intent": "weather", "slots": [{"type": "city"}]},
            row(4, "mixed", "forecast()"),
        ],
    )
    with pytest.raises(DatasetError) as caught:
        load_dataset(str(path))
    message = str(caught.value)
    assert f"{path}:2: unknown intent 'alarm'" in message
    assert f"{path}:3:" in message and f"{path}:4: a calls record in a intents file" in message


def test_resolve_builtin_names_and_missing_files(tmp_path):
    assert resolve_dataset("golden") == ("golden", EVALS_DIR / "golden.jsonl")
    with pytest.raises(DatasetError, match="no dataset 'nope'"):
        resolve_dataset("nope")
    empty = write(tmp_path / "empty.jsonl", [""])
    with pytest.raises(DatasetError, match="no examples"):
        load_dataset(str(empty))


def test_normalize_value():
    assert normalize_value("  The  Beatles! ") == "beatles"
    assert normalize_value("Portland, Oregon") == normalize_value("portland oregon")
    assert normalize_value("MÜNCHEN") == "münchen"
    assert normalize_value("12 * 7", symbols=True) == "12*7"
    assert normalize_value("Don't Stop Believin'") == normalize_value("dont stop believin")
    assert normalize_value("hip-hop") == "hip hop"
    assert normalize_value("12*7") == normalize_value("12/7")  # why math compares with symbols=True
    assert normalize_value(5) == 5


def to_expression(text: str) -> str:
    """A tiny canonicaliser for the test skill."""
    if not any(ch.isdigit() for ch in text):
        raise ValueError("not math")
    return text.replace(" ", "")


@skill
def calc(expression: Annotated[str, Normalize(to_expression)]) -> Reply:
    """Do math."""
    return Reply(expression)


def test_same_call_ignores_order_case_punctuation_but_not_math_symbols(registry):
    expected = Call("forecast", {"city": "New York", "day": "tomorrow"})
    assert same_call(expected, Call("forecast", {"day": "tomorrow", "city": "new york!"}), registry)
    assert not same_call(expected, Call("forecast", {"city": "New York"}), registry)
    assert not same_call(expected, Call("volume", {"level": 1}), registry)
    math = Registry([calc])
    assert same_call(Call("calc", {"expression": "12*7"}), Call("calc", {"expression": "12 * 7"}), math)
    assert not same_call(Call("calc", {"expression": "12*7"}), Call("calc", {"expression": "12+7"}), math)


def intent(skill_name: str, *slots: tuple[str, str]) -> Example:
    return Example("x", "text", "en", skill_name, None, tuple(slots))


def test_slot_success():
    boston = intent("weather", ("place_name", "boston"), ("date", "tomorrow"))
    assert slot_success(boston, Call("weather", {"location": "Boston, MA", "day": "tomorrow"}))
    assert not slot_success(boston, Call("weather", {"location": "Bostonia"}))
    assert not slot_success(boston, Call("weather"))
    assert slot_success(intent("weather", ("date", "today")), Call("weather"))
    assert not slot_success(intent("weather"), Call("weather", {"location": "Paris"}))  # invented a place
    outside = intent("weather", ("location", "outside"))  # xSID labels "outside" as a location
    assert slot_success(outside, Call("weather")) and not slot_success(outside, Call("weather", {"location": "Oslo"}))
    # A location the weather skill reads as home (its means_default) gets the home forecast, as weather() does.
    builtin = Registry.load()
    assert slot_success(outside, Call("weather", {"location": "outside"}), builtin)
    home_town = intent("weather", ("place_name", "home town"))
    assert slot_success(home_town, Call("weather", {"location": "home town"}), builtin)
    assert slot_success(intent("weather", ("location", "现在的位置")), Call("weather"))
    # Chinese and Japanese have no spaces between words: a place is found by its characters.
    tioga = intent("weather", ("location", "蒂奥加"), ("location", "科罗拉多州"))
    assert slot_success(tioga, Call("weather", {"location": "蒂奥加科罗拉多州"}))
    assert not slot_success(tioga, Call("weather", {"location": "科罗拉"}))
    assert not slot_success(boston, Call("weather", {"location": "Bostonia"}))  # other scripts: whole words
    nearby = intent("weather", ("location", "nearby Moosic"))
    assert slot_success(nearby, Call("weather", {"location": "Moosic"})) and slot_success(nearby, Call("weather"))
    assert not slot_success(nearby, Call("weather", {"location": "Scranton"}))
    song = intent("play_music", ("artist", "Queen"), ("service", "spotify"))
    assert slot_success(song, Call("play_music", {"query": "queen"}))
    assert not slot_success(song, Call("play_music", {"query": "spotify"}))
    assert slot_success(intent("play_music"), Call("play_music"))
    assert slot_success(intent("news", ("news_topic", "sports")), Call("news", {"topic": "Sports"}))
    assert judge(boston, Call("none")) == (False, False)
    assert judge(intent("none"), Call("none")) == (True, True)


def outcome(
    expected: str,
    predicted: str,
    ok_args: bool = True,
    path: str = "fast",
    ms: float = 1.0,
    tags: list[str] | None = None,
    lang: str = "en",
) -> Outcome:
    skill_ok = expected == predicted
    return Outcome(
        "i",
        "t",
        lang,
        tags or [],
        expected + "()",
        predicted + "()",
        expected,
        predicted,
        path,
        ms,
        skill_ok,
        skill_ok and ok_args,
        skill_ok and ok_args,
    )


def test_metrics_by_hand():
    outcomes = [
        outcome("weather", "weather", tags=["asr"]),
        outcome("weather", "weather", ok_args=False, path="llm", ms=100.0),
        outcome("weather", "none", path="llm", ms=300.0, tags=["asr"], lang="de"),
        outcome("none", "none"),
        outcome("none", "news", path="llm", ms=200.0),
        outcome("news", "news"),
    ]
    m = metrics(outcomes)
    assert m["n"] == 6 and m["correct"] == 3 and m["accuracy"] == 0.5
    assert m["skill_accuracy"] == pytest.approx(4 / 6)
    assert m["none_precision"] == 0.5 and m["none_recall"] == 0.5
    assert m["per_skill"]["weather"] == {
        "n": 3,
        "recall": pytest.approx(2 / 3),
        "precision": 1.0,
        "args_accuracy": 0.5,
        "accuracy": pytest.approx(1 / 3),
    }
    assert m["per_skill"]["news"]["precision"] == 0.5
    assert m["confusion"] == {"news": {"news": 1}, "none": {"none": 1, "news": 1}, "weather": {"weather": 2, "none": 1}}
    assert m["in_scope_n"] == 4 and m["in_scope_accuracy"] == 0.5
    assert m["by_tag"]["asr"]["n"] == 2 and m["by_tag"]["asr"]["accuracy"] == 0.5
    assert m["by_lang"]["de"]["accuracy"] == 0.0
    assert m["latency"]["llm"]["p50_ms"] == 200.0 and m["latency"]["llm"]["n"] == 3
    assert m["paths"] == {"fast": 3, "llm": 3}


def test_wilson_and_percentile():
    low, high = wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson(150, 200)
    assert low == pytest.approx(0.6856, abs=1e-3) and high == pytest.approx(0.8056, abs=1e-3)
    assert wilson(0, 0) == (0.0, 1.0)
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5) and percentile(values, 95) == pytest.approx(95.05)
    assert percentile([], 50) == 0.0


def test_evaluate_end_to_end_with_the_fast_router(tmp_path, registry):
    path = write(
        tmp_path / "mini.jsonl",
        [
            row(1, "What's the weather in Oslo?", 'forecast(city="oslo")', tags=["basic"]),
            row(2, "set the volume to 4", "volume(level=4)", tags=["basic"]),
            row(3, "tell me a joke", "none()", tags=["neg"]),
            row(4, "how warm is Lima", 'forecast(city="Lima")', tags=["hard"]),
        ],
    )
    dataset = load_dataset(str(path), registry)
    result = evaluate(Router(registry).route, dataset, registry)
    assert [o.correct for o in result.outcomes] == [True, True, True, False]
    assert result.outcomes[3].predicted == "none()" and "no fast-path match" in result.outcomes[3].error
    assert result.metrics["accuracy"] == 0.75
    only = evaluate(Router(registry).route, dataset, registry, tags=["basic"], limit=1)
    assert [o.id for o in only.outcomes] == ["e1"] and only.selection == {"limit": 1, "tags": ["basic"], "n": 1}
    text = format_summary(dataset, result.metrics, result.outcomes)
    assert "75.0%" in text and "how warm is Lima" in text
    with pytest.raises(DatasetError, match="no example has tag"):
        evaluate(Router(registry).route, dataset, registry, tags=["missing"])


def test_a_crashing_router_is_recorded_not_fatal(tmp_path, registry):
    path = write(tmp_path / "mini.jsonl", [row(1, "boom", "forecast()"), row(2, "fine", "none()")])

    def route(text: str) -> Route:
        if text == "boom":
            raise RuntimeError("kaput")
        return Route(Call("none"), "fast", {"route_ms": 0.5})

    result = evaluate(route, load_dataset(str(path), registry), registry)
    assert "router crashed: RuntimeError: kaput" in result.outcomes[0].error
    assert result.outcomes[1].correct and result.metrics["router_errors"] == 1


# ---------------------------------------------------------------- the project's own datasets


@pytest.fixture(scope="module")
def builtin_registry() -> Registry:
    return Registry.load()


@pytest.mark.parametrize("name, low, high", [("golden", 45, 60), ("quick", 190, 210), ("full", 1500, 5000)])
def test_builtin_sets_validate_through_the_real_registry(builtin_registry, name, low, high):
    dataset = load_dataset(name, builtin_registry)  # raises with file:line for any call that does not validate
    assert low <= len(dataset.examples) <= high
    assert {e.skill for e in dataset.examples} == {*builtin_registry.names(), "none"}


@pytest.mark.parametrize("name", ["spoken.jsonl", "clock.jsonl", "noisy/sentences.jsonl"])
def test_the_other_committed_sets_validate_through_the_real_registry(builtin_registry, name):
    dataset = load_dataset(str(Path(__file__).resolve().parents[2] / "evals" / name), builtin_registry)
    assert len(dataset.examples) >= 90


def test_full_covers_languages_and_hard_cases(builtin_registry):
    full = load_dataset("full", builtin_registry)
    langs = {e.lang for e in full.examples}
    assert {"en", "de", "fr", "es", "it", "nl", "ja", "zh"} <= langs
    tags = {t for e in full.examples for t in e.tags}
    for tag in (
        "asr",
        "homophone",
        "disfluent",
        "child",
        "hard_negative",
        "out_of_scope",
        "radio",
        "timer",
        "podcast",
        "audiobook",
        "playlist",
        "currency",
        "stocks",
        "calendar",
        "lights",
        "fiction",
    ):
        assert tag in tags, tag
    negatives = [e for e in full.examples if "hard_negative" in e.tags]
    assert all(e.skill == "none" for e in negatives)


def test_quick_is_a_subset_of_full_and_golden_is_disjoint(builtin_registry):
    full = {e.id: e for e in load_dataset("full", builtin_registry).examples}
    quick = load_dataset("quick", builtin_registry).examples
    assert all(e.id in full and full[e.id].text == e.text for e in quick)
    golden_texts = {e.text.lower() for e in load_dataset("golden", builtin_registry).examples}
    assert not golden_texts & {e.text.lower() for e in full.values()}


def test_committed_sets_match_the_generator():
    """full.jsonl and quick.jsonl are exactly what evals/generate.py makes from templates.yaml."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("evals_generate", EVALS_DIR / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generate  # dataclasses look their module up while the file runs
    spec.loader.exec_module(generate)
    templates = yaml.safe_load((EVALS_DIR / "templates.yaml").read_text(encoding="utf-8"))
    golden = {
        " ".join(json.loads(x)["text"].lower().split())
        for x in (EVALS_DIR / "golden.jsonl").read_text(encoding="utf-8").splitlines()
        if x.strip()
    }
    records = generate.generate(templates, golden)
    committed = [json.loads(x) for x in (EVALS_DIR / "full.jsonl").read_text(encoding="utf-8").splitlines()]
    assert records == committed, "evals/full.jsonl is stale: run `python evals/generate.py`"
    quick = [json.loads(x) for x in (EVALS_DIR / "quick.jsonl").read_text(encoding="utf-8").splitlines()]
    assert generate.quick_subset(records) == quick


def test_a_music_slot_counts_in_the_form_the_skill_gives_it(builtin_registry):
    dance = intent("play_music", ("music_genre", "dance music"))
    assert slot_success(dance, Call("play_music", {"query": "dance"}), builtin_registry)  # the skill's canonical query
    assert not slot_success(dance, Call("play_music", {"query": "dance"}))  # without the skill: the label's words
    assert not slot_success(dance, Call("play_music", {"query": "jazz"}), builtin_registry)
    assert slot_success(dance, Call("play_music", {"query": "dance music hits"}), builtin_registry)
    gym = intent("play_music", ("playlist_name", "gym playlist"))  # the router writes a playlist by its name
    assert slot_success(gym, Call("play_music", {"query": "gym"}), builtin_registry)
