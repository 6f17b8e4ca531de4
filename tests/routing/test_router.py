"""The router's contract on any text: it always returns a valid call (none() with a reason at worst), never raises.

The fast test runs the built-in registry through the real fast path, copy words, number grounding and decoder, with
a toy tokenizer and random logits standing in for the model; the model test does the same with Gemma on a bounded
sample of the same texts.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.calls import Call, parse_call
from assistant.registry import Registry
from assistant.routing.decoder import CallSpace, Decoder
from assistant.routing.grounding import SaidNumbers
from assistant.routing.llm import MATH_CHARACTERS, LocalBackend
from assistant.routing.prompt import request_lines
from assistant.routing.router import Completion, Route, Router, readable
from tests.routing import toy_model

REGISTRY = Registry.load()
FRAGMENTS = [
    *"calculate|weather in|play|news about|set the volume to|what is|times|plus|Paris|jazz".split("|"),
    *"東京|ロサンゼルスの天気予報|东京明天的天气".split("|"),
    *"\" ' [ ] ( ) { } \\ ; = < > % * _ , . ! ? ¿ ؟".split(" "),
    '__import__("os").system("id")',
    'ñjazz[Paris";whatisnews',
    "Ελλάδα",
    "привет",
    "עברית",
    "ไทย",
    "😀",
    "👍🏽",
    "\x00",
    "\t",
    "\n",
    "\x1b[31m",
    "\u200b",
    "\ufeff",
    "\ud800",
    "½",
    "Ⅻ",
    "１２",
    "12",
    "7.5",
    "-3",
    "9" * 30,
    "1e400",
    "1" + "0" * 400,
    "x" * 90,
    "ロ" * 40,
]
ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates and control characters too
ODD_WORDS = st.text(st.sampled_from(list('abcxyzPñé東京ロ"\\[](){};=_\x00\x08\t😀')), min_size=1, max_size=12)
REQUESTS_WITH_ODD_WORDS = st.builds(
    lambda lead, words: " ".join([lead, *words]),
    st.sampled_from(["news about", "play", "weather in", "calculate", "what is the weather in", "set the volume to"]),
    st.lists(ODD_WORDS, min_size=1, max_size=3),
)
"""A request for a skill whose words hold what a string cannot (the model copies them): 'news about jazz"rock'."""
TEXTS = st.one_of(
    REQUESTS_WITH_ODD_WORDS,
    st.text(ANY_CHARACTER, max_size=60),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(ANY_CHARACTER, max_size=6)), max_size=14).flatmap(
        lambda parts: st.sampled_from(["", " "]).map(lambda glue: glue.join(parts))
    ),
    st.text(st.sampled_from(" \t\n\r\x0b\x0c\u3000\u00a0\u2028"), max_size=8),  # empty or blank
    st.integers(min_value=-(10**60), max_value=10**60).map(lambda n: f"set the volume to {n}"),
    st.text(ANY_CHARACTER, min_size=300, max_size=900),  # longer than the prompt takes
)
"""Odd requests: quotes, brackets, code, control characters, emoji, mixed scripts, huge numbers, blank, very long."""


class ToyBackend:
    """LocalBackend's turn (its copy words, said numbers, the decoder) on the toy tokenizer and random logits."""

    def __init__(self, registry: Registry) -> None:
        self.space = CallSpace(registry, toy_model.tokenize, toy_model.piece)
        number_tokens = frozenset(self.space.number_tokens)
        self.space.normalized_extra = frozenset(toy_model.tokenize(MATH_CHARACTERS)) | number_tokens
        self.engine = toy_model.RandomEngine(0)
        self.decoder = Decoder(self.space, self.engine, span_bonus=3.0)

    def reseed(self, seed: int, quote_bias: float) -> None:
        """New random logits; a bias against closing quotes makes strings run long (up to MAX_STRING_CHARS)."""
        quotes = [t for t in range(toy_model.VOCAB_SIZE) if b'"' in toy_model.piece(t)]
        self.engine = self.decoder.engine = toy_model.RandomEngine(seed, {t: quote_bias for t in quotes})

    def complete(self, text: str, context: dict[str, str], skills: frozenset[str] | None = None) -> Completion:
        words = LocalBackend._copy_words(self, text)  # the real backend's words
        prompt = toy_model.tokenize(request_lines(text))[-80:]
        decoded = self.decoder.decode(prompt, frozenset(words.tokens), SaidNumbers(text).literals, words)
        return Completion(decoded.text, confidence=decoded.confidence)


BACKEND = ToyBackend(REGISTRY)
ROUTER = Router(REGISTRY, BACKEND)
LLM_ONLY = Router(REGISTRY, BACKEND, fast_path=False)


def assert_a_valid_call(route: Route) -> None:
    assert isinstance(route, Route) and isinstance(route.call, Call)
    assert REGISTRY.validate(route.call) == route.call


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=TEXTS, seed=st.integers(0, 2**32), quote_bias=st.sampled_from([0.0, -30.0, 5.0]))
def test_routing_any_text_returns_a_valid_call(text, seed, quote_bias):
    BACKEND.reseed(seed, quote_bias)
    route = ROUTER.route(text)
    assert_a_valid_call(route)
    if route.path == "llm":  # the decoder wrote a call of the registry (a converter may still reject its value)
        assert parse_call(route.raw).name in [*REGISTRY.skills, "none"]


@pytest.mark.parametrize(
    "text",
    ['calculate __import__("os").system("id")', 'ñjazz[Paris";whatisnews', "news about " + "x" * 200, "\ud800 news"],
)
def test_the_issue_requests_get_a_call_with_every_seed(text):
    for seed in range(15):
        for bias in (0.0, -30.0):
            BACKEND.reseed(seed, bias)
            assert_a_valid_call(LLM_ONLY.route(text))


def test_lone_surrogates_become_replacement_characters():
    assert readable("news \udcff\ud800x") == "news \ufffd\ufffdx"
    assert readable("😀 東京") == "😀 東京"


# ---- the real model (Gemma 3 270M with the shipped adapter), on a bounded, seeded sample ----


@pytest.fixture(scope="module")
def real_router(tmp_path_factory):
    from assistant.config import Config
    from assistant.routing.llm import load_backend

    backend = load_backend(Config(data_dir=str(tmp_path_factory.mktemp("data"))), REGISTRY)  # as shipped
    yield Router(REGISTRY, backend)
    backend.close()


@pytest.mark.model
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same 60 texts every run: a failure here is reproducible
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=TEXTS)
def test_the_real_router_returns_a_valid_call_for_any_text(real_router, text):
    assert_a_valid_call(real_router.route(text))


@pytest.mark.model
def test_the_real_router_on_the_issue_requests(real_router):
    # "resB11": the decoder's speculative guess was a parameter the turn could not fill (KeyError, clock skills).
    # ", lume1000000000000000000": an alarm at that hour lost digits to a float, so validating it again changed it.
    texts = ['calculate __import__("os").system("id")', 'ñjazz[Paris";whatisnews', "resB11"]
    texts.append(", lume1000000000000000000")
    for text in texts:
        assert_a_valid_call(real_router.route(text))
    location = real_router.route("ロサンゼルスの天気予報").call.args.get("location")
    assert location is None or location in "ロサンゼルスの天気予報"  # one contiguous span of what was said
