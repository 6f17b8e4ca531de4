"""Step 2: LoRA fine-tuning of the router model on the generated calls (transformers + peft, CPU or CUDA).

The base model is the bundled Gemma GGUF, loaded dequantized. Each example is trained in exactly the form the
router (assistant/routing/llm.py) feeds llama.cpp: the static prompt prefix, then the per-turn context and
"Request: ...\\nCall:", then the call in the token pieces the constrained decoder walks (assistant/routing/decoder.py:
fixed text, Literal values and digits tokenized on their own, strings word by word, as the copy mode allows). Loss is
on the call tokens only.

With episodes (the default: 1_generate.py writes episodes.jsonl), a step is one episode: its own skill listing is
the prefix (assistant.routing.prompt.listing, what the router reads for that registry) and its requests are the
batch, so the model learns to read whatever listing it is given. The listing is in the graph (--prefix-grad, the
default): the adapter learns how it reads the listing, not only how it answers. The batch is one packed sequence
after the listing, each example seeing the listing and itself (block mask; positions restart after the prefix,
sliding-window layers see 512 positions back). With bfloat16 autocast where the CPU has native bf16 (--precision).
Without episodes (--prompt full|short on the flat files) every example shares the built-in registry's few-shot
prefix, whose keys and values are computed without gradient every --prefix-every steps.

    .venv/bin/python finetune/2_train.py                        # the full run (see finetune/README.md)
    .venv/bin/python finetune/2_train.py --max-steps 30         # a smoke run
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import math
import os
import platform
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.calls import Call, parse_call  # noqa: E402
from assistant.registry import Registry  # noqa: E402
from assistant.routing.prompt import context_lines, listing, request_lines, static_prefix  # noqa: E402

log = logging.getLogger("finetune.train")
OUT = ROOT / "finetune" / "out"
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
"""Every linear layer of the transformer blocks (embeddings and the tied output matrix stay frozen)."""
MAX_REQUEST_TOKENS = 72
"""Requests are cut like assistant.routing.llm cuts them (64 tokens plus the cue)."""


class Vocab:
    """llama.cpp's own tokenizer for the GGUF, so training tokens are exactly the router's tokens."""

    def __init__(self, model_path: Path) -> None:
        import llama_cpp

        self._llama = llama_cpp.Llama(model_path=str(model_path), vocab_only=True, verbose=False)
        self.bos = self._llama.token_bos()

    def tokenize(self, text: str, *, bos: bool = False) -> list[int]:
        """Token ids of text, special tokens not parsed (as assistant.routing.engine.Engine.tokenize)."""
        return list(self._llama.tokenize(text.encode("utf-8"), add_bos=bos, special=False))

    def piece(self, token: int) -> bytes:
        """The bytes of one token."""
        return bytes(self._llama._model.token_to_piece(token, special=False)).rstrip(b"\x00")


def call_tokens(call: Call, registry: Registry, vocab: Vocab) -> list[int]:
    """The call in the decoder's token pieces: ' weather(location="' + value + '", day="' + value + '")'."""
    if call.name == "none":
        return vocab.tokenize(" none()")
    item = registry.get(call.name)
    out: list[int] = []
    text, first = f" {call.name}(", True
    for param in item.params:
        if param.name not in call.args:
            continue
        quoted = param.type is str or bool(param.choices)
        text += ("" if first else ", ") + f"{param.name}=" + ('"' if quoted else "")
        out += vocab.tokenize(text)
        value = call.args[param.name]
        if param.choices or param.type is bool:
            out += vocab.tokenize(str(value))
        elif param.type is str:
            for i, word in enumerate(str(value).split(" ")):
                out += vocab.tokenize(word if i == 0 else " " + word)
        else:
            out += [vocab.tokenize(char)[0] for char in repr(value)]
        text, first = ('"' if quoted else ""), False
    return out + vocab.tokenize(text + ")")


def walks(space: Any, tokens: list[int]) -> bool:
    """True when the constrained decoder's CallSpace accepts exactly these tokens as one call."""
    state = space.initial()
    try:
        for token in tokens:
            state = space.step(state, token)
    except KeyError:
        return False
    return bool(state.done)


@dataclass
class Encoded:
    """One example as tokens: the per-turn prompt tail and the call (with the newline after it)."""

    prompt: list[int]
    call: list[int]


def encode(example: dict[str, Any], registry: Registry, vocab: Vocab, context: dict[str, str]) -> Encoded:
    """Tokens of one example, each part tokenized on its own as assistant.routing.llm does."""
    head = context_lines(context)
    prompt = (vocab.tokenize(head) if head else []) + vocab.tokenize(request_lines(example["text"]))
    if len(prompt) > MAX_REQUEST_TOKENS + 8:
        prompt = prompt[:MAX_REQUEST_TOKENS] + vocab.tokenize("\nCall:")
    target = parse_call(example.get("target") or example["call"])
    return Encoded(prompt, call_tokens(target, registry, vocab) + vocab.tokenize("\n"))


def pack(prefix_len: int, batch: list[Encoded], window: int) -> dict[str, Any]:
    """The batch as one sequence after the cached prefix; masks keep examples apart (full and sliding layers)."""
    import torch

    ids: list[int] = []
    positions: list[int] = []
    segment: list[int] = []
    label_at: list[int] = []
    labels: list[int] = []
    for number, item in enumerate(batch, 1):
        start = len(ids)
        seq = item.prompt + item.call
        ids += seq
        positions += range(prefix_len, prefix_len + len(seq))
        segment += [number] * len(seq)
        label_at += range(
            start + len(item.prompt) - 1, start + len(seq) - 1
        )  # position before a call token predicts it
        labels += item.call
    pos = torch.tensor(positions)
    seg = torch.tensor(segment)
    index = torch.arange(len(ids))
    own = (seg[:, None] == seg[None, :]) & (index[None, :] <= index[:, None])
    visible = torch.cat([torch.ones(len(ids), prefix_len, dtype=torch.bool), own], dim=1)
    key_pos = torch.cat([torch.arange(prefix_len), pos])
    near = (pos[:, None] - key_pos[None, :]) < window
    return {
        "input_ids": torch.tensor([ids]),
        "position_ids": pos[None, :],
        "attention_mask": {"full_attention": visible[None, None], "sliding_attention": (visible & near)[None, None]},
        "label_at": torch.tensor(label_at),
        "labels": torch.tensor(labels),
    }


def with_prefix(prefix: list[int], packed: dict[str, Any], window: int) -> dict[str, Any]:
    """The packed batch with the prefix itself in front, so gradients reach how the listing is read (--prefix-grad):
    prefix tokens see the prefix before them, example tokens see all of it and their own example."""
    import torch

    n = len(prefix)
    size = packed["input_ids"].shape[1]
    causal = torch.ones(n, n, dtype=torch.bool).tril()
    top = torch.cat([causal, torch.zeros(n, size, dtype=torch.bool)], dim=1)
    positions = torch.arange(n)
    near = (positions[:, None] - positions[None, :]) < window
    top_sliding = torch.cat([causal & near, torch.zeros(n, size, dtype=torch.bool)], dim=1)
    full = packed["attention_mask"]["full_attention"][0, 0]
    sliding = packed["attention_mask"]["sliding_attention"][0, 0]
    return {
        "input_ids": torch.cat([torch.tensor([prefix]), packed["input_ids"]], dim=1),
        "position_ids": torch.cat([positions[None, :], packed["position_ids"]], dim=1),
        "attention_mask": {
            "full_attention": torch.cat([top, full])[None, None],
            "sliding_attention": torch.cat([top_sliding, sliding])[None, None],
        },
        "label_at": packed["label_at"] + n,
        "labels": packed["labels"],
    }


def prefix_cache(model: Any, prefix: list[int], device: Any) -> list[tuple[Any, Any]]:
    """Keys and values of the prompt prefix per layer, under the adapter as it is now (no dropout, no gradient)."""
    import torch
    from transformers import DynamicCache

    training = model.training
    model.eval()
    cache = DynamicCache()  # no config: plain layers that keep every position (masks do the windowing)
    with torch.no_grad():
        model.get_base_model().model(
            input_ids=torch.tensor([prefix], device=device), past_key_values=cache, use_cache=True
        )
    model.train(training)
    return [(layer.keys, layer.values) for layer in cache.layers]


def batch_loss(model: Any, packed: dict[str, Any], kv: list[tuple[Any, Any]], device: Any) -> tuple[Any, Any]:
    """Mean cross-entropy over the call tokens, and per-token argmax hits (logits only where there are labels)."""
    import torch
    from transformers import DynamicCache

    cache = DynamicCache()
    for layer, (keys, values) in enumerate(kv):
        cache.update(keys, values, layer)
    base = model.get_base_model()
    hidden = base.model(
        input_ids=packed["input_ids"].to(device),
        position_ids=packed["position_ids"].to(device),
        attention_mask={k: v.to(device) for k, v in packed["attention_mask"].items()},
        past_key_values=cache,
        use_cache=True,
    ).last_hidden_state[0]
    logits = base.lm_head(hidden[packed["label_at"].to(device)]).float()
    cap = getattr(base.config, "final_logit_softcapping", None)
    if cap:
        logits = torch.tanh(logits / cap) * cap
    labels = packed["labels"].to(device)
    return torch.nn.functional.cross_entropy(logits, labels), (logits.argmax(-1) == labels)


def load_model(model_path: Path, args: argparse.Namespace, device: Any) -> Any:
    """The GGUF base dequantized to float32, with LoRA adapters on every linear layer of the blocks."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(
        model_path.parent, gguf_file=model_path.name, dtype=torch.float32, attn_implementation="sdpa"
    )
    config = LoraConfig(
        r=args.rank,
        lora_alpha=args.alpha,
        lora_dropout=args.dropout,
        target_modules=LORA_TARGETS,
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config).to(device)


def bf16_ok(device: Any) -> bool:
    """Whether bfloat16 autocast is fast here: CUDA with bf16, or a CPU with AVX512-BF16 or AMX (measured on a
    2-core EPYC: 1.45x per step, losses equal to 3 decimals)."""
    import torch

    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def hardware(device: Any) -> dict[str, Any]:
    """What the run ran on."""
    import torch

    cpu = platform.processor()
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    info = {
        "device": str(device),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "host": platform.node(),
    }
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    return info


def batches(items: list[Encoded], size: int, rng: random.Random) -> list[list[Encoded]]:
    """Shuffled batches of about equal length (sorted within buckets of 8 batches: less padding work)."""
    order = items[:]
    rng.shuffle(order)
    chunk = size * 8
    out = []
    for i in range(0, len(order), chunk):
        bucket = sorted(order[i : i + chunk], key=lambda e: len(e.prompt) + len(e.call))
        out += [bucket[j : j + size] for j in range(0, len(bucket), size)]
    rng.shuffle(out)
    return out


Step = tuple[list[int], list[Encoded]]
"""One optimizer step: the prefix tokens (a listing) and the batch packed after it."""


def evaluate(model: Any, groups: list[Step], window: int, device: Any) -> dict[str, float]:
    """Dev loss and teacher-forced exact-call rate (every call token the argmax), over (prefix, batch) groups."""
    import torch

    model.eval()
    total, tokens, exact, count = 0.0, 0, 0, 0
    kv: list[tuple[Any, Any]] = []
    last: list[int] | None = None
    with torch.no_grad():
        for prefix, group in groups:
            if prefix is not last:
                kv, last = prefix_cache(model, prefix, device), prefix
            loss, hits = batch_loss(model, pack(len(prefix), group, window), kv, device)
            total += float(loss) * len(hits)
            tokens += len(hits)
            at = 0
            for item in group:
                exact += bool(hits[at : at + len(item.call)].all())
                at += len(item.call)
            count += len(group)
    model.train()
    return {"loss": round(total / max(tokens, 1), 4), "exact_tf": round(exact / max(count, 1), 4), "n": count}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON-lines file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def episode_steps(
    rows: list[dict[str, Any]], vocab: Vocab, rng: random.Random, playing: Any, check: int = 0
) -> tuple[list[Step], int, list[int]]:
    """Each episode as one step: its listing's tokens and its requests encoded against its own registry. Also the
    number of calls (of the first `check` episodes) that are not token paths the decoder walks, and prefix sizes."""
    from assistant.routing.decoder import CallSpace
    from finetune.registries import skill_from_dict

    steps: list[Step] = []
    off_path, sizes = 0, []
    for number, row in enumerate(rows):
        registry = Registry([skill_from_dict(s) for s in row["skills"]])
        shown = [tuple(pair) for pair in row.get("shown", [])]  # the listing-example prompt (1_generate.py --shown)
        prefix = vocab.tokenize(listing(registry.skills.values(), shown), bos=True)
        batch = [encode(e, registry, vocab, playing()) for e in row["examples"]]
        if number < check:
            space = CallSpace(registry, vocab.tokenize, vocab.piece)
            off_path += sum(not walks(space, e.call[:-1]) for e in batch)
        steps.append((prefix, batch))
        sizes.append(len(prefix))
    return steps, off_path, sizes


def train(args: argparse.Namespace) -> dict[str, Any]:
    """Run the fine-tuning; return the run record (also written next to the adapter and to the runs folder)."""
    import torch

    from assistant.config import load_config
    from assistant.evaluation.runs import default_path, git_state
    from assistant.models import gemma_path, sha256_file
    from assistant.routing.decoder import CallSpace

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(
        "cuda"
        if args.device == "auto" and torch.cuda.is_available()
        else (args.device if args.device != "auto" else "cpu")
    )
    config = load_config(args.config)
    registry = Registry.load([Path(d) for d in config.skill_dirs])
    model_path = Path(args.model) if args.model else gemma_path()
    data = Path(args.data)
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    episodes = args.prompt == "listing"
    rng = random.Random(args.seed)
    vocab = Vocab(model_path)
    rows = read_jsonl(data / ("episodes.jsonl" if episodes else "train.jsonl"))
    dev_rows = read_jsonl(data / ("dev_episodes.jsonl" if episodes else "dev.jsonl"))
    if args.limit:
        rng.shuffle(rows)
        rows = rows[: args.limit]
    calls = [e["call"] for r in rows for e in r["examples"]] if episodes else [r["call"] for r in rows]
    songs = sorted(
        {str(c.args["query"]) for c in map(parse_call, calls) if c.name == "play_music" and "query" in c.args}
    )

    def playing() -> dict[str, str]:  # what the router adds when music plays; the call must not depend on it
        return {"playing": rng.choice(songs)} if songs and rng.random() < args.context_prob else {}

    prefix_text = ""
    if episodes:
        steps_data, off_path, sizes = episode_steps(rows, vocab, rng, playing, check=args.check_episodes)
        dev_groups, _, _ = episode_steps(dev_rows, vocab, rng, dict)
        dev_groups = dev_groups[: max(1, args.dev_limit // 16)]
        items = [e for _, batch in steps_data for e in batch]
        prefix_info: dict[str, Any] = {
            "prefix_tokens_mean": round(sum(sizes) / max(len(sizes), 1), 1),
            "prefix_tokens_max": max(sizes, default=0),
        }
        plan: list[Step] = []
        for _ in range(args.epochs):
            order = steps_data[:]
            rng.shuffle(order)
            plan += order
    else:
        space = CallSpace(registry, vocab.tokenize, vocab.piece)
        prefix_text = static_prefix(registry, examples=True) if args.prompt == "full" else ""
        prefix = vocab.tokenize(prefix_text, bos=True) if prefix_text else [vocab.bos]
        items = [encode(r, registry, vocab, playing()) for r in rows]
        dev = [encode(r, registry, vocab, {}) for r in dev_rows[: args.dev_limit]]
        dev_groups = [(prefix, dev[i : i + args.batch]) for i in range(0, len(dev), args.batch)]
        off_path = sum(not walks(space, e.call[:-1]) for e in items)
        prefix_info = {"prefix_tokens": len(prefix), "prefix_sha256": hashlib.sha256(prefix_text.encode()).hexdigest()}
        plan = [(prefix, b) for _ in range(args.epochs) for b in batches(items, args.batch, rng)]
    if off_path:
        log.warning("%d calls are not token paths the decoder can walk", off_path)
    model = load_model(model_path, args, device)
    bf16 = args.precision == "bf16" or (args.precision == "auto" and bf16_ok(device))
    window = int(getattr(model.get_base_model().config, "sliding_window", None) or 1 << 30)
    steps = min(len(plan), args.max_steps) if args.max_steps else len(plan)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    warmup = max(1, int(steps * args.warmup))

    def lr_factor(step: int) -> float:  # linear warm-up, then cosine down to zero
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, steps - warmup))))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path(args.out) if args.out else OUT / f"lora-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    log.info(
        "train: %d examples, %d steps, prompt %s %s, device %s (%s), %d threads",
        len(items),
        steps,
        args.prompt,
        prefix_info,
        device,
        "bf16" if bf16 else "fp32",
        torch.get_num_threads(),
    )
    curve: list[dict[str, float]] = []
    dev_curve: list[dict[str, Any]] = []
    started = time.time()
    model.train()
    kv: list[tuple[Any, Any]] = []
    checkpoint = out / "checkpoint.pt"  # a run cut off (a session ends, a board reboots) goes on with --resume
    first = 0
    if args.resume and checkpoint.exists():
        state = torch.load(checkpoint, map_location=device, weights_only=False)
        model.load_state_dict(state["trainable"], strict=False)
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        first, curve, dev_curve = state["step"], state["curve"], state["dev_curve"]
        log.info("resumed at step %d/%d from %s", first, steps, checkpoint)
    for step in range(first, steps):
        tick = time.perf_counter()
        prefix, batch = plan[step]
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            if args.prefix_grad:  # the listing in the graph: the adapter learns how to read it too (1.35x a step)
                loss, _ = batch_loss(model, with_prefix(prefix, pack(len(prefix), batch, window), window), [], device)
            else:
                if episodes or step % args.prefix_every == 0:  # an episode brings its own listing
                    kv = prefix_cache(model, prefix, device)
                loss, _ = batch_loss(model, pack(len(prefix), batch, window), kv, device)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        seconds = time.perf_counter() - tick
        curve.append(
            {"step": step + 1, "loss": round(loss.item(), 4), "lr": schedule.get_last_lr()[0], "s": round(seconds, 2)}
        )
        if (step + 1) % args.log_every == 0 or step + 1 == steps:
            recent = curve[-args.log_every :]
            mean_s = sum(c["s"] for c in recent) / len(recent)
            log.info(
                "step %d/%d loss %.4f  %.2f s/step  eta %.1f min",
                step + 1,
                steps,
                sum(c["loss"] for c in recent) / len(recent),
                mean_s,
                mean_s * (steps - step - 1) / 60,
            )
        if args.save_every and (step + 1) % args.save_every == 0 and step + 1 < steps:
            trainable = {n: p.detach() for n, p in model.named_parameters() if p.requires_grad}
            state = {"step": step + 1, "curve": curve, "dev_curve": dev_curve, "trainable": trainable}
            torch.save({**state, "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict()}, checkpoint)
        if args.eval_every and (step + 1) % args.eval_every == 0 and step + 1 < steps:
            dev_curve.append({"step": step + 1, **evaluate(model, dev_groups, window, device)})
            log.info("dev at step %d: %s", step + 1, dev_curve[-1])
    train_s = time.time() - started
    final = evaluate(model, dev_groups, window, device)
    log.info("dev: %s", final)
    model.save_pretrained(out / "adapter")
    checkpoint.unlink(missing_ok=True)
    record = {
        "kind": "finetune",
        "stamp": stamp,
        "out": str(out),
        "adapter_dir": str(out / "adapter"),
        "data": {
            "dir": str(data),
            "train_sha256": manifest["train"]["sha256"],
            "dev_sha256": manifest["dev"]["sha256"],
            "episodes_sha256": (manifest.get("episodes") or {}).get("episodes.jsonl", {}).get("sha256"),
            "examples": len(items),
            "off_path_calls": off_path,
            "by_lang": manifest.get("by_lang"),
            "by_skill": manifest.get("by_skill"),
        },
        "base_model": {"path": str(model_path), "sha256": sha256_file(model_path)},
        "prompt": {
            "mode": "listing-example" if episodes and rows and "shown" in rows[0] else args.prompt,
            **prefix_info,
        },
        "config": {k: v for k, v in vars(args).items()},
        "lora": {"r": args.rank, "alpha": args.alpha, "dropout": args.dropout, "targets": LORA_TARGETS},
        "steps": steps,
        "precision": "bf16" if bf16 else "fp32",
        "train_s": round(train_s, 1),
        "s_per_step": round(sum(c["s"] for c in curve) / max(len(curve), 1), 2),
        "hardware": hardware(device),
        "git": git_state(),
        "loss_curve": curve,
        "dev_curve": dev_curve,
        "dev": final,
        "finished": dt.datetime.now().isoformat(timespec="seconds"),
    }
    text = json.dumps(record, indent=1, ensure_ascii=False, default=str)
    (out / "record.json").write_text(text + "\n", encoding="utf-8")
    runs_dir = default_path(config).parent
    runs_dir.mkdir(parents=True, exist_ok=True)
    (runs_dir / f"finetune-{stamp}.json").write_text(text + "\n", encoding="utf-8")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "LATEST").write_text(str(out) + "\n", encoding="utf-8")
    return record


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(OUT / "data"), help="folder with train.jsonl, dev.jsonl, manifest.json")
    parser.add_argument("--out", help="output folder (default finetune/out/lora-<time>; finetune/out/LATEST names it)")
    parser.add_argument("--model", help="base GGUF (default: the bundled Gemma 3 270M)")
    parser.add_argument("--config", help="assistant config (for extra skill folders and the runs folder)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--prompt",
        choices=["listing", "full", "short"],
        default="listing",
        help="listing: each episode after its own skill listing (episodes.jsonl, the router that reads any registry); "
        "full: the flat files after the built-ins' few-shot prefix; short: after nothing",
    )
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--alpha", type=float, default=32)
    parser.add_argument("--dropout", type=float, default=0.05)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--epochs", type=int, default=1, help="passes over the data (episodes: 1; the flat recipe: 2)")
    parser.add_argument("--warmup", type=float, default=0.05, help="share of steps with a rising learning rate")
    parser.add_argument(
        "--max-steps",
        type=int,
        default=0,
        help="stop after this many steps (0: all epochs; the flat few-shot recipe was 620 steps of 2 epochs)",
    )
    parser.add_argument("--limit", type=int, default=0, help="train on this many examples only (0: all)")
    parser.add_argument("--dev-limit", type=int, default=400, help="dev examples scored")
    parser.add_argument(
        "--eval-every", type=int, default=0, help="score the dev set every N steps (0: at the end only)"
    )
    parser.add_argument(
        "--check-episodes", type=int, default=60, help="episodes whose calls are checked as decoder token paths"
    )
    parser.add_argument(
        "--prefix-grad",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="train through the prefix (the listing) so the adapter learns to read it (default), or compute it "
        "without gradient (--no-prefix-grad, the flat recipe's way)",
    )
    parser.add_argument(
        "--precision",
        choices=["auto", "fp32", "bf16"],
        default="auto",
        help="bfloat16 autocast (auto: where the CPU or GPU does bf16 natively) or float32",
    )
    parser.add_argument("--prefix-every", type=int, default=8, help="recompute the prefix keys/values every N steps")
    parser.add_argument("--context-prob", type=float, default=0.15, help="share of examples with a 'Playing:' line")
    parser.add_argument("--device", default="auto", help="auto (CUDA if present), cpu or cuda")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default)")
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--save-every", type=int, default=50, help="write out/checkpoint.pt every N steps (0: never)")
    parser.add_argument("--resume", action="store_true", help="go on from out/checkpoint.pt when it exists")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Train and print where the adapter went."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    record = train(parse_args(argv))
    print(json.dumps({k: record[k] for k in ("adapter_dir", "steps", "train_s", "s_per_step", "dev")}, indent=1))


if __name__ == "__main__":
    main()
