"""Real audio files for the music tests: short tones in WAV, FLAC, OGG, Opus and MP3, tagged with mutagen.

from tests.music_files import make_library
folder = make_library(tmp_path / "Music")
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import soundfile

TONE_S = 0.3
"""Length of every test track: long enough to pause and skip, short enough to play to the end quickly."""


def tone(path: Path, hz: float, *, seconds: float = TONE_S, rate_hz: int = 44100, channels: int = 2) -> Path:
    """Write a sine tone; the format follows the extension (.wav .flac .ogg .opus .mp3)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(rate_hz * seconds)) / rate_hz
    data = (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    if channels == 2:
        data = np.stack([data, data], axis=1)
    kind = {".wav": ("WAV", "PCM_16"), ".flac": ("FLAC", "PCM_16"), ".ogg": ("OGG", "VORBIS"),
            ".opus": ("OGG", "OPUS"), ".mp3": ("MP3", "MPEG_LAYER_III")}[path.suffix]  # fmt: skip
    soundfile.write(path, data, rate_hz, format=kind[0], subtype=kind[1])
    return path


def tag(path: Path, **tags: str) -> Path:
    """Set title/artist/album/genre/tracknumber tags (ID3 frames for WAV, easy tags elsewhere)."""
    import mutagen

    if path.suffix == ".wav":
        from mutagen.id3 import TALB, TCON, TIT2, TPE1, TRCK
        from mutagen.wave import WAVE

        audio = WAVE(path)
        if audio.tags is None:
            audio.add_tags()
        frames = {"title": TIT2, "artist": TPE1, "album": TALB, "genre": TCON, "tracknumber": TRCK}
        for key, value in tags.items():
            audio.tags.add(frames[key](encoding=3, text=[value]))
        audio.save()
        return path
    audio = mutagen.File(path, easy=True)
    if audio.tags is None:
        audio.add_tags()
    for key, value in tags.items():
        audio[key] = value
    audio.save()
    return path


def can_write(suffix: str) -> bool:
    """Whether this libsndfile can write the format (MP3 needs libsndfile 1.1+, Opus 1.0.29+)."""
    formats = {".mp3": ("MP3", "MPEG_LAYER_III"), ".opus": ("OGG", "OPUS")}
    if suffix not in formats:
        return True
    major, subtype = formats[suffix]
    return major in soundfile.available_formats() and subtype in soundfile.available_subtypes(major)


def make_library(folder: Path) -> Path:
    """A small family music folder with every format, tags, a file-name-only track and a damaged file."""
    mp3 = ".mp3" if can_write(".mp3") else ".flac"
    opus = ".opus" if can_write(".opus") else ".ogg"
    tag(tone(folder / "Kids" / "Baby Shark.wav", 440),
        title="Baby Shark", artist="Pinkfong", album="Kids Songs", genre="Children's Music")  # fmt: skip
    tag(tone(folder / "Kids" / "Baby Shark Dance.ogg", 466),
        title="Baby Shark Dance", artist="Pinkfong", album="Kids Songs", genre="Children's Music")  # fmt: skip
    opera = folder / "Queen" / "A Night at the Opera"
    tag(tone(opera / "11 Bohemian Rhapsody.flac", 494),
        title="Bohemian Rhapsody", artist="Queen", album=opera.name, genre="Rock", tracknumber="11")  # fmt: skip
    tag(tone(folder / "Queen" / "News of the World" / "01 We Will Rock You.ogg", 523),
        title="We Will Rock You", artist="Queen", album="News of the World", genre="Rock", tracknumber="1")  # fmt: skip
    tag(tone(folder / "Jazz" / f"Take Five{mp3}", 587),
        title="Take Five", artist="Dave Brubeck", album="Time Out", genre="Jazz", tracknumber="3")  # fmt: skip
    tag(tone(folder / "The Beatles" / "Abbey Road" / f"02 Something{mp3}", 659),
        title="Something", artist="The Beatles", album="Abbey Road", genre="Rock", tracknumber="2/17")  # fmt: skip
    tag(tone(folder / "The Beatles" / "Abbey Road" / f"01 Come Together{opus}", 698, rate_hz=48000),
        title="Come Together", artist="The Beatles", album="Abbey Road", genre="Rock", tracknumber="1/17")  # fmt: skip
    tone(folder / "Raffi - Baby Beluga.wav", 740, channels=1)  # no tags: the file name tells
    (folder / "Broken - Damaged Song.mp3").write_bytes(b"\x00not really an mp3\xff" * 200)
    (folder / "notes.txt").write_text("not music")
    return folder


_CACHE: dict[str, Path] = {}


def library_copy(tmp_path: Path, name: str = "Music") -> Path:
    """A fresh copy of the test library (built once per test session, copied per test: tests may change it)."""
    if "master" not in _CACHE:
        import tempfile

        _CACHE["master"] = make_library(Path(tempfile.mkdtemp(prefix="music-lib-")) / "Music")
    target = tmp_path / name
    shutil.copytree(_CACHE["master"], target)
    return target
