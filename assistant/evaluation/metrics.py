"""Outcomes and metrics of an eval run (accuracy, per skill, none() precision/recall, confusion, breakdowns,
latency per path) and the statistics behind them: Wilson intervals, percentiles, McNemar's exact test, a
paired-difference CI."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass
class Outcome:
    """How the router did on one example."""

    id: str
    text: str
    lang: str
    tags: list[str]
    expected: str
    """Expected call (or skill[slots]) as text."""
    predicted: str
    """The router's call as text."""
    expected_skill: str
    predicted_skill: str
    path: str
    """"fast", "llm" or "none"."""
    route_ms: float
    skill_ok: bool
    args_ok: bool
    """Arguments right (judged only when the skill is right; False otherwise)."""
    correct: bool
    """Skill and arguments right: exact call match, or slot success for intent sets."""
    error: str = ""
    raw: str = ""
    """The model's raw output, when the LLM ran."""
    confidence: float = 1.0
    """The model's mean token probability for its call (1.0 on the fast path): for choosing router.min_confidence."""


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion (95% by default); (0, 1) when n is 0."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _rate(k: int, n: int) -> float | None:
    return k / n if n else None


def _breakdown(outcomes: list[Outcome], key: Callable[[Outcome], Iterable[str]]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        for name in key(outcome):
            groups[name].append(outcome)
    table = {}
    for name, group in sorted(groups.items()):
        in_scope = [o for o in group if o.expected_skill != "none"]
        table[name] = {
            "n": len(group),
            "accuracy": _rate(sum(o.correct for o in group), len(group)),
            "skill_accuracy": _rate(sum(o.skill_ok for o in group), len(group)),
            "in_scope_n": len(in_scope),
            "in_scope_accuracy": _rate(sum(o.correct for o in in_scope), len(in_scope)),
        }
    return table


def latency(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    """Median, p95, mean and max route_ms per path, plus "all"."""
    by_path: dict[str, list[float]] = defaultdict(list)
    for outcome in outcomes:
        by_path[outcome.path].append(outcome.route_ms)
        by_path["all"].append(outcome.route_ms)
    return {
        path: {
            "n": len(v),
            "p50_ms": percentile(v, 50),
            "p95_ms": percentile(v, 95),
            "mean_ms": sum(v) / len(v),
            "max_ms": max(v),
        }
        for path, v in sorted(by_path.items())
    }


def metrics(outcomes: list[Outcome]) -> dict[str, Any]:
    """Every number of one run, JSON-ready."""
    n = len(outcomes)
    correct = sum(o.correct for o in outcomes)
    skills = sorted({o.expected_skill for o in outcomes} | {o.predicted_skill for o in outcomes})
    per_skill = {}
    for skill in skills:
        expected = [o for o in outcomes if o.expected_skill == skill]
        predicted = [o for o in outcomes if o.predicted_skill == skill]
        hits = [o for o in expected if o.skill_ok]
        per_skill[skill] = {
            "n": len(expected),
            "recall": _rate(len(hits), len(expected)),
            "precision": _rate(sum(o.skill_ok for o in predicted), len(predicted)),
            "args_accuracy": _rate(sum(o.args_ok for o in hits), len(hits)),
            "accuracy": _rate(sum(o.correct for o in expected), len(expected)),
        }
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for outcome in outcomes:
        confusion[outcome.expected_skill][outcome.predicted_skill] += 1
    none = per_skill.get("none", {})
    in_scope = [o for o in outcomes if o.expected_skill != "none"]
    # With 65% negatives (xSID) a router that always says none() scores 65%: report in-scope and macro too.
    skill_scores = [row["accuracy"] for row in per_skill.values() if row["accuracy"] is not None]
    return {
        "n": n,
        "correct": correct,
        "accuracy": _rate(correct, n),
        "accuracy_ci95": list(wilson(correct, n)),
        "skill_accuracy": _rate(sum(o.skill_ok for o in outcomes), n),
        "in_scope_n": len(in_scope),
        "in_scope_accuracy": _rate(sum(o.correct for o in in_scope), len(in_scope)),
        "macro_accuracy": sum(x for x in skill_scores if x is not None) / len(skill_scores) if skill_scores else None,
        "none_precision": none.get("precision"),
        "none_recall": none.get("recall"),
        "per_skill": per_skill,
        "confusion": {k: dict(v) for k, v in sorted(confusion.items())},
        "by_lang": _breakdown(outcomes, lambda o: [o.lang]),
        "by_tag": _breakdown(outcomes, lambda o: o.tags),
        "latency": latency(outcomes),
        "paths": dict(Counter(o.path for o in outcomes)),
        "router_errors": sum(1 for o in outcomes if o.error),
    }


def mcnemar_p(b: int, c: int) -> float:
    """Exact two-sided McNemar p-value from the discordant counts (binomial, p = 0.5)."""
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)


def paired_difference_ci(a: int, b: int, c: int, d: int, z: float = 1.96) -> tuple[float, float]:
    """95% CI of accuracy(B) - accuracy(A) for paired outcomes (Newcombe 1998, method 10, Wilson-based).

    a: both right, b: only A right, c: only B right, d: both wrong.
    """
    n = a + b + c + d
    if n == 0:
        return -1.0, 1.0
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson(a + b, n, z)
    l2, u2 = wilson(a + c, n, z)
    denominator = (a + b) * (c + d) * (a + c) * (b + d)
    phi = (a * d - b * c) / math.sqrt(denominator) if denominator else 0.0
    theta = p2 - p1
    low = theta - math.sqrt(max(0.0, (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2))
    high = theta + math.sqrt(max(0.0, (u2 - p2) ** 2 - 2 * phi * (u2 - p2) * (p1 - l1) + (p1 - l1) ** 2))
    return max(-1.0, low), min(1.0, high)
