"""The run ledger in git: the run store's runs as JSON lines in the repository, so they outlive the machine.

The run store (runs.py) is SQLite in <data_dir> and goes with its machine; a new machine, or a later session on a new
one, would start with no history. `assistant eval export` appends the runs the ledger lacks to it, one line a run,
in a file per day (evals/runs/<YYYY-MM-DD>.jsonl, UTC, by when the run was made; a day's file is what a commit
touches); `assistant eval import` adds the ledger's runs to a store with new ids and the same provenance, so `eval
runs`, `show` and `compare` work on them. A line keeps the provenance, the metrics, every example's id in order and
each wrong outcome in full (without the model's raw output): enough for `compare`, which pairs by id and lists what
changed, at 80-180 kB a run. A run is named on every machine by its host and time, so nothing is ever doubled.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import AssistantError

if TYPE_CHECKING:  # the CLI builds its parser from this module: the run store loads only when a command runs
    from assistant.evaluation.runs import Run, RunStore

LEDGER_DIR = Path(__file__).resolve().parents[2] / "evals" / "runs"
"""The checkout's ledger: one <YYYY-MM-DD>.jsonl a day."""
ALL = 1 << 62
"""RunStore.list's limit for every run."""


def run_key(run: Run) -> str:
    """Names a run on every machine: the host it ran on and when (a store's ids are local)."""
    return f"{run.meta.get('host', {}).get('name', '?')}/{run.created_at:.6f}"


def entry(run: Run) -> dict[str, Any]:
    """A run as one ledger line: provenance, metrics, the ids in order, and its wrong outcomes in full."""
    from assistant.evaluation.evaluate import outcome_dicts

    rows = outcome_dicts(run.outcomes)
    return {
        "key": run_key(run),
        "created_at": run.created_at,
        "when": run.when,
        "dataset": run.dataset,
        "dataset_sha256": run.dataset_sha256,
        "n": run.n,
        "accuracy": run.accuracy,
        "note": run.note,
        "meta": run.meta,
        "metrics": run.metrics,
        "order": [row["id"] for row in rows],
        "wrong": [_compact(row) for row in rows if not row["correct"]],
    }


def _compact(row: dict[str, Any]) -> dict[str, Any]:
    """A wrong outcome for the ledger: without the model's raw output, its numbers rounded."""
    out = {k: v for k, v in row.items() if k != "raw"}
    out["route_ms"] = round(float(out.get("route_ms") or 0.0), 1)
    out["confidence"] = round(float(out.get("confidence") or 0.0), 4)
    return out


def run_from_entry(line: dict[str, Any], source: Path) -> tuple[Run, list[dict[str, Any]]]:
    """A ledger line back as a run and its outcome rows (a right one carries only its id)."""
    from assistant.evaluation.metrics import Outcome
    from assistant.evaluation.runs import Run

    wrong = {row["id"]: row for row in line["wrong"]}
    right = dataclasses.asdict(Outcome("", "", "", [], "", "", "", "", "", 0.0, True, True, True))
    rows = [wrong.get(example_id, {**right, "id": example_id}) for example_id in line["order"]]
    meta = {**line["meta"], "imported_from": str(source)}
    run = Run(
        0, line["created_at"], line["dataset"], line["dataset_sha256"], line["n"], line["accuracy"], line["note"], meta,
        line["metrics"],
    )  # fmt: skip
    return run, rows


def files(ledger: Path) -> list[Path]:
    """The ledger's files: a folder's *.jsonl in order, or the one file named."""
    return sorted(ledger.glob("*.jsonl")) if ledger.is_dir() else [ledger] if ledger.is_file() else []


def read(ledger: Path) -> list[tuple[dict[str, Any], Path]]:
    """Every entry with its file ([] when there is no ledger yet); a damaged line is an error naming it."""
    entries = []
    for path in files(ledger):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise AssistantError(f"{path}: cannot read the ledger ({error})") from None
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or not {"key", "order", "wrong", "meta", "metrics"} <= item.keys():
                    raise ValueError("not a run")
            except ValueError as error:
                raise AssistantError(
                    f"{path}, line {number}: not a ledger entry ({error}); fix or remove that line "
                    "(git restore it if a merge broke it)"
                ) from None
            entries.append((item, path))
    return entries


def export(store: RunStore, ledger: Path = LEDGER_DIR) -> tuple[int, int]:
    """Append the store's runs that the ledger lacks (a folder: to each run's day file); (appended, already there)."""
    known = {item["key"] for item, _ in read(ledger)}
    # Keys from the listing (no outcomes); only the runs to write are read whole.
    fresh = [run.id for run in reversed(store.list(limit=ALL)) if run_key(run) not in known]
    try:
        for run_id in fresh:
            run = store.get(run_id)
            day = dt.datetime.fromtimestamp(run.created_at, dt.UTC).strftime("%Y-%m-%d")
            target = ledger / f"{day}.jsonl" if ledger.suffix != ".jsonl" else ledger
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("a", encoding="utf-8") as out:
                out.write(json.dumps(entry(run), ensure_ascii=False, default=str, sort_keys=True) + "\n")
    except OSError as error:
        raise AssistantError(f"{ledger}: cannot write the ledger ({error.strerror or error})") from None
    return len(fresh), len(known)


def import_runs(store: RunStore, ledger: Path = LEDGER_DIR) -> tuple[int, int]:
    """Add the ledger's runs that the store lacks (new ids, the same provenance); (added, already here)."""
    known = {run_key(run) for run in store.list(limit=ALL)}
    added = 0
    entries = read(ledger)
    for item, source in entries:
        if item["key"] not in known:
            known.add(item["key"])
            store.insert(*run_from_entry(item, source))
            added += 1
    return added, len(entries) - added


def add_parsers(eval_sub: Any) -> None:
    """`eval export` and `eval import` on the eval command's subparsers."""
    for name, doing in (("export", "append this machine's runs to"), ("import", "add to this machine's runs those of")):
        command = eval_sub.add_parser(name, help=f"{doing} the run ledger kept in git (evals/runs/)")
        command.add_argument(
            "--ledger", type=Path, default=LEDGER_DIR, help="a ledger folder or .jsonl file (default: %(default)s)"
        )


def command(name: str, ledger: Path, store: RunStore) -> int:
    """Run `eval export` or `eval import`: one line saying what moved."""
    if ledger == LEDGER_DIR and not (LEDGER_DIR.parent / "README.md").is_file():
        # Installed from a wheel, not run from a checkout: the default would be a folder beside site-packages.
        raise AssistantError(f"no checkout of the project here ({LEDGER_DIR.parent} is not its evals/): give --ledger")
    if name == "export":
        appended, there = export(store, ledger)
        print(f"{ledger}: {appended} runs appended ({there} were there); commit it with the work it measured")
    else:
        added, here = import_runs(store, ledger)
        print(f"{store.path}: {added} runs added from {ledger} ({here} were here); see `assistant eval runs`")
    return 0


__all__ = ["LEDGER_DIR", "add_parsers", "command", "entry", "export", "import_runs", "read", "run_key"]
