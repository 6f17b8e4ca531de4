"""Experiment tracking: every eval run stored in SQLite (<data_dir>/runs/runs.sqlite) with what produced it
(git commit, config, model/adapter/prompt/dataset hashes, host), its metrics and every per-example outcome;
plus listing and a paired comparison of two runs (regressions, fixes, McNemar test, 95% CI of the difference)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.config import Config
from assistant.errors import AssistantError
from assistant.evaluation.evaluate import EvalResult, outcome_dicts, outcomes_from_dicts
from assistant.evaluation.metrics import Outcome, mcnemar_p, paired_difference_ci, wilson
from assistant.registry import Registry

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    dataset TEXT NOT NULL,
    dataset_sha256 TEXT NOT NULL,
    n INTEGER NOT NULL,
    accuracy REAL,
    note TEXT NOT NULL DEFAULT '',
    meta TEXT NOT NULL,
    metrics TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outcomes (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    example_id TEXT NOT NULL,
    correct INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run_id, position)
);
"""


class RunNotFound(AssistantError):
    """A run id or reference that the store does not have."""


@dataclass
class Run:
    """One stored evaluation run."""

    id: int
    created_at: float
    """Unix time the run was recorded."""
    dataset: str
    dataset_sha256: str
    n: int
    accuracy: float | None
    note: str
    meta: dict[str, Any]
    """Provenance: git, config, hashes, host, selection."""
    metrics: dict[str, Any]
    outcomes: list[Outcome] = field(default_factory=list)
    """Per-example outcomes (loaded by RunStore.get, empty in listings)."""

    @property
    def when(self) -> str:
        """Local time of the run, to the minute."""
        return dt.datetime.fromtimestamp(self.created_at).strftime("%Y-%m-%d %H:%M")


def default_path(config: Config) -> Path:
    """Where runs live: <data_dir>/runs/runs.sqlite (ASSISTANT_RUNS_DB overrides)."""
    override = os.environ.get("ASSISTANT_RUNS_DB")
    return Path(override).expanduser() if override else config.data_path / "runs" / "runs.sqlite"


class RunStore:
    """SQLite store of eval runs and their per-example outcomes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)

    def add(self, result: EvalResult, meta: dict[str, Any], note: str = "") -> int:
        """Store a finished evaluation with its provenance; returns the run id."""
        m = result.metrics
        run = Run(0, time.time(), result.dataset.name, result.dataset.sha256, m["n"], m["accuracy"], note, meta, m)
        return self.insert(run, outcome_dicts(result.outcomes))

    def insert(self, run: Run, rows: list[dict[str, Any]]) -> int:
        """Store a run (its id is given by the store) with outcome rows as outcome_dicts writes them."""
        with self.db:
            cursor = self.db.execute(
                "INSERT INTO runs (created_at, dataset, dataset_sha256, n, accuracy, note, meta, metrics)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.created_at,
                    run.dataset,
                    run.dataset_sha256,
                    run.n,
                    run.accuracy,
                    run.note,
                    json.dumps(run.meta, ensure_ascii=False, default=str),
                    json.dumps(run.metrics, ensure_ascii=False),
                ),
            )
            run_id = int(cursor.lastrowid or 0)
            self.db.executemany(
                "INSERT INTO outcomes (run_id, position, example_id, correct, data) VALUES (?, ?, ?, ?, ?)",
                [
                    (run_id, i, row["id"], int(row["correct"]), json.dumps(row, ensure_ascii=False))
                    for i, row in enumerate(rows)
                ],
            )
        return run_id

    def list(self, dataset: str | None = None, limit: int = 50) -> list[Run]:
        """Runs newest first (without outcomes), optionally for one dataset name."""
        where, params = ("WHERE dataset = ?", [dataset]) if dataset else ("", [])
        rows = self.db.execute(
            f"SELECT id, created_at, dataset, dataset_sha256, n, accuracy, note, meta, metrics FROM runs {where}"
            " ORDER BY id DESC LIMIT ?",
            [*params, limit],
        ).fetchall()
        return [Run(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]), json.loads(r[8])) for r in rows]

    def resolve(self, ref: str) -> int:
        """A run id from "12", "last" (newest) or "last~N" (N runs before the newest)."""
        ref = ref.strip()
        if ref.isdigit():
            return int(ref)
        if ref == "last" or ref.startswith("last~"):
            back = int(ref[5:] or 0) if ref[5:].isdigit() or ref == "last" else -1
            if back >= 0:
                row = self.db.execute("SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?", (back,)).fetchone()
                if row:
                    return int(row[0])
        raise RunNotFound(f"no run '{ref}' in {self.path} (use an id from `assistant eval runs`, last or last~N)")

    def get(self, ref: str | int) -> Run:
        """One run with its outcomes."""
        run_id = self.resolve(str(ref))
        row = self.db.execute(
            "SELECT id, created_at, dataset, dataset_sha256, n, accuracy, note, meta, metrics FROM runs WHERE id = ?",
            (run_id,),
        ).fetchone()
        if row is None:
            raise RunNotFound(f"no run {run_id} in {self.path} (see `assistant eval runs`)")
        data = self.db.execute("SELECT data FROM outcomes WHERE run_id = ? ORDER BY position", (run_id,)).fetchall()
        return Run(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            row[6],
            json.loads(row[7]),
            json.loads(row[8]),
            outcomes_from_dicts(json.loads(d[0]) for d in data),
        )

    def close(self) -> None:
        """Close the database."""
        self.db.close()


# ---------------------------------------------------------------- provenance


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def git_state() -> dict[str, Any]:
    """Commit, dirty flag and a hash of the uncommitted diff (two dirty runs can still be told apart)."""
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain")
    if commit is None or status is None:
        return {"commit": "unknown", "dirty": None}
    state: dict[str, Any] = {"commit": commit.strip(), "dirty": bool(status.strip())}
    if state["dirty"]:
        diff = _git("diff", "HEAD") or ""
        untracked = sorted(line[3:] for line in status.splitlines() if line.startswith("??"))
        state["diff_sha256"] = hashlib.sha256((diff + "\n".join(untracked)).encode()).hexdigest()
        state["changed_files"] = len(status.splitlines())
    return state


def file_sha256(path: Path, cache_path: Path | None = None) -> str:
    """sha256 of a file, cached by (path, size, mtime) because models are hundreds of MB."""
    from assistant.models import sha256_file

    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    cache: dict[str, str] = {}
    if cache_path is not None and cache_path.is_file():
        try:
            cache = json.loads(cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cache = {}  # a broken cache only costs a re-hash
    if key not in cache:
        cache[key] = sha256_file(path)
        if cache_path is not None:
            cache_path.write_text(json.dumps(cache, indent=1), encoding="utf-8")
    return cache[key]


def prompt_hash(registry: Registry, backend: Any, config: Config | None = None) -> tuple[str, str]:
    """(sha256, source) of the router's static prompt: backend.prompt_prefix; else, with the config, the prefix the
    local router builds (listing or few-shot, as router.prompt says) + grammar; else skill listing + grammar."""
    prefix = getattr(backend, "prompt_prefix", None)
    if isinstance(prefix, str) and prefix:
        return hashlib.sha256(prefix.encode()).hexdigest(), "backend.prompt_prefix"
    if config is not None:
        from assistant.routing.llm import prompt_mode
        from assistant.routing.prompt import static_prefix

        mode = prompt_mode(config.router)
        text = static_prefix(registry, examples=mode == "examples") + "\n" + registry.grammar()
        return hashlib.sha256(text.encode()).hexdigest(), f"routing.prompt.static_prefix({mode})+grammar"
    text = registry.prompt_listing() + "\n" + registry.grammar()
    return hashlib.sha256(text.encode()).hexdigest(), "registry.prompt_listing+grammar"


def skills_hash(registry: Registry) -> str:
    """sha256 of what the fast path and the router's rules are built from: signatures, descriptions, examples, not_for,
    never_for and acts_on words."""
    parts = [
        [s.signature(), s.description, list(s.examples), list(s.not_for), list(s.never_for), list(s.acts_on)]
        for s in registry.skills.values()
    ]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def skill_dirs_state(folders: dict[str, str]) -> list[dict[str, Any]]:
    """Each skill folder a run loaded: its path, where it came from (config, --skills, the dataset's own folder),
    and a hash of its *.py files (a run on a developer's folder says which version of the skills it measured)."""
    state = []
    for folder, origin in folders.items():
        path = Path(folder).expanduser()
        files = sorted(path.glob("*.py"))
        digest = hashlib.sha256()
        for file in files:
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
        state.append({"path": str(path), "from": origin, "files": len(files), "sha256": digest.hexdigest()})
    return state


def provenance(
    config: Config,
    registry: Registry,
    backend: Any,
    store_dir: Path,
    skill_dirs: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Everything needed to know what produced a run, and to reproduce it; skill_dirs: folder -> where it came from
    (default: the config's skill_dirs)."""
    from assistant.models import adapter_path, llm_model_path
    from assistant.routing.llm import reader_adapter

    cache = store_dir / "sha256-cache.json"
    llm_used = backend is not None
    model: dict[str, Any] = {"llm": llm_used, "fast_path": config.router.fast_path, "backend": config.router.backend}
    if llm_used and config.router.backend == "server":
        model["server_url"] = config.router.server_url
    elif llm_used:
        model_file = Path(getattr(backend, "model_path", "") or llm_model_path(config.router.model))
        model.update({"model_path": str(model_file), "model_sha256": file_sha256(model_file, cache)})
        adapter = getattr(backend, "adapter_path", None) or adapter_path(config.router.lora)
        model["adapter_path"] = str(adapter) if adapter else None
        model["adapter_sha256"] = file_sha256(Path(adapter), cache) if adapter else None
        reader = reader_adapter(config, registry)  # asked when the registry has added skills
        model["reader_path"] = str(reader) if reader else None
        model["reader_sha256"] = file_sha256(reader, cache) if reader else None
    digest, source = prompt_hash(registry, backend, config)
    return {
        "git": git_state(),
        "router": model,
        "prompt_sha256": digest,
        "prompt_source": source,
        "skills_sha256": skills_hash(registry),
        "skill_dirs": skill_dirs_state(
            skill_dirs if skill_dirs is not None else dict.fromkeys(config.skill_dirs, "config")
        ),
        "config": dataclasses.asdict(config),
        "host": {
            "name": socket.gethostname(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
        "argv": sys.argv[1:],
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **extra,
    }


# ---------------------------------------------------------------- comparison


@dataclass
class Comparison:
    """Run B against run A on the examples both have (matched by id)."""

    a: Run
    b: Run
    paired: int
    """Examples present in both runs."""
    counts: tuple[int, int, int, int]
    """(both right, only A right, only B right, both wrong)."""
    regressions: list[tuple[Outcome, Outcome]]
    """Right in A, wrong in B."""
    fixes: list[tuple[Outcome, Outcome]]
    """Wrong in A, right in B."""
    changed: list[tuple[Outcome, Outcome]]
    """Wrong in both but a different call."""
    p_value: float
    ci95: tuple[float, float]

    @property
    def within_noise(self) -> bool:
        """True when the accuracy difference is not significant at 5% (the CI contains zero)."""
        return self.p_value >= 0.05


def compare(a: Run, b: Run) -> Comparison:
    """Pair the two runs' outcomes by example id and count regressions and fixes."""
    in_a = {o.id: o for o in a.outcomes}
    pairs = [(in_a[o.id], o) for o in b.outcomes if o.id in in_a]
    both = sum(1 for x, y in pairs if x.correct and y.correct)
    only_a = [(x, y) for x, y in pairs if x.correct and not y.correct]
    only_b = [(x, y) for x, y in pairs if y.correct and not x.correct]
    neither = [(x, y) for x, y in pairs if not x.correct and not y.correct]
    counts = (both, len(only_a), len(only_b), len(neither))
    return Comparison(
        a,
        b,
        len(pairs),
        counts,
        only_a,
        only_b,
        [(x, y) for x, y in neither if x.predicted != y.predicted],
        mcnemar_p(len(only_a), len(only_b)),
        paired_difference_ci(*counts),
    )


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _delta(x: float | None, y: float | None, scale: float = 100, unit: str = " pt") -> str:
    if x is None or y is None:
        return ""
    return f"{(y - x) * scale:+.1f}{unit}"


def _adapter(run: Run) -> str | None:
    """The adapter a run's router used (its sha256), None without one or without the LLM."""
    router = run.meta.get("router", {})
    return router.get("adapter_sha256") if router.get("llm") else None


def format_comparison(cmp: Comparison, show: int = 20) -> str:
    """The comparison as text: headline with significance, metric deltas, regressions and fixes."""
    a, b = cmp.a, cmp.b
    lines = [
        f"A = run #{a.id} ({a.dataset}, {a.when}, {a.meta.get('git', {}).get('commit', '?')[:10]}"
        f"{'+dirty' if a.meta.get('git', {}).get('dirty') else ''}) {a.note}".rstrip(),
        f"B = run #{b.id} ({b.dataset}, {b.when}, {b.meta.get('git', {}).get('commit', '?')[:10]}"
        f"{'+dirty' if b.meta.get('git', {}).get('dirty') else ''}) {b.note}".rstrip(),
    ]
    if a.dataset_sha256 != b.dataset_sha256:
        lines.append(f"note: the datasets differ; comparing the {cmp.paired} examples both runs have (by id)")
    both, only_a, only_b, neither = cmp.counts
    if cmp.paired:
        acc_a, acc_b = (both + only_a) / cmp.paired, (both + only_b) / cmp.paired
        lo_a, hi_a = wilson(both + only_a, cmp.paired)
        lo_b, hi_b = wilson(both + only_b, cmp.paired)
        lo, hi = cmp.ci95
        lines += [
            f"paired examples: {cmp.paired}",
            f"  accuracy A {_pct(acc_a)} (95% CI {100 * lo_a:.1f}-{100 * hi_a:.1f})   "
            f"B {_pct(acc_b)} (95% CI {100 * lo_b:.1f}-{100 * hi_b:.1f})",
            f"  difference B-A {100 * (acc_b - acc_a):+.1f} pt, 95% CI {100 * lo:+.1f} to {100 * hi:+.1f} pt; "
            f"McNemar exact p = {cmp.p_value:.3g} ({only_b} fixes vs {only_a} regressions)",
            "  => "
            + (
                "within noise: this difference could be chance; do not call it better or worse"
                if cmp.within_noise
                else ("B is significantly better" if only_b > only_a else "B is significantly worse")
            ),
        ]
        if _adapter(a) != _adapter(b):
            lines.append(
                "  note: A and B use different adapters. McNemar covers the eval set's sampling, not training's: "
                "one recipe trained with two seeds can differ significantly here (finetune/README.md, "
                "'Seed variance'), so compare recipes over several seeds"
            )
    ma, mb = a.metrics, b.metrics
    lines.append("metric                      A          B       delta")
    for key in ("accuracy", "skill_accuracy", "none_precision", "none_recall"):
        lines.append(
            f"  {key:22} {_pct(ma.get(key)):>9} {_pct(mb.get(key)):>10} {_delta(ma.get(key), mb.get(key)):>10}"
        )
    for skill in sorted(set(ma.get("per_skill", {})) | set(mb.get("per_skill", {}))):
        x = ma.get("per_skill", {}).get(skill, {}).get("accuracy")
        y = mb.get("per_skill", {}).get(skill, {}).get("accuracy")
        lines.append(f"  {'exact ' + skill:22} {_pct(x):>9} {_pct(y):>10} {_delta(x, y):>10}")
    for path in sorted(set(ma.get("latency", {})) | set(mb.get("latency", {}))):
        for q in ("p50_ms", "p95_ms"):
            x = ma.get("latency", {}).get(path, {}).get(q)
            y = mb.get("latency", {}).get(path, {}).get(q)
            lines.append(
                f"  {path + ' ' + q:22} {'' if x is None else f'{x:.1f}':>9} "
                f"{'' if y is None else f'{y:.1f}':>10} {_delta(x, y, 1, ' ms'):>10}"
            )
    for title, items in (
        ("regressions (right in A, wrong in B)", cmp.regressions),
        ("fixes (wrong in A, right in B)", cmp.fixes),
        ("still wrong, different call", cmp.changed),
    ):
        lines.append(f"{title}: {len(items)}")
        for x, y in items[:show]:
            lines.append(f"  {y.id}: {y.text!r}\n      A {x.predicted}  B {y.predicted}  (expected {y.expected})")
        if len(items) > show:
            lines.append(f"  ... {len(items) - show} more")
    return "\n".join(lines)


def format_runs(runs: list[Run]) -> str:
    """A table of runs, newest first."""
    if not runs:
        return "no eval runs yet; run `assistant eval --dataset quick`"
    lines = ["  id  when              dataset          n  accuracy  router     commit       note"]
    for run in runs:
        git = run.meta.get("git", {})
        router = run.meta.get("router", {})
        kind = ("fast+llm" if router.get("fast_path") else "llm") if router.get("llm") else "fast only"
        commit = git.get("commit", "?")[:10] + ("+" if git.get("dirty") else "")
        lines.append(
            f"{run.id:4}  {run.when}  {run.dataset[:14]:14} {run.n:5}  {_pct(run.accuracy):>8}  "
            f"{kind:10} {commit:12} {run.note}"
        )
    return "\n".join(lines)
