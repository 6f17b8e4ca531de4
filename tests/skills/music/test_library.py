"""The music library: tags from real files, the on-disk index, fuzzy search, and the crash-safe play history."""

from __future__ import annotations

import json
import os
import time

import pytest

from skills.music.library import History, Library, LibraryError, parse_query, write_json_atomic
from tests.music_files import library_copy, tag, tone


@pytest.fixture
def folder(tmp_path):
    return library_copy(tmp_path)


@pytest.fixture
def library(folder, tmp_path):
    return Library(folder, tmp_path / "index.json")


def by_title(library):
    return {t.title: t for t in library.tracks()}


def test_reads_tags_from_every_format_and_names_as_fallback(library):
    tracks = by_title(library)
    assert (tracks["Baby Shark"].artist, tracks["Baby Shark"].album) == ("Pinkfong", "Kids Songs")  # WAV, ID3
    assert tracks["Bohemian Rhapsody"].genre == "Rock" and tracks["Bohemian Rhapsody"].track_no == 11  # FLAC
    assert tracks["We Will Rock You"].artist == "Queen"  # Ogg Vorbis
    assert tracks["Take Five"].genre == "Jazz"  # MP3
    assert tracks["Come Together"].track_no == 1  # Opus, "1/17"
    assert tracks["Baby Beluga"].artist == "Raffi"  # no tags: "Raffi - Baby Beluga.wav"
    assert tracks["Damaged Song"].artist == "Broken"  # unreadable file: indexed by name, the player reports it
    assert "notes" not in {t.path.stem for t in tracks.values()}
    assert abs(tracks["Baby Shark"].duration_s - 0.3) < 0.01
    assert tracks["Baby Shark"].label == "Baby Shark by Pinkfong"


@pytest.mark.parametrize(
    "query, kind, name",
    [
        ("baby shark", "title", "Baby Shark"),
        ("Baby Shark!", "title", "Baby Shark"),
        ("baby shack", "title", "Baby Shark"),  # speech recognition error
        ("baby shok", "title", "Baby Shark"),
        ("bohemian rapsody", "title", "Bohemian Rhapsody"),
        ("the baby shark song", "title", "Baby Shark"),
        ("bohemian rhapsody by queen", "title", "Bohemian Rhapsody"),
        ("take 5", "title", "Take Five"),
        ("shark dance", "title", "Baby Shark Dance"),
        ("queen", "artist", "Queen"),
        ("songs by queen", "artist", "Queen"),
        ("something by the beatles", "artist", "The Beatles"),
        ("beatles", "artist", "The Beatles"),
        ("jazz", "genre", "Jazz"),
        ("some jazz music", "genre", "Jazz"),
        ("the album abbey road", "album", "Abbey Road"),
        ("abbey road", "album", "Abbey Road"),
        ("kids songs", "album", "Kids Songs"),
    ],
)
def test_search_finds(library, query, kind, name):
    found = library.search(query)
    assert found is not None and (found.kind, found.name) == (kind, name)


@pytest.mark.parametrize("query", ["despacito", "green", "xyz", "the wheels on the bus", "radiohead"])
def test_search_declines_what_is_not_there(library, query):
    assert library.search(query) is None


def test_album_plays_in_order_artist_plays_all(library):
    album = library.search("the album abbey road")
    assert [t.title for t in album.tracks] == ["Come Together", "Something"]
    artist = library.search("songs by queen")
    assert sorted(t.title for t in artist.tracks) == ["Bohemian Rhapsody", "We Will Rock You"]
    assert {t.title for t in library.search("rock").tracks} == {
        "Bohemian Rhapsody",
        "We Will Rock You",
        "Something",
        "Come Together",
    }


def test_query_phrases():
    assert parse_query("songs by Queen") == ("artist", "queen", "")
    assert parse_query("the album Abbey Road") == ("album", "abbey road", "")
    assert parse_query("some jazz music") == ("genre_or_artist", "jazz", "")
    assert parse_query("Bohemian Rhapsody by Queen please") == ("title_by_artist", "bohemian rhapsody", "queen")
    assert parse_query("me baby shark again") == ("any", "baby shark", "")


def test_index_is_cached_and_refreshed_when_files_change(folder, tmp_path):
    index = tmp_path / "index.json"
    library = Library(folder, index)
    assert len(library.tracks()) == 9
    saved = index.stat().st_mtime_ns
    library.tracks()
    assert index.stat().st_mtime_ns == saved  # nothing changed: the index is not rewritten

    # A new process starts from the cache, before any scan.
    assert {t.title for t in Library(folder, index)._tracks} >= {"Baby Shark"}

    # Retagged (mtime changes), added and removed files are picked up on the next request.
    shark = folder / "Kids" / "Baby Shark.wav"
    tag(shark, title="Baby Shark (Remix)")
    os.utime(shark, ns=(shark.stat().st_atime_ns, shark.stat().st_mtime_ns + 10**9))
    tone(folder / "New" / "Wheels on the Bus.flac", 300)
    (folder / "Jazz" / "Take Five.mp3").unlink(missing_ok=True)
    (folder / "Jazz" / "Take Five.flac").unlink(missing_ok=True)
    titles = set(by_title(library))
    assert "Baby Shark (Remix)" in titles and "Wheels on the Bus" in titles and "Take Five" not in titles
    assert library.search("baby shark").name == "Baby Shark (Remix)"
    cached = json.loads(index.read_text())
    assert "Take Five" not in {t["title"] for t in cached["tracks"]}


def test_first_scan_of_a_big_library_does_not_block_the_answer(folder, monkeypatch):
    import skills.music.library as library_module

    real = library_module.read_track

    def slow_disk(path, root):  # an SD card: each file takes a while the first time
        time.sleep(0.05)
        return real(path, root)

    monkeypatch.setattr(library_module, "read_track", slow_disk)
    library = Library(folder)
    with pytest.raises(LibraryError) as busy:
        library.tracks(wait_s=0.1)
    assert busy.value.reason == "indexing" and busy.value.found < 9
    assert len(library.tracks(wait_s=5)) == 9  # the scan went on in the background


def test_special_files_are_not_read(folder):
    os.mkfifo(folder / "pipe.mp3")  # opening it to read tags would block forever
    assert "pipe" not in {t.path.stem for t in Library(folder).tracks(wait_s=5)}


def test_damaged_index_is_rebuilt(folder, tmp_path):
    index = tmp_path / "index.json"
    index.write_text('{"version": 1, "folder": "' + str(folder) + '", "tracks": [{"key": ')
    assert len(Library(folder, index).tracks()) == 9
    assert json.loads(index.read_text())["version"] == 1


def test_missing_and_empty_folders(tmp_path):
    with pytest.raises(LibraryError) as missing:
        Library(tmp_path / "nowhere").tracks()
    assert missing.value.reason == "missing"
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no music here")
    with pytest.raises(LibraryError) as empty:
        Library(tmp_path / "empty").tracks()
    assert empty.value.reason == "empty"


def test_history_counts_and_persists(tmp_path):
    path = tmp_path / "history.json"
    history = History(path)
    for key in ["a.mp3", "b.mp3", "b.mp3"]:
        history.record(key)
    again = History(path)
    assert again.count("b.mp3") == 2 and again.count("a.mp3") == 1 and again.count("c.mp3") == 0
    assert [p.name for p in tmp_path.iterdir()] == ["history.json"]  # no temp files left behind


def test_history_favorite_is_most_played_still_in_library(folder, tmp_path):
    library = Library(folder)
    tracks = library.tracks()
    keys = {t.title: t.key for t in tracks}
    history = History(tmp_path / "history.json")
    assert history.favorite(tracks) is None
    history.record(keys["Baby Shark"], when=100)
    history.record(keys["Baby Shark"], when=101)
    history.record(keys["Take Five"], when=200)
    history.record("gone/deleted.mp3", when=300)
    history.record("gone/deleted.mp3", when=301)
    history.record("gone/deleted.mp3", when=302)
    assert history.favorite(tracks).title == "Baby Shark"


@pytest.mark.parametrize(
    "content",
    [
        b'{"version": 1, "tracks": {"a.mp3": {"count": 3, "last_pl',
        b"\x00\x00\x00",
        b'["not", "a", "history"]',
        b'{"version": 1, "tracks": {"a.mp3": {"count": "many"}}}',
    ],  # fmt: skip
)
def test_corrupt_history_is_kept_aside_and_replaced(tmp_path, content, caplog):
    path = tmp_path / "history.json"
    path.write_bytes(content)
    history = History(path)
    assert history.plays == {} and history.recovered_from.endswith("history.json.corrupt")
    assert (tmp_path / "history.json.corrupt").read_bytes() == content
    assert "damaged" in caplog.text
    history.record("a.mp3")
    assert History(path).count("a.mp3") == 1


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "history.json"
    write_json_atomic(path, {"version": 1, "tracks": {"a.mp3": {"count": 1, "last_played": 1.0}}})
    before = path.read_bytes()
    with pytest.raises(TypeError):  # json.dump fails half-way through, as a crash mid-write would
        write_json_atomic(path, {"version": 1, "tracks": {"a.mp3": {"count": 2}, "b": object()}})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["history.json"]
