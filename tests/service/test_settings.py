"""[service] and [[satellites]] in the config file, Describe's Info without models, the zeroconf record."""

from __future__ import annotations

import pytest
from wyoming.info import Info

from assistant.config import Config, SttConfig, load_config
from assistant.errors import ConfigError
from assistant.service.discovery import SERVICE_TYPE, Announcement
from assistant.service.info import service_info
from assistant.service.tts import TextStream, Voice


def test_satellites_are_tables_with_a_uri_and_an_area(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[service]\nuri = "tcp://127.0.0.1:10700"\nturn_timeout_ms = 9000\n\n'
        '[[satellites]]\nuri = "tcp://kitchen.local:10700"\narea = "kitchen"\n\n'
        '[[satellites]]\nuri = "tcp://bedroom.local:10700"\n'
    )
    config = load_config(path)
    assert [(s.uri, s.area) for s in config.satellites] == [
        ("tcp://kitchen.local:10700", "kitchen"),
        ("tcp://bedroom.local:10700", ""),
    ]
    assert config.service.turn_timeout_ms == 9000 and config.service.zeroconf
    path.write_text('[[satellites]]\nuri = "kitchen.local:10700"\n')
    with pytest.raises(ConfigError, match="uri must be tcp://HOST:PORT"):
        load_config(path)
    path.write_text('[[satellites]]\nurl = "tcp://kitchen.local:10700"\n')
    with pytest.raises(ConfigError, match="unknown key 'url'; did you mean 'uri'"):
        load_config(path)


def test_info_names_every_role_and_survives_the_wire():
    voices = [Voice("en_US-joe-medium", "piper", ("en",)), Voice("espeak-ng-de", "espeak", ("de",))]
    info = Info.from_event(service_info(Config(stt=SttConfig(model="base")), voices).event())
    assert info.asr[0].models[0].languages[:3] == ["en", "de", "fr"]  # multilingual Whisper
    assert [v.name for v in info.tts[0].voices] == ["en_US-joe-medium", "espeak-ng-de"]
    assert info.handle[0].installed and info.intent[0].installed and info.satellite is None
    assert service_info(Config(), []).tts == []  # no voice: no tts program rather than an empty one


def test_the_zeroconf_record_is_a_wyoming_service():
    record = Announcement(10700, "kitchen-hub", host="192.0.2.7").service_info()
    assert record.type == SERVICE_TYPE == "_wyoming._tcp.local."
    assert record.name == "kitchen-hub._wyoming._tcp.local." and record.port == 10700
    assert record.parsed_addresses() == ["192.0.2.7"]


def test_streamed_text_comes_out_in_whole_sentences():
    stream = TextStream()
    assert stream.feed("It is sunny") == []
    assert stream.feed(" today. Tomor") == ["It is sunny today."]
    assert stream.feed("row it rains! And") == ["Tomorrow it rains!"]
    assert stream.finish() == ["And"]
