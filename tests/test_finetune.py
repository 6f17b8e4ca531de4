"""finetune/: generated data is deterministic, valid and disjoint from the eval sets; calls become decoder token
paths; the exporter writes a GGUF LoRA adapter that llama.cpp loads (a tiny random one, no training run)."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path
from typing import Annotated

import pytest

from assistant.calls import parse_call
from assistant.i18n import normalize_text
from assistant.registry import Range, Registry, Reply, skill

ROOT = Path(__file__).resolve().parent.parent


def _script(name: str):
    """Import finetune/<name>.py (file names start with a digit, so not as a package)."""
    module_name = f"finetune_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "finetune" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


gen = _script("1_generate")


@pytest.fixture(scope="module")
def builtin() -> Registry:
    return Registry.load()


def _generate(registry: Registry, out: Path, *extra: str) -> list[dict]:
    args = gen.parse_args(
        ["--out", str(out), "--scale", "0.06", "--per-skill", "5", "--no-corrections", "--episodes", "0", *extra]
    )
    args.corrections = None
    gen.generate(registry, args)
    return [json.loads(line) for line in (out / "train.jsonl").read_text(encoding="utf-8").splitlines()]


def test_same_seed_same_data_other_seed_other_data(builtin, tmp_path):
    first = _generate(builtin, tmp_path / "a", "--seed", "3", "--evals")
    again = _generate(builtin, tmp_path / "b", "--seed", "3", "--evals")
    other = _generate(builtin, tmp_path / "c", "--seed", "4", "--evals")
    assert first == again
    assert first != other
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["train"]["sha256"] == json.loads((tmp_path / "b" / "manifest.json").read_text())["train"]["sha256"]


def test_every_call_and_target_validates_through_the_registry(builtin, tmp_path):
    rows = _generate(builtin, tmp_path, "--evals")
    assert {parse_call(r["call"]).name for r in rows} >= {*builtin.names(), "none"}
    assert {r["lang"] for r in rows} >= {"en", "de", "fr", "es", "it", "nl", "ja", "zh", "da"}
    for row in rows:
        assert str(builtin.parse(row["call"])) == row["call"], row
        if row.get("target"):  # what the model writes must mean the same call
            assert builtin.parse(row["target"]) == builtin.parse(row["call"]), row


def test_no_training_text_is_in_an_eval_set(builtin, tmp_path):
    plain = _generate(builtin, tmp_path / "plain", "--evals")
    taken = [r["text"] for r in plain[:25]]
    evals = tmp_path / "evals.jsonl"
    # Eval sets spell things their own way: case and punctuation must not let a copy through.
    evals.write_text("".join(json.dumps({"text": t.upper() + " ?"}) + "\n" for t in taken), encoding="utf-8")
    real = [str(p) for p in sorted((ROOT / "evals").glob("*.jsonl"))]
    rows = _generate(builtin, tmp_path / "dedup", "--evals", str(evals), *real)
    banned = {normalize_text(t) for t in taken}
    for path in real:
        banned |= {normalize_text(json.loads(line)["text"]) for line in Path(path).read_text().splitlines() if line}
    assert not banned & {normalize_text(r["text"]) for r in rows}


@skill(
    examples=[
        ("set a timer for 5 minutes", "timer(minutes=5)"),
        ("start a 10 minute timer for the pasta", 'timer(minutes=10, label="pasta")'),
    ],
    training_values={"label": ["eggs", "tea", "bread in the oven"]},
)
def timer(minutes: Annotated[int, Range(1, 180)], label: str | None = None) -> Reply:
    """Start a kitchen timer."""
    return Reply(f"{minutes} minutes")


def test_a_new_skill_gets_data_from_its_examples_without_templates():
    registry = Registry([timer])
    examples = gen.from_examples(registry, gen.random.Random(1), 30, {}, covered=set())
    assert len(examples) > 10
    labels = {parse_call(e.call).args.get("label") for e in examples}
    assert labels - {"pasta", None}, "training_values were swapped in"
    for example in examples:
        call = registry.parse(example.call)
        if "label" in call.args:
            assert str(call.args["label"]).lower() in example.text.lower()


def test_a_phrasing_slot_the_call_does_not_use_is_an_error():
    nodes = [gen.parse_template("weather in {place} {day}")]
    with pytest.raises(ValueError, match="day"):
        gen.check_group('weather(location="{place}")', nodes, ["weather in {place} {day}"], set(), "en/x.yaml")
    gen.check_group('weather(location="{place}")', nodes, ["weather in {place} {day}"], {"day"}, "en/x.yaml")


def test_template_syntax_expands_choices_and_options():
    vocab = gen.Vocab({"city": [("Oslo", "Oslo")]}, {}, {})
    nodes = gen.parse_template("(what's|how's) the weather [like] in {city}")
    seen = set()
    for seed in range(40):
        filled: dict = {}
        text = "".join(t for _, t in gen.render(nodes, vocab, gen.random.Random(seed), filled))
        seen.add(" ".join(text.split()))  # roughen() joins the pieces and collapses spaces
        assert filled == {"city": ("Oslo", "Oslo")}
    assert seen == {f"{w} the weather{like} in Oslo" for w in ("what's", "how's") for like in ("", " like")}


def test_math_targets_copy_the_spoken_words(builtin):
    call = builtin.parse('calculate(expression="12*7")')
    target = gen.copy_target(builtin, "hey what's twelve times seven please", "en", call, None)
    assert target == 'calculate(expression="twelve times seven")'
    assert builtin.parse(target) == call


def test_extra_records_become_calls():
    weather = {
        "intent": "weather",
        "slots": [{"type": "city", "value": "Paris"}, {"type": "timeRange", "value": "tomorrow"}],
    }
    dated = {"intent": "weather", "slots": [{"type": "timeRange", "value": "March 3rd"}]}
    music = {
        "intent": "play_music",
        "slots": [{"type": "artist", "value": "Queen"}, {"type": "service", "value": "Deezer"}],
    }
    other = {"intent": "out_of_scope", "slots": [{"type": "playlist", "value": "chill"}]}
    assert gen.extra_call(weather) == 'weather(location="Paris", day="tomorrow")'
    assert gen.extra_call(dated) is None  # a date the skill cannot take is left out, not guessed
    assert gen.extra_call(music) == 'play_music(query="Queen")'
    assert gen.extra_call(other) == "none()"


@pytest.mark.model
def test_calls_become_token_paths_the_decoder_walks(builtin):
    pytest.importorskip("torch")
    from assistant.models import gemma_path
    from assistant.routing.decoder import CallSpace

    train = _script("2_train")
    vocab = train.Vocab(gemma_path())
    space = CallSpace(builtin, vocab.tokenize, vocab.piece)
    for text in (
        'weather(location="New York", day="tomorrow")',
        "set_volume(level=7)",
        "none()",
        'calculate(expression="twelve times seven")',
        "play_music()",
        'music_control(action="volume_up")',
    ):
        assert train.walks(space, train.call_tokens(parse_call(text), builtin, vocab)), text
    assert not train.walks(space, vocab.tokenize(' weather(location="Oslo"'))


def test_packed_batches_keep_examples_apart():
    pytest.importorskip("torch")
    train = _script("2_train")
    a, b = train.Encoded([10, 11], [20, 21]), train.Encoded([12], [22])
    packed = train.pack(3, [a, b], window=4)
    assert packed["position_ids"].tolist() == [[3, 4, 5, 6, 3, 4]]
    full = packed["attention_mask"]["full_attention"][0, 0]
    assert full.shape == (6, 9)
    assert full[4, :3].all() and not full[4, 3:7].any() and full[4, 7]  # b sees the prefix and itself, not a
    sliding = packed["attention_mask"]["sliding_attention"][0, 0]
    assert sliding[0, :3].all()  # position 3 sees the whole prefix (positions 0..2) within a window of 4
    assert not sliding[3, :3].any() and sliding[3, 3:7].all()  # position 6 sees back to position 3 only
    assert packed["labels"].tolist() == [20, 21, 22]
    assert packed["label_at"].tolist() == [1, 2, 4]


@pytest.mark.model
def test_exported_adapter_loads_in_llama_cpp_and_changes_the_output(tmp_path):
    gguf = pytest.importorskip("gguf")
    import numpy as np

    from assistant.models import gemma_path

    export = _script("3_export")
    model = gemma_path()
    shapes = {t.name: [int(d) for d in t.shape] for t in gguf.GGUFReader(str(model)).tensors}  # [in, out]
    rng = np.random.default_rng(0)
    rank, tensors = 4, {}
    for layer in (0, 5):
        for module in ("self_attn.q_proj", "mlp.down_proj"):
            key = f"base_model.model.model.layers.{layer}.{module}.lora_A.weight"
            name = export.gguf_name(key)
            n_in, n_out = shapes[name.removesuffix(".lora_a")]
            tensors[name] = rng.normal(0, 0.05, (rank, n_in)).astype(np.float32)  # peft lora_A: r x in
            tensors[name.replace("lora_a", "lora_b")] = rng.normal(0, 0.05, (n_out, rank)).astype(np.float32)
    assert (
        export.gguf_name("base_model.model.model.layers.3.self_attn.o_proj.lora_B.weight")
        == "blk.3.attn_output.weight.lora_b"
    )
    path = export.write_adapter(
        tensors, 8.0, export.gguf_architecture(model), tmp_path / "tiny.gguf", {"prompt": "full"}
    )
    fields = gguf.GGUFReader(str(path)).fields
    assert bytes(fields["general.type"].parts[-1]).decode() == "adapter"
    assert bytes(fields["adapter.type"].parts[-1]).decode() == "lora"
    assert float(fields["adapter.lora.alpha"].parts[-1][0]) == 8.0
    without = export.probe_scores(model, None)
    with_adapter = export.probe_scores(model, path)
    assert np.abs(with_adapter - without).max() > 0.01


def test_a_missing_eval_set_is_named_in_the_manifest(builtin, tmp_path, caplog):
    gone = tmp_path / "nowhere" / "slurp_devel.jsonl"
    with caplog.at_level("WARNING"):
        _generate(builtin, tmp_path / "out", "--evals", str(gone))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["eval_sets_missing"] == [str(gone)] and manifest["eval_sets"] == []
    assert "NOT deduplicated" in caplog.text


def test_episodes_label_requests_for_their_own_listing(builtin, tmp_path):
    """Every episode's calls are calls of its own listing; requests for skills not listed are none(); the same
    seed gives the same episodes."""
    from finetune.registries import skill_from_dict

    def episodes(out: Path) -> list[dict]:
        args = gen.parse_args(["--out", str(out), "--scale", "0.06", "--per-skill", "5", "--no-corrections"])
        args.episodes, args.evals = 30, []
        gen.generate(builtin, args)
        return [json.loads(line) for line in (out / "episodes.jsonl").read_text(encoding="utf-8").splitlines()]

    first = episodes(tmp_path / "a")
    assert first == episodes(tmp_path / "b")
    names_seen, unlisted = set(), 0
    for episode in first:
        listing = Registry([skill_from_dict(s) for s in episode["skills"]])
        assert len(episode["examples"]) == 20
        for example in episode["examples"]:
            call = listing.parse(example.get("target") or example["call"])  # raises if not this listing's call
            names_seen.add(call.name)
            unlisted += "unlisted" in example["tags"]
            if "unlisted" in example["tags"]:
                assert call.name == "none"
    assert unlisted > 0
    assert names_seen - {*builtin.names(), "none"}, "skills beyond the built-ins are called"
    sizes = {len(e["skills"]) for e in first}
    assert max(sizes) > len(builtin.names()) and len(sizes) > 3, "listings of many sizes"


def test_heard_sentences_train_toward_the_meant_call_only_where_the_model_could_write_it(builtin):
    """Speech in the loop: a transcript becomes an example of the meant call when its values are words of the
    transcript (and its numbers were said); a misheard name drops it."""
    from finetune.registries import heard_variant
    from finetune.templating import Example

    weather = Example("will it rain in Boston tomorrow", 'weather(location="Boston", day="tomorrow")', "en", "t", [])
    heard = heard_variant(weather, "Will it rain in Boston tomorrow?", "en-us", builtin)
    assert heard is None  # the same words: nothing new to learn
    heard = heard_variant(weather, "will it reign in boston tomorrow", "en-us", builtin)
    assert heard is not None and heard.call == weather.call and "spoken" in heard.tags
    assert builtin.parse(heard.target or heard.call) == builtin.parse(weather.call)
    assert heard_variant(weather, "will it rain in bastion tomorrow", "en-us", builtin) is None  # name misheard
    volume = Example("set the volume to five", "set_volume(level=5)", "en", "t", [])
    assert heard_variant(volume, "set the volume to 5.", "piper", builtin) is not None
    assert heard_variant(volume, "set the volume to fight", "piper", builtin) is None  # the number is gone
    math = Example("what's twelve times seven", 'calculate(expression="12*7")', "en", "t", [])
    spoken = heard_variant(math, "What's 12 times 7?", "piper", builtin)
    assert spoken is not None and builtin.parse(spoken.target) == builtin.parse(math.call)
    chatter = Example("thanks that's all", "none()", "en", "t", [])
    assert heard_variant(chatter, "Thanks, that's a", "en-gb", builtin).call == "none()"


def test_a_new_model_card_keeps_the_one_it_replaces_below_it(tmp_path):
    export = _script("3_export")
    card = tmp_path / "MODEL_CARD.md"
    assert export.with_history("# Router LoRA adapter\nnew\n", card) == "# Router LoRA adapter\nnew\n"
    card.write_text("# Router LoRA adapter\nold: full 98.9%\n", encoding="utf-8")
    written = export.with_history("# Router LoRA adapter\nnew\n", card)
    assert written.startswith("# Router LoRA adapter\nnew\n\n# Before: the card of the adapter this one replaced")
    assert written.endswith("old: full 98.9%\n")


def test_extra_skills_sets_how_many_other_skills_an_episode_lists(builtin, tmp_path):
    """--extra-skills MIN MAX: every episode lists at least MIN skills beside the built-ins (a service joins whole,
    so it may go a little past MAX); a range that cannot be drawn is a usage error."""
    options = ["--scale", "0.06", "--per-skill", "5", "--no-corrections", "--extra-skills", "20", "24"]
    args = gen.parse_args(["--out", str(tmp_path), *options])
    args.episodes, args.evals = 12, []
    gen.generate(builtin, args)
    episodes = [json.loads(line) for line in (tmp_path / "episodes.jsonl").read_text(encoding="utf-8").splitlines()]
    others = [sum(s["name"] not in builtin.names() for s in e["skills"]) for e in episodes]
    assert min(others) >= 20 and max(others) <= 24 + 6, others
    for bad in (["5", "2"], ["-1", "3"]):
        with pytest.raises(SystemExit):
            gen.parse_args(["--extra-skills", *bad])


def test_shares_set_an_episodes_mix_and_must_leave_room_for_none(builtin, tmp_path):
    """--builtin-share and --other-share: requests for listed built-ins and for the other listed skills; none()
    takes the rest, so shares over 1 are a usage error."""
    options = ["--scale", "0.06", "--per-skill", "5", "--no-corrections", "--episode-size", "20"]
    args = gen.parse_args(["--out", str(tmp_path), *options, "--builtin-share", "0.2", "--other-share", "0.55"])
    args.episodes, args.evals = 12, []
    gen.generate(builtin, args)
    episodes = [json.loads(line) for line in (tmp_path / "episodes.jsonl").read_text(encoding="utf-8").splitlines()]
    for episode in episodes:
        listed = {s["name"] for s in episode["skills"]}
        calls = [parse_call(r.get("target") or r["call"]).name for r in episode["examples"]]
        assert sum(c in builtin.names() for c in calls) == 4, calls  # 0.2 of 20
        assert sum(c in listed and c not in builtin.names() for c in calls) == 11  # 0.55 of 20
    for bad in (["--builtin-share", "0.6", "--other-share", "0.5"], ["--other-share", "-0.1"]):
        with pytest.raises(SystemExit):
            gen.parse_args(bad)


def test_param_shuffle_lists_an_added_skills_parameters_in_other_orders(builtin, tmp_path):
    """--param-shuffle: an added skill's parameters come in other orders (required ones first), so the order of a
    listing says nothing about which parameter a value fills; the built-ins keep their declared order, every call is
    still one its listing can make, and 0 (the default) lists each skill as declared."""
    from finetune.registries import skill_from_dict

    def orders(out: Path, chance: str) -> dict[tuple[str, ...], set[tuple[str, ...]]]:
        options = ["--scale", "0.06", "--per-skill", "5", "--no-corrections", "--param-shuffle", chance]
        args = gen.parse_args(["--out", str(out), *options])
        args.episodes, args.evals = 20, []
        gen.generate(builtin, args)
        seen: dict[tuple[str, ...], set[tuple[str, ...]]] = {}  # (name, *sorted parameters): SGD names repeat
        for line in (out / "episodes.jsonl").read_text(encoding="utf-8").splitlines():
            episode = json.loads(line)
            listing = Registry([skill_from_dict(s) for s in episode["skills"]])
            for example in episode["examples"]:
                listing.parse(example.get("target") or example["call"])
            for item in listing.skills.values():
                optional = [p.optional for p in item.params]
                assert optional == sorted(optional), f"{item.name}: a required parameter after an optional one"
                names = tuple(p.name for p in item.params)
                seen.setdefault((item.name, *sorted(names)), set()).add(names)
        return seen

    declared, shuffled = orders(tmp_path / "a", "0"), orders(tmp_path / "b", "1")
    assert all(len(o) == 1 for o in declared.values())
    for name in builtin.names():
        names = tuple(p.name for p in builtin.get(name).params)
        assert shuffled.get((name, *sorted(names)), {names}) == {names}
    assert sum(len(o) > 1 for o in shuffled.values()) >= 5, "added skills come in several orders"
    with pytest.raises(SystemExit):
        gen.parse_args(["--param-shuffle", "1.5"])


def test_shown_lists_one_example_per_skill_after_the_listing(builtin, tmp_path):
    """--shown (the listing-example prompt): each episode shows one example per listed skill in listing order, a
    built-in its own richest (what run time shows), another skill one of its requests written in the listing's
    naming; training reads them into the prefix. Without --shown an episode has no "shown" at all."""
    from assistant.routing.prompt import listing, shown_examples
    from finetune.registries import skill_from_dict

    options = ["--scale", "0.06", "--per-skill", "5", "--no-corrections"]
    args = gen.parse_args(["--out", str(tmp_path / "shown"), *options, "--shown"])
    args.episodes, args.evals = 12, []
    gen.generate(builtin, args)
    rows = [json.loads(line) for line in (tmp_path / "shown" / "episodes.jsonl").read_text("utf-8").splitlines()]
    own = dict(shown_examples(builtin))
    for row in rows:
        registry = Registry([skill_from_dict(s) for s in row["skills"]])
        called = [registry.parse(call).name for _, call in row["shown"]]
        assert called == [s["name"] for s in row["skills"] if s["name"] in called], "in listing order"
        assert len(called) == len(set(called)) and len(called) >= len(row["skills"]) - 1
        for text, call in row["shown"]:
            if text in own and registry.parse(call).name in builtin.names():
                assert own[text] == call

    class Characters:  # a tokenizer of one token per character: what the prefix holds is what counts here
        bos = 0

        def tokenize(self, text: str, *, bos: bool = False) -> list[int]:
            return [0] * bos + [ord(c) for c in text]

        def piece(self, token: int) -> bytes:
            return chr(token).encode()

    train = _script("2_train")
    steps, _, _ = train.episode_steps(rows[:1], Characters(), random.Random(0), dict)
    registry = Registry([skill_from_dict(s) for s in rows[0]["skills"]])
    shown = [tuple(pair) for pair in rows[0]["shown"]]
    assert steps[0][0] == Characters().tokenize(listing(registry.skills.values(), shown), bos=True)
    args = gen.parse_args(["--out", str(tmp_path / "plain"), *options])
    args.episodes, args.evals = 3, []
    gen.generate(builtin, args)
    assert '"shown"' not in (tmp_path / "plain" / "episodes.jsonl").read_text("utf-8")
