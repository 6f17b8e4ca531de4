"""The `unseen` evaluation: its skill files and examples validate, no name is a training skill's, and the committed
files are what evals/make_unseen.py makes (when the SGD data is there)."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from assistant.evaluation.evaluate import EVALS_DIR, dataset_skills, load_dataset, resolve_dataset
from assistant.registry import Registry

UNSEEN_SKILLS = EVALS_DIR / "unseen" / "skills"
FAMILIES = EVALS_DIR.parent / "finetune" / "families"
SGD = EVALS_DIR.parents[1] / "shared" / "data" / "sgd"


@pytest.fixture(scope="module")
def unseen_registry() -> Registry:
    return Registry.load([UNSEEN_SKILLS])


def test_unseen_validates_through_the_builtins_and_its_own_skills(unseen_registry):
    assert dataset_skills(resolve_dataset("unseen")[1]) == UNSEEN_SKILLS
    dataset = load_dataset("unseen", unseen_registry)  # every call validates, or file:line errors
    assert 600 <= len(dataset.examples) <= 900
    groups = Counter(next(t for t in e.tags if t in ("sgd", "household", "unlisted")) for e in dataset.examples)
    assert groups["sgd"] >= 400 and groups["household"] >= 90 and groups["unlisted"] >= 120
    for example in dataset.examples:
        assert (example.skill == "none") == ("unlisted" in example.tags), example.id
    household = {t.split(":")[1] for e in dataset.examples for t in e.tags if t.startswith("family:")}
    assert household == {
        "lights",
        "thermostat",
        "add_to_shopping_list",
        "read_shopping_list",
        "flip_coin",
        "spell_word",
        "call_contact",
    }
    services = {t.split(":")[1] for e in dataset.examples if "sgd" in e.tags for t in e.tags if ":" in t}
    assert services == {  # not Alarm_1: the clock's set_alarm and alarm_control serve it
        "Banks_2",
        "Flights_3",
        "Hotels_4",
        "Media_2",
        "Movies_2",
        "Restaurants_2",
        "Services_4",
    }
    listed = {e.skill for e in dataset.examples} - {"none"}
    assert listed == set(unseen_registry.names()) - set(Registry.load().names())  # every listed skill is asked for


def test_unseen_does_not_overlap_the_other_sets(unseen_registry):
    from assistant.i18n import normalize_text

    unseen = {normalize_text(e.text) for e in load_dataset("unseen", unseen_registry).examples}
    for name in ("golden", "quick", "full"):
        assert not unseen & {normalize_text(e.text) for e in load_dataset(name).examples}, name


def test_unseen_skills_are_no_training_skills(unseen_registry):
    """The families of finetune/ are trained; the unseen skills must not reuse their names or aliases."""
    trained: set[str] = set()
    for spec in FAMILIES.glob("*.yaml"):
        module = importlib.import_module(f"finetune.families.{spec.stem}")
        trained |= set(Registry.from_modules([module]).names())
        aliases = yaml.safe_load(spec.read_text(encoding="utf-8")).get("aliases") or {}
        trained |= {alias for names in aliases.values() for alias in names}
    new = set(unseen_registry.names()) - set(Registry.load().names())
    assert len(new) >= 19 and not new & trained
    for item in unseen_registry.skills.values():  # written as docs/skills.md teaches
        assert item.description and (2 <= len(item.examples) <= 3 or item.name in Registry.load().names())


@pytest.mark.skipif(not (SGD / "sgd_requests.jsonl").is_file(), reason="../shared/data/sgd is not here")
def test_committed_unseen_files_are_what_the_generator_makes(unseen_registry):
    spec = importlib.util.spec_from_file_location("evals_make_unseen", EVALS_DIR / "make_unseen.py")
    assert spec is not None and spec.loader is not None
    make = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = make
    spec.loader.exec_module(make)
    from finetune import sgd

    services = sgd.load_services("dev")
    for name, source in make.skill_files(services).items():
        assert (UNSEEN_SKILLS / name).read_text(encoding="utf-8") == source, f"{name} is stale: run make_unseen.py"
    rows = make.build(unseen_registry, services, list(sgd.requests("dev")))
    committed = [json.loads(x) for x in (EVALS_DIR / "unseen.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows == committed, "evals/unseen.jsonl is stale: run `.venv/bin/python evals/make_unseen.py`"
    assert Path(make.__file__).parent == EVALS_DIR
