"""Other languages end to end: a German, French and Spanish command for every built-in skill, said by espeak-ng,
goes through the multilingual Whisper (language "auto"), the router and the skill to the right call and a spoken
reply in that language. The commands are the voice bench's (assistant.bench_voice.LANGUAGE_COMMANDS)."""

from __future__ import annotations

import io

import pytest

from assistant.audio import WavSource
from assistant.bench_voice import LANGUAGE_COMMANDS
from assistant.cli import build_assistant
from assistant.config import load_config
from assistant.player import Player
from assistant.stt import WhisperStt
from assistant.tts import Speaker, WavSink
from assistant.voice import StatusLine, VoiceLoop
from tests.audio_fixtures import audio  # noqa: F401  (fixture)
from tests.http_server import RecordedServer
from tests.music_files import tag, tone

ESPEAK_VOICES = {"de": "de", "fr": "fr-fr", "es": "es"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """An assistant with the real router, weather and news on a local recorded server, and a music folder."""
    root = tmp_path_factory.mktemp("languages")
    tag(tone(root / "music" / "baby_shark.wav", 440), title="Baby Shark", artist="Pinkfong")
    with RecordedServer() as server:
        server.serve("/v1/search", "openmeteo/geocoding_madrid.json", query={"name": "madrid"})
        server.serve("/v1/forecast", "openmeteo/forecast_berlin.json")
        server.serve("/sport/rss.xml", "news/bbc_sport.xml")
        server.serve("/news/rss.xml", "news/bbc_general.xml")
        (root / "config.toml").write_text(
            f'data_dir = "{root / "data"}"\n'
            '[stt]\nmodel = "base"\nlanguage = "auto"\nuse_hotwords = false\n'
            '[tts]\nengine = "espeak"\n'
            f'[skills.weather]\ngeocoding_url = "{server.url("/v1/search")}"\n'
            f'forecast_url = "{server.url("/v1/forecast")}"\n'
            f'[skills.play_music]\nfolder = "{root / "music"}"\n'
            f'[skills.news.feeds]\ngeneral = "{server.url("/news/rss.xml")}"\n'
            f'sports = "{server.url("/sport/rss.xml")}"\n',
            encoding="utf-8",
        )
        config = load_config(root / "config.toml")
        assistant = build_assistant(config, llm=True, trace=False)
        assistant.services["player"] = Player("null")
        stt = WhisperStt("base", language="auto", fallback_language="en")
        try:
            yield assistant, stt, server
        finally:
            assistant.close()


@pytest.mark.model
@pytest.mark.parametrize("language", ["de", "fr", "es"])
def test_a_spoken_command_for_every_skill_gets_its_call_and_a_reply_in_that_language(world, audio, language):  # noqa: F811
    assistant, stt, _ = world
    english = {}
    wrong = []
    for text, want in LANGUAGE_COMMANDS[language]:
        sink = WavSink()
        loop = VoiceLoop(
            assistant, stt, Speaker(assistant.config, assistant.services, sink=sink),
            WavSource(audio.spoken(text, voice=ESPEAK_VOICES[language])), trigger="always",
            status=StatusLine(io.StringIO()),
        )  # fmt: skip
        (turn,) = loop.run()
        call = assistant.registry.parse(want)
        english[want] = assistant.execute(call, "en")[0].text
        own = assistant.execute(call, language)[0].text
        if turn.call.lower() != want.lower():
            wrong.append(f"{text!r} heard {turn.transcript!r} -> {turn.call} (want {want})")
            continue
        # The reply is the skill's answer in the spoken language (detected per utterance), and it was spoken.
        assert turn.reply == own and turn.reply != english[want], (text, turn.reply)
        assert len(sink.audio) > 0
    assert not wrong, "\n".join(wrong)
