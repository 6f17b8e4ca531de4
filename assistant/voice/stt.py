"""Speech to text: faster-whisper int8 on CPU, encoding only as much audio as the utterance needs.

Whisper pads every input to 30 s and the encoder dominates: tiny.en on this 2-core box spends ~400 ms of a
~450 ms transcription encoding 30 s of mostly padding. CTranslate2 accepts shorter mel input, so the utterance
is padded with *real* silence (zero samples, not zero features) to max(MIN_WINDOW_S, speech + TAIL_PAD_S) and
decoded with timestamp tokens: the model then hears the speech end and emits its end timestamp and
<|endoftext|> instead of repeating itself (without timestamps, or with zero features, it loops). Segments that
start after the speech ended, and repeated sentences, are dropped.

Measured here (plain = faster-whisper beam 1, no timestamps, no VAD filter, on the same VAD-trimmed audio):
50 commands (30 espeak-ng, 20 Piper): plain 14.7 % word error, p50 456 ms; this 10.2 %, p50 125 ms, p95 146 ms;
with song titles and cities as bias words 5.3 %, p50 137 ms. On `python -m assistant.evaluation.bench_voice --compare`'s
26 clips: plain 9.1 %, this 15.2 % (three espeak-ng clips lose words), with bias words 8.3 %.
"""

from __future__ import annotations

import logging
import os

# CTranslate2's OpenMP threads spin while waiting; on two cores shared with the LLM and the music decoder that
# spinning starved everyone (measured under load: p50 1104 ms, 1349 ms CPU per utterance; passive: 536 ms, 161 ms).
# libgomp reads this when ctranslate2 is first imported, so it is set before faster_whisper is.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Config, SttConfig
from assistant.errors import AssistantError, ModelError
from assistant.i18n import LANGUAGES
from assistant.models import whisper_model_dir
from assistant.voice.audio import SAMPLE_RATE_HZ, read_wav

log = logging.getLogger(__name__)

MIN_WINDOW_S = 7.0
"""Shortest encoder input; below ~6 s tiny.en starts repeating itself or dropping words (measured)."""
TAIL_PAD_S = 1.0
"""Silence after the speech inside the window, so the model hears the utterance end."""
MAX_WINDOW_S = 30.0
"""Whisper's own window; longer audio is cut (commands are short, the VAD cuts at max_utterance_ms)."""
NO_SPEECH_PROB = 0.6
"""Whisper's own rule: no speech when this likely and the text is improbable (avg log-prob below -1)."""
OTHER_LANGUAGE_BEAM = 5
"""Beam width for languages other than English when [stt] beam_size is 0: greedy decoding let Whisper base drift
into the bias prompt ("Was ist zwölf mal sieben?" came out "Was ist das Wetter morgen."); a beam of 5 heard it."""
COMMAND_VOCABULARY = {
    "en": ["Stop", "Pause the music", "Next song", "Turn it up"],
    "de": ["Wie ist das Wetter morgen", "Spiel Musik", "Nächstes Lied", "Lautstärke", "Nachrichten über Sport",
           "zwölf mal sieben"],
    "fr": ["Quel temps fera-t-il demain", "Joue de la musique", "Chanson suivante", "Volume", "Les nouvelles",
           "douze fois sept"],
    "es": ["Qué tiempo hará mañana", "Pon música", "Siguiente canción", "Volumen", "Noticias de deportes",
           "doce por siete"],
    "it": ["Che tempo farà domani", "Metti della musica", "Canzone successiva", "Volume", "Notizie di sport",
           "dodici per sette"],
    "nl": ["Wat voor weer wordt het morgen", "Speel muziek", "Volgend nummer", "Volume", "Sportnieuws",
           "twaalf keer zeven"],
    "da": ["Hvordan bliver vejret i morgen", "Spil musik", "Næste sang", "Lydstyrke", "Nyheder om sport",
           "tolv gange syv"],
    "ja": ["明日の天気は", "音楽をかけて", "次の曲", "音量", "スポーツのニュース", "十二かける七"],
    "zh": ["明天天气怎么样", "播放音乐", "下一首", "音量", "体育新闻", "十二乘以七"],
}  # fmt: skip
"""Everyday commands, first in the bias prompt for their language. English: with "Twinkle Twinkle Little Star" among
the titles, a lone "stop" came out as "Star." (3 of 30 bench commands); with the commands first, 30/30 (+11 ms STT
p50). espeak-ng's German at 120 words a minute: 0 of 18 command phrasings transcribed exactly without, 7 with."""
CONFIRM_SIMILARITY = 0.5
"""With [stt] confirm_bias: how alike (difflib ratio of the letters) the unprompted hearing must be to keep a
command sentence of the prompt; "star" against "stop" is 0.5."""
MAX_HOTWORD_TOKENS = 120
"""Bias prompt cap; faster-whisper allows up to 223, each prompt token costs decoder time."""
SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")


class SttError(AssistantError):
    """Speech recognition failed on this audio (the model ran, the input was unusable)."""


@dataclass
class Transcript:
    """What Whisper heard in one utterance."""

    text: str
    """The words, stripped; empty when there was no speech."""
    language: str
    """ISO 639-1 code of the language transcribed."""
    language_probability: float = 1.0
    """Detection confidence with language "auto" (1.0 when the language was fixed)."""
    no_speech_prob: float = 0.0
    """Whisper's probability that the audio holds no speech."""
    avg_logprob: float = 0.0
    """Mean log-probability of the words decoded: how sure Whisper is of what it heard (noise and other voices make
    it low; the router asks for a surer call then, [router] min_confidence_unsure)."""
    timings_ms: dict[str, float] = field(default_factory=dict)
    """stt_ms plus stt_features_ms, stt_encode_ms, stt_decode_ms."""


def clean_hotwords(words: Iterable[str]) -> list[str]:
    """Readable, unique bias words: Literal values like "volume_up" become "volume up"."""
    out: list[str] = []
    for word in words:
        text = str(word).replace("_", " ").strip()
        if text and text.lower() not in (w.lower() for w in out):
            out.append(text)
    return out


def _drop_repeats(sentences: list[str]) -> list[str]:
    """Drop a sentence that repeats (or is a cut-off copy of) an earlier one: a decoder loop, not speech ("Let's set
    the volume to 5. Set the volume to 5." came from one "set the volume to five")."""
    kept: list[str] = []
    seen: list[str] = []
    for sentence in sentences:
        key = " ".join(re.sub(r"[^\w' ]", " ", sentence.lower()).split())
        if not key:
            continue
        if any(old.startswith(key) or key.startswith(old) or old.endswith(" " + key) for old in seen):
            break
        seen.append(key)
        kept.append(sentence)
    return kept


def _drop_periodic(text: str) -> str:
    """ "play baby shark play baby shark play baby" -> "play baby shark": a decoder loop without punctuation."""
    words = text.split()
    keys = [re.sub(r"[^\w']", "", w.lower()) for w in words]
    for period in range(1, len(keys) // 2 + 1):
        if len(keys) < (2 * period if period > 1 else 3):
            break
        if all(keys[i] == keys[i % period] for i in range(period, len(keys))):
            return " ".join(words[:period]).rstrip(",;")
    return text


class WhisperStt:
    """A faster-whisper model loaded once (in a background thread) and used for every utterance."""

    def __init__(
        self,
        model: str = "tiny.en",
        *,
        language: str = "en",
        beam_size: int = 0,
        threads: int = 0,
        hotwords: Iterable[str] = (),
        auto_language_floor: float = 0.5,
        fallback_language: str = "en",
        confirm_bias: bool = False,
        second_opinion: WhisperStt | None = None,
        second_opinion_below: float = -0.5,
    ) -> None:
        self.model_name = model
        self.second_opinion = second_opinion
        """A bigger model that hears again what this one heard unsurely (hear_again)."""
        self.second_opinion_below = second_opinion_below
        self.confirm_bias = confirm_bias
        self.language = language
        self.beam_size = beam_size
        self.threads = threads or os.cpu_count() or 1
        self.hotwords = clean_hotwords(hotwords)
        self.auto_language_floor = auto_language_floor
        self.fallback_language = fallback_language
        self.languages = set(LANGUAGES) | {fallback_language}
        """What language "auto" may pick: the reply catalogues' languages (assistant.i18n.LANGUAGES)."""
        self.lock = threading.Lock()
        self.loaded = threading.Event()
        self.load_error: AssistantError | None = None
        self.whisper: Any = None
        self.load_ms = 0.0
        self.thread: threading.Thread | None = None

    def start(self) -> WhisperStt:
        """Load the model in a background thread so start-up (and the microphone) is not held up."""
        if self.thread is None:
            self.thread = threading.Thread(target=self._load, name="whisper-load", daemon=True)
            self.thread.start()
        if self.second_opinion is not None:
            self.second_opinion.start()
        return self

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            path = whisper_model_dir(self.model_name)
            from faster_whisper import WhisperModel

            self.whisper = WhisperModel(
                str(path), device="cpu", compute_type="int8", cpu_threads=self.threads, local_files_only=True
            )
        except ModelError as error:
            self.load_error = error
        except (RuntimeError, ValueError, OSError) as error:  # CTranslate2 reports a bad model.bin as RuntimeError
            self.load_error = ModelError(f"cannot load Whisper model '{self.model_name}': {error}")
        finally:
            self.load_ms = (time.perf_counter() - started) * 1000
            self.loaded.set()
        if self.load_error:
            log.error("%s", self.load_error)
        else:
            log.info("Whisper %s loaded in %.0f ms", self.model_name, self.load_ms)

    def wait_ready(self, timeout_s: float | None = None) -> None:
        """Block until the model (and the second opinion's) is loaded; ModelError if loading failed or took longer
        than timeout_s."""
        self.start()
        if not self.loaded.wait(timeout_s):
            raise ModelError(f"Whisper model '{self.model_name}' is still loading")
        if self.load_error is not None:
            raise self.load_error
        if self.second_opinion is not None:
            self.second_opinion.wait_ready(timeout_s)

    @property
    def multilingual(self) -> bool:
        """Whether the loaded model knows more than English."""
        return bool(self.whisper is not None and self.whisper.model.is_multilingual)

    def transcribe(self, audio: np.ndarray, language: str | None = None) -> Transcript:
        """Transcribe one utterance (16 kHz mono float32); language None uses the configured one ("auto" detects)."""
        self.wait_ready()
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_ctranslate2_storage, get_suppressed_tokens

        started = time.perf_counter()
        speech_s = len(audio) / SAMPLE_RATE_HZ
        if speech_s > MAX_WINDOW_S - TAIL_PAD_S:
            log.warning("audio of %.1f s cut to Whisper's %.0f s window", speech_s, MAX_WINDOW_S)
            audio = audio[: int((MAX_WINDOW_S - TAIL_PAD_S) * SAMPLE_RATE_HZ)]
            speech_s = MAX_WINDOW_S - TAIL_PAD_S
        window_s = min(MAX_WINDOW_S, max(MIN_WINDOW_S, speech_s + TAIL_PAD_S))
        padded = np.zeros(int(window_s * SAMPLE_RATE_HZ), dtype=np.float32)
        padded[: len(audio)] = audio
        model = self.whisper
        features = model.feature_extractor(padded)[..., :-1]
        features = features[:, : features.shape[1] // 2 * 2]  # the encoder's conv stride is 2
        t_features = time.perf_counter()
        with self.lock:
            encoded = model.model.encode(get_ctranslate2_storage(features[None]))
            t_encode = time.perf_counter()
            lang, lang_prob = self._language(encoded, language or self.language)
            tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=lang)
            prompt = self._prompt(tokenizer, language=lang)
            result = model.model.generate(
                encoded,
                [prompt],
                beam_size=self.beam_for(lang),
                max_length=len(prompt) + int(min(200, 8 + 6 * speech_s)),  # counts the prompt too
                return_scores=True,
                return_no_speech_prob=True,
                suppress_blank=True,
                suppress_tokens=list(get_suppressed_tokens(tokenizer, [-1]) or []),
            )[0]
            tokens = result.sequences_ids[0]
            text = _drop_leaked_prompt(self._text(tokenizer, tokens, speech_s), COMMAND_VOCABULARY.get(lang, []))
            if self.confirm_bias and _plain(text) in {_plain(c) for c in COMMAND_VOCABULARY.get(lang, [])}:
                text = self._confirm(encoded, tokenizer, text, speech_s)
        t_decode = time.perf_counter()
        avg_logprob = float(result.scores[0]) if result.scores else 0.0
        if result.no_speech_prob > NO_SPEECH_PROB and avg_logprob < -1.0:
            log.info("no speech (p=%.2f): dropped %r", result.no_speech_prob, text)
            text = ""
        timings = {
            "stt_ms": (t_decode - started) * 1000,
            "stt_features_ms": (t_features - started) * 1000,
            "stt_encode_ms": (t_encode - t_features) * 1000,
            "stt_decode_ms": (t_decode - t_encode) * 1000,
        }
        transcript = Transcript(text, lang, lang_prob, float(result.no_speech_prob), avg_logprob, timings)
        if self.second_opinion is not None and text and avg_logprob < self.second_opinion_below:
            return hear_again(self.second_opinion, audio, transcript)
        return transcript

    def _confirm(self, encoded: Any, tokenizer: Any, text: str, speech_s: float) -> str:
        """A transcript that is just one of the prompt's command sentences, heard again without the prompt: kept
        when the plain hearing is alike ("Star." for "Stop."), else the plain hearing ("skip to the next episode"
        came out "Turn it up." in noise). One more decoder pass, on such transcripts only."""
        import difflib

        prompt = list(tokenizer.sot_sequence)
        plain = self.whisper.model.generate(
            encoded, [prompt], beam_size=1, max_length=len(prompt) + int(min(200, 8 + 6 * speech_s)),
            suppress_blank=True,
        )[0]  # fmt: skip
        heard = self._text(tokenizer, plain.sequences_ids[0], speech_s)
        if difflib.SequenceMatcher(None, _plain(text), _plain(heard)).ratio() >= CONFIRM_SIMILARITY:
            return text
        log.info("bias sentence %r not confirmed without the prompt (%r)", text, heard)
        return heard

    def beam_for(self, language: str) -> int:
        """The configured beam width, or with 0: greedy for English, OTHER_LANGUAGE_BEAM for the others."""
        if self.beam_size > 0:
            return self.beam_size
        return 1 if language == "en" else OTHER_LANGUAGE_BEAM

    def _language(self, encoded: Any, wanted: str) -> tuple[str, float]:
        """The language to decode in: fixed, or detected with "auto" (falling back below the confidence floor)."""
        if not self.whisper.model.is_multilingual:
            if wanted not in ("en", "auto"):
                log.warning("Whisper %s only knows English; asked for %r", self.model_name, wanted)
            return "en", 1.0
        if wanted != "auto":
            return wanted.split("-")[0], 1.0
        ranked = [(token[2:-2], p) for token, p in self.whisper.model.detect_language(encoded)[0]]
        # Only languages the assistant can answer in: a misheard accent must not become Thai or Welsh.
        allowed = [(code, p) for code, p in ranked if code in self.languages] or ranked
        detected, probability = allowed[0]
        # The floor asks "which of the languages we answer in?": German at 0.45 with Afrikaans and Luxembourgish
        # taking the rest is German. Renormalised over the allowed ones (espeak-ng's accent spreads the mass).
        probability = probability / max(sum(p for _, p in allowed), 1e-9)
        if probability < self.auto_language_floor:
            log.info("language %s only %.2f likely: using %s", detected, probability, self.fallback_language)
            return self.fallback_language, probability
        return detected, probability

    def _prompt(self, tokenizer: Any, *, language: str = "en") -> list[int]:
        """<|startofprev|> bias words <|startoftranscript|> (language, task); timestamps stay on (see module doc).

        The assistant's everyday commands in the language come first, then the skills' names (titles, cities).
        """
        prompt: list[int] = []
        words = [*COMMAND_VOCABULARY.get(language, []), *self.hotwords]
        if words:
            # As sentences ("Baby Shark. Boston."), not a comma list: measured 5.3 % vs 17 % word error (list style
            # primes tiny.en into lower-case run-on text that repeats itself).
            bias = tokenizer.encode(" " + ". ".join(words) + ".")[:MAX_HOTWORD_TOKENS]
            prompt = [tokenizer.sot_prev, *bias]
        return prompt + list(tokenizer.sot_sequence)

    def _text(self, tokenizer: Any, tokens: list[int], speech_s: float) -> str:
        """Join the segments that start before the speech ended; drop decoder repetition."""
        segments: list[tuple[float, list[int]]] = []
        start_s, current = 0.0, list[int]()
        for token in tokens:
            if token >= tokenizer.timestamp_begin:
                if current:
                    segments.append((start_s, current))
                    current = []
                start_s = (token - tokenizer.timestamp_begin) * 0.02
            elif token < tokenizer.eot:
                current.append(token)
        if current:
            segments.append((start_s, current))
        texts = [tokenizer.decode(seg).strip() for begin, seg in segments if begin < speech_s - 0.1]
        sentences = [s for text in texts for s in SENTENCE_RE.split(text) if s]
        return _drop_periodic(" ".join(_drop_repeats(sentences)).strip())


def hear_again(second_opinion: WhisperStt, audio: np.ndarray, first: Transcript) -> Transcript:
    """The second opinion's hearing of audio the first model heard unsurely, in the same language; its time is added
    to stt_ms (stt_second_ms). Its words are kept whatever its score (on the noisy sets keeping the bigger model's
    hearing beat keeping the surer of the two), but not its sureness: the lower of the two log-probabilities goes on,
    since a hearing that needed a second opinion was unsure, and the router's hearing gate should see that
    (docs/noise.md: false starts 7.9 -> 6.8% replayed on the standard noisy set, 12.2 -> 11.6% held out)."""
    second = second_opinion.transcribe(audio, first.language)
    log.info("unsure hearing %r (%.2f); %s heard %r (%.2f)", first.text, first.avg_logprob,
             second_opinion.model_name, second.text, second.avg_logprob)  # fmt: skip
    timings = dict(first.timings_ms)
    timings["stt_second_ms"] = second.timings_ms.get("stt_ms", 0.0)
    timings["stt_ms"] = first.timings_ms.get("stt_ms", 0.0) + timings["stt_second_ms"]
    return replace(second, avg_logprob=min(first.avg_logprob, second.avg_logprob), timings_ms=timings)


def _plain(sentence: str) -> str:
    return " ".join(re.sub(r"[^\w ]", " ", sentence.lower()).split())


def _drop_leaked_prompt(text: str, sentences: list[str]) -> str:
    """The transcript without bias sentences Whisper copied after what was said ("Qué tiempo hará en Madrid. Pon
    música."). Only after: a bias sentence that opens the transcript was said ("Next song. Please." had become
    "Please."), and a transcript made only of such sentences stays."""
    if not sentences:
        return text

    def plain(sentence: str) -> str:
        return " ".join(re.sub(r"[^\w ]", " ", sentence.lower()).split())

    known = {plain(s) for s in sentences}
    parts = [p for p in SENTENCE_RE.split(text) if p]
    kept: list[str] = []
    for part in parts:
        if not kept or plain(part) not in known:
            kept.append(part)
    return " ".join(kept) if len(kept) < len(parts) else text


def registry_hotwords(assistant: Any) -> list[str]:
    """Bias words from the registry: the skills' own names (song titles, artists, cities), not Literal values.

    Literal values ("tomorrow", "volume_up") are everyday words tiny.en already gets right; as bias they
    measured no gain (11.0 % vs 10.2 % word error) and made the decoder loop, so they are left out.
    """
    registry = assistant.registry
    choices = clean_hotwords(str(c) for item in registry.skills.values() for p in item.params for c in p.choices)
    known = {c.lower() for c in choices}
    return [w for w in clean_hotwords(registry.hotwords(assistant.context)) if w.lower() not in known]


def skill_hotwords(config: Config) -> list[str]:
    """registry_hotwords for a config, with a throw-away Assistant (no LLM, no trace)."""
    from assistant.pipeline import Assistant

    assistant = Assistant(config, trace=False)
    try:
        return registry_hotwords(assistant)
    finally:
        assistant.close()


def stt_from_config(config: Config, hotwords: Iterable[str] | None = None) -> WhisperStt:
    """A WhisperStt set up from [stt], loading in the background; hotwords default to the registry's."""
    stt = config.stt
    words: Iterable[str] = ()
    if stt.use_hotwords:
        words = list(skill_hotwords(config) if hotwords is None else hotwords)

    def whisper(model: str, second_opinion: WhisperStt | None = None) -> WhisperStt:
        return WhisperStt(
            model,
            language=stt.language,
            beam_size=stt.beam_size,
            threads=stt.threads,
            hotwords=words,
            auto_language_floor=stt.auto_language_floor,
            fallback_language=config.language,
            confirm_bias=stt.confirm_bias,
            second_opinion=second_opinion,
            second_opinion_below=stt.second_opinion_below,
        )

    second = whisper(stt.second_opinion) if has_second_opinion(stt) else None
    return whisper(stt.model, second).start()


def has_second_opinion(stt: SttConfig) -> bool:
    """Whether [stt] names a second opinion other than the model itself."""
    return bool(stt.second_opinion) and stt.second_opinion != stt.model


_SHARED: dict[tuple[Any, ...], WhisperStt] = {}
_SHARED_LOCK = threading.Lock()


def shared_stt(config: Config) -> WhisperStt:
    """One WhisperStt per model setting for the whole process (route --jsonl, listen, bench share it)."""
    key = (config.stt, config.language, tuple(config.skill_dirs), repr(config.skills))
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = stt_from_config(config)
        return _SHARED[key]


def transcribe_file(stt: WhisperStt, path: str | Path, language: str | None = None, vad: Any = None) -> Transcript:
    """Read a WAV (any rate), keep the speech the VAD finds, transcribe it; empty text when there is none."""
    from assistant.voice.vad import SileroVad, speech_span

    audio = read_wav(path)
    span = speech_span(vad or SileroVad(), audio)
    if span is None:
        stt.wait_ready()
        return Transcript("", language or stt.language, timings_ms={"stt_ms": 0.0, "audio_ms": len(audio) / 16})
    transcript = stt.transcribe(audio[span[0] : span[1]], language)
    transcript.timings_ms["audio_ms"] = (span[1] - span[0]) * 1000 / SAMPLE_RATE_HZ
    return transcript


def transcriber_for(config: Config) -> Callable[[str, str | None], tuple[str, dict[str, float], str]]:
    """A callable(path, lang) -> (text, timings_ms, language) for route --jsonl {"audio": ...} inputs."""
    from assistant.voice.vad import SileroVad

    stt = shared_stt(config)
    vad = SileroVad()

    def transcribe(path: str, language: str | None = None) -> tuple[str, dict[str, float], str]:
        transcript = transcribe_file(stt, path, language, vad)
        return transcript.text, transcript.timings_ms, transcript.language

    return transcribe
