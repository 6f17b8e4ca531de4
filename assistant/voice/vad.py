"""Endpointing: Silero VAD (the ONNX file inside faster-whisper) on 32 ms frames cuts a stream into utterances."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.config import VadConfig
from assistant.errors import ModelError
from assistant.voice.audio import FRAME_SAMPLES, SAMPLE_RATE_HZ

log = logging.getLogger(__name__)

CONTEXT_SAMPLES = 64
"""Silero v5/v6 sees the last 64 samples of the previous frame in front of each 512-sample frame."""
PRE_ROLL_MS = 300
"""Audio kept from before the first speech frame: Silero fires a frame or two after the first phoneme."""
STT_TAIL_MS = 200
"""Silence kept after the last speech frame for STT; Whisper gains nothing from the rest of the wait."""
FRAME_MS = FRAME_SAMPLES * 1000 / SAMPLE_RATE_HZ


def silero_model_path() -> Path:
    """The Silero VAD ONNX model bundled with faster-whisper."""
    try:
        from faster_whisper.utils import get_assets_path
    except ModuleNotFoundError:
        raise ModelError("faster-whisper is not installed; run `make install`") from None
    for name in ("silero_vad_v6.onnx", "silero_vad_v5.onnx", "silero_vad.onnx"):
        path = Path(get_assets_path()) / name
        if path.is_file():
            return path
    raise ModelError(f"no Silero VAD model in {get_assets_path()}; reinstall faster-whisper")


class SileroVad:
    """Speech probability per 512-sample frame, with the LSTM state carried across calls (streaming)."""

    def __init__(self, path: Path | None = None) -> None:
        import onnxruntime

        self.path = path or silero_model_path()
        options = onnxruntime.SessionOptions()
        # One thread: a frame costs ~0.1 ms and the cores are busy with Whisper and the LLM.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 4
        try:
            self.session = onnxruntime.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own untyped errors for unreadable files
            raise ModelError(f"cannot load Silero VAD model {self.path}: {error}") from None
        self.reset()

    def reset(self) -> None:
        """Forget the stream so far (new file, or after the assistant spoke)."""
        self.h = np.zeros((1, 1, 128), dtype=np.float32)
        self.c = np.zeros((1, 1, 128), dtype=np.float32)
        self.context = np.zeros(CONTEXT_SAMPLES, dtype=np.float32)

    def __call__(self, frame: np.ndarray) -> float:
        """Speech probability of the next 512-sample frame of the stream."""
        if len(frame) != FRAME_SAMPLES:
            raise ValueError(f"VAD frames are {FRAME_SAMPLES} samples, got {len(frame)}")
        window = np.concatenate([self.context, frame.astype(np.float32, copy=False)])[None, :]
        out, self.h, self.c = self.session.run(None, {"input": window, "h": self.h, "c": self.c})
        self.context = frame[-CONTEXT_SAMPLES:].astype(np.float32)
        return float(np.ravel(out)[0])

    def probabilities(self, audio: np.ndarray) -> np.ndarray:
        """Speech probability of every frame of a whole clip in one batched call (from a fresh state)."""
        self.reset()
        n = -(-len(audio) // FRAME_SAMPLES)
        frames = np.zeros((n, FRAME_SAMPLES), dtype=np.float32)
        frames.reshape(-1)[: len(audio)] = audio
        context = np.zeros((n, CONTEXT_SAMPLES), dtype=np.float32)
        context[1:] = frames[:-1, -CONTEXT_SAMPLES:]
        # The model runs its LSTM along the batch axis, so one call equals feeding the frames one by one.
        out, _, _ = self.session.run(None, {"input": np.concatenate([context, frames], 1), "h": self.h, "c": self.c})
        return np.ravel(out).astype(np.float32)


@dataclass
class Utterance:
    """One stretch of speech cut out of the stream."""

    audio: np.ndarray
    """16 kHz mono float32 from just before speech start to end of speech plus a short tail."""
    speech_ms: float
    """Frames judged speech, in ms (noise bursts are short)."""
    reason: str
    """Why it ended: "silence", "max_length" or "end_of_input"."""
    start_sample: int
    """Stream position of the first speech frame."""
    last_speech_sample: int
    """Stream position just after the last speech frame: where the speaker stopped."""
    end_sample: int
    """Stream position when the endpoint was decided (last speech + silence_ms)."""

    @property
    def duration_ms(self) -> float:
        """Length of the audio handed to STT."""
        return len(self.audio) * 1000 / SAMPLE_RATE_HZ

    @property
    def end_wait_ms(self) -> float:
        """From the speaker stopping to the endpoint decision: the silence the VAD waited for."""
        return (self.end_sample - self.last_speech_sample) * 1000 / SAMPLE_RATE_HZ


class Endpointer:
    """Feed frames, get utterances: start on speech, end after silence_ms, cut at max_utterance_ms, drop short noise."""

    def __init__(self, vad: SileroVad, config: VadConfig | None = None) -> None:
        self.vad = vad
        self.config = config or VadConfig()
        # Hysteresis, as in Silero's own get_speech_timestamps: leaving speech needs a clearly lower probability.
        self.off_threshold = max(self.config.threshold - 0.15, 0.01)
        self.pending = np.zeros(0, dtype=np.float32)
        self.rejected_noise = 0
        """Speech-like bursts shorter than min_speech_ms dropped so far."""
        self.reset()

    def reset(self) -> None:
        """Drop any utterance in progress and the VAD state."""
        self.vad.reset()
        self.frames: list[np.ndarray] = []
        self.history: list[np.ndarray] = []
        self.position = 0
        self.in_speech = False
        self.draining = False
        self.speech_frames = 0
        self.silent_frames = 0
        self.start_sample = self.last_speech_sample = 0
        self.pending = np.zeros(0, dtype=np.float32)
        self.recent_power: list[float] = []
        """Power of the last three frames (96 ms): the level the loudness rule compares."""
        self.peak_db = -120.0
        """Loudest 96 ms of voiced frames in this utterance, dB full scale."""

    @property
    def active(self) -> bool:
        """Whether speech has started and not yet ended."""
        return self.in_speech

    def feed(self, samples: np.ndarray) -> list[Utterance]:
        """Process any number of samples; return the utterances that ended within them."""
        self.pending = np.concatenate([self.pending, samples.astype(np.float32, copy=False)])
        done: list[Utterance] = []
        while len(self.pending) >= FRAME_SAMPLES:
            frame, self.pending = self.pending[:FRAME_SAMPLES], self.pending[FRAME_SAMPLES:]
            utterance = self._frame(frame, self.vad(frame))
            if utterance is not None:
                done.append(utterance)
        return done

    def flush(self) -> Utterance | None:
        """End of input: the utterance in progress, if it holds enough speech."""
        if not self.in_speech:
            return None
        return self._finish("end_of_input")

    def _frame(self, frame: np.ndarray, probability: float) -> Utterance | None:
        cfg = self.config
        self.position += FRAME_SAMPLES
        if self.draining:
            # After a max-length cut, ignore the rest of that ramble until the speaker pauses.
            self.silent_frames = self.silent_frames + 1 if probability < self.off_threshold else 0
            if self.silent_frames * FRAME_MS >= cfg.silence_ms:
                self.draining = False
            return None
        if not self.in_speech:
            self.history.append(frame)
            if len(self.history) * FRAME_MS > PRE_ROLL_MS:
                self.history.pop(0)
            if probability >= cfg.threshold:
                self.in_speech = True
                self.frames = list(self.history)
                self.history = []
                self.speech_frames = 1
                self.silent_frames = 0
                self.start_sample = self.position - FRAME_SAMPLES
                self.last_speech_sample = self.position
                power = float(np.mean(np.square(frame, dtype=np.float64)))
                self.recent_power = [power]
                self.peak_db = 10 * np.log10(max(power, 1e-12))
            return None
        self.frames.append(frame)
        if probability >= self.off_threshold and self._loud(frame, probability):
            # Between the two thresholds counts as speech continuing (hysteresis).
            self.speech_frames += 1
            self.silent_frames = 0
            self.last_speech_sample = self.position
        else:
            self.silent_frames += 1
        if self.silent_frames * FRAME_MS >= cfg.silence_ms:
            return self._finish("silence")
        if len(self.frames) * FRAME_MS >= cfg.max_utterance_ms:
            log.info("utterance cut at the %d ms maximum", cfg.max_utterance_ms)
            self.draining = True
            self.silent_frames = 0
            return self._finish("max_length")
        return None

    def _loud(self, frame: np.ndarray, probability: float) -> bool:
        """Whether a voiced frame is the speaker's, not talk further away: within level_drop_db of the loudest
        voiced 96 ms of this utterance so far (0 turns the rule off)."""
        drop_db = self.config.level_drop_db
        power = float(np.mean(np.square(frame, dtype=np.float64)))
        self.recent_power = [*self.recent_power[-2:], power]
        if drop_db <= 0:
            return True
        level_db = 10 * np.log10(max(float(np.mean(self.recent_power)), 1e-12))
        if probability >= self.config.threshold:
            self.peak_db = max(self.peak_db, level_db)
        if self.speech_frames * FRAME_MS < self.config.level_after_ms:
            return True  # a loud first word must not end the command at the softer ones after it ("Was | ist ...")
        return level_db >= self.peak_db - drop_db

    def _finish(self, reason: str) -> Utterance | None:
        audio = np.concatenate(self.frames) if self.frames else np.zeros(0, np.float32)
        speech_ms = self.speech_frames * FRAME_MS
        # Keep only a short tail after the last speech frame: Whisper's cost grows with the audio it is given.
        keep = len(audio) - (self.position - self.last_speech_sample) + SAMPLE_RATE_HZ * STT_TAIL_MS // 1000
        utterance = Utterance(
            audio=audio[: max(0, keep)],
            speech_ms=speech_ms,
            reason=reason,
            start_sample=self.start_sample,
            last_speech_sample=self.last_speech_sample,
            end_sample=self.position,
        )
        self.in_speech = False
        self.frames = []
        self.speech_frames = self.silent_frames = 0
        if speech_ms < self.config.min_speech_ms:
            self.rejected_noise += 1
            log.debug("dropped %.0f ms of speech-like noise", speech_ms)
            return None
        return utterance


def speech_span(vad: SileroVad, audio: np.ndarray, config: VadConfig | None = None) -> tuple[int, int] | None:
    """(first, last) sample of speech in a whole clip, padded a little; None when it holds no speech."""
    config = config or VadConfig()
    probs = vad.probabilities(audio)
    voiced = np.flatnonzero(probs >= config.threshold)
    if len(voiced) * FRAME_MS < config.min_speech_ms:
        return None
    pre = SAMPLE_RATE_HZ * PRE_ROLL_MS // 1000
    post = SAMPLE_RATE_HZ * STT_TAIL_MS // 1000
    first = max(0, int(voiced[0]) * FRAME_SAMPLES - pre)
    last = min(len(audio), (int(voiced[-1]) + 1) * FRAME_SAMPLES + post)
    return first, last
