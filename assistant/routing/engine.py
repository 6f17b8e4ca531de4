"""llama.cpp through its C API: one sequence, a reusable KV prefix, candidate scores without the 262k-token head.

Choosing between a few allowed tokens does not need all 262,144 logits. The model's last hidden state
("result_norm") is copied out by an eval callback, which then stops the graph before the output matrix
multiplication (about 60% of a one-token decode here); the few candidate logits are dot products with rows of
the output matrix read straight from the GGUF file. A start-up self-check compares these scores with llama.cpp's
own logits and falls back to full logits for any model (or adapter) where they disagree.
"""

from __future__ import annotations

import ctypes
import logging
import os
import struct
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.errors import ModelError

log = logging.getLogger(__name__)

HIDDEN_NAME = b"result_norm"
"""Name of the final-norm tensor in llama.cpp's graphs: the input of the output matrix."""
MAX_OUTPUTS = 16
"""Most positions one decode returns scores for (keeps llama.cpp's output buffer small)."""
SELF_CHECK_TOLERANCE = 0.5
"""Largest logit difference accepted between the shortcut and llama.cpp (activations are quantized to 8 bits)."""

_GGUF_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_F32, _F16, _Q8_0, _BF16 = 0, 1, 8, 30


def gguf_tensors(path: Path) -> tuple[dict[str, tuple[int, tuple[int, ...], int]], int]:
    """Tensor table of a GGUF file: name -> (ggml type, dims, offset), and where the data starts."""
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            raise ModelError(f"{path} is not a GGUF file")
        _version, n_tensors, n_kv = struct.unpack("<IQQ", f.read(20))

        def text() -> str:
            (size,) = struct.unpack("<Q", f.read(8))
            return f.read(size).decode("utf-8", "replace")

        def value(kind: int) -> object:
            if kind == 8:
                return text()
            if kind == 9:
                item, count = struct.unpack("<IQ", f.read(12))
                if item in _GGUF_SCALARS:
                    f.seek(count * struct.calcsize(_GGUF_SCALARS[item]), os.SEEK_CUR)
                    return None
                return [value(item) for _ in range(count)]
            fmt = _GGUF_SCALARS[kind]
            return struct.unpack("<" + fmt, f.read(struct.calcsize(fmt)))[0]

        meta = {}
        for _ in range(n_kv):
            key = text()
            (kind,) = struct.unpack("<I", f.read(4))
            meta[key] = value(kind)
        tensors = {}
        for _ in range(n_tensors):
            name = text()
            (n_dims,) = struct.unpack("<I", f.read(4))
            dims = struct.unpack("<" + "Q" * n_dims, f.read(8 * n_dims))
            kind, offset = struct.unpack("<IQ", f.read(12))
            tensors[name] = (kind, dims, offset)
        align = int(meta.get("general.alignment") or 32)  # type: ignore[call-overload]
        return tensors, (f.tell() + align - 1) // align * align


class OutputRows:
    """Rows of the model's output matrix (tied to the token embeddings in Gemma), dequantized on demand."""

    def __init__(self, path: Path) -> None:
        tensors, start = gguf_tensors(path)
        name = "output.weight" if "output.weight" in tensors else "token_embd.weight"
        if name not in tensors:
            raise ModelError(f"{path}: no output matrix found")
        self.kind, dims, offset = tensors[name]
        self.n_embd = dims[0]
        row_bytes = {
            _F32: 4 * self.n_embd,
            _F16: 2 * self.n_embd,
            _BF16: 2 * self.n_embd,
            _Q8_0: self.n_embd // 32 * 34,
        }
        if self.kind not in row_bytes or (self.kind == _Q8_0 and self.n_embd % 32):
            raise ModelError(f"{path}: output matrix type {self.kind} is not supported by the shortcut")
        self.row_bytes = row_bytes[self.kind]
        self.data = np.memmap(path, dtype=np.uint8, mode="r", offset=start + offset, shape=(dims[1] * self.row_bytes,))
        self.cache: dict[int, np.ndarray] = {}

    def rows(self, tokens: Sequence[int]) -> np.ndarray:
        """The float32 rows for tokens, shape (len(tokens), n_embd)."""
        missing = [t for t in tokens if t not in self.cache]
        if missing:
            raw = np.stack([self.data[t * self.row_bytes : (t + 1) * self.row_bytes] for t in missing])
            if self.kind == _Q8_0:
                blocks = raw.reshape(len(missing), -1, 34)
                scale = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)
                values = (scale * blocks[:, :, 2:].copy().view(np.int8)).reshape(len(missing), -1)
            elif self.kind == _F16:
                values = raw.view(np.float16).astype(np.float32)
            elif self.kind == _BF16:
                values = (raw.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
            else:
                values = raw.view(np.float32)
            for token, row in zip(missing, values, strict=True):
                self.cache[token] = row
        return np.stack([self.cache[t] for t in tokens])


class Scores:
    """What the model predicts at one position: candidate logits from the hidden state, or full logits."""

    def __init__(self, hidden: np.ndarray | None, logits: np.ndarray | None, rows: OutputRows | None) -> None:
        self.hidden = hidden
        self.full = logits
        self._rows = rows

    def of(self, tokens: Sequence[int]) -> np.ndarray:
        """Logits of the given tokens."""
        if self.full is not None:
            return self.full[list(tokens)]
        assert self.hidden is not None and self._rows is not None
        return self._rows.rows(tokens) @ self.hidden


class Engine:
    """One llama.cpp model and context holding a single sequence; positions are token indexes."""

    def __init__(self, model_path: Path, lora_path: Path | None = None, *, n_ctx: int = 2048, threads: int = 0) -> None:
        import llama_cpp as lc
        from llama_cpp._ggml import libggml

        self._lc = lc
        _quiet_llama_logs(lc)
        lc.llama_backend_init()
        self.model_path = model_path
        params = lc.llama_model_default_params()
        params.n_gpu_layers = 0
        self._model = lc.llama_model_load_from_file(str(model_path).encode(), params)
        if not self._model:
            raise ModelError(f"cannot load the LLM model {model_path} (not a GGUF file llama.cpp understands?)")
        self._vocab = lc.llama_model_get_vocab(self._model)
        self.n_vocab = lc.llama_vocab_n_tokens(self._vocab)
        self._adapter = None
        if lora_path is not None:
            self._adapter = lc.llama_adapter_lora_init(self._model, str(lora_path).encode())
            if not self._adapter:
                raise ModelError(f"cannot load the LoRA adapter {lora_path} (made for another model?)")

        self._libggml = libggml
        libggml.ggml_get_name.restype = ctypes.c_char_p
        libggml.ggml_get_name.argtypes = [ctypes.c_void_p]
        libggml.ggml_nbytes.restype = ctypes.c_size_t
        libggml.ggml_nbytes.argtypes = [ctypes.c_void_p]
        libggml.ggml_backend_tensor_get.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t]
        self._skip_head = False  # read by the callback: stop the graph after the hidden state
        self._hidden: np.ndarray | None = None
        self._callback = lc.ggml_backend_sched_eval_callback(self._on_tensor)  # kept: llama.cpp holds the pointer

        ctx_params = lc.llama_context_default_params()
        ctx_params.n_ctx = n_ctx
        ctx_params.n_batch = ctx_params.n_ubatch = 512
        ctx_params.n_seq_max = 1
        ctx_params.n_outputs_max = MAX_OUTPUTS
        ctx_params.n_threads = ctx_params.n_threads_batch = threads or (os.cpu_count() or 1)
        ctx_params.swa_full = True  # removing the per-turn tail from a sliding-window cache needs the full cache
        ctx_params.no_perf = True
        ctx_params.cb_eval = self._callback
        ctx_params.cb_eval_user_data = None
        self._ctx = lc.llama_init_from_model(self._model, ctx_params)
        if not self._ctx:
            raise ModelError(f"cannot create a llama.cpp context for {model_path} ({n_ctx} tokens)")
        if self._adapter is not None:
            adapters = (lc.llama_adapter_lora_p_ctypes * 1)(self._adapter)
            if lc.llama_set_adapters_lora(self._ctx, adapters, 1, (ctypes.c_float * 1)(1.0)) != 0:
                raise ModelError(f"cannot apply the LoRA adapter {lora_path}")
        self.n_ctx = lc.llama_n_ctx(self._ctx)
        self._memory = lc.llama_get_memory(self._ctx)
        self._batch = lc.llama_batch_init(512, 0, 1)
        self._pieces: dict[int, bytes] = {}
        self.n_past = 0
        self.lock = threading.Lock()
        self.rows: OutputRows | None = None
        try:
            self.rows = OutputRows(model_path)
        except (ModelError, OSError, ValueError, struct.error) as error:
            log.info("llm: candidate-score shortcut off: %s", error)

    def _on_tensor(self, tensor: int, ask: bool, _user: int) -> bool:
        """ggml eval callback: copy the hidden state out; returning False after it skips the output matrix."""
        if ask:
            return bool(self._libggml.ggml_get_name(tensor) == HIDDEN_NAME)
        size = self._libggml.ggml_nbytes(tensor)
        hidden = np.empty(size // 4, dtype=np.float32)
        self._libggml.ggml_backend_tensor_get(tensor, hidden.ctypes.data, 0, size)
        self._hidden = hidden
        return not self._skip_head

    def tokenize(self, text: str, *, bos: bool = False) -> list[int]:
        """Token ids of text (special tokens are not parsed: the utterance is plain text)."""
        data = text.encode("utf-8")
        out = (self._lc.llama_token * (len(data) + 8))()
        n = self._lc.llama_tokenize(self._vocab, data, len(data), out, len(out), bos, False)
        if n < 0:
            raise ModelError(f"cannot tokenize {text[:40]!r}")
        return list(out[:n])

    def piece(self, token: int) -> bytes:
        """The bytes a token stands for (empty for control tokens)."""
        if token not in self._pieces:
            buf = ctypes.create_string_buffer(256)
            n = self._lc.llama_token_to_piece(self._vocab, token, buf, len(buf), 0, False)
            self._pieces[token] = buf.raw[: max(n, 0)]
        return self._pieces[token]

    def truncate(self, n_tokens: int) -> None:
        """Forget every position from n_tokens on (the cached prefix before it stays)."""
        if n_tokens < self.n_past:
            if not self._lc.llama_memory_seq_rm(self._memory, 0, n_tokens, -1):
                raise ModelError("llama.cpp could not drop the end of its cache")
            self.n_past = n_tokens

    def eval(self, tokens: Sequence[int], outputs: Sequence[int] = (), *, full: bool = False) -> list[Scores]:
        """Append tokens; return Scores for the token indexes in outputs (full logits if full or no shortcut)."""
        lc = self._lc
        if self.n_past + len(tokens) > self.n_ctx:
            raise ModelError(f"prompt too long for the LLM context ({self.n_past + len(tokens)} > {self.n_ctx} tokens)")
        wanted = set(outputs)
        full = full or self.rows is None
        results: list[Scores] = []
        for start in range(0, len(tokens), 512):
            chunk = tokens[start : start + 512]
            marks = [i for i in range(len(chunk)) if start + i in wanted]
            if len(marks) > MAX_OUTPUTS:
                raise ValueError(f"at most {MAX_OUTPUTS} outputs per eval")
            batch = self._batch
            batch.n_tokens = len(chunk)
            for i, token in enumerate(chunk):
                batch.token[i] = token
                batch.pos[i] = self.n_past + i
                batch.n_seq_id[i] = 1
                batch.seq_id[i][0] = 0
                batch.logits[i] = i in marks
            self._skip_head = not full
            self._hidden = None
            code = lc.llama_decode(self._ctx, batch)
            if code != 0:
                self.truncate(self.n_past)  # a failed decode may leave cells behind
                raise ModelError(f"llama.cpp decode failed (code {code})")
            self.n_past += len(chunk)
            if not marks:
                continue
            hidden = self._hidden.reshape(len(marks), -1) if self._hidden is not None else None
            for row, index in enumerate(marks):
                logits = None
                if full:
                    pointer = lc.llama_get_logits_ith(self._ctx, index)
                    logits = np.ctypeslib.as_array(pointer, shape=(self.n_vocab,)).copy()
                results.append(Scores(hidden[row] if hidden is not None else None, logits, self.rows))
            if not full and hidden is None:
                raise ModelError("llama.cpp did not expose the hidden state; use full logits")
        return results

    def save(self, path: Path, tokens: Sequence[int]) -> None:
        """Write the cache of tokens (what the engine holds now) to path, atomically; failures are only logged."""
        lc = self._lc
        partial = path.with_suffix(".partial")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            array = (lc.llama_token * len(tokens))(*tokens)
            if not lc.llama_state_seq_save_file(self._ctx, str(partial).encode(), 0, array, len(tokens)):
                raise OSError("llama.cpp could not write the file")
            partial.replace(path)
        except OSError as error:
            log.info("llm: prefix cache not saved to %s: %s", path, error)

    def load(self, path: Path, tokens: Sequence[int]) -> bool:
        """Restore the cache saved for exactly these tokens; False (and nothing held) when path does not fit."""
        lc = self._lc
        if not path.is_file():
            return False
        self.truncate(0)
        array = (lc.llama_token * len(tokens))()
        count = ctypes.c_size_t(0)
        read = lc.llama_state_seq_load_file(self._ctx, str(path).encode(), 0, array, len(tokens), ctypes.byref(count))
        if not read or count.value != len(tokens) or list(array[: count.value]) != list(tokens):
            self._lc.llama_memory_clear(self._memory, True)
            log.info("llm: prefix cache %s does not fit this prompt; evaluating it", path)
            return False
        self.n_past = len(tokens)
        return True

    def self_check(self, scores: Scores) -> None:
        """Turn the shortcut off unless candidate scores match llama.cpp's logits at a full-logit position."""
        if self.rows is not None and scores.hidden is None:  # another architecture names the tensor differently
            log.info("llm: no %s tensor in this model's graph; using full logits", HIDDEN_NAME.decode())
            self.rows = None
        if self.rows is None or scores.full is None or scores.hidden is None:
            return
        top = [int(t) for t in np.argsort(-scores.full)[:32]]
        error = float(np.max(np.abs(self.rows.rows(top) @ scores.hidden - scores.full[top])))
        if error > SELF_CHECK_TOLERANCE:
            log.warning("llm: candidate scores differ from llama.cpp by %.2f; using full logits", error)
            self.rows = None

    def close(self) -> None:
        """Free the context, adapter and model."""
        lc = self._lc
        if self._batch is not None:
            lc.llama_batch_free(self._batch)
            self._batch = None
        if self._ctx:
            lc.llama_free(self._ctx)
            self._ctx = None
        if self._adapter:
            lc.llama_adapter_lora_free(self._adapter)
            self._adapter = None
        if self._model:
            lc.llama_model_free(self._model)
            self._model = None


_log_callback = None


def _quiet_llama_logs(lc: object) -> None:
    """Send llama.cpp's chatter to our debug log instead of stderr (once per process)."""
    global _log_callback
    if _log_callback is not None:
        return

    def forward(level: int, text: bytes, _user: int) -> None:
        # ggml levels: 1 debug, 2 info, 3 warn, 4 error, 5 continuation; loading alone prints hundreds of lines.
        if level in (3, 4) and text:
            log.debug("llama.cpp: %s", text.decode("utf-8", "replace").rstrip())

    _log_callback = lc.llama_log_callback(forward)  # type: ignore[attr-defined]
    lc.llama_log_set(_log_callback, ctypes.c_void_p(0))  # type: ignore[attr-defined]


def run_check() -> None:
    """Load the router model with the shipped adapter and evaluate a few tokens (the child of check_llm)."""
    from assistant.models import adapter_path, gemma_path

    engine = Engine(gemma_path(), adapter_path(""), n_ctx=256)
    tokens = engine.tokenize("Request: what's the weather in Boston\nCall:", bos=True)
    engine.eval(tokens, outputs=[len(tokens) - 1])
    engine.close()
