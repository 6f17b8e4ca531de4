"""The player with real audio files, on the null sink (no sound card needed): queue, pause, skip, volume, ducking."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from skills.music.player import (
    AudioFile,
    Decoder,
    NullSink,
    Player,
    UnplayableFile,
    _Resampler,
    shared_player,
    volume_gain,
)
from tests.music_files import TONE_S, can_write, tone


@pytest.fixture
def files(tmp_path):
    opus = ".opus" if can_write(".opus") else ".ogg"
    made = {
        "a": tone(tmp_path / "a.wav", 440),
        "b": tone(tmp_path / "b.flac", 550),
        "c": tone(tmp_path / f"c{opus}", 660, rate_hz=48000, channels=1),
    }
    (tmp_path / "bad.mp3").write_bytes(b"\x00garbage" * 300)
    made["bad"] = tmp_path / "bad.mp3"
    (tmp_path / "empty.flac").write_bytes(made["b"].read_bytes()[:300])  # the header survived, the audio did not
    made["empty"] = tmp_path / "empty.flac"
    return {k: AudioFile(v, k) for k, v in made.items()}


@pytest.fixture
def player():
    events = []
    player = Player("null")
    player.add_listener(events.append)
    player.events = events  # type: ignore[attr-defined]
    yield player
    player.close()


def wait_for(condition, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def played_out(player):
    """The queue ended and its last events reached the listener (the state changes first, then listeners hear it)."""
    return player.state == "stopped" and bool(player.events) and player.events[-1].kind == "stop"


def kinds(player):
    return [(e.kind, e.item.label if e.item else None) for e in player.events]


def test_plays_queue_to_the_end_at_real_time_pace(player, files):
    started = time.monotonic()
    result = player.play([files["a"], files["b"], files["c"]])
    assert result.started is files["a"] and result.skipped == []
    assert player.state == "playing" and player.current is files["a"]
    wait_for(lambda: played_out(player))
    elapsed_s = time.monotonic() - started
    # consumed at real-time pace, not instantly (the upper bound is loose: CI machines can be loaded)
    assert 3 * TONE_S * 0.9 <= elapsed_s < 3 * TONE_S + 5.0
    assert kinds(player) == [
        ("start", "a"),
        ("leave", "a"),
        ("start", "b"),
        ("leave", "b"),
        ("start", "c"),
        ("leave", "c"),
        ("stop", None),
    ]
    leaves = [e for e in player.events if e.kind == "leave"]
    assert all(e.complete and abs(e.heard_s - TONE_S) < 0.03 for e in leaves)  # resampled Opus keeps its length


def test_pause_holds_position_and_resume_continues(player, files):
    player.play([files["a"]])
    time.sleep(0.1)
    assert player.pause() and player.state == "paused"
    held_s = player.position_s
    time.sleep(0.15)
    assert player.position_s == held_s and 0.05 < held_s < TONE_S
    assert not player.pause()
    assert player.resume() and player.state == "playing"
    wait_for(lambda: player.state == "stopped")
    assert kinds(player)[:3] == [("start", "a"), ("pause", "a"), ("resume", "a")]


def test_next_previous_and_stop(player, files):
    player.play([files["a"], files["b"]])
    assert player.next().started is files["b"]
    assert player.next().started is None and player.current is files["b"]  # end of queue: keep playing
    assert player.previous().started is files["a"]
    assert player.previous().started is files["a"]  # at the start: restart the track
    assert player.stop() and player.state == "stopped" and player.current is None
    assert not player.stop()
    assert player.next().started is None and player.previous().started is None
    leaves = [e for e in player.events if e.kind == "leave"]
    assert leaves and not any(e.complete for e in leaves)


def test_unplayable_files_are_skipped_with_a_reason(player, files, caplog):
    result = player.play([files["bad"], files["empty"], files["b"]])
    assert result.started is files["b"]
    assert [(item.label, reason) for item, reason in result.skipped][0][0] == "bad"
    assert "damaged" in result.skipped[0][1] and "no audio" in result.skipped[1][1]
    assert "cannot play" in caplog.text
    assert [k for k in kinds(player) if k[0] == "error"] == [("error", "bad"), ("error", "empty")]


def test_skips_a_damaged_file_in_the_middle_of_the_queue(player, files):
    player.play([files["a"], files["bad"], files["b"]])
    wait_for(lambda: played_out(player))
    assert [k for k in kinds(player) if k[0] in ("start", "error")] == [
        ("start", "a"),
        ("error", "bad"),
        ("start", "b"),
    ]


def test_nothing_playable_stops(player, files, tmp_path):
    result = player.play([files["bad"], AudioFile(tmp_path / "missing.mp3", "missing")])
    assert result.started is None and len(result.skipped) == 2 and player.state == "stopped"
    assert "missing" in result.skipped[1][1]


def test_decoder_formats_and_errors(files):
    block = Decoder(files["c"].path).read()  # mono Opus at 48 kHz -> stereo 44.1 kHz
    assert block is not None and block.shape[1] == 2 and block.dtype == np.float32
    with pytest.raises(UnplayableFile):
        Decoder(files["bad"].path)


def test_resampler_is_continuous_across_blocks():
    src_hz, dst_hz = 48000, 44100
    t = np.arange(4800) / src_hz
    signal = np.sin(2 * np.pi * 440 * t).astype(np.float32)[:, None]
    resample = _Resampler(src_hz, dst_hz)
    out = np.concatenate([resample(signal[i : i + 1000]) for i in range(0, 4800, 1000)])
    expected = np.sin(2 * np.pi * 440 * np.arange(len(out)) / dst_hz)
    assert abs(len(out) - 4410) <= 2
    assert np.max(np.abs(out[:, 0] - expected)) < 0.01


def test_volume_curve_is_perceptual():
    gains = [volume_gain(level) for level in range(11)]
    assert gains[0] == 0.0 and gains[10] == 1.0 and gains == sorted(gains)
    assert 20 * np.log10(gains[5]) == pytest.approx(-20.0)  # 4 dB a step
    assert 20 * np.log10(gains[1]) == pytest.approx(-36.0)


def test_volume_and_ducking_change_what_is_played(files):
    """A recording sink: the same callback path as the sound card, with the samples kept."""
    blocks: list[np.ndarray] = []
    lock = threading.Lock()

    class Recorder(NullSink):
        def __init__(self, callback, *args):
            def keep(out):
                callback(out)
                with lock:
                    blocks.append(out.copy())

            super().__init__(keep, *args)

    player = Player("null", volume=10, sink_factory=Recorder)
    try:
        player.play([AudioFile(tone(files["a"].path.parent / "long.wav", 440, seconds=4.0), "long")])

        def peak_after(change) -> float:
            change()
            time.sleep(0.1)  # let the ramp pass
            with lock:
                blocks.clear()
            time.sleep(0.12)
            with lock:
                return float(max(np.abs(b).max() for b in blocks))

        full = peak_after(lambda: None)
        ducked = peak_after(lambda: player.duck(0.2))
        assert player.ducked
        unducked = peak_after(player.unduck)
        half = peak_after(lambda: player.set_volume(5))
        assert full == pytest.approx(0.3, abs=0.02)
        assert ducked == pytest.approx(0.2 * full, rel=0.1)
        assert unducked == pytest.approx(full, rel=0.05)
        assert half == pytest.approx(0.1 * full, rel=0.1)
        with pytest.raises(ValueError):
            player.set_volume(11)
        assert player.change_volume(+20) == 10 and player.change_volume(-3) == 7
    finally:
        player.close()


def test_missing_device_falls_back_to_null_sink_with_a_log_line(files, caplog):
    player = Player("no-such-sound-card-xyz")
    try:
        player.play([files["a"]])
        assert "no audio output device" in caplog.text
        wait_for(lambda: player.state == "stopped")
    finally:
        player.close()


def test_shared_player_is_one_per_assistant_and_says_what_plays(files):
    services: dict = {}
    player = shared_player(services, "null")
    try:
        assert shared_player(services) is player and services["player"] is player
        player.play([AudioFile(files["a"].path, "Baby Shark by Pinkfong")])
        assert services["now_playing"] == "Baby Shark by Pinkfong"
        player.pause()
        assert services["now_playing"] == "Baby Shark by Pinkfong (paused)"
        player.stop()
        assert services["now_playing"] == ""
    finally:
        player.close()


def test_close_stops_the_threads(files):
    player = Player("null")
    player.play([files["a"]])
    threads = [player._thread, player._sink._thread]
    player.close()
    assert not any(t.is_alive() for t in threads)
    with pytest.raises(RuntimeError):
        player.play([files["a"]])


def test_a_failing_listener_does_not_stop_the_music(player, files, caplog):
    player.add_listener(lambda event: 1 / 0)
    assert player.play([files["a"]]).started is files["a"]
    assert "listener failed" in caplog.text and player.state == "playing"
