"""`assistant doctor`: every check gives a sentence and a fix, on this machine and on made-up boards, never a crash."""

from __future__ import annotations

import json
import socket
from dataclasses import replace

from assistant.config import AudioConfig, Config, RouterConfig, SttConfig
from assistant.service.doctor import (
    check_clock,
    check_cpu,
    check_memory,
    check_microphone,
    check_models,
    check_network,
    network_urls,
)
from tests.http_server import http_server  # noqa: F401


def _microphone_exists() -> bool:
    from assistant.voice.audio import AudioError, find_device

    try:
        find_device("input")
    except AudioError:
        return False
    return True


def test_doctor_on_this_machine_gives_a_sentence_per_check_and_an_exit_code(tmp_path, capsys):
    from assistant.cli import main

    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n')
    code = main(["--config", str(config), "doctor", "--no-network", "--json"])
    checks = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in checks] == ["microphone", "speaker", "models", "cpu", "memory", "clock"]
    assert all(c["sentence"] for c in checks)
    assert all(c["fix"] for c in checks if c["status"] == "fail")
    assert code == (1 if any(c["status"] == "fail" for c in checks) else 0)
    if not _microphone_exists():  # this machine: no sound card at all
        microphone = checks[0]
        assert microphone["status"] == "fail" and "no microphone" in microphone["sentence"]
        assert 'input_device = "USB"' in microphone["fix"]


def test_a_named_microphone_that_is_not_there_is_named_in_the_sentence(tmp_path):
    if _microphone_exists():
        return
    check = check_microphone(Config(audio=AudioConfig(input_device="USB PnP")))
    assert check.status == "fail" and "'USB PnP'" in check.sentence and "not 'USB PnP'" in check.fix


def test_cpu_features_per_architecture():
    no_avx2 = check_cpu("x86_64", "flags\t: fpu sse2 avx\n")
    assert no_avx2.status == "fail" and "GGML_NATIVE" in no_avx2.fix
    assert check_cpu("x86_64", "flags\t: fpu avx avx2 fma f16c\n").sentence.endswith("avx2, fma, f16c.")
    pi5 = check_cpu("aarch64", "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp asimddp\n")
    assert pi5.status == "ok" and "NEON (asimd, asimddp)" in pi5.sentence
    pi4 = check_cpu("aarch64", "Features\t: fp asimd evtstrm crc32 cpuid\n")
    assert pi4.status == "ok" and "no dot-product" in pi4.sentence
    assert check_cpu("armv7l", "Features\t: half thumb vfp\n").status == "warn"


def test_memory_thresholds():
    assert check_memory("MemTotal: 8000000 kB\nMemAvailable: 6000000 kB\n").status == "ok"
    low = check_memory("MemTotal: 2000000 kB\nMemAvailable: 1000000 kB\n")
    assert low.status == "warn" and "976 MB free of 1953 MB" in low.sentence
    assert check_memory("MemTotal: 1000000 kB\nMemAvailable: 300000 kB\n").status == "fail"


def test_an_unset_clock_fails_and_an_unsynchronised_one_warns():
    unset = check_clock(now_s=0.0)
    assert unset.status == "fail" and "1970" in unset.sentence and "NTP" in unset.fix
    assert check_clock(synchronized=False).status == "warn"
    assert check_clock(synchronized=True).sentence.endswith("NTP synchronised.")


def test_a_missing_model_is_named_with_the_fix(tmp_path):
    config = Config(stt=SttConfig(model=str(tmp_path / "whisper")), audio=AudioConfig(wake_word="hey computer"))
    check = check_models(config)
    assert (
        check.status == "fail" and "has no model.bin" in check.sentence and "wake word hey computer" in check.sentence
    )
    assert check.fix == "run `make install` in the checkout"
    second = check_models(Config(stt=SttConfig(second_opinion=str(tmp_path / "bigger"))))
    assert second.status == "fail" and "(second opinion)" in second.sentence and "has no model.bin" in second.sentence
    reader = Config(skill_dirs=[str(tmp_path)], router=RouterConfig(reader=str(tmp_path / "reader.gguf")))
    missing = check_models(reader)
    assert missing.status == "fail" and "skill reader: LoRA adapter" in missing.sentence
    assert "router.reader" in missing.sentence


def test_the_network_check_connects_to_the_configured_services(http_server, tmp_path):  # noqa: F811
    config = Config(skills={"weather": {"forecast_url": http_server.url("/v1/forecast"),
                                        "geocoding_url": http_server.url("/v1/search")},
                            "news": {"feeds": {"general": http_server.url("/rss")}}})  # fmt: skip
    urls = network_urls(config)
    assert set(urls) == {http_server.url("/v1/forecast"), http_server.url("/v1/search"), http_server.url("/rss")}
    ok = check_network(urls)
    assert ok.status == "ok" and f"127.0.0.1:{http_server.port}" in ok.sentence
    with socket.socket() as closed:  # a port nobody listens on: bound, never listening
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}/forecast"
        down = check_network([dead, *urls], timeout_s=1.0)
    assert down.status == "warn" and "1 of 2 hosts unreachable" in down.sentence and "weather and news" in down.sentence
    assert check_network([]).sentence == "no skill needs the network."


def test_a_check_that_breaks_becomes_its_own_finding(monkeypatch):
    from assistant.service import doctor

    def broken(_config: Config) -> None:
        raise RuntimeError("PortAudio exploded")

    monkeypatch.setattr(doctor, "check_speaker", broken)
    checks = doctor.run_checks(replace(Config(), skills={}), network=False)
    speaker = next(c for c in checks if c.name == "speaker")
    assert speaker.status == "fail" and "RuntimeError: PortAudio exploded" in speaker.sentence
