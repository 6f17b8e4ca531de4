"""The skill developer's check: which skill folders an evaluation loads (configured, --skills, the dataset's own),
and how well each skill is understood (per skill accuracy, every failing sentence with what came out and a hint at
the cause: fast path or model); the terminal text of a run."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.calls import CallSyntaxError, format_value, parse_call
from assistant.config import Config
from assistant.evaluation.evaluate import SENTENCE_SUFFIX, Dataset, EvalResult, dataset_skills, resolve_dataset
from assistant.evaluation.metrics import Outcome
from assistant.evaluation.report import format_summary

MAX_FAILURES = 50
"""Failing sentences listed (a developer's file has tens; a big dataset lists its first ones)."""


def skill_folders(configured: Iterable[str], given: Iterable[str], dataset_skills: Path | None) -> dict[str, str]:
    """The skill folders an evaluation loads, each with where it came from ("config", "--skills" or "dataset"):
    a folder named twice (by path) is loaded once, under its first name."""
    folders: dict[str, str] = {}
    seen: set[Path] = set()
    for origin, paths in (
        ("config", configured),
        ("--skills", given),
        ("dataset", [dataset_skills] if dataset_skills else []),
    ):
        for folder in paths:
            resolved = Path(folder).expanduser().resolve()
            if resolved not in seen:
                seen.add(resolved)
                folders[str(folder)] = origin
    return folders


def with_skill_folders(config: Config, given: Iterable[str], dataset: str) -> tuple[Config, dict[str, str]]:
    """The config an evaluation runs with: the configured skill folders, the --skills ones and the dataset's own
    (evals/unseen/skills/); and each folder with its origin, for the run's provenance."""
    folders = skill_folders(config.skill_dirs, given, dataset_skills(resolve_dataset(dataset)[1]))
    return replace(config, skill_dirs=list(folders)), folders


def format_run(dataset: Dataset, result: EvalResult, *, llm: bool, folders: dict[str, str], skills_given: bool) -> str:
    """A run for the terminal: the developer's check for their sentences (a .txt set or --skills), else the
    summary; plus the headline numbers and tags of a set that brings its own skills."""
    check = skills_given or dataset.path.suffix == SENTENCE_SUFFIX
    if check:
        parts = [format_check(dataset.name, result.metrics, result.outcomes, llm)]
    else:
        parts = [format_summary(dataset, result.metrics, result.outcomes)]
    if "dataset" in folders.values():
        parts.append(format_groups(result.metrics))
    return "\n".join(parts)


def hint(outcome: Outcome, llm: bool) -> str:
    """Why a sentence came out wrong, as far as the path and the call tell, and what usually helps."""
    expected, got = outcome.expected_skill, outcome.predicted_skill
    if outcome.error.startswith(("LLM unavailable", "router")):  # the model did not run, or the router failed
        return outcome.error
    if outcome.error.startswith("model output rejected"):
        return f"model: wrote a call the registry refuses ({outcome.error[23:]}); check the parameter's type and range"
    if outcome.error.startswith("low confidence"):
        return f"model: {outcome.error}, below router.min_confidence, so none(); an example phrased like this helps"
    if " does not act on " in outcome.error:
        return f"model: {outcome.error}; if the skill acts on that thing, add its word to acts_on"
    if " says no word of " in outcome.error:
        return f"model: {outcome.error}; put the words people use for it in the docstring line or an example"
    if " ruled out" in outcome.error:
        return f"model: {outcome.error} (a never_for word of that skill)"
    if outcome.path == "fast":
        if got == expected:
            return "fast path: an example's template matched but filled the arguments otherwise; reword that example"
        return (
            f"fast path: an example of {got} matched as a template; make that example more specific or give "
            f"{got} not_for words"
        )
    if outcome.path != "llm" or not llm:
        return "no example's template fits, and the model is off"
    if got == expected:
        return (
            f"model: right skill, other arguments ({_arguments(outcome.expected, outcome.predicted)}); it reads "
            "parameter names, types and Literal values: a clearer name, a Literal or an example like this helps"
        )
    if got == "none":
        return "model: declined; it reads the docstring's first line: say there what people ask the skill for"
    if expected == "none":
        return (
            f"model: chose {got} for a request that is not for it; narrow its docstring line, or give it never_for "
            "words that never occur in a request for it"
        )
    return f"model: chose {got}; the two descriptions overlap: say in yours what sets it apart"


def _arguments(expected: str, predicted: str) -> str:
    """Which arguments differ: "minutes: 15 expected, left out"."""
    try:
        want, got = parse_call(expected).args, parse_call(predicted).args
    except CallSyntaxError:
        return "see the calls"
    parts = []
    for name in [*want, *(n for n in got if n not in want)]:
        if want.get(name) != got.get(name):
            said = "left out" if name not in got else f"got {format_value(got[name])}"
            parts.append(
                f"{name}: {format_value(want[name]) + ' expected' if name in want else 'not expected'}, {said}"
            )
    return "; ".join(parts) or "they differ in case or spelling"


def format_check(
    dataset: str, metrics: dict[str, Any], outcomes: list[Outcome], llm: bool, *, failures: int = MAX_FAILURES
) -> str:
    """The developer's report: overall numbers; per skill the sentences, exact calls, right skill and how many the
    fast path answered; then each failing sentence with what came out and a hint."""
    lo, hi = metrics["accuracy_ci95"]
    none = metrics.get("per_skill", {}).get("none", {})
    lines = [
        f"{dataset}: {metrics['n']} sentences; exact call {_pct_of(metrics['accuracy']).strip()} "
        f"({metrics['correct']}/{metrics['n']}, 95% CI {100 * lo:.0f}-{100 * hi:.0f}%), right skill "
        f"{_pct_of(metrics['skill_accuracy']).strip()}"
        + (
            f", none() when no skill fits {_pct_of(none.get('recall')).strip()} of {none['n']}" if none.get("n") else ""
        ),
    ]
    if not llm:
        lines.append(
            "note: the model is off (--no-llm, or router.llm = false): only the fast path ran, and it understands "
            "sentences shaped like a skill's examples"
        )
    by_skill: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_skill[outcome.expected_skill].append(outcome)
    order = sorted(by_skill, key=lambda name: (name == "none", name))
    width = max(12, *(len(name) for name in order))
    lines.append(f"  {'skill':{width}}      n   exact   skill   fast path   model")
    for name in order:
        group = by_skill[name]
        fast = sum(o.path == "fast" for o in group)
        model = sum(o.path == "llm" for o in group)
        lines.append(
            f"  {name:{width}} {len(group):6} {_pct(sum(o.correct for o in group), len(group))} "
            f"{_pct(sum(o.skill_ok for o in group), len(group))} {fast:11} {model:7}"
        )
    wrong = [o for o in outcomes if not o.correct]
    if not wrong:
        lines.append("  every sentence came out as expected")
        return "\n".join(lines)
    lines.append(
        f"  {len(wrong)} sentence(s) came out otherwise" + (f", first {failures}:" if len(wrong) > failures else ":")
    )
    for outcome in wrong[:failures]:
        lines += [
            f"    {outcome.text!r}",
            f"        expected {outcome.expected}",
            f"        got      {outcome.predicted}  [{outcome.path}]",
            f"        hint     {hint(outcome, llm)}",
        ]
    return "\n".join(lines)


def format_groups(metrics: dict[str, Any]) -> str:
    """The two numbers of a set with skills of its own (unseen), then exact call match and skill accuracy per tag
    (sgd, household, unlisted, each service and skill family)."""
    none = metrics.get("per_skill", {}).get("none", {})
    lines = [
        f"  {'skill + arguments, listed skills':34} {_pct_of(metrics.get('in_scope_accuracy'))}"
        f"  (in-scope exact call, n={metrics.get('in_scope_n', 0)})",
        f"  {'declined, skill not listed':34} {_pct_of(metrics.get('none_recall'))}"
        f"  (none() recall, n={none.get('n', 0)})",
    ]
    rows = metrics.get("by_tag", {})
    if not rows:
        return "\n".join(lines)
    width = max(len(tag) for tag in rows)
    lines.append(f"  {'by tag':{width}}      n   exact   skill")
    for tag, row in sorted(rows.items(), key=lambda kv: (":" in kv[0], kv[0])):
        lines.append(f"  {tag:{width}} {row['n']:6} {_pct_of(row['accuracy'])} {_pct_of(row['skill_accuracy'])}")
    return "\n".join(lines)


def _pct(k: int, n: int) -> str:
    return _pct_of(k / n if n else None)


def _pct_of(value: float | None) -> str:
    return "    n/a" if value is None else f"{100 * value:6.1f}%"
