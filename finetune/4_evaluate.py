"""Step 4: the router's whole scorecard for one adapter, each set an `assistant eval` run in the runs store.

The issue's targets in one table: golden, quick, full (exact calls), unseen (skills no training named: skill +
arguments on listed skills, none() recall on requests for unlisted ones), SLURP devel (success, out-of-scope
rejection, in-scope skill + slot), SNIPS, xSID in-scope weather + music per language, and the spoken set (skill
accuracy on what Whisper heard). Compare two adapters back to back with `assistant eval compare A B` per set.

    .venv/bin/python finetune/4_evaluate.py --adapter models/router-lora.gguf --prompt listing --note "seed 1"
    .venv/bin/python finetune/4_evaluate.py --sets golden,quick,unseen      # a quick look
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "data"
XSID_LANGS = ("de", "it", "nl", "da", "ja", "zh")
SETS = {
    "golden": ("golden", None),
    "quick": ("quick", None),
    "full": ("full", None),
    "unseen": ("unseen", None),
    "spoken": (str(ROOT / "evals" / "spoken.jsonl"), None),
    "clock": (str(ROOT / "evals" / "clock.jsonl"), None),
    "slurp": (str(SHARED / "slurp_devel.jsonl"), None),
    "snips": (str(SHARED / "snips2017_validate.jsonl"), None),
    **{f"xsid-{lang}": (str(SHARED / "xsid_valid.jsonl"), f"lang:{lang}") for lang in XSID_LANGS},
}
"""Scorecard name -> (dataset for `assistant eval`, tag selection)."""
DEFAULT_SETS = ",".join(SETS)


def headline(name: str, run: Any) -> dict[str, Any]:
    """The numbers each set is judged by."""
    m = run.metrics
    row = {"run": run.id, "n": run.n, "exact": m.get("accuracy"), "skill": m.get("skill_accuracy")}
    if name in ("unseen", "slurp", "snips") or name.startswith("xsid"):
        row.update({"in_scope": m.get("in_scope_accuracy"), "none_recall": m.get("none_recall")})
    return row


def scorecard(adapter: str, prompt: str, sets: list[str], note: str, config_path: str | None) -> dict[str, Any]:
    """Run every set; return name -> headline numbers."""
    from assistant.cli import cmd_eval
    from assistant.config import load_config
    from assistant.evaluation import runs

    config = load_config(config_path)
    config = replace(config, router=replace(config.router, lora=adapter, prompt=prompt))
    results: dict[str, Any] = {}
    for name in sets:
        dataset, tag = SETS[name]
        args = argparse.Namespace(
            eval_command=None,
            dataset=dataset,
            limit=None,
            tag=[tag] if tag else None,
            no_llm=False,
            html=None,
            note=f"{note} [{name}]",
            skills=None,
        )
        cmd_eval(args, config)
        store = runs.RunStore(runs.default_path(config))
        try:
            results[name] = headline(name, store.list(None, 1)[0])
        finally:
            store.close()
    return results


def table(results: dict[str, Any]) -> str:
    """Markdown: one row per set."""

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{100 * value:.1f}%"

    rows = ["| set | run | n | exact | skill | in-scope | none() recall |", "|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        rows.append(
            f"| {name} | #{r['run']} | {r['n']} | {pct(r['exact'])} | {pct(r['skill'])} | "
            f"{pct(r.get('in_scope'))} | {pct(r.get('none_recall'))} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    """Run the scorecard and print it; also written to finetune/out/evals/<time>.json."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--adapter", default="", help='GGUF LoRA adapter (default: the shipped one; "off": none)')
    parser.add_argument("--prompt", choices=["listing", "listing-example", "examples"], default="listing")
    parser.add_argument("--sets", default=DEFAULT_SETS, help=f"comma-separated, of {DEFAULT_SETS}")
    parser.add_argument("--note", default="scorecard")
    parser.add_argument("--config", help="assistant config")
    args = parser.parse_args(argv)
    sets = [s for s in args.sets.split(",") if s]
    unknown = [s for s in sets if s not in SETS]
    if unknown:
        parser.error(f"unknown sets: {', '.join(unknown)}")
    results = scorecard(args.adapter, args.prompt, sets, args.note, args.config)
    out = ROOT / "finetune" / "out" / "evals"
    out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    record = {"adapter": args.adapter, "prompt": args.prompt, "note": args.note, "results": results}
    (out / f"{stamp}.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(table(results))


if __name__ == "__main__":
    main()
