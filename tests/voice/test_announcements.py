"""What a skill says on its own (a timer that ended) is spoken by the live loop between turns, like a reply."""

from __future__ import annotations

import io

from assistant.config import Config, SttConfig, TtsConfig
from assistant.pipeline import Assistant
from assistant.registry import Registry
from assistant.voice.audio import WavSource
from assistant.voice.loop import StatusLine, VoiceLoop
from assistant.voice.tts import Speaker, WavSink
from tests.audio_fixtures import audio  # noqa: F401


def test_an_announcement_is_said_between_turns(audio, tmp_path):  # noqa: F811
    config = Config(data_dir=str(tmp_path / "data"), tts=TtsConfig(engine="espeak"), stt=SttConfig(use_hotwords=False))
    assistant = Assistant(config, Registry([]), trace=False)
    sink, status = WavSink(), io.StringIO()
    loop = VoiceLoop(
        assistant, None, Speaker(config, assistant.services, sink=sink), WavSource(audio.silence_file(1.0)),  # type: ignore[arg-type]
        trigger="always", status=StatusLine(status),
    )  # fmt: skip
    assistant.services["announce"]("The pasta timer is done!", "en")  # as the clock skill's engine says it
    try:
        assert loop.run() == []  # silence: no turn, but the announcement was spoken
        assert len(sink.audio) > 0
        assert "[speaking] The pasta timer is done!" in status.getvalue()
        assert assistant.announcements.empty()
    finally:
        assistant.close()
