"""The ring through the real player (null sink, no sound card): over the music, which ducks; "stop" ends the ring
first; and one short timer ringing in real time, end to end."""

from __future__ import annotations

import time
import wave

import numpy as np
import pytest

from skills.clock.engine import Engine
from skills.clock.ring import RATE_HZ, PlayerRinger, ring_tone, write_ring
from skills.clock.store import Store
from skills.music.player import AudioFile, Player, shared_player
from tests.music_files import tone
from tests.skills.clock.conftest import ZONE, Recorder


def wait_for(condition, timeout_s=5.0):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


class Tap:
    """A sink that keeps what the player outputs, pulled on demand (no real-time thread)."""

    def __init__(self, callback, rate_hz, channels, block_frames):
        self.callback, self.block = callback, np.zeros((block_frames, channels), dtype=np.float32)

    def start(self):
        pass

    def stop(self):
        pass

    close = stop

    def pull(self, blocks: int = 4) -> float:
        """Peak level of the next few blocks."""
        peak = 0.0
        for _ in range(blocks):
            self.callback(self.block)
            peak = max(peak, float(np.abs(self.block).max()))
        return peak


def test_the_ring_tone_is_beeps_and_a_pause(tmp_path):
    samples = ring_tone()
    assert len(samples) == int(1.5 * RATE_HZ) and samples.dtype == np.int16
    assert np.abs(samples[: RATE_HZ // 10]).max() > 20000  # a loud first beep
    assert np.abs(samples[-RATE_HZ // 2 :]).max() == 0  # silence before the next cycle
    path = write_ring(tmp_path / "ring.wav")
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getnframes()) == (RATE_HZ, 1, len(samples))


@pytest.fixture
def tapped(tmp_path):
    taps: list[Tap] = []

    def factory(*args):
        taps.append(Tap(*args))
        return taps[-1]

    player = Player("null", sink_factory=factory)
    yield player, taps, write_ring(tmp_path / "ring.wav"), tone(tmp_path / "music.wav", 440, seconds=3.0)
    player.close()


def test_the_music_ducks_under_the_ring_and_comes_back(tapped):
    player, taps, ring, music = tapped

    def level() -> float:
        """The music's peak once the gain has settled (the feeder refills the buffer between pulls)."""
        wait_for(lambda: len(player._buffer) >= 6)
        taps[0].pull(2)
        return taps[0].pull(3)

    player.set_volume(10)
    player.play([AudioFile(music, "music")])
    loud = level()
    player.alert(AudioFile(ring, "ring"), level=0, duck_to=0.2)  # level 0: hear only the ducked music
    assert player.alerting and level() == pytest.approx(loud * 0.2, rel=0.1)
    assert player.stop() is True  # "stop": the ring ends first...
    assert not player.alerting and player.state == "playing"  # ...the music goes on
    assert level() == pytest.approx(loud, rel=0.1)
    assert player.stop() is True and player.state == "stopped"  # a second "stop" ends the music


def test_the_ring_sounds_with_no_music(tapped):
    player, taps, ring, _ = tapped
    player.alert(AudioFile(ring, "ring"), level=10)
    assert taps[0].pull(8) > 0.5
    assert player.stop_alert() and not player.stop_alert()


def test_stop_through_the_player_reaches_the_engine(tmp_path):
    services: dict = {}
    player = shared_player(services, "null")
    recorder = Recorder()
    stopped = []
    ringer = PlayerRinger(services, "null", write_ring(tmp_path / "ring.wav"), on_stop=lambda: stopped.append(1))
    ringer.ring()
    assert player.alerting
    ringer.silence()  # the engine silencing its own ring is not the user saying stop
    assert not player.alerting and stopped == []
    ringer.ring()
    player.stop()  # music_control(action="stop")
    assert stopped == [1] and not ringer.ringing
    player.close()
    assert recorder.events == []


def test_a_short_timer_rings_in_real_time_through_the_player(tmp_path):
    """Real clocks and threads: a 1-second timer rings through the player within about a second, says its name,
    and "stop" (music_control's Player.stop) ends it. Under 3 s."""
    services: dict = {}
    player = shared_player(services, "null")
    recorder = Recorder()
    engine = Engine(Store(tmp_path / "clock.sqlite"), zone=ZONE, tell=recorder.tell)
    engine.ringer = PlayerRinger(services, "null", write_ring(tmp_path / "ring.wav"), on_stop=engine.user_stopped)
    try:
        engine.start()
        started = time.monotonic()
        engine.start_timer(1, "tea", "en")
        wait_for(lambda: player.alerting, timeout_s=3.0)
        assert 0.9 <= time.monotonic() - started < 2.5
        wait_for(lambda: recorder.kinds() == ["timer_done"])  # told right after the ring starts
        player.stop()
        wait_for(lambda: engine.timers() == [], timeout_s=2.0)
        assert not player.alerting
    finally:
        engine.close()
        player.close()
