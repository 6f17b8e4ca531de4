"""LLM backends for the router: llama.cpp in process (cached prefix, constrained decoding) or a llama-server.

backend = load_backend(config, registry)        # "local" or "server" from config.router.backend
backend.complete("will it rain in Oslo", {})    # Completion(text='weather(location="Oslo")', ...)
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import Config, RouterConfig
from assistant.errors import ConfigError, ModelError
from assistant.registry import Registry
from assistant.routing.grounding import SaidNumbers
from assistant.routing.prompt import (
    DEFAULT_CONTEXT_KEYS,
    PROMPT_MODES,
    clean_utterance,
    context_lines,
    request_lines,
    skill_line,
    static_prefix,
    utterance_words,
)
from assistant.routing.router import Completion, LlmBackend

if TYPE_CHECKING:
    from assistant.routing.decoder import CopyWords, Decoded

log = logging.getLogger(__name__)

MAX_UTTERANCE_TOKENS = 64
"""The request is cut to this many tokens: prompt tokens are what a turn pays for."""
MAX_NEW_TOKENS = 96
"""Most tokens a server may generate for one call."""
TURN_TOKENS = 256
"""What one turn needs after the prefix: context lines, the request (MAX_UTTERANCE_TOKENS) and the call."""
MATH_CHARACTERS = "0123456789+-*/.()%^"
"""Allowed in copied strings of parameters with a Normalize converter, so an expression can be written as math."""


class LocalBackend:
    """llama.cpp in this process: the prompt prefix is evaluated once, each turn only its tail and the call."""

    def __init__(
        self,
        registry: Registry,
        model_path: Path,
        lora_path: Path | None = None,
        *,
        n_ctx: int = 2048,
        threads: int = 0,
        copy_strings: bool = True,
        speculate: int = 3,
        span_bonus: float = 0.0,
        skill_search: bool = False,
        prompt: str = "examples",
        context_keys: tuple[str, ...] = DEFAULT_CONTEXT_KEYS,
        cache_dir: Path | None = None,
    ) -> None:
        from assistant.routing.decoder import CallSpace, Decoder
        from assistant.routing.engine import Engine

        started = time.perf_counter()
        self.engine = Engine(model_path, lora_path, n_ctx=n_ctx, threads=threads)
        self.space = CallSpace(registry, self.engine.tokenize, self.engine.piece)
        self.decoder = Decoder(
            self.space,
            self.engine,
            copy_strings=copy_strings,
            speculate=speculate,
            span_bonus=span_bonus,
            skill_search=skill_search,
        )
        self.context_keys = context_keys
        self.prefix = static_prefix(registry, examples=prompt == "examples", shown=prompt == "listing-example")
        prefix_tokens = self.engine.tokenize(self.prefix, bos=True)
        room = n_ctx - len(prefix_tokens) - TURN_TOKENS
        if room < 0:
            longest = sorted(registry.skills.values(), key=lambda s: -len(skill_line(s)))[:3]
            raise ModelError(
                f"the skill listing takes {len(prefix_tokens)} of the model's {n_ctx} tokens, leaving less than the "
                f"{TURN_TOKENS} a turn needs; the longest skill lines: {', '.join(s.name for s in longest)} "
                "(shorten their docstrings, remove skills, or raise router.context_tokens)"
            )
        key = _cache_key(model_path, lora_path, prefix_tokens, n_ctx)
        cache = cache_dir / f"prefix-{key}.bin" if cache_dir else None
        # A saved prefix skips most of start-up; its last token is evaluated again for the full-logit self-check.
        loaded = cache is not None and self.engine.load(cache, prefix_tokens[:-1])
        if not loaded:
            self.engine.truncate(0)
            self.engine.eval(prefix_tokens[:-1])
            if cache is not None:
                self.engine.save(cache, prefix_tokens[:-1])
                # Past the sliding window (512 tokens for Gemma 3) llama.cpp continues a restored cache a little
                # differently from the one it evaluated (logits apart by a median 0.1-0.2, as far from an f32
                # reference either way): every start routes from the restored cache, so a restart changes no answer
                # and an evaluation measures what households run.
                if not self.engine.load(cache, prefix_tokens[:-1]):
                    self.engine.truncate(0)
                    self.engine.eval(prefix_tokens[:-1])
        scores = self.engine.eval(prefix_tokens[-1:], [0], full=True)
        self.engine.self_check(scores[0])
        self.prefix_len = len(prefix_tokens)
        self.prefix_cached = loaded
        """True when the prefix came from the cache file instead of being evaluated."""
        self._context = ""
        self._context_len = 0
        # Digits and operators for converted parameters only: elsewhere they let the model invent "2017" as a city.
        self.space.normalized_extra = frozenset(self.engine.tokenize(MATH_CHARACTERS) + list(self.space.number_tokens))
        self._lock = threading.Lock()
        self.last: Decoded | None = None
        """The last Decoded result (evals, timings), for benchmarks."""
        self.startup_ms = (time.perf_counter() - started) * 1000
        log.info(
            "llm: %s ready in %.0f ms (prefix %d tokens, shortcut %s)",
            model_path.name,
            self.startup_ms,
            self.prefix_len,
            "on" if self.engine.rows is not None else "off",
        )

    def _copy_words(self, text: str) -> CopyWords:
        """What a string argument may copy this turn: the utterance's words as written, lower, Title or UPPER case."""
        from assistant.routing.decoder import CopyWords

        # Words as written too: "Paris, Texas" needs the comma (training tokenizes the value as "Paris," " Texas").
        forms = set(clean_utterance(text).split())
        for word in utterance_words(text):
            forms.update((word, word.lower(), word.capitalize(), word.upper()))
        return CopyWords(sorted(forms), self.engine.tokenize, self.engine.piece, clean_utterance(text).split())

    def _use_context(self, context: dict[str, str]) -> tuple[int, float]:
        """Keep the KV cache up to the context lines (re-evaluated only when they change); (tokens, ms) spent."""
        text = context_lines(context, self.context_keys)
        if text == self._context and self.engine.n_past >= self.prefix_len + self._context_len:
            self.engine.truncate(self.prefix_len + self._context_len)
            return 0, 0.0
        started = time.perf_counter()
        self.engine.truncate(self.prefix_len)
        self._context, self._context_len = "", 0
        tokens = self.engine.tokenize(text) if text else []
        if tokens:
            self.engine.eval(tokens)
        self._context, self._context_len = text, len(tokens)
        return len(tokens), (time.perf_counter() - started) * 1000

    def complete(self, text: str, context: dict[str, str], skills: frozenset[str] | None = None) -> Completion:
        """Write one call for text, naming one of skills (None: any) or none(); ModelError if llama.cpp fails."""
        with self._lock:
            context_tokens, context_ms = self._use_context(context)
            tokens = self.engine.tokenize(request_lines(text))
            if len(tokens) > MAX_UTTERANCE_TOKENS + 8:
                tail = self.engine.tokenize("\nCall:")
                tokens = tokens[:MAX_UTTERANCE_TOKENS] + tail
            words = self._copy_words(text) if self.decoder.copy_strings else None
            decoded = self.decoder.decode(
                tokens, frozenset(words.tokens) if words else frozenset(), SaidNumbers(text).literals, words, skills
            )
            self.last = decoded
        return Completion(
            text=decoded.text,
            prompt_tokens=context_tokens + decoded.prompt_tokens,
            generated_tokens=len(decoded.tokens),
            confidence=decoded.confidence,
            timings_ms={"llm_prompt_ms": context_ms + decoded.prompt_ms, "llm_generate_ms": decoded.generate_ms},
        )

    def close(self) -> None:
        """Free llama.cpp's memory."""
        self.engine.close()


def _cache_key(model: Path, lora: Path | None, tokens: list[int], n_ctx: int) -> str:
    """Names a saved prefix: changes with the model or adapter file, the prompt, the context size and llama.cpp."""
    import hashlib

    import llama_cpp

    digest = hashlib.sha256(f"{llama_cpp.__version__} {n_ctx} {tokens}".encode())
    for path in (model, lora):
        if path is not None:
            stat = path.stat()
            digest.update(f"{path.resolve()} {stat.st_size} {stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def server_grammar(registry: Registry) -> str:
    """Registry.grammar() with a leading space allowed: after "Call:" the model writes " name(...)"."""
    grammar = registry.grammar()
    first, _, rest = grammar.partition("\n")
    if first.strip() != "root ::= call":
        raise ModelError("unexpected grammar layout: the first rule must be 'root ::= call'")
    return 'root ::= " "? call\n' + rest


class ServerBackend:
    """A llama.cpp llama-server on another machine: the same prompt and grammar over HTTP."""

    def __init__(
        self,
        registry: Registry,
        url: str,
        *,
        timeout_s: float = 10.0,
        connect_timeout_s: float = 2.0,
        context_keys: tuple[str, ...] = DEFAULT_CONTEXT_KEYS,
    ) -> None:
        import requests

        self.url = url.rstrip("/")
        self.timeout = (connect_timeout_s, timeout_s)
        self.prefix = static_prefix(registry, examples=True)  # a model on a server was not trained on our format
        self.grammar = server_grammar(registry)
        self.context_keys = context_keys
        self.session = requests.Session()
        self.endpoint = "/completion"
        """llama-server's native endpoint; /v1/completions (OpenAI style) is used when it is missing."""

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        """POST JSON; every failure becomes a ModelError sentence naming the server."""
        import requests

        try:
            answer = self.session.post(self.url + path, json=body, timeout=self.timeout)
        except requests.Timeout:
            raise ModelError(
                f"the language model server at {self.url} did not answer within {self.timeout[1]:g} s"
            ) from None
        except requests.ConnectionError:
            raise ModelError(
                f"the language model server at {self.url} is not reachable (is llama-server running?)"
            ) from None
        except requests.RequestException as error:
            raise ModelError(f"the language model server at {self.url} failed: {type(error).__name__}") from None
        if answer.status_code == 404 and path == "/completion":
            return None
        if answer.status_code != 200:
            raise ModelError(
                f"the language model server at {self.url} answered HTTP {answer.status_code}: {answer.text[:200]}"
            )
        try:
            return answer.json()
        except ValueError:
            raise ModelError(f"the language model server at {self.url} sent something that is not JSON") from None

    def complete(self, text: str, context: dict[str, str], skills: frozenset[str] | None = None) -> Completion:
        """Write one call for text with the server; ModelError when it is down, slow or answers nonsense. skills is
        not applied: the server's grammar lists every skill (the router never asks a server to choose among some)."""
        prompt = self.prefix + context_lines(context, self.context_keys) + request_lines(text)
        started = time.perf_counter()
        data = None
        if self.endpoint == "/completion":
            data = self._post(
                "/completion",
                {
                    "prompt": prompt,
                    "grammar": self.grammar,
                    "n_predict": MAX_NEW_TOKENS,
                    "temperature": 0,
                    "cache_prompt": True,
                    "n_probs": 1,
                    "stop": ["\n"],
                },
            )
            if data is None:
                log.info("llm: %s has no /completion, using /v1/completions", self.url)
                self.endpoint = "/v1/completions"
        if data is None:
            data = self._post(
                "/v1/completions",
                {
                    "prompt": prompt,
                    "grammar": self.grammar,
                    "max_tokens": MAX_NEW_TOKENS,
                    "temperature": 0,
                    "logprobs": 1,
                    "stop": ["\n"],
                },
            )
        http_ms = (time.perf_counter() - started) * 1000
        return _completion_from(data, self.url, http_ms)


def _completion_from(data: Any, url: str, http_ms: float) -> Completion:
    """Read a /completion or /v1/completions answer."""
    try:
        if "choices" in data:
            choice = data["choices"][0]
            text = choice["text"]
            usage = data.get("usage") or {}
            prompt_n, predicted_n = usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)
            logprobs = (choice.get("logprobs") or {}).get("token_logprobs") or []
            probs = [math.exp(p) for p in logprobs if isinstance(p, int | float)]
        else:
            text = data["content"]
            prompt_n, predicted_n = data.get("tokens_evaluated", 0), data.get("tokens_predicted", 0)
            probs = _native_probs(data.get("completion_probabilities") or [])
        timings = data.get("timings") or {}
        if not isinstance(text, str):
            raise TypeError("text is not a string")
    except (KeyError, IndexError, TypeError, AttributeError) as error:
        raise ModelError(f"the language model server at {url} sent an answer without a completion ({error})") from None
    timings_ms = {"llm_http_ms": http_ms}
    if "prompt_ms" in timings:
        timings_ms["llm_prompt_ms"] = float(timings["prompt_ms"])
        timings_ms["llm_generate_ms"] = float(timings.get("predicted_ms", 0.0))
        prompt_n = timings.get("prompt_n", prompt_n)  # tokens evaluated this turn (the cached prefix excluded)
        predicted_n = timings.get("predicted_n", predicted_n)
    return Completion(
        text=text.strip(),
        prompt_tokens=int(prompt_n),
        generated_tokens=int(predicted_n),
        confidence=sum(probs) / len(probs) if probs else 1.0,
        timings_ms=timings_ms,
    )


def _native_probs(entries: list[Any]) -> list[float]:
    """Probabilities of the chosen tokens in llama-server's completion_probabilities (old and new layouts)."""
    probs = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("logprob"), int | float):
            probs.append(math.exp(entry["logprob"]))
        elif isinstance(entry.get("probs"), list) and entry["probs"]:
            chosen = next((p for p in entry["probs"] if p.get("tok_str") == entry.get("content")), entry["probs"][0])
            if isinstance(chosen.get("prob"), int | float):
                probs.append(float(chosen["prob"]))
    return probs


class LazyBackend:
    """A backend made on the first request that needs it; a failed load is retried on the next request."""

    def __init__(self, factory: Callable[[], LlmBackend]) -> None:
        self._factory = factory
        self._backend: LlmBackend | None = None
        self._lock = threading.Lock()

    def complete(self, text: str, context: dict[str, str], skills: frozenset[str] | None = None) -> Completion:
        """Load the backend if needed (ModelError when it cannot be), then complete."""
        with self._lock:
            if self._backend is None:
                self._backend = self._factory()
        return self._backend.complete(text, context, skills)

    @property
    def loaded(self) -> bool:
        """Whether the backend has been made."""
        return self._backend is not None


def prompt_mode(router: RouterConfig) -> str:
    """The prompt the local model reads: the one its adapter was trained with (router.prompt; "auto": the adapter's
    <name>.json says, as `make finetune` ships a listing-trained one); the bare base model (no adapter, no other
    model) always gets examples of the format."""
    if router.lora == "off" and not router.model:
        return "examples"
    if router.prompt != "auto":
        return router.prompt
    from assistant.models import adapter_path

    try:
        adapter = adapter_path(router.lora)
    except ModelError:
        return "examples"  # load_backend names the missing file
    return adapter_prompt(adapter) if adapter is not None else "examples"


def adapter_prompt(adapter: Path) -> str:
    """The prompt an adapter was trained with, from <adapter>.json ({"prompt": "listing"}); examples without one
    (the adapters shipped before the listing)."""
    card = adapter.with_suffix(".json")
    try:
        mode = json.loads(card.read_text(encoding="utf-8")).get("prompt", "examples") if card.is_file() else "examples"
    except (OSError, ValueError, AttributeError) as error:
        raise ModelError(
            f"{card}: not a readable adapter card ({error}); delete it or run finetune/3_export.py"
        ) from None
    if mode not in PROMPT_MODES:
        raise ModelError(f'{card}: "prompt" must be one of {", ".join(PROMPT_MODES)}, got {mode!r}')
    return mode


def load_backend(config: Config, registry: Registry) -> LlmBackend:
    """The configured backend; ModelError names a missing model or adapter file."""
    from assistant.models import adapter_path

    router = config.router
    if router.backend == "server":
        return ServerBackend(registry, router.server_url)
    if router.backend != "local":
        raise ConfigError(f'{config.source}: router.backend must be "local" or "server", got {router.backend!r}')
    return _local(config, registry, adapter_path(router.lora), prompt_mode(router), "router")


def reader_adapter(config: Config, registry: Registry) -> Path | None:
    """The skill reader's adapter (router.reader) for a registry with added skills and the local backend; None when
    there is nothing for it to read, it is off, or none is shipped. ModelError names a configured file missing."""
    from assistant.models import DEFAULT_READER, adapter_path

    if not registry.added() or config.router.backend != "local" or not config.router.llm:
        return None
    return adapter_path(config.router.reader, DEFAULT_READER, "router.reader")


def load_reader(config: Config, registry: Registry) -> LlmBackend:
    """The skill reader's backend (reader_adapter must have named one): its adapter with the prompt it was trained
    with (its card; the listing for the shipped reader)."""
    reader = reader_adapter(config, registry)
    if reader is None:
        raise ModelError("no skill reader to load (router.reader is off, or the registry has no added skills)")
    return _local(config, registry, reader, adapter_prompt(reader), "reader")


def _local(config: Config, registry: Registry, lora: Path | None, prompt: str, role: str) -> LocalBackend:
    """llama.cpp in process with the configured model and this adapter (folded in when router.merge says so)."""
    from assistant.models import llm_model_path, merge_wanted, merged_router_path

    router = config.router
    model = llm_model_path(router.model)
    if lora is not None and merge_wanted(router.merge):
        try:
            model, lora = merged_router_path(model, lora, role), None
        except ModelError as error:  # a merge that cannot be made is no reason not to answer
            log.warning("llm: %s; applying the adapter at run time instead", error)
    return LocalBackend(
        registry,
        model,
        lora,
        n_ctx=router.context_tokens,
        threads=router.threads,
        span_bonus=router.span_bonus,
        skill_search=router.skill_search,
        prompt=prompt,
        cache_dir=config.data_path / "cache",
    )


__all__ = [
    "LazyBackend",
    "LocalBackend",
    "ServerBackend",
    "load_backend",
    "load_reader",
    "reader_adapter",
    "server_grammar",
]
