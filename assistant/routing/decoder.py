"""Constrained greedy decoding of one call: only the registry's skills, arguments and values can come out.

The calls a registry accepts are turned into token tries once per model: the fixed text between values
(` weather(location="`, `", day="`, `")`) in the model's own tokenization, and the Literal values. Decoding walks
them: a node with one child is forced (fed in the same batch, never sampled); a node with several children is a
decision made by comparing the logits of those few tokens; strings take any token except quotes, backslashes
and control characters (or, in copy mode, only pieces of the utterance's words) until a closing token such
as `",` or `")`; numbers take digits that can still end inside the parameter's Range. This is the same language
as Registry.grammar(), without llama.cpp's grammar sampler walking 262k tokens per step. With skill_search, the
skill itself is chosen by the probability of its whole name (Decoder._search_skill), the rest greedily.

Long: CallSpace (the tries built from a registry) and Decoder (the walk over them) keep one invariant together, that
they accept exactly the language of Registry.grammar(); CopyWords and the number checks are the free slots inside
that walk.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from assistant.registry import MAX_STRING_CHARS, Param, Registry

MAX_DIGITS = 9
"""Digits in a number (the grammar's limit too)."""
MAX_MATH_DIGITS = 15
"""Digits in a row in a written (math) string: a double's exact integers. Without a limit the model could write
digits until the call's token budget ran out (a 78-digit "duration" for "Lösche meinen Wecker am Samstag", 1.6 s)."""
MAX_CALL_TOKENS = 96
"""Tokens a call may take at least; a registry whose longest call could take more raises the limit to that
(CallSpace.longest_call), so a call is never cut off unfinished."""
FULL_LOGITS_TOP = 64
"""In full-vocabulary string mode, how many of the best tokens are checked for one that is allowed."""
_BAD_STRING_BYTES = frozenset(b'"\\') | frozenset(range(0x20)) | {0x7F}
SPAN_STOP_WORDS = frozenset(
    word.encode()
    for word in "on for at in to this next of and by with from about please um uh now today tonight tomorrow "
    "morning afternoon evening weekend right".split()
)
"""Words a copied name does not go on into for the span bonus (Decoder.span_bonus): they join a name to what
follows it ("the forecast for here for blizzard conditions at five pm")."""
_WORD_START = re.compile(rb"(?= )")
_MATH_WORD = re.compile(rb" ?[-0-9+*/.()%^]+")
_TOO_MANY_DIGITS = re.compile(rb"[0-9]{%d}" % (MAX_MATH_DIGITS + 1))
_NUMBER_LITERAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_UNSPACED_STRETCH = re.compile("[\u3000-\uffff]+")
"""A stretch of a script written without spaces (as _unspaced: U+3000 and up in the basic plane)."""
_UNWRITABLE = re.compile(r'["\\\x00-\x1f\x7f]+')
"""Characters a string value cannot hold (as _BAD_STRING_BYTES): they separate words to copy."""


def _unspaced(segment: bytes) -> bool:
    """True for text in a script written without spaces (UTF-8 lead bytes of U+3000 and up: CJK, kana, Hangul)."""
    return any(0xE3 <= byte <= 0xEF for byte in segment)


def _continuation(byte: int) -> bool:
    """True for a UTF-8 continuation byte: a piece starting with one starts inside a character."""
    return 0x80 <= byte <= 0xBF


def _whole_characters(text: bytes) -> bool:
    """True when text is valid UTF-8: it neither starts nor ends inside a character."""
    try:
        text.decode()
    except UnicodeDecodeError:
        return False
    return True


def _add_prefixes(finish: dict[bytes, int], pieces: list[bytes], *, every_end: bool) -> None:
    """Record in finish the prefixes of pieces that reach an end, with the fewest bytes to it: the end is the
    whole text, or (every_end) any prefix of whole characters."""
    prefixes = list(itertools.accumulate(pieces))
    end: bytes | None = None
    for i in reversed(range(len(prefixes))):
        if (every_end or i == len(prefixes) - 1) and _whole_characters(prefixes[i]):
            end = prefixes[i]
        if end is not None:
            missing = len(end) - len(prefixes[i])
            finish[prefixes[i]] = min(missing, finish.get(prefixes[i], missing))


MAX_SUBSTRING_CHARS = 16
"""Longest piece of an unspaced word offered in its own tokenization (names are short; every turn pays for these)."""


class CopyWords:
    """What a copied string may be made of this turn: whole words of the request, each in the token pieces
    training writes (the first word bare, later ones after a space).

    The plain copy mode offers every piece of every word in any order, so the model could glue the start of one
    word to the end of another and write a name never said ("em" + "minem" -> "emminem" for "eminem"). Here a
    value is a run of the request's words: each finished word is one of them, the word being written is a prefix
    of one at a token boundary that can still be finished within MAX_STRING_CHARS by a piece on offer, so
    decoding cannot get stuck. A string cannot hold quotes, backslashes or control characters: they split a word
    ('"os").system("id")' -> 'os', ').system(', 'id', ')'). Math characters stay free in converted parameters
    ("12*7"). Scripts without spaces are not split into words: there a copied string is one contiguous run of a
    word's pieces that starts and ends on a whole character, alone ("ロサンゼルス" of "ロサンゼルスの天気予報", never
    "サンロサンゼルス" or "サン ロサンゼルス"); any contiguous piece of such a word may be written in its own tokens.
    """

    def __init__(
        self,
        forms: Iterable[str],
        tokenize: Callable[[str], list[int]],
        piece: Callable[[int], bytes],
        said: Sequence[str] = (),
    ):
        words = [word.lower().encode() for word in said]
        self.said = [b" ".join(words[i:]) for i in range(len(words))]
        """The request from each of its words on (lowercase), for preferring a copy that goes on as said."""
        self.tokens: set[int] = set()
        """Every piece of every word: the turn's content tokens."""
        self.finish: dict[bytes, int] = {}
        """Each prefix a word may be (at a token boundary) -> the fewest bytes that finish it (0: a whole word)."""
        self.runs: dict[bytes, int] = {}
        """The same for runs of words in scripts without spaces (0: a run that ends on a whole character)."""
        for word in {part for form in forms for part in _UNWRITABLE.split(form) if part}:
            for text in (word, " " + word):
                tokens = tokenize(text)
                pieces = [piece(token) for token in tokens]
                cut = next((i for i, part in enumerate(pieces) if not part or _BAD_STRING_BYTES & set(part)), None)
                tokens, pieces = tokens[:cut], pieces[:cut]  # only what a string can hold (defensive: split above)
                self.tokens.update(tokens)
                # A word in a script without spaces holds several ("Lemonをかけて"): any run of its pieces that
                # starts and ends on a whole character is one.
                unspaced = _unspaced(text.encode())
                starts = [i for i, part in enumerate(pieces) if not _continuation(part[0])] if unspaced else [0]
                for start in starts:
                    _add_prefixes(self.runs if unspaced else self.finish, pieces[start:], every_end=unspaced)
            if _unspaced(word.encode()):
                self._add_substrings(word, tokenize, piece)

    def _add_substrings(self, word: str, tokenize: Callable[[str], list[int]], piece: Callable[[int], bytes]) -> None:
        """Every contiguous piece of an unspaced word, in its own tokenization: the word's pieces need not end where
        the name does (Gemma reads "ロサンゼルスの" as ロ|サン|ゼル|スの, so "ロサンゼルス" was no run of them),
        and training writes a value in its own tokens. Only the unspaced script's stretches are cut anywhere: the
        Latin of a mixed word ("Oslo東京") stays whole, as words elsewhere do."""
        for stretch in _UNSPACED_STRETCH.findall(word):
            for start in range(len(stretch)):
                for end in range(start + 1, min(len(stretch), start + MAX_SUBSTRING_CHARS) + 1):
                    tokens = tokenize(stretch[start:end])
                    pieces = [piece(token) for token in tokens]
                    if not all(pieces) or any(_BAD_STRING_BYTES & set(part) for part in pieces):
                        continue
                    self.tokens.update(tokens)
                    _add_prefixes(self.runs, pieces, every_end=False)

    def goes_on(self, value: bytes, piece: bytes) -> bool:
        """Whether value + piece is still the request as said, from one of its words on ("Springfield" + ","),
        without starting a joining or time word ("here" + " for blizzard conditions" is no place)."""
        text = (value + piece).lower()
        for rest in self.said:
            if rest.startswith(text):
                starts = piece.startswith(b" ") and not value.endswith(b" ")
                return not (starts and rest[len(value) + 1 :].split(b" ", 1)[0] in SPAN_STOP_WORDS)
        return False

    def allows(self, value: bytes, *, closing: bool, math: bool) -> bool:
        """May a string be value (closing: and end there)? math: the parameter converts math (digits, operators),
        which is written rather than copied."""
        segments = [segment for segment in _WORD_START.split(value) if segment]
        copied = runs = 0
        for i, segment in enumerate(segments):
            if math and _MATH_WORD.fullmatch(segment):
                if _TOO_MANY_DIGITS.search(segment):
                    return False
                continue
            missing = self.finish.get(segment)
            if missing is None and (missing := self.runs.get(segment)) is not None:
                runs += 1
            if missing is None or (missing and (closing or i < len(segments) - 1)):
                return False
            if len(value) + missing > MAX_STRING_CHARS:
                return False
            copied += 1
        return math or not runs or copied == 1


@dataclass(frozen=True)
class Slot:
    """Where a value is written: a parameter of a skill."""

    skill: str
    """Skill name."""
    index: int
    """Parameter position in the signature."""
    kind: str
    """"str", "lit" (Literal or bool) or "num" (int or float)."""
    param: Param = field(compare=False)
    """The parameter itself (for ranges and types)."""


END = "end"
"""Outcome of a trie leaf that completes the call."""


@dataclass
class Node:
    """A token trie node; a leaf carries what comes next: END, the Slot whose value starts, or ("after", Slot)."""

    children: dict[int, Node] = field(default_factory=dict)
    outcome: object = None
    skills: set[str] = field(default_factory=set)
    """The skills whose calls pass through this node (start trie only): more than one while the name is open."""


@dataclass(frozen=True)
class State:
    """A position in the call: inside a trie (node), or writing a string or number value (slot, value)."""

    node: Node | None = None
    slot: Slot | None = None
    value: bytes = b""
    done: bool = False


class ScoresLike(Protocol):
    """Logits at one position (assistant.routing.engine.Scores)."""

    full: np.ndarray | None

    def of(self, tokens: Sequence[int]) -> np.ndarray: ...


class EngineLike(Protocol):
    """What the decoder needs from a model (assistant.routing.engine.Engine)."""

    n_past: int

    def eval(
        self, tokens: Sequence[int], outputs: Sequence[int] = (), *, full: bool = False
    ) -> Sequence[ScoresLike]: ...

    def truncate(self, n_tokens: int) -> None: ...

    def piece(self, token: int) -> bytes: ...


def _slot_kind(param: Param) -> str:
    if param.choices or param.type is bool:
        return "lit"
    return "str" if param.type is str else "num"


def _quoted(slot: Slot) -> bool:
    return slot.kind == "str" or bool(slot.param.choices)


class CallSpace:
    """Every call a registry accepts, as token tries in one model's tokenization."""

    def __init__(self, registry: Registry, tokenize: Callable[[str], list[int]], piece: Callable[[int], bytes]) -> None:
        self.piece = piece
        self.start = Node()
        self.after: dict[Slot, Node] = {}
        self.values: dict[Slot, Node] = {}
        for item in registry.skills.values():
            slots = [Slot(item.name, i, _slot_kind(p), p) for i, p in enumerate(item.params)]
            for text, outcome in self._chunks(slots, 0, first=True):
                self._insert(self.start, tokenize(f" {item.name}(" + text), outcome, item.name)
            for slot in slots:
                after = self.after[slot] = Node()
                for text, outcome in self._chunks(slots, slot.index + 1, first=False):
                    self._insert(after, tokenize(('"' if _quoted(slot) else "") + text), outcome)
                if slot.kind == "lit":
                    choices = slot.param.choices or ("True", "False")
                    self.values[slot] = Node()
                    for choice in choices:
                        self._insert(self.values[slot], tokenize(choice), ("after", slot))
        self._insert(self.start, tokenize(" none()"), END, "none")
        self.longest_call = max(
            (
                len(f" {item.name}()".encode())
                + sum(len(f', {p.name}=""'.encode()) + MAX_STRING_CHARS for p in item.params)
                for item in registry.skills.values()
            ),
            default=0,
        )
        """Bytes of the longest call the registry accepts, every value at its longest: a bound on its tokens, as a
        token is at least a byte (timer_control's three strings, one character a token, took more than 96)."""
        self.normalized_extra: frozenset[int] = frozenset()
        """String tokens allowed, besides the turn's content, in parameters with a Normalize converter (math)."""
        self.number_filter: Callable[[Param], frozenset[str]] | None = None
        """This turn's allowed number literals per parameter (the numbers the request states), or None for any:
        set by Decoder.decode for one call."""
        self.copy_words: CopyWords | None = None
        """This turn's words for copied strings (see CopyWords), or None for any order of the content tokens:
        set by Decoder.decode for one call."""
        self.skill_filter: frozenset[str] | None = None
        """The skills this call may name (none() always), or None for all: set by Decoder.decode for one call."""
        self.number_tokens: dict[int, str] = {}
        for char in "-.0123456789":
            tokens = tokenize(char)
            if len(tokens) == 1:
                self.number_tokens[tokens[0]] = char

    @staticmethod
    def _chunks(slots: list[Slot], i: int, *, first: bool) -> list[tuple[str, object]]:
        """Fixed texts from parameter i on, up to the next value or the end, in canonical order."""
        out: list[tuple[str, object]] = []
        for slot in slots[i:]:
            sep = "" if first else ", "
            out.append((f'{sep}{slot.param.name}="' if _quoted(slot) else f"{sep}{slot.param.name}=", slot))
            if not slot.param.optional:
                return out
        out.append((")", END))
        return out

    @staticmethod
    def _insert(root: Node, tokens: list[int], outcome: object, skill: str = "") -> None:
        node = root
        for token in tokens:
            if skill:
                node.skills.add(skill)
            node = node.children.setdefault(token, Node())
        if skill:
            node.skills.add(skill)
        node.outcome = outcome

    @staticmethod
    def naming(state: State) -> bool:
        """True while the call's skill is still open: the state is in the start trie above two or more skills."""
        return not state.done and state.slot is None and state.node is not None and len(state.node.skills) > 1

    def initial(self) -> State:
        """The state before the first token of a call."""
        return State(node=self.start)

    def _resolve(self, outcome: object) -> State:
        if outcome == END:
            return State(done=True)
        if isinstance(outcome, tuple):  # ("after", slot): a Literal value is complete
            return State(node=self.after[outcome[1]])
        assert isinstance(outcome, Slot)
        if outcome.kind == "lit":
            return State(node=self.values[outcome], slot=outcome)
        return State(slot=outcome)

    def _enter(self, node: Node, slot: Slot | None) -> State:
        """State at a trie node; a leaf is replaced by what its outcome starts."""
        if not node.children and node.outcome is not None:
            return self._resolve(node.outcome)
        return State(node=node, slot=slot)

    def options(self, state: State, content: frozenset[int] | None = None) -> dict[int, State]:
        """Allowed next tokens and where each leads.

        content: the string tokens allowed this turn (copy mode), or None for any string piece (offered by the
        decoder from the model's best tokens, not listed here). Options that could only end in a string with
        nothing to write are left out, so decoding never gets stuck.
        """
        if state.done:
            return {}
        if state.node is not None:
            found = {}
            for token, child in state.node.children.items():
                if self.skill_filter is not None and child.skills and not child.skills & self.skill_filter:
                    continue
                nxt = self._enter(child, state.slot)
                if self._viable(nxt, content):
                    found[token] = nxt
            if state.node.outcome is not None:  # a text that is a token-prefix of another: both continue
                for token, nxt in self.options(self._resolve(state.node.outcome), content).items():
                    found.setdefault(token, nxt)
            return found
        assert state.slot is not None
        slot = state.slot
        closing = self.options(State(node=self.after[slot]), content)
        if slot.kind == "str":
            found = self._string_steps(state, self._content(slot, content) or frozenset())
            if state.value.strip() and (content is None or self._copy_ok(slot, state.value, closing=True)):
                found.update(closing)
            return found
        return self._number_options(state, closing)

    def _viable(self, state: State, content: frozenset[int] | None) -> bool:
        """Can a call be finished from state? A string with nothing to write, a number parameter with no number
        said this turn, or a parameter followed by one of those that must be written, cannot."""
        if state.done:
            return True
        if state.node is not None:
            return any(self._viable(self._enter(c, state.slot), content) for c in state.node.children.values()) or (
                state.node.outcome is not None and self._viable(self._resolve(state.node.outcome), content)
            )
        slot = state.slot
        assert slot is not None
        if state.value:  # options() only offers a step that can still be finished
            return True
        if slot.kind == "num" and self.number_filter is not None and not self._said(slot.param):
            return False
        strings = self._content(slot, content) if slot.kind == "str" else None
        if strings is not None and not any(
            self.string_piece_ok(state, piece := self.piece(t)) and self._copy_ok(slot, piece, closing=False)
            for t in strings
        ):
            return False
        # "send_money(receiver=..., amount=...)" with no amount said: the name must not be started.
        return self._viable(State(node=self.after[slot]), content)

    def _said(self, param: Param) -> frozenset[str]:
        """This turn's number literals for param that can be written (at most MAX_DIGITS digits, inside its range)."""
        assert self.number_filter is not None
        return frozenset(text for text in self.number_filter(param) if _number_complete(text, param))

    def _copy_ok(self, slot: Slot, value: bytes, *, closing: bool) -> bool:
        words = self.copy_words
        return words is None or words.allows(value, closing=closing, math=slot.param.normalize is not None)

    def _content(self, slot: Slot, content: frozenset[int] | None) -> frozenset[int] | None:
        """The string tokens for slot: a converted parameter may also write math ("12*7" for "twelve times seven")."""
        if content is None or slot.param.normalize is None:
            return content
        return content | self.normalized_extra

    def _string_steps(self, state: State, content: frozenset[int]) -> dict[int, State]:
        assert state.slot is not None
        found = {}
        for token in content:
            piece = self.piece(token)
            value = state.value + piece
            if self.string_piece_ok(state, piece) and self._copy_ok(state.slot, value, closing=False):
                found[token] = State(slot=state.slot, value=value)
        return found

    @staticmethod
    def string_piece_ok(state: State, piece: bytes) -> bool:
        """True when piece may continue the string value of state (a value never starts with blanks only)."""
        if not piece or len(state.value) + len(piece) > MAX_STRING_CHARS or _BAD_STRING_BYTES & set(piece):
            return False
        return bool(piece.strip() or state.value.strip())

    def _number_options(self, state: State, closing: dict[int, State]) -> dict[int, State]:
        assert state.slot is not None
        param, text = state.slot.param, state.value.decode()
        said = self._said(param) if self.number_filter is not None else None
        found = {}
        for token, char in self.number_tokens.items():
            new = text + char
            if _number_prefix_ok(new, param) and (said is None or any(s.startswith(new) for s in said)):
                found[token] = State(slot=state.slot, value=new.encode())
        if _number_complete(text, param) and (said is None or text in said):
            found.update(closing)
        return found

    def step(self, state: State, token: int) -> State:
        """The state after token; KeyError when the token is not allowed (free string tokens are checked here)."""
        if state.slot is not None and state.slot.kind == "str" and state.node is None:
            piece = self.piece(token)
            if self.string_piece_ok(state, piece):
                return State(slot=state.slot, value=state.value + piece)
        return self.options(state)[token]


def _number_prefix_ok(text: str, param: Param) -> bool:
    """Can text still grow into a number literal for param (no leading zeros, inside its Range)?"""
    negative = text.startswith("-")
    body = text[1:] if negative else text
    whole, dot, frac = body.partition(".")
    if "-" in body or "." in frac or (dot and (param.type is not float or not whole)):
        return False
    if len(whole) > MAX_DIGITS or len(frac) > 6 or (len(whole) > 1 and whole.startswith("0")):
        return False
    if param.range is None or not whole:
        return param.range is None or not negative or param.range.min < 0
    # Reachable values [low, high]: more digits may follow, up to MAX_DIGITS before and 6 after the point.
    tiny = 1e-6 if param.type is float else 1
    if dot:
        low = float(f"{whole}.{frac or 0}")
        spans = [(low, low + 10.0 ** -len(frac) - 1e-6)]
    else:
        n, room = int(whole), 0 if whole == "0" else MAX_DIGITS - len(whole)
        spans = [(n * 10**k, (n + 1) * 10**k - tiny) for k in range(room + 1)]
        if param.type is float:
            spans.append((n, n + 1 - tiny))
    for low, high in spans:
        if negative:
            low, high = -high, -low
        if low <= param.range.max and high >= param.range.min:
            return True
    return False


def _number_complete(text: str, param: Param) -> bool:
    """Is text a whole number literal within the parameter's range?"""
    if not _NUMBER_LITERAL.fullmatch(text) or not _number_prefix_ok(text, param):
        return False
    value = float(text)
    return param.range is None or param.range.min <= value <= param.range.max


@dataclass
class Decoded:
    """One decoded call and what it cost."""

    text: str
    tokens: list[int]
    confidence: float
    evals: int
    prompt_ms: float
    generate_ms: float
    prompt_tokens: int


class Decoder:
    """Greedy decoding over a CallSpace with a model; forced tokens and guessed structure are fed in one batch."""

    def __init__(
        self,
        space: CallSpace,
        engine: EngineLike,
        *,
        copy_strings: bool = True,
        speculate: int = 3,
        span_bonus: float = 0.0,
        skill_search: bool = False,
    ) -> None:
        self.space = space
        self.engine = engine
        self.copy_strings = copy_strings
        self.speculate = speculate
        self.span_bonus = span_bonus
        """Logit added, inside a copied string, to a piece that goes on as the request was said (see _choose)."""
        self.skill_search = skill_search
        """Choose the skill by the probability of its whole name (_search_skill), not token by token."""

    def _forced(self, state: State, content: frozenset[int] | None, out: list[int]) -> State:
        """Follow single-option steps (not inside free strings), appending their tokens to out."""
        while not state.done and not (state.slot is not None and state.slot.kind == "str" and state.node is None):
            options = self.space.options(state, content)
            if len(options) != 1:
                break
            token, state = next(iter(options.items()))
            out.append(token)
        return state

    def _guess(self, state: State) -> int | None:
        """A cheap guess of the next decision: the first structural option (opening parenthesis, first parameter)."""
        if state.done or state.node is None or state.slot is not None or state.node is self.space.start:
            return None
        return next(iter(state.node.children), None)

    def _choose(self, state: State, scores: ScoresLike, content: frozenset[int] | None) -> tuple[int, float]:
        """The best allowed token at state and its probability among the options compared."""
        options = list(self.space.options(state, content))
        logits = scores.of(options) if options else np.empty(0)
        free = state.slot is not None and state.slot.kind == "str" and state.node is None and content is None
        if free and scores.full is not None:
            top = np.argpartition(-scores.full, FULL_LOGITS_TOP)[:FULL_LOGITS_TOP]
            for token in top[np.argsort(-scores.full[top])]:
                if self.space.string_piece_ok(state, self.space.piece(int(token))):
                    options.append(int(token))
                    logits = np.append(logits, scores.full[token])
                    break
        if not options:
            raise ValueError("no allowed token")  # cannot happen for a well-formed CallSpace
        # The small model ends names early ("Bella ciao" -> "bella", "Springfield, Illinois" -> "Springfield"):
        # a piece that goes on with the words as said gets a bonus against the closing quote.
        words = self.space.copy_words
        if (
            self.span_bonus
            and words is not None
            and state.slot is not None
            and state.slot.kind == "str"
            and state.value
        ):
            bonus = [self.span_bonus if words.goes_on(state.value, self.space.piece(t)) else 0.0 for t in options]
            logits = np.asarray(logits, dtype=np.float64) + np.asarray(bonus)
        best = int(np.argmax(logits))
        shifted = np.exp(logits - logits[best])
        return options[best], float(1.0 / shifted.sum())

    def _search_skill(
        self, scores: ScoresLike, allowed: frozenset[int] | None
    ) -> tuple[list[int], list[float], State, int]:
        """The skill whose whole name is likeliest: (its tokens, the probability of each decision on the way, the
        state after them, evals made). The engine holds the prompt; scores are its predictions after it.

        Greedy decoding commits to the first token of a name: "I'm looking for a hotel" with find_restaurants,
        find_movies and search_hotel listed goes "find" (the likelier first word) and then cannot reach the hotel.
        This is a best-first search over the name trie, pruned by the best whole name found so far (a name's
        probability only falls as it goes on): a branch less likely at its first word than a whole name already
        found is never evaluated, and a name that is the only one under its first word costs nothing. On return
        the engine holds the prompt and as much of the chosen name as it evaluated, up to its last token."""
        space, engine = self.space, self.engine
        base = engine.n_past
        best: tuple[float, list[int], list[float], State] | None = None
        held: list[int] = []
        evals = 0

        def visit(state: State, scores: ScoresLike, logp: float, path: list[int], probs: list[float]) -> None:
            nonlocal best, held, evals
            options = space.options(state, allowed)
            tokens = list(options)
            logits = np.asarray(scores.of(tokens), dtype=np.float64)
            chosen = logits - logits.max() - math.log(float(np.exp(logits - logits.max()).sum()))
            # Past the first token, what the model gives to tokens no name allows counts against a branch, so
            # names are compared by their probability over the whole vocabulary (at the first token, where every
            # branch shares the normalizer, over the options: the same order).
            whole = chosen
            if scores.full is not None:
                top = float(scores.full.max())
                whole = logits - top - math.log(float(np.exp(scores.full.astype(np.float64) - top).sum()))
            for i in np.argsort(-whole):
                total = logp + float(whole[i])
                if best is not None and total <= best[0]:
                    break  # sorted: every later option is less likely still
                step = [*path, tokens[i]]
                nxt = self._forced(options[tokens[i]], allowed, step)
                step_probs = [*probs, math.exp(float(chosen[i]))]
                if not space.naming(nxt):
                    best = (total, step, step_probs, nxt)
                    continue
                engine.truncate(base + len(path))
                (after,) = engine.eval(step[len(path) :], [len(step) - len(path) - 1], full=True)
                held, evals = step, evals + 1
                visit(nxt, after, total, step, step_probs)

        visit(space.initial(), scores, 0.0, [], [])
        assert best is not None  # none() is always an option
        _, path, probs, state = best
        kept = 0
        while kept < min(len(held), len(path) - 1) and held[kept] == path[kept]:
            kept += 1
        engine.truncate(base + kept)
        return path, probs, state, evals

    def decode(
        self,
        prompt: Sequence[int],
        content: frozenset[int] = frozenset(),
        numbers: Callable[[Param], frozenset[str]] | None = None,
        words: CopyWords | None = None,
        skills: frozenset[str] | None = None,
    ) -> Decoded:
        """Evaluate prompt (after what the engine holds) and write one call; numbers: the literals each number
        parameter may take this turn (assistant.routing.grounding.SaidNumbers.literals), None for any in range; words:
        the request's words that copied strings are made of (content is then words.tokens), None for any order
        of the content tokens; skills: the only skills the call may name (none() is always allowed), None for all."""
        self.space.number_filter = numbers
        self.space.copy_words = words
        self.space.skill_filter = None if skills is None else skills | {"none"}
        try:
            return self._decode(prompt, content)
        finally:
            self.space.number_filter = None
            self.space.copy_words = None
            self.space.skill_filter = None

    def _decode(self, prompt: Sequence[int], content: frozenset[int]) -> Decoded:
        space, engine = self.space, self.engine
        allowed = content if self.copy_strings else None
        out: list[int] = []
        probs: list[float] = []
        feed = list(prompt)
        state = space.initial()
        evals, prompt_ms, started = 0, 0.0, time.perf_counter()
        if self.skill_search:
            base = engine.n_past
            (scores,) = engine.eval(feed, [len(feed) - 1])
            prompt_ms = (time.perf_counter() - started) * 1000
            out, probs, state, searched = self._search_skill(scores, allowed)
            evals += 1 + searched
            state = self._forced(state, allowed, out)
            feed = out[engine.n_past - base - len(prompt) :]
        while not state.done and len(out) < max(MAX_CALL_TOKENS, space.longest_call):
            # The decision point is the end of feed; guess a few structural steps past it and mark each point.
            marks, states, out_at = [len(feed) - 1], [state], [len(out)]
            guesses: list[int] = []
            tentative, spec = list(out), state
            while len(guesses) < self.speculate:
                guess = self._guess(spec)
                if guess is None:
                    break
                try:
                    stepped = space.step(spec, guess)
                except KeyError:  # a parameter this turn cannot fill ("resB11"): stop guessing, the model decides
                    break
                guesses.append(guess)
                feed.append(guess)
                tentative.append(guess)
                before = len(tentative)
                spec = self._forced(stepped, allowed, tentative)
                feed.extend(tentative[before:])
                if spec.done:
                    break
                marks.append(len(feed) - 1)
                states.append(spec)
                out_at.append(len(tentative))
            base = engine.n_past
            full = not self.copy_strings and any(s.slot is not None and s.slot.kind == "str" for s in states)
            results = engine.eval(feed, marks, full=full)
            evals += 1
            if evals == 1:
                prompt_ms = (time.perf_counter() - started) * 1000
            for k, (mark, at_state) in enumerate(zip(marks, states, strict=True)):
                choice, prob = self._choose(at_state, results[k], allowed)
                probs.append(prob)
                if k < len(guesses) and choice == guesses[k]:
                    continue
                engine.truncate(base + mark + 1)  # drop guesses after the mistaken one
                out = tentative[: out_at[k]] + [choice]
                state = self._forced(space.step(at_state, choice), allowed, out)
                feed = out[out_at[k] :]
                break
            else:  # every guess was right and the last one finished the call
                out, state = tentative, spec
        confidence = math.fsum(probs) / len(probs) if probs else 0.0
        text = b"".join(engine.piece(t) for t in out).decode("utf-8", "replace").strip()
        total_ms = (time.perf_counter() - started) * 1000
        return Decoded(text, out, confidence, evals, prompt_ms, total_ms - prompt_ms, len(prompt))
