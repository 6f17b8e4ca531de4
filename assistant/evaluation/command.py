"""The `assistant eval` command: evaluate the router on a dataset and record the run (runs.py); list, show and
compare runs; export them to the ledger in git and import its runs (ledger.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from assistant.config import Config
from assistant.evaluation import ledger


def cmd_eval(args: argparse.Namespace, config: Config) -> int:
    """Evaluate the router on a dataset and record the run; or list runs, show one, compare two, export them to the
    ledger in git or import its runs."""
    from assistant.evaluation import report, runs
    from assistant.evaluation.evaluate import evaluate, load_dataset
    from assistant.evaluation.skill_check import format_run, with_skill_folders
    from assistant.pipeline import build_assistant, load_registry

    store = runs.RunStore(runs.default_path(config))
    try:
        if args.eval_command == "runs":
            print(runs.format_runs(store.list(args.dataset, args.limit or 50)))
            return 0
        if args.eval_command == "compare":
            print(runs.format_comparison(runs.compare(store.get(args.a), store.get(args.b)), show=args.show))
            return 0
        if args.eval_command in ("export", "import"):
            return ledger.command(args.eval_command, args.ledger, store)
        if args.eval_command == "show":
            run = store.get(args.run)
            print(
                json.dumps(
                    {"id": run.id, "dataset": run.dataset, "note": run.note, "meta": run.meta, "metrics": run.metrics},
                    ensure_ascii=False,
                    indent=1,
                    default=str,
                )
            )
            if args.html:
                print(f"report: {report.write(Path(args.html), run, store.list(run.dataset, 200))}")
            return 0
        if not args.dataset:
            print(
                "eval: give --dataset NAME|FILE (golden, quick, full, unseen, .jsonl or .txt), or runs / compare A B",
                file=sys.stderr,
            )
            return 2
        config, folders = with_skill_folders(config, args.skills or (), args.dataset)  # + the dataset's own skills
        registry = load_registry(config)
        dataset = load_dataset(args.dataset, registry)
        assistant = build_assistant(config, llm=not args.no_llm, trace=False)
        try:

            def progress(done: int, total: int) -> None:
                if sys.stderr.isatty() and (done % 25 == 0 or done == total):
                    print(f"\r  {done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True)

            result = evaluate(
                assistant.route, dataset, registry, limit=args.limit, tags=args.tag or (), progress=progress
            )
            meta = runs.provenance(
                config,
                registry,
                assistant.router.llm,
                store.path.parent,
                folders,
                dataset={
                    "name": dataset.name,
                    "path": str(dataset.path),
                    "kind": dataset.kind,
                    "sha256": dataset.sha256,
                    "size": len(dataset.examples),
                },
                selection=result.selection,
                wall_s=round(result.wall_s, 2),
            )
        finally:
            assistant.close()
        run_id = store.add(result, meta, args.note or "")
        print(f"run #{run_id} ({result.wall_s:.1f} s)")
        print(format_run(dataset, result, llm=meta["router"]["llm"], folders=folders, skills_given=bool(args.skills)))
        if args.html:
            print(f"report: {report.write(Path(args.html), store.get(run_id), store.list(dataset.name, 200))}")
        return 0
    finally:
        store.close()


def add_parser(sub: Any) -> None:
    """Register the eval subcommand (and its runs, compare, export, import, show) on the CLI's subparsers."""
    evals = sub.add_parser("eval", help="evaluate the router on a dataset; list, show and compare runs")
    evals.add_argument("--dataset", help="golden, quick, full, unseen, a JSONL file or a .txt of 'sentence => call'")
    evals.add_argument("--skills", action="append", metavar="DIR", help="also load DIR's skills; report each skill")
    evals.add_argument("--limit", type=int, help="only the first N examples (after --tag)")
    evals.add_argument("--tag", action="append", help="only examples with this tag (repeatable; lang:de: a language)")
    evals.add_argument("--no-llm", action="store_true", help="fast path only")
    evals.add_argument("--html", metavar="OUT.html", help="also write a self-contained HTML report")
    evals.add_argument("--note", help="a few words on what this run tries (stored with it)")
    evals.set_defaults(func=cmd_eval, eval_command=None)
    eval_sub = evals.add_subparsers(dest="eval_command")
    eval_runs = eval_sub.add_parser("runs", help="list recorded runs, newest first")
    eval_runs.add_argument("--dataset", help="only runs on this dataset name")
    eval_runs.add_argument("--limit", type=int, default=50)
    eval_compare = eval_sub.add_parser("compare", help="B against A: regressions, fixes, metric deltas, significance")
    eval_compare.add_argument("a", help="run id, last or last~N")
    eval_compare.add_argument("b", help="run id, last or last~N")
    eval_compare.add_argument("--show", type=int, default=20, help="examples listed per section")
    ledger.add_parsers(eval_sub)
    eval_show = eval_sub.add_parser("show", help="one run's provenance and metrics as JSON")
    eval_show.add_argument("run", help="run id, last or last~N")
    eval_show.add_argument("--html", metavar="OUT.html", help="also write its HTML report")
