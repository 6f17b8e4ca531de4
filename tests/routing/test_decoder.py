"""The decoder's copy automaton and viability, driven directly: what a string argument can be, and that decoding
never gets stuck (a toy tokenizer with byte fallback stands in for Gemma's; see tests/routing/toy_model.py)."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.registry import MAX_STRING_CHARS, Normalize, Registry, Reply, skill
from assistant.routing.decoder import CallSpace, CopyWords, Decoder, Slot, State
from assistant.routing.grounding import SaidNumbers
from assistant.routing.llm import LocalBackend
from tests.routing import toy_model


@skill
def forecast(city: str | None = None, day: Literal["today", "tomorrow"] = "today") -> Reply:
    """Weather for a city."""
    return Reply("sunny")


@skill
def pay(receiver: str, amount: float) -> Reply:
    """Send money to someone."""
    return Reply("paid")


@skill
def count(n: int) -> Reply:
    """Count to a number."""
    return Reply("counted")


@skill
def note(text: Annotated[str, Normalize(str.lower)]) -> Reply:
    """Write a note."""
    return Reply("noted")


REGISTRY = Registry([forecast, pay, count, note])
SPACE = CallSpace(REGISTRY, toy_model.tokenize, toy_model.piece)
SPACE.normalized_extra = frozenset(toy_model.tokenize("0123456789+-*/.()%^"))
CITY = Slot("forecast", 0, "str", REGISTRY.skills["forecast"].params[0])


class _Engine:
    """What LocalBackend._copy_words reads: the tokenizer."""

    engine = toy_model.RandomEngine(0)


def copy_words(text: str) -> CopyWords:
    """The words LocalBackend lets a string copy from text (its own forms: as written, lower, Title, UPPER)."""
    return LocalBackend._copy_words(_Engine(), text)  # a stand-in self: the method reads only self.engine


def writable(words: CopyWords, slot: Slot = CITY) -> set[bytes]:
    """Every value the decoder can write into slot and close, found by walking all its allowed tokens; asserts
    that no reachable state is stuck."""
    SPACE.copy_words = words
    content = frozenset(words.tokens)
    try:
        closed: set[bytes] = set()
        seen, todo = {b""}, [State(slot=slot)]
        while todo:
            state = todo.pop()
            options = SPACE.options(state, content)
            assert options or not state.value, f"stuck after {state.value!r}"
            for nxt in options.values():
                if nxt.slot == slot and nxt.node is None:
                    if nxt.value not in seen:
                        seen.add(nxt.value)
                        todo.append(nxt)
                        assert len(seen) < 20_000, "more values than spans of a short request"
                else:
                    closed.add(state.value)
        return closed
    finally:
        SPACE.copy_words = None


UNSPACED_CHARACTERS = st.one_of(
    st.characters(min_codepoint=0x3041, max_codepoint=0x30FC),  # kana
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK ideographs
    st.sampled_from(list("サンロゼルスの天気予報東京东京０１２ＡＢ、。？😀")),  # pieces of several characters, emoji
    st.sampled_from(list("abcXYZ0123456789-")),
)


@settings(max_examples=150, deadline=None)
@given(text=st.text(UNSPACED_CHARACTERS, min_size=1, max_size=10).map(lambda text: "の" + text))
def test_in_an_unspaced_script_a_copied_string_is_one_contiguous_span_of_the_request(text):
    for value in writable(copy_words(text)):
        assert value.decode().lower() in text.lower(), value.decode()


def test_the_los_angeles_request_cannot_be_glued_out_of_order():
    text = "ロサンゼルスの天気予報"
    values = {value.decode() for value in writable(copy_words(text))}
    assert {"ロ", "サンゼル", "天気予報", text} <= values and all(value in text for value in values)
    assert "サンロサンゼルスの天気" not in values and "サン ロサンゼルスの天気" not in values


def can_write(words: CopyWords, value: str, slot: Slot = CITY) -> bool:
    """Can the decoder write exactly value into slot and close it? Depth-first over the allowed tokens."""
    data = value.encode()
    SPACE.copy_words = words
    content = frozenset(words.tokens)

    def walk(state: State) -> bool:
        for nxt in SPACE.options(state, content).values():
            if nxt.slot != slot or nxt.node is not None:  # a closing token
                if state.value == data:
                    return True
            elif data.startswith(nxt.value) and walk(nxt):
                return True
        return False

    try:
        return walk(State(slot=slot))
    finally:
        SPACE.copy_words = None


def test_spaced_words_still_go_in_any_order_and_a_run_of_an_unspaced_word_stands_alone():
    words = copy_words("Oslo Paris")
    assert all(can_write(words, value) for value in ("Oslo", "Oslo Paris", "Paris Oslo", "paris"))
    words = copy_words("play Lemon をかけて")
    assert can_write(words, "Lemon") and can_write(words, "を") and can_write(words, "play Lemon")
    assert not can_write(words, "Lemon を") and not can_write(words, "をかけて Lemon")


@pytest.mark.parametrize(
    ("text", "can", "cannot"),
    [
        # A quote, backslash or control character splits a word: its pieces can be copied, never stuck on.
        ('calculate __import__("os").system("id")', {"__import__(", "os", ").system(", "id"}, {"__import__"}),
        ('ñjazz[Paris";whatisnews', {"ñjazz[Paris", ";whatisnews"}, {"ñjazz[Paris;whatisnews"}),
        ("tab\tbed\x00x", {"tab", "bed", "x"}, {"tabbed"}),
        ("x" * 200 + " Oslo", {"Oslo"}, {"x" * MAX_STRING_CHARS}),  # a word too long to copy is left out
    ],
)
def test_odd_words_can_be_copied_in_the_pieces_a_string_can_hold(text, can, cannot):
    words = copy_words(text)
    assert all(can_write(words, value) for value in can)
    assert not any(can_write(words, value) for value in cannot)


def decode(text: str, seed: int, quote_bias: float = 0.0) -> str:
    """One decoded call for text with random logits, the way LocalBackend decodes a turn (quote_bias: added to the
    logits of tokens with a quote, so strings end early or run as long as they may)."""
    words = copy_words(text)
    quotes = {t: quote_bias for t in range(toy_model.VOCAB_SIZE) if b'"' in toy_model.piece(t)}
    decoder = Decoder(SPACE, toy_model.RandomEngine(seed, quotes))
    return decoder.decode(toy_model.tokenize("Call:"), frozenset(words.tokens), SaidNumbers(text).literals, words).text


def test_a_copied_string_ends_before_a_word_that_would_outgrow_the_limit():
    text = " ".join(["abcdefghij"] * 7 + ["k" * 20])  # a value of seven words leaves no room for the last one
    for seed in range(40):
        call = REGISTRY.parse(decode(text, seed, quote_bias=-30.0))
        assert all(len(str(value)) <= MAX_STRING_CHARS for value in call.args.values())


@pytest.mark.parametrize("said", ["pay mary", "count 99999999999999", "pay mary " + "9" * 40])
def test_a_skill_whose_number_was_not_said_is_not_started(said):
    # pay's receiver comes before its amount: without a number said, starting it would end stuck at ", amount=".
    for seed in range(60):
        call = REGISTRY.parse(decode(said, seed))
        assert call.name in ("forecast", "note", "none"), call


def test_numbers_too_big_to_write_or_to_be_a_float_are_not_offered():
    assert not SaidNumbers("count to 1" + "0" * 400).literals(REGISTRY.skills["count"].params[0])  # inf
    for seed in range(30):
        call = REGISTRY.parse(decode("pay mary 12.5 or 12345678901234", seed))
        assert call.name != "pay" or call.args["amount"] == 12.5


@pytest.mark.model
def test_any_contiguous_piece_of_an_unspaced_request_can_be_written_in_its_own_tokens():
    """Gemma reads "ロサンゼルスの天気予報" as ロ|サン|ゼル|スの|...: the name ends inside a piece of the request,
    so only its own tokenization (ロ|サン|ゼ|ルス, which training writes) can copy it; out-of-order glue can't."""
    from llama_cpp import Llama

    from assistant.models import gemma_path

    llm = Llama(model_path=str(gemma_path()), vocab_only=True, verbose=False)

    def tokenize(text: str) -> list[int]:
        return list(llm.tokenize(text.encode(), add_bos=False, special=False))

    def piece(token: int) -> bytes:
        return bytes(llm._model.token_to_piece(token, special=False)).rstrip(b"\x00")

    text = "ロサンゼルスの天気予報"
    words = CopyWords([text], tokenize, piece, [text])
    for value in ("ロサンゼルス", "天気予報", "ロサンゼル"):
        assert words.allows(value.encode(), closing=True, math=False), value
        assert set(tokenize(value)) <= words.tokens, value
    assert not words.allows("サンロサンゼルス".encode(), closing=True, math=False)
    chinese = "我想听周杰伦的晴天"
    words = CopyWords([chinese], tokenize, piece, [chinese])
    assert all(words.allows(v.encode(), closing=True, math=False) for v in ("周杰伦", "晴天", "周杰伦的晴天"))
