"""The music library: an index of a folder's audio files (tags, cached on disk), fuzzy search, and play history.

Long: the index and its search share the folding of names (fold, variants, filler words), which must read a title
the same way on both sides, and the play history ranks the index's tracks by their keys: one library, kept in one
file.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import tempfile
import threading
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Any

log = logging.getLogger(__name__)

AUDIO_EXTENSIONS = (".mp3", ".ogg", ".oga", ".flac", ".wav")
"""Extensions miniaudio decodes; .opus is added when libsndfile can decode Opus."""
FRESH_WAIT_S = 0.5
"""Longest a request waits for the refresh of an existing index (a 5000-file walk takes ~0.1 s on this machine)."""
INDEX_VERSION = 1
HISTORY_VERSION = 1
SEARCH_FIELDS = ("title", "artist", "album", "genre")
"""Fields a query is compared with, in the order that wins a tie."""
MIN_SCORE = 80.0
"""Default similarity (0-100) a query must reach; "baby shack" vs "Baby Shark" scores 90."""
SHORT_QUERY_CHARS = 4
"""Queries this short must match more closely ("queen" is not "green")."""
GENERIC_QUERIES = frozenset(
    [
        "music", "some music", "any music", "my music", "all my music", "all music", "the music", "something",
        "anything", "songs", "some songs", "a song", "any song", "my songs", "all songs", "the songs", "a random song",
        "random songs", "random music", "some random music", "some random songs", "tunes", "some tunes", "a tune",
        "stuff", "some stuff", "everything", "all", "something nice", "some good music", "some nice music",
        "good music", "nice music", "music please", "a track", "some tracks", "shuffle", "random", "some", "any",
    ]
)  # fmt: skip
"""What a query may say when no particular music is meant: shuffle the library."""
MUSIC_WORDS = frozenset("music musique musik musica muziek musikk 音楽 音乐".split())
""""Music" in the reply languages, folded (no accents)."""
SOME_WORDS = frozenset(
    "some any de la du des un une peu etwas ein bisschen algo po della di wat noget lidt litt".split()
)
"""Words that may stand beside "music" when none in particular is meant: "un peu de musique", "etwas Musik"."""


def generic(folded: str) -> bool:
    """True when a folded query names no particular music: "some music", and in the other languages "un peu de
    musique" (the model wrote play_music(query="musique") for "Mets un peu de musique")."""
    words = set(folded.split())
    return folded in GENERIC_QUERIES or bool(words & MUSIC_WORDS and words <= MUSIC_WORDS | SOME_WORDS)


class LibraryError(Exception):
    """The library cannot answer: reason is "missing" (no folder), "empty" (no audio) or "indexing" (first scan)."""

    def __init__(self, reason: str, folder: Path, found: int = 0) -> None:
        self.reason = reason
        self.folder = folder
        self.found = found
        super().__init__(f"music folder {folder}: {reason}" + (f" ({found} files so far)" if found else ""))


@dataclass
class Track:
    """One audio file of the library with its tags (file name as fallback)."""

    path: Path
    """Absolute path of the file."""
    key: str
    """Path relative to the library folder (POSIX); the play history's key."""
    title: str
    """Title tag, else the file name without "Artist - " and track number."""
    artist: str = ""
    """Artist tag, else the "Artist - " part of the file name."""
    album: str = ""
    """Album tag, else the parent folder's name (below the library folder)."""
    genre: str = ""
    """Genre tag ("Jazz", "Kids"), possibly several separated by ";"."""
    track_no: int = 0
    """Disc * 1000 + track number, for album order (0 when unknown)."""
    duration_s: float = 0.0
    """Length in seconds (0 when unknown)."""
    mtime_ns: int = 0
    """File modification time when indexed; a change re-reads the tags."""
    size: int = 0
    """File size in bytes when indexed."""
    keys: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)
    """Normalized search keys per field (computed on load, not stored)."""

    @property
    def label(self) -> str:
        """How the track is named to people and to the LLM prompt: "Baby Shark by Pinkfong"."""
        return f"{self.title} by {self.artist}" if self.artist else self.title

    def stored(self) -> dict[str, Any]:
        """The cache record (without the absolute path and search keys)."""
        record = asdict(self)
        del record["path"], record["keys"]
        return record


@dataclass
class Match:
    """What a search found: the kind of match and the tracks to queue, in play order."""

    kind: str
    """"title", "artist", "album" or "genre"."""
    name: str
    """The matched title, artist, album or genre as tagged."""
    score: float
    """Similarity 0-100."""
    tracks: list[Track]
    """Tracks to play: one for a title, the album in order, an artist's or genre's tracks shuffled."""


# --- text normalisation and query phrases ---------------------------------------------------------------------


_NUMBERS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
]  # fmt: skip


def fold(text: str) -> str:
    """Lowercase, no accents, "&" as "and", small numbers as words, punctuation as spaces: the compared form."""
    text = unicodedata.normalize("NFKD", text.replace("&", " and "))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().replace("'", "").replace("\u2019", "")
    words = re.sub(r"[^\w\s]", " ", text).split()
    # "Take 5" and "take five" are the same song (speech recognition writes either).
    return " ".join(_NUMBERS[int(w)] if w.isdigit() and int(w) <= 20 else w for w in words)


def _variants(value: str) -> list[str]:
    """Folded forms of a tag: as is, and without "(Remastered 2011)", "[Live]" or "feat. X"."""
    folded = fold(value)
    core = fold(re.sub(r"\s*[(\[].*?[)\]]|\s+(?:feat|ft|featuring)\.?\s.*$", "", value, flags=re.I))
    no_article = re.sub(r"^the ", "", core)
    return [v for v in dict.fromkeys([folded, core, no_article]) if v]


_PHRASES: list[tuple[re.Pattern[str], str, bool]] = [
    # (pattern over folded text, kind of match, True when the wrapper carries no meaning of its own)
    (re.compile(r"^(?:the )?album (?:called |named )?(?P<a>.+)$"), "album", True),
    (re.compile(r"^the (?P<a>.+) album$"), "album", True),
    # A playlist by its name: "my gym playlist" is the query "gym", as the router is trained to write it.
    (re.compile(r"^(?:my |the |a )?(?!(?:my|the|a) playlist$)(?P<a>.+?) playlist$"), "any", True),
    (
        re.compile(
            r"^(?:(?:some|any|a few|the|a) )?(?:songs?|music|something|anything|stuff|tracks?|tunes?) "
            r"(?:by|from) (?P<a>.+)$"
        ),
        "artist",
        True,
    ),  # fmt: skip
    (re.compile(r"^by (?P<a>.+)$"), "artist", True),
    (re.compile(r"^(?:the )?(?:song|track|tune) (?:called |named )(?P<a>.+)$"), "title", True),
    (re.compile(r"^the (?:song|track|tune) (?P<a>.+)$"), "title", True),
    (re.compile(r"^the (?P<a>.+) (?:song|tune)$"), "title", False),  # "the alphabet song" may be the title itself
    (re.compile(r"^some (?P<a>.+?)(?: music| songs| tunes)?$"), "genre_or_artist", True),
    (re.compile(r"^(?P<a>\w+(?: \w+)?) (?:music|songs|tunes)$"), "genre_or_artist", True),
    (re.compile(r"^(?P<a>.+?) by (?P<b>.+)$"), "title_by_artist", False),
]
_FILLER = re.compile(r"^(?:me|us) |(?: (?:please|pretty please|again|one more time|for me|for us))+$")
"""Words around a query that name no music: "play me X", "X please", "X again"."""


def lighten(text: str) -> str:
    """Lowercase, straight apostrophes, single spaces, no punctuation at the ends: a canonical query's form."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    return " ".join(text.split()).strip(' .,!?;:"')


def strip_filler(text: str) -> str:
    """The query without politeness and repetition words: "baby shark again please" -> "baby shark"."""
    light = lighten(text)
    return _FILLER.sub("", light).strip() or light


def match_phrase(text: str, canonical_only: bool = False) -> tuple[str, str, str]:
    """(kind, name, artist) for a normalized query: "songs by queen" -> ("artist", "queen", "")."""
    for pattern, kind, canonical in _PHRASES:
        found = pattern.match(text)
        if not found or (canonical_only and not canonical):
            continue
        if kind != "genre_or_artist" or not generic(fold(found["a"])):  # "some music" is no genre
            return kind, found["a"], found.groupdict().get("b") or ""
    return "any", text, ""


def parse_query(text: str) -> tuple[str, str, str]:
    """(kind, name, artist) for a spoken query, in folded form, for searching."""
    return match_phrase(fold(strip_filler(text)))


def is_generic(query: str | None) -> bool:
    """True when the query names no particular music ("some music", "something")."""
    return query is None or generic(fold(strip_filler(query)))


# --- scanning and the on-disk index ----------------------------------------------------------------------------


def audio_extensions() -> tuple[str, ...]:
    """The extensions indexed: miniaudio's formats, plus .opus when libsndfile decodes it."""
    try:
        import soundfile

        if "OPUS" in soundfile.available_subtypes("OGG"):
            return (*AUDIO_EXTENSIONS, ".opus")
    except (ImportError, OSError):  # no libsndfile: miniaudio alone
        pass
    return AUDIO_EXTENSIONS


def _first(tags: Any, *names: str) -> str:
    """The first non-empty text of the given tag names (easy keys or ID3 frame ids)."""
    for name in names:
        value = tags.get(name) if tags is not None else None
        if value is None:
            continue
        if hasattr(value, "genres"):  # ID3 TCON resolves "(8)" to "Jazz"
            value = value.genres
        elif hasattr(value, "text"):
            value = value.text
        items = [str(v).strip() for v in (value if isinstance(value, list) else [value])]
        joined = "; ".join(v for v in items if v)
        if joined:
            return joined
    return ""


def _number(text: str) -> int:
    """The leading number of "3/12"; 0 when there is none."""
    found = re.match(r"\s*(\d+)", text)
    return int(found.group(1)) if found else 0


def read_track(path: Path, root: Path) -> Track:
    """A Track from the file's tags, falling back to "Artist - Title" in the file name; never raises for bad tags."""
    import mutagen

    tags: Any = None
    duration_s = 0.0
    try:
        audio = mutagen.File(path, easy=True)
        if audio is not None:
            tags = audio.tags
            duration_s = float(getattr(audio.info, "length", 0.0) or 0.0)
    except (mutagen.MutagenError, OSError, ValueError, KeyError, IndexError) as error:
        # Damaged headers are common; the file stays in the index by name and the player reports it if it fails.
        log.info("library: cannot read tags of %s (%s)", path, error)
    # "01 - Title", "01. Title", "01 Title", "1-03 Title" -> "Title"; "99 Luftballons" stays.
    stem = re.sub(r"^\s*(?:\d{1,3}\s*[-._]\s*|0\d\s+|\d{1,2}-\d{1,3}\s+)(?=\D)", "", path.stem)
    name_artist, _, name_title = stem.rpartition(" - ")
    stat = path.stat()
    rel = path.relative_to(root)
    folder_album = rel.parent.name if len(rel.parts) > 1 else ""
    return Track(
        path=path,
        key=rel.as_posix(),
        title=_first(tags, "title", "TIT2") or name_title.strip() or stem.strip() or path.stem,
        artist=_first(tags, "artist", "albumartist", "TPE1", "TPE2") or name_artist.strip(),
        album=_first(tags, "album", "TALB") or folder_album,
        genre=_first(tags, "genre", "TCON"),
        track_no=_number(_first(tags, "discnumber", "TPOS")) * 1000 + _number(_first(tags, "tracknumber", "TRCK")),
        duration_s=round(duration_s, 3),
        mtime_ns=stat.st_mtime_ns,
        size=stat.st_size,
    )


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON so a crash leaves the old file or the new one, never half of one (temp + fsync + replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable (power cut right after a play)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass  # some filesystems cannot fsync a directory; the file itself is safe


def _with_keys(track: Track) -> Track:
    """Fill the track's normalized search keys."""
    genres = [g for part in re.split(r"[;,/]", track.genre) for g in _variants(part)]
    track.keys = {
        "title": _variants(track.title),
        "artist": _variants(track.artist),
        "album": _variants(track.album),
        "genre": genres,
    }
    return track


class Library:
    """The audio files under one folder, indexed with their tags and cached in a JSON file."""

    def __init__(self, folder: Path | str, cache_path: Path | None = None, *, min_score: float = MIN_SCORE) -> None:
        self.folder = Path(folder).expanduser()
        self.cache_path = cache_path
        self.min_score = min_score
        self._tracks: list[Track] | None = None
        self._lock = threading.Lock()
        self._scan: threading.Thread | None = None
        self._scanned = 0
        self._done = threading.Event()
        self._key_cache: tuple[list[Track], dict[str, tuple[list[str], Any, Any]]] | None = None
        self._load_cache()

    def _load_cache(self) -> None:
        """Start from the cached index, if it belongs to this folder."""
        if self.cache_path is None or not self.cache_path.exists():
            return
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
            if data.get("version") != INDEX_VERSION or data.get("folder") != str(self.folder):
                return
            self._tracks = [_with_keys(Track(path=self.folder / r["key"], **r)) for r in data["tracks"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            # The index is only a cache: rebuild it rather than fail.
            log.warning("library: ignoring unreadable index %s (%s)", self.cache_path, error)
            self._tracks = None

    def tracks(self, wait_s: float = 2.0) -> list[Track]:
        """The indexed tracks, refreshed from disk (only changed files are re-read); LibraryError when unusable.

        A first scan of a big library may take long: with no index yet, after wait_s LibraryError("indexing") tells
        the user to try again while the scan goes on in the background. With an index, the refresh gets at most
        FRESH_WAIT_S before the index as it was answers (a slow SD card must not delay every request).
        """
        if not self.folder.is_dir():
            raise LibraryError("missing", self.folder)
        with self._lock:
            if self._scan is None or not self._scan.is_alive():
                self._done.clear()
                self._scan = threading.Thread(target=self._refresh, name="music-index", daemon=True)
                self._scan.start()
        self._done.wait(wait_s if self._tracks is None else min(wait_s, FRESH_WAIT_S))
        if self._tracks is None:
            raise LibraryError("indexing", self.folder, self._scanned)
        if not self._tracks:
            raise LibraryError("empty", self.folder)
        return self._tracks  # shared and replaced, never changed in place: do not modify

    def _files(self) -> list[tuple[str, os.stat_result]]:
        """(key, stat) of every audio file under the folder, sorted; hidden names, loops and special files skipped."""
        extensions = audio_extensions()
        found: list[tuple[str, os.stat_result]] = []
        seen: set[tuple[int, int]] = set()

        def walk(folder: str, prefix: str) -> None:
            # scandir, strings and one stat per entry: this runs on every request, over thousands of files.
            try:
                with os.scandir(folder) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except OSError as error:
                log.warning("library: cannot list %s (%s)", folder, error)
                return
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    if entry.is_dir():
                        info = entry.stat()
                        if (info.st_dev, info.st_ino) not in seen:  # a symlink loop otherwise
                            seen.add((info.st_dev, info.st_ino))
                            walk(entry.path, prefix + entry.name + "/")
                    elif entry.name.lower().endswith(extensions):
                        info = entry.stat()
                        if S_ISREG(info.st_mode):  # a FIFO named song.mp3 would block the tag reader forever
                            found.append((prefix + entry.name, info))
                except OSError as error:
                    log.warning("library: skipping %s (%s)", entry.path, error)

        walk(str(self.folder), "")
        return found

    def _refresh(self) -> None:
        """Walk the folder; re-read tags only of new or changed files; save the index if anything changed."""
        try:
            known = {t.key: t for t in self._tracks or []}
            found: list[Track] = []
            changed = self._tracks is None
            self._scanned = 0
            for key, info in self._files():
                old = known.get(key)
                if old is not None and old.mtime_ns == info.st_mtime_ns and old.size == info.st_size:
                    found.append(old)
                else:
                    try:
                        found.append(_with_keys(read_track(self.folder / key, self.folder)))
                        changed = True
                    except OSError as error:
                        log.warning("library: skipping %s (%s)", key, error)
                self._scanned += 1
            changed = changed or len(found) != len(known)
            if changed:  # an unchanged index keeps its list, and with it the search keys cached for it
                self._tracks = found
            if changed and self.cache_path is not None:
                try:
                    write_json_atomic(
                        self.cache_path,
                        {"version": INDEX_VERSION, "folder": str(self.folder), "tracks": [t.stored() for t in found]},
                    )
                except OSError as error:
                    log.warning("library: cannot save index %s (%s)", self.cache_path, error)
            log.info("library: %d tracks in %s%s", len(found), self.folder, " (index updated)" if changed else "")
        finally:
            self._done.set()

    def _keys_of(self, tracks: list[Track]) -> dict[str, tuple[list[str], Any, Any]]:
        """Per field: the distinct search keys, and (track, key) index pairs; cached for the current index."""
        import numpy as np

        if self._key_cache is not None and self._key_cache[0] is tracks:
            return self._key_cache[1]
        table: dict[str, tuple[list[str], Any, Any]] = {}
        for field_name in SEARCH_FIELDS:
            position: dict[str, int] = {}
            pairs = [
                (i, position.setdefault(k, len(position))) for i, t in enumerate(tracks) for k in t.keys[field_name]
            ]
            track_idx = np.array([i for i, _ in pairs], dtype=np.int64)
            key_idx = np.array([k for _, k in pairs], dtype=np.int64)
            table[field_name] = (list(position), track_idx, key_idx)
        self._key_cache = (tracks, table)
        return table

    def search(self, query: str, tracks: list[Track] | None = None) -> Match | None:
        """The best match for a spoken query over titles, artists, albums and genres; None when nothing is close."""
        import numpy as np
        from rapidfuzz import fuzz, process

        tracks = self.tracks() if tracks is None else tracks
        if not tracks:
            return None
        kind, name, artist = parse_query(query)
        plain = fold(strip_filler(query))
        threshold = self.min_score + (10 if len(name) <= SHORT_QUERY_CHARS else 0)
        table = self._keys_of(tracks)

        def per_track(text: str, field_name: str) -> Any:
            """Each track's best similarity of text to its keys of one field (0-100, vectorised)."""
            keys, track_idx, key_idx = table[field_name]
            scores = np.zeros(len(tracks))
            if not keys or not text:
                return scores
            by_key = np.maximum(
                process.cdist([text], keys, scorer=fuzz.ratio, workers=1)[0],
                process.cdist([text], keys, scorer=fuzz.token_sort_ratio, workers=1)[0],
            ).astype(float)
            if len(text) >= SHORT_QUERY_CHARS:
                padded = f" {text} "
                for k, key in enumerate(keys):
                    if padded in f" {key} ":  # "shark" in "baby shark": a run of whole words
                        by_key[k] = max(by_key[k], 85 + 15 * len(text) / len(key))
            np.maximum.at(scores, track_idx, by_key[key_idx])
            return scores

        hinted = {
            "title": ("title",), "artist": ("artist",), "album": ("album",), "genre_or_artist": ("genre", "artist"),
        }.get(kind, ())  # fmt: skip
        field_scores: dict[str, Any] = {}
        for field_name in SEARCH_FIELDS:
            scores = per_track(plain, field_name)  # the words as said: "the alphabet song", "kids songs"
            if field_name in hinted and name != plain:  # the phrase's field wins a tie: "the album abbey road"
                scores = np.maximum(scores, per_track(name, field_name) + 0.5)
            field_scores[field_name] = scores
        if kind == "title_by_artist":
            both = (per_track(name, "title") + per_track(artist, "artist")) / 2
            field_scores["title"] = np.maximum(field_scores["title"], both)
        # Ties go to the earlier field: a title, then an artist, an album, a genre.
        field_name, top_index, score = max(
            ((f, int(np.argmax(field_scores[f])), float(field_scores[f].max()) - order * 0.01)
             for order, f in enumerate(SEARCH_FIELDS)),
            key=lambda item: item[2],
        )  # fmt: skip
        if score < threshold:
            return None
        score, top = min(score + SEARCH_FIELDS.index(field_name) * 0.01, 100.0), tracks[top_index]
        if field_name == "title":
            return Match("title", top.title, round(score, 1), [top])
        if field_name == "album":
            album = top.keys["album"][:1]
            chosen = sorted((t for t in tracks if t.keys["album"][:1] == album), key=lambda t: (t.track_no, t.key))
            return Match("album", top.album, round(score, 1), chosen)
        floor = max(threshold, score - 5)
        chosen = [tracks[i] for i in np.nonzero(field_scores[field_name] >= floor)[0]]
        random.shuffle(chosen)
        return Match(field_name, top.artist if field_name == "artist" else top.genre, round(score, 1), chosen)


class History:
    """How often and when each track was played; a JSON file written atomically, survives crashes and corruption."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.plays: dict[str, dict[str, float]] = {}
        """key -> {"count": n, "last_played": unix seconds}."""
        self.recovered_from = ""
        """Where a corrupt history file was moved ("" when none was)."""
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            plays = data["tracks"] if isinstance(data, dict) and data.get("version") == HISTORY_VERSION else None
            if not isinstance(plays, dict) or not all(
                isinstance(v, dict) and isinstance(v.get("count"), int) for v in plays.values()
            ):
                raise ValueError("unexpected structure")
            self.plays = {
                k: {"count": v["count"], "last_played": float(v.get("last_played", 0))} for k, v in plays.items()
            }
        except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as error:
            # Keep the damaged file for a human to look at, and start afresh rather than stop the music.
            corrupt = self.path.with_name(self.path.name + ".corrupt")
            try:
                os.replace(self.path, corrupt)
                self.recovered_from = str(corrupt)
            except OSError as move_error:
                log.error("history: cannot move %s aside (%s)", self.path, move_error)
            log.warning("history: %s is damaged (%s); kept as %s, starting a new history", self.path, error, corrupt)
            self.plays = {}

    def record(self, key: str, when: float | None = None) -> None:
        """Count one play of the track and save."""
        with self._lock:
            entry = self.plays.setdefault(key, {"count": 0, "last_played": 0.0})
            entry["count"] = int(entry["count"]) + 1
            entry["last_played"] = time.time() if when is None else when
            data = {"version": HISTORY_VERSION, "tracks": dict(self.plays)}
            try:
                write_json_atomic(self.path, data)
            except OSError as error:  # a full SD card must not stop the music; the count stays in memory
                log.error("history: cannot save %s (%s)", self.path, error)

    def count(self, key: str) -> int:
        """How often the track was played."""
        return int(self.plays.get(key, {}).get("count", 0))

    def ranked(self, tracks: list[Track]) -> list[Track]:
        """The played tracks among tracks, most played first (ties: most recently played first)."""
        plays = self.plays
        played = [t for t in tracks if t.key in plays]
        return sorted(played, key=lambda t: (-plays[t.key]["count"], -plays[t.key]["last_played"]))

    def favorite(self, tracks: list[Track]) -> Track | None:
        """The most played track that is still in the library, or None before anything was played."""
        ranked = self.ranked(tracks)
        return ranked[0] if ranked else None
