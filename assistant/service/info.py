"""What Describe is answered with: the asr, tts, handle and intent programs this assistant offers, with languages.

Home Assistant adds one config entry per server and makes an entity for each installed program: speech-to-text from
asr, text-to-speech from tts, a conversation agent from intent or handle. No satellite section is sent: Home Assistant
would then treat the server as a satellite and drive it as one.
"""

from __future__ import annotations

from wyoming.info import (
    AsrModel,
    AsrProgram,
    Attribution,
    HandleModel,
    HandleProgram,
    Info,
    IntentModel,
    IntentProgram,
    TtsProgram,
    TtsVoice,
)

from assistant import __version__
from assistant.config import Config
from assistant.i18n import LANGUAGES
from assistant.service.backend import stt_languages
from assistant.service.tts import Voice

ATTRIBUTION = Attribution(name="pi-assistant", url="")
"""Who made the programs (this project; no web address is published)."""


def service_info(config: Config, voices: list[Voice], name: str = "pi-assistant") -> Info:
    """The Info event's content for this configuration."""
    replies = list(LANGUAGES)  # every skill answers in the reply catalogues' languages
    asr = AsrProgram(
        name=f"{name} whisper",
        description=f"Whisper {config.stt.model} (faster-whisper, on this board)",
        attribution=ATTRIBUTION,
        installed=True,
        version=__version__,
        models=[
            AsrModel(
                name=config.stt.model,
                description=f"Whisper {config.stt.model}",
                attribution=ATTRIBUTION,
                installed=True,
                version=None,
                languages=stt_languages(config),
            )
        ],
        supports_transcript_streaming=False,
        requires_external_vad=True,  # one utterance per Transcribe; Home Assistant's VAD ends it
    )
    tts_voices = [
        TtsVoice(
            name=voice.name,
            description=voice.description,
            attribution=ATTRIBUTION,
            installed=True,
            version=None,
            languages=list(voice.languages),
        )
        for voice in voices
    ]
    tts = TtsProgram(
        name=f"{name} voice",
        description="Piper and espeak-ng",
        attribution=ATTRIBUTION,
        installed=True,
        version=__version__,
        voices=tts_voices,
        supports_synthesize_streaming=True,
    )
    handle = HandleProgram(
        name=f"{name} skills",
        description="Skills: weather, music, math, news (a transcript in, the spoken answer out)",
        attribution=ATTRIBUTION,
        installed=True,
        version=__version__,
        models=[
            HandleModel(
                name="skills",
                description="the router and the skills",
                attribution=ATTRIBUTION,
                installed=True,
                version=None,
                languages=replies,
            )
        ],
        supports_handled_streaming=False,
        supports_home_control=False,
    )
    intent = IntentProgram(
        name=name,  # Home Assistant names its conversation agent after the intent program when there is one
        description="Recognize → the skill call, executing nothing",
        attribution=ATTRIBUTION,
        installed=True,
        version=__version__,
        models=[
            IntentModel(
                name="router",
                description="fast matcher, then the small LLM",
                attribution=ATTRIBUTION,
                installed=True,
                version=None,
                languages=replies,
            )
        ],
    )
    return Info(asr=[asr], tts=[tts] if voices else [], handle=[handle], intent=[intent])
