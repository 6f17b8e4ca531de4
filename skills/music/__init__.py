"""Music: play from the local library by title, artist, album or genre; control playback and volume."""

from __future__ import annotations

import logging
import random
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from assistant.errors import ConfigError, SkillError
from assistant.i18n import ALARM_WORDS, Messages, join_sentences, normalize_text
from assistant.registry import Context, Normalize, Range, Reply, skill
from skills.music.library import (
    GENERIC_QUERIES,
    History,
    Library,
    LibraryError,
    Match,
    Track,
    fold,
    lighten,
    match_phrase,
    strip_filler,
)
from skills.music.player import Player, PlayerEvent, PlayResult, shared_player

log = logging.getLogger(__name__)

FAVORITE = "my favorite song"
"""The canonical query for the most played track."""
COUNT_PLAY_AFTER_S = 30.0
"""A track counts as played after this much of it was heard (or half of a shorter one, or to its end)."""
_FAVORITE_RE = re.compile(
    r"^(?:(?:my|our|the kids'?|the children's) )?(?:very )?(?:favou?rite|fave|fav)"
    r"(?: (?:song|songs|music|track|tune|one|thing))?$"
)

MESSAGES = Messages(
    "music",
    {
        "en": {
            "track": "{title} by {artist}",
            "playing": "Playing {track}.",
            "playing_artist": "Playing songs by {artist}, starting with {track}.",
            "playing_album": "Playing the album {album}, starting with {track}.",
            "playing_genre": "Playing some {genre}, starting with {track}.",
            "shuffling": "Shuffling your music, starting with {track}.",
            "favorite": "Playing your favorite song, {track}.",
            "no_favorite": "I don't know your favorite song yet, so here's some of your music, starting with {track}.",
            "skipped_one": "I couldn't play {track}; the file seems to be damaged.",
            "skipped_many": "I skipped {count} songs that couldn't be played.",
            "all_unplayable": "I couldn't play any of those songs; the files seem to be damaged.",
            "not_found": "I couldn't find anything called {query} in your music.",
            "no_folder": "I can't find your music folder, {folder}. Please check the music settings.",
            "empty": "There's no music in {folder} yet. Copy some songs there and ask me again.",
            "indexing": "I'm still looking through your music, {count} songs so far. Please ask again in a minute.",
            "stopped": "Stopped.",
            "paused": "Paused.",
            "resumed": "Resuming {track}.",
            "already_playing": "It's already playing.",
            "nothing_playing": "Nothing is playing.",
            "nothing_paused": "There's nothing to resume.",
            "next": "Next: {track}.",
            "last": "That was the last song.",
            "previous": "Back to {track}.",
            "restart": "Starting {track} again.",
            "volume": "Volume {level}.",
            "volume_max": "The volume is already at the maximum.",
            "volume_min": "The volume is already at the minimum.",
        },
        "de": {
            "track": "{title} von {artist}",
            "playing": "Ich spiele {track}.",
            "playing_artist": "Ich spiele Lieder von {artist}, zuerst {track}.",
            "playing_album": "Ich spiele das Album {album}, zuerst {track}.",
            "playing_genre": "Ich spiele {genre}, zuerst {track}.",
            "shuffling": "Ich spiele deine Musik in zufälliger Reihenfolge, zuerst {track}.",
            "favorite": "Ich spiele dein Lieblingslied, {track}.",
            "no_favorite": (
                "Ich kenne dein Lieblingslied noch nicht, deshalb spiele ich etwas aus deiner Musik, zuerst {track}."
            ),
            "skipped_one": "Ich konnte {track} nicht abspielen; die Datei scheint beschädigt zu sein.",
            "skipped_many": "Ich habe {count} Lieder übersprungen, die sich nicht abspielen ließen.",
            "all_unplayable": "Ich konnte keines dieser Lieder abspielen; die Dateien scheinen beschädigt zu sein.",
            "not_found": "Ich habe in deiner Musik nichts mit dem Namen {query} gefunden.",
            "no_folder": "Ich finde deinen Musikordner {folder} nicht. Bitte prüfe die Musik-Einstellungen.",
            "empty": "In {folder} ist noch keine Musik. Kopiere ein paar Lieder hinein und frag mich noch einmal.",
            "indexing": (
                "Ich sehe deine Musik noch durch, bisher {count} Lieder. Bitte frag in einer Minute noch einmal."
            ),
            "stopped": "Gestoppt.",
            "paused": "Pausiert.",
            "resumed": "Weiter mit {track}.",
            "already_playing": "Die Musik läuft schon.",
            "nothing_playing": "Gerade läuft nichts.",
            "nothing_paused": "Es gibt nichts fortzusetzen.",
            "next": "Als Nächstes: {track}.",
            "last": "Das war das letzte Lied.",
            "previous": "Zurück zu {track}.",
            "restart": "{track} noch einmal von vorn.",
            "volume": "Lautstärke {level}.",
            "volume_max": "Die Lautstärke ist schon ganz oben.",
            "volume_min": "Die Lautstärke ist schon ganz unten.",
        },
        "fr": {
            "track": "{title} de {artist}",
            "playing": "Je joue {track}.",
            "playing_artist": "Je joue des chansons de {artist}, en commençant par {track}.",
            "playing_album": "Je joue l'album {album}, en commençant par {track}.",
            "playing_genre": "Je joue du {genre}, en commençant par {track}.",
            "shuffling": "Je joue ta musique au hasard, en commençant par {track}.",
            "favorite": "Je joue ta chanson préférée, {track}.",
            "no_favorite": (
                "Je ne connais pas encore ta chanson préférée, alors voici un peu de ta musique, en commençant par "
                "{track}."
            ),
            "skipped_one": "Je n'ai pas pu lire {track} ; le fichier semble endommagé.",
            "skipped_many": "J'ai sauté {count} chansons qui ne pouvaient pas être lues.",
            "all_unplayable": "Je n'ai pu lire aucune de ces chansons ; les fichiers semblent endommagés.",
            "not_found": "Je n'ai rien trouvé qui s'appelle {query} dans ta musique.",
            "no_folder": "Je ne trouve pas ton dossier de musique, {folder}. Vérifie les réglages de la musique.",
            "empty": "Il n'y a pas encore de musique dans {folder}. Copie quelques chansons dedans et redemande-moi.",
            "indexing": "Je parcours encore ta musique, {count} chansons pour l'instant. Redemande dans une minute.",
            "stopped": "Arrêté.",
            "paused": "En pause.",
            "resumed": "Je reprends {track}.",
            "already_playing": "La musique joue déjà.",
            "nothing_playing": "Rien n'est en cours de lecture.",
            "nothing_paused": "Il n'y a rien à reprendre.",
            "next": "Suivant : {track}.",
            "last": "C'était la dernière chanson.",
            "previous": "Retour à {track}.",
            "restart": "Je reprends {track} depuis le début.",
            "volume": "Volume {level}.",
            "volume_max": "Le volume est déjà au maximum.",
            "volume_min": "Le volume est déjà au minimum.",
        },
        "es": {
            "track": "{title} de {artist}",
            "playing": "Reproduciendo {track}.",
            "playing_artist": "Reproduciendo canciones de {artist}, empezando por {track}.",
            "playing_album": "Reproduciendo el álbum {album}, empezando por {track}.",
            "playing_genre": "Reproduciendo {genre}, empezando por {track}.",
            "shuffling": "Reproduciendo tu música en orden aleatorio, empezando por {track}.",
            "favorite": "Reproduciendo tu canción favorita, {track}.",
            "no_favorite": (
                "Todavía no sé cuál es tu canción favorita, así que aquí tienes algo de tu música, empezando por "
                "{track}."
            ),
            "skipped_one": "No pude reproducir {track}; el archivo parece estar dañado.",
            "skipped_many": "Me salté {count} canciones que no se podían reproducir.",
            "all_unplayable": "No pude reproducir ninguna de esas canciones; los archivos parecen estar dañados.",
            "not_found": "No encontré nada llamado {query} en tu música.",
            "no_folder": "No encuentro tu carpeta de música, {folder}. Revisa los ajustes de música.",
            "empty": "Todavía no hay música en {folder}. Copia algunas canciones y vuelve a preguntarme.",
            "indexing": (
                "Todavía estoy revisando tu música, {count} canciones hasta ahora. Pregúntame de nuevo en un minuto."
            ),
            "stopped": "Detenido.",
            "paused": "En pausa.",
            "resumed": "Continuando con {track}.",
            "already_playing": "Ya está sonando.",
            "nothing_playing": "No está sonando nada.",
            "nothing_paused": "No hay nada que reanudar.",
            "next": "Siguiente: {track}.",
            "last": "Esa era la última canción.",
            "previous": "Volviendo a {track}.",
            "restart": "Empezando {track} otra vez.",
            "volume": "Volumen {level}.",
            "volume_max": "El volumen ya está al máximo.",
            "volume_min": "El volumen ya está al mínimo.",
        },
        "it": {
            "track": "{title} di {artist}",
            "playing": "Riproduco {track}.",
            "playing_artist": "Riproduco canzoni di {artist}, a partire da {track}.",
            "playing_album": "Riproduco l'album {album}, a partire da {track}.",
            "playing_genre": "Riproduco un po' di {genre}, a partire da {track}.",
            "shuffling": "Riproduco la tua musica in ordine casuale, a partire da {track}.",
            "favorite": "Riproduco la tua canzone preferita, {track}.",
            "no_favorite": (
                "Non conosco ancora la tua canzone preferita, quindi ecco un po' della tua musica, a partire da "
                "{track}."
            ),
            "skipped_one": "Non sono riuscito a riprodurre {track}; il file sembra danneggiato.",
            "skipped_many": "Ho saltato {count} canzoni che non si potevano riprodurre.",
            "all_unplayable": "Non sono riuscito a riprodurre nessuna di queste canzoni; i file sembrano danneggiati.",
            "not_found": "Non ho trovato niente che si chiami {query} nella tua musica.",
            "no_folder": "Non trovo la tua cartella della musica, {folder}. Controlla le impostazioni della musica.",
            "empty": "In {folder} non c'è ancora musica. Copiaci qualche canzone e chiedimelo di nuovo.",
            "indexing": (
                "Sto ancora esaminando la tua musica, finora {count} canzoni. Chiedimelo di nuovo tra un minuto."
            ),
            "stopped": "Fermato.",
            "paused": "In pausa.",
            "resumed": "Riprendo {track}.",
            "already_playing": "La musica sta già suonando.",
            "nothing_playing": "Non sta suonando niente.",
            "nothing_paused": "Non c'è niente da riprendere.",
            "next": "Prossima: {track}.",
            "last": "Era l'ultima canzone.",
            "previous": "Torno a {track}.",
            "restart": "Ricomincio {track} da capo.",
            "volume": "Volume {level}.",
            "volume_max": "Il volume è già al massimo.",
            "volume_min": "Il volume è già al minimo.",
        },
        "nl": {
            "track": "{title} van {artist}",
            "playing": "Ik speel {track}.",
            "playing_artist": "Ik speel nummers van {artist}, te beginnen met {track}.",
            "playing_album": "Ik speel het album {album}, te beginnen met {track}.",
            "playing_genre": "Ik speel wat {genre}, te beginnen met {track}.",
            "shuffling": "Ik speel je muziek in willekeurige volgorde, te beginnen met {track}.",
            "favorite": "Ik speel je lievelingsnummer, {track}.",
            "no_favorite": (
                "Ik ken je lievelingsnummer nog niet, dus hier is wat van je muziek, te beginnen met {track}."
            ),
            "skipped_one": "Ik kon {track} niet afspelen; het bestand lijkt beschadigd.",
            "skipped_many": "Ik heb {count} nummers overgeslagen die niet afgespeeld konden worden.",
            "all_unplayable": "Ik kon geen van deze nummers afspelen; de bestanden lijken beschadigd.",
            "not_found": "Ik kon niets met de naam {query} vinden in je muziek.",
            "no_folder": "Ik kan je muziekmap {folder} niet vinden. Controleer de muziekinstellingen.",
            "empty": "Er staat nog geen muziek in {folder}. Zet er wat nummers in en vraag het me opnieuw.",
            "indexing": (
                "Ik ben je muziek nog aan het doorzoeken, tot nu toe {count} nummers. Vraag het over een minuut "
                "opnieuw."
            ),
            "stopped": "Gestopt.",
            "paused": "Gepauzeerd.",
            "resumed": "Verder met {track}.",
            "already_playing": "De muziek speelt al.",
            "nothing_playing": "Er speelt niets.",
            "nothing_paused": "Er is niets om te hervatten.",
            "next": "Volgende: {track}.",
            "last": "Dat was het laatste nummer.",
            "previous": "Terug naar {track}.",
            "restart": "{track} opnieuw vanaf het begin.",
            "volume": "Volume {level}.",
            "volume_max": "Het volume staat al op het maximum.",
            "volume_min": "Het volume staat al op het minimum.",
        },
        "ja": {
            "track": "{artist}の「{title}」",
            "playing": "{track}を再生します。",
            "playing_artist": "{artist}の曲を再生します。まずは{track}です。",
            "playing_album": "アルバム「{album}」を再生します。まずは{track}です。",
            "playing_genre": "{genre}を再生します。まずは{track}です。",
            "shuffling": "音楽をシャッフル再生します。まずは{track}です。",
            "favorite": "お気に入りの曲、{track}を再生します。",
            "no_favorite": "お気に入りの曲はまだわからないので、ライブラリから適当にかけます。まずは{track}です。",
            "skipped_one": "{track}を再生できませんでした。ファイルが壊れているようです。",
            "skipped_many": "再生できない曲を{count}曲スキップしました。",
            "all_unplayable": "どの曲も再生できませんでした。ファイルが壊れているようです。",
            "not_found": "音楽の中に「{query}」は見つかりませんでした。",
            "no_folder": "音楽フォルダ{folder}が見つかりません。音楽の設定を確認してください。",
            "empty": "{folder}にはまだ音楽がありません。曲をコピーしてから、もう一度話しかけてください。",
            "indexing": "まだ音楽を読み込んでいます。今のところ{count}曲です。1分ほどしてからもう一度どうぞ。",
            "stopped": "停止しました。",
            "paused": "一時停止しました。",
            "resumed": "{track}の続きを再生します。",
            "already_playing": "もう再生中です。",
            "nothing_playing": "何も再生していません。",
            "nothing_paused": "再開できるものがありません。",
            "next": "次の曲、{track}です。",
            "last": "今のが最後の曲でした。",
            "previous": "前の曲、{track}に戻ります。",
            "restart": "{track}を最初から再生します。",
            "volume": "音量{level}です。",
            "volume_max": "音量はもう最大です。",
            "volume_min": "音量はもう最小です。",
        },
        "zh": {
            "track": "{artist}的《{title}》",
            "playing": "正在播放{track}。",
            "playing_artist": "播放{artist}的歌，先放{track}。",
            "playing_album": "播放专辑《{album}》，先放{track}。",
            "playing_genre": "来点{genre}，先放{track}。",
            "shuffling": "随机播放你的音乐，先放{track}。",
            "favorite": "播放你最喜欢的歌，{track}。",
            "no_favorite": "我还不知道你最喜欢哪首歌，先随便放点你的音乐，从{track}开始。",
            "skipped_one": "{track}播放不了，文件好像坏了。",
            "skipped_many": "有{count}首歌播放不了，已经跳过了。",
            "all_unplayable": "这些歌都播放不了，文件好像坏了。",
            "not_found": "在你的音乐里没找到“{query}”。",
            "no_folder": "找不到你的音乐文件夹{folder}，请检查音乐设置。",
            "empty": "{folder}里还没有音乐。先拷几首歌进去，再问我一次吧。",
            "indexing": "我还在整理你的音乐，目前找到{count}首。请过一分钟再问我。",
            "stopped": "已停止。",
            "paused": "已暂停。",
            "resumed": "继续播放{track}。",
            "already_playing": "已经在播放了。",
            "nothing_playing": "现在没有在播放。",
            "nothing_paused": "没有可以继续播放的。",
            "next": "下一首：{track}。",
            "last": "这已经是最后一首了。",
            "previous": "回到上一首：{track}。",
            "restart": "从头播放{track}。",
            "volume": "音量{level}。",
            "volume_max": "音量已经是最大了。",
            "volume_min": "音量已经是最小了。",
        },
    },
)


@dataclass(frozen=True)
class MusicSettings:
    """[skills.play_music] settings."""

    folder: str = "~/Music"
    """Folder with the music, searched recursively (mp3, ogg, flac, wav, and opus when libsndfile decodes it)."""
    min_score: float = 80.0
    """How close (0-100) a query must come to a title, artist, album or genre; lower finds more, and more wrongly."""
    hotwords_max: int = 100
    """Most titles and artists handed to speech recognition as hints (most played first)."""
    index_wait_ms: int = 2000
    """How long a request waits for the first scan of a big library before saying it is still looking (the scan
    goes on in the background; later scans only re-read changed files). Below the 3000 ms skill budget."""

    def __post_init__(self) -> None:
        if not 50 <= self.min_score <= 100:
            raise ConfigError(f"[skills.play_music] min_score: must be in 50..100, got {self.min_score}")
        if self.index_wait_ms < 0:
            raise ConfigError(f"[skills.play_music] index_wait_ms: must not be negative, got {self.index_wait_ms}")
        if self.hotwords_max < 0:
            raise ConfigError(f"[skills.play_music] hotwords_max: must not be negative, got {self.hotwords_max}")


MAX_QUERY_WORDS = 10
"""A longer query is a misheard sentence, not music ("if you are happy and you know it" has 8 words)."""
_DISFLUENCY = re.compile(r"\b(?:uh|um|umm|er|erm|hmm|hm|uhm|ah|eh|okay so|ok so)\b")
"""Hesitations anywhere ("play uh wonderwall"), and the "pretty" the matcher leaves of "pretty please"."""
_LEAD_IN = re.compile(r"^(?:(?:like|well|so|okay|ok|just|play|maybe) )+")
"""Words before a query that name no music: "like um bad guy", "play play let it go"."""
_PRONOUNS = frozenset(["it", "this", "that", "this song", "that song", "this one", "that one", "them", "the same"])
"""Queries that point at something instead of naming it ("play it again"): not a query the library can answer."""


def music_query(text: str) -> str | None:
    """Canonical query: "my favourite" -> "my favorite song", "songs by Queen" -> "queen", "some music" -> None."""
    # The fast path's own text form (lowercase, "don't" -> "do not"), so the fast path, the LLM and an expected
    # call in an eval file all end up with one spelling.
    said = " ".join(_DISFLUENCY.sub(" ", normalize_text(text) or text).split()).removesuffix(" pretty")
    light = strip_filler(_LEAD_IN.sub("", said) or said)
    if len(light.split()) > MAX_QUERY_WORDS:
        raise ValueError(f"{len(light.split())} words is too long for a title, artist, album or genre")
    if fold(light) in _PRONOUNS:
        raise ValueError(f"{text!r} names no music")
    if fold(light) in GENERIC_QUERIES:
        return None  # no particular music: the canonical call is play_music()
    if _FAVORITE_RE.match(fold(light)):
        return FAVORITE
    return match_phrase(light, canonical_only=True)[1]


Query = Annotated[str | None, Normalize(music_query)]  # type: ignore[arg-type]  # None: "no particular music"
"""play_music's query: what was said, normalized to the canonical form by music_query."""


# --- shared objects: one player, library and history per assistant ---------------------------------------------

_CREATE = threading.Lock()


def _player(ctx: Context) -> Player:
    device = getattr(getattr(ctx.config, "audio", None), "output_device", "") or ""
    return shared_player(ctx.services, device)


def _library(ctx: Context) -> tuple[Library, History, Player]:
    """The library index and play history (created on first use, the history wired to the player)."""
    settings: MusicSettings = ctx.settings or MusicSettings()
    player = _player(ctx)
    with _CREATE:
        library = ctx.service(
            "music_library",
            lambda: Library(
                Path(settings.folder).expanduser(), ctx.data_dir / "library.json", min_score=settings.min_score
            ),
        )
        history = ctx.services.get("music_history")
        if history is None:
            history = History(ctx.data_dir / "history.json")
            player.add_listener(lambda event: _count_play(history, event))
            ctx.services["music_history"] = history
    return library, history, player


def _count_play(history: History, event: PlayerEvent) -> None:
    """Record a play when enough of a library track was heard (skipping after two seconds is not a play)."""
    if event.kind != "leave" or not isinstance(event.item, Track):
        return
    needed_s = min(COUNT_PLAY_AFTER_S, event.item.duration_s / 2) if event.item.duration_s else COUNT_PLAY_AFTER_S
    if event.complete or event.heard_s >= needed_s:
        history.record(event.item.key)


def _say(ctx: Context, key: str, **values: object) -> str:
    return MESSAGES.say(ctx.language, key, **values)


def _name(ctx: Context, item: Any) -> str:
    """A track's name in the reply's language ("Baby Shark by Pinkfong", "Baby Shark von Pinkfong")."""
    if isinstance(item, Track) and item.artist:
        return _say(ctx, "track", title=item.title, artist=item.artist)
    return str(getattr(item, "label", "") or Path(item.path).stem)


def _tracks(ctx: Context, library: Library) -> list[Track]:
    """The library's tracks, or a SkillError with the sentence for a missing, empty or still-indexing folder."""
    settings: MusicSettings = ctx.settings or MusicSettings()
    try:
        return library.tracks(wait_s=settings.index_wait_ms / 1000)
    except LibraryError as error:
        key = {"missing": "no_folder", "empty": "empty", "indexing": "indexing"}[error.reason]
        raise SkillError(_say(ctx, key, folder=str(error.folder), count=error.found), cause=str(error)) from None


def _skipped(ctx: Context, result: PlayResult) -> str:
    """The sentence about unplayable files passed over ("" when none were)."""
    if not result.skipped:
        return ""
    if len(result.skipped) == 1:
        return _say(ctx, "skipped_one", track=_name(ctx, result.skipped[0][0]))
    return _say(ctx, "skipped_many", count=len(result.skipped))


def _start(ctx: Context, player: Player, tracks: list[Track], key: str, **values: object) -> Reply:
    """Play tracks and say so, mentioning unplayable files that were skipped."""
    result = player.play(tracks)
    if result.started is None:
        if len(result.skipped) == 1:
            sentence = _say(ctx, "skipped_one", track=_name(ctx, result.skipped[0][0]))
        else:
            sentence = _say(ctx, "all_unplayable")
        raise SkillError(sentence, cause="; ".join(f"{item.path}: {why}" for item, why in result.skipped))
    track = result.started
    text = join_sentences(ctx.language, _skipped(ctx, result), _say(ctx, key, track=_name(ctx, track), **values))
    return Reply(text, _data(track, "play", len(tracks), result))


def _data(track: Any, action: str, queue_length: int = 0, result: PlayResult | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "action": action,
        "track": getattr(track, "label", ""),
        "path": str(getattr(track, "path", "")),
    }
    if isinstance(track, Track):
        data.update(title=track.title, artist=track.artist, album=track.album, genre=track.genre)
    if queue_length:
        data["queue_length"] = queue_length
    if result is not None and result.skipped:
        data["skipped"] = [str(item.path) for item, _ in result.skipped]
    return data


def music_hotwords(ctx: Context) -> list[str]:
    """Titles and artists from the library, most played first, for speech recognition bias."""
    settings: MusicSettings = ctx.settings or MusicSettings()
    library, history, _ = _library(ctx)
    try:
        tracks = library.tracks(wait_s=1.0)
    except LibraryError as error:
        log.info("music hotwords: %s", error)
        return []
    words: dict[str, None] = {}
    for track in history.ranked(tracks) + sorted(tracks, key=lambda t: t.key):
        for word in (track.title, track.artist):
            if word and len(words) < settings.hotwords_max:
                words.setdefault(word)
    return list(words)


# --- the skills -------------------------------------------------------------------------------------------------


@skill(
    examples=[
        ("play baby shark", 'play_music(query="baby shark")'),
        ("i wanna hear baby shark", 'play_music(query="baby shark")'),
        ("i wanna hear the wheels on the bus", 'play_music(query="the wheels on the bus")'),
        ("play baby shark again", 'play_music(query="baby shark")'),
        ("can you play twinkle twinkle little star please", 'play_music(query="twinkle twinkle little star")'),
        ("play my favorite song", f'play_music(query="{FAVORITE}")'),
        ("play my favourite", f'play_music(query="{FAVORITE}")'),
        ("i want to hear bohemian rhapsody", 'play_music(query="bohemian rhapsody")'),
        ("put on yellow submarine", 'play_music(query="yellow submarine")'),
        ("play something by queen", 'play_music(query="queen")'),
        ("play songs by the beatles", 'play_music(query="the beatles")'),
        ("let's listen to taylor swift", 'play_music(query="taylor swift")'),
        ("i'd like to listen to hey jude", 'play_music(query="hey jude")'),
        ("can we listen to let it go", 'play_music(query="let it go")'),
        ("start playing blinding lights", 'play_music(query="blinding lights")'),
        ("play some jazz", 'play_music(query="jazz")'),
        ("play classical music", 'play_music(query="classical")'),
        ("play the album abbey road", 'play_music(query="abbey road")'),
        ("play the song called let it go", 'play_music(query="let it go")'),
        ("play", "play_music()"),
        ("play some music", "play_music()"),
        ("play music", "play_music()"),
        ("put on some music", "play_music()"),
        ("shuffle my music", "play_music()"),
    ],
    not_for=[
        "radio",
        "station",
        "fm",
        "npr",
        "podcast",
        "podcasts",
        "episode",
        "episodes",
        "audiobook",
        "audiobooks",
        "book",
        "chapter",
        "story",
        "stories",
        "joke",
        "jokes",
        "game",
        "games",
        "playlist",
        "playlists",
        "news",
        "video",
        "videos",
        "movie",
        "movies",
        "film",
        "tv",
        "television",
        "youtube",
        "netflix",
        "with",
        "alarm",
        "alarms",
        "timer",
        "timers",
        "reminder",
        "solitaire",
        "chess",
        "sudoku",
        "program",
        "programme",
        "outside",
        "pretend",
        "hide",
        "seek",
        "catch",
        "back",  # "play back the message": a recording, not music; "Back in Black" still goes to the LLM
    ],  # fmt: skip
    # A joke is never a song, though a small model plays "a nerd joke" (SLURP devel, 2 of its 35 misses).
    never_for=[
        *"joke jokes witz witze blague blagues chiste chistes barzelletta barzellette grap grappen".split(),
        *"ジョーク 冗談 笑话 笑話".split(),
        *ALARM_WORDS,
    ],
    settings=MusicSettings,
    hotwords=music_hotwords,
    training_values={
        "query": [
            "baby shark",
            "let it go",
            "the wheels on the bus",
            "twinkle twinkle little star",
            "old macdonald",
            "bohemian rhapsody",
            "yellow submarine",
            "hey jude",
            "dancing queen",
            "shake it off",
            "despacito",
            "queen",
            "the beatles",
            "abba",
            "taylor swift",
            "raffi",
            "mozart",
            "jazz",
            "rock",
            "classical",
            "lullabies",
            "abbey road",
            "frozen",
            "thriller",
            "my favorite song",
        ],
    },  # fmt: skip
)
def play_music(query: Query = None, *, ctx: Context) -> Reply:
    """Play music from the local library: a song title, an artist, an album or a genre; no query shuffles everything."""
    library, history, player = _library(ctx)
    if query is None and player.state == "paused":
        player.resume()
        return Reply(_say(ctx, "resumed", track=_name(ctx, player.current)), _data(player.current, "resume"))
    tracks = _tracks(ctx, library)
    if query is None or fold(query) in GENERIC_QUERIES:
        return _start(ctx, player, random.sample(tracks, len(tracks)), "shuffling")
    if lighten(query) == FAVORITE:
        favorite = history.favorite(tracks)
        if favorite is None:
            return _start(ctx, player, random.sample(tracks, len(tracks)), "no_favorite")
        return _start(ctx, player, [favorite], "favorite")
    found: Match | None = library.search(query, tracks)
    if found is None:
        log.info("music: no match for %r among %d tracks", query, len(tracks))
        raise SkillError(_say(ctx, "not_found", query=query), cause=f"no track scored {library.min_score}+")
    log.info(
        "music: %r -> %s %r (score %.0f, %d tracks)", query, found.kind, found.name, found.score, len(found.tracks)
    )
    if found.kind == "artist":
        return _start(ctx, player, found.tracks, "playing_artist", artist=found.name)
    if found.kind == "album":
        return _start(ctx, player, found.tracks, "playing_album", album=found.name)
    if found.kind == "genre":
        return _start(ctx, player, found.tracks, "playing_genre", genre=found.name.lower())
    return _start(ctx, player, found.tracks, "playing")


def _control_phrases(by_action: dict[str, str]) -> list[tuple[str, str]]:
    """(utterance, call) pairs from "|"-separated phrasings per music_control action."""
    return [
        (phrase, f'music_control(action="{action}")')
        for action, phrases in by_action.items()
        for phrase in phrases.split("|")
    ]


@skill(
    examples=[
        ("stop", 'music_control(action="stop")'),
        ("stop the music", 'music_control(action="stop")'),
        ("turn off the music", 'music_control(action="stop")'),
        ("pause", 'music_control(action="pause")'),
        ("pause the song", 'music_control(action="pause")'),
        ("resume", 'music_control(action="resume")'),
        ("keep playing", 'music_control(action="resume")'),
        ("continue playing", 'music_control(action="resume")'),
        ("unpause", 'music_control(action="resume")'),
        ("stop playing", 'music_control(action="stop")'),
        ("next song", 'music_control(action="next")'),
        ("skip this song", 'music_control(action="next")'),
        ("skip", 'music_control(action="next")'),
        ("next track", 'music_control(action="next")'),
        ("play the next song", 'music_control(action="next")'),
        ("play the previous song", 'music_control(action="previous")'),
        ("play the song before this one", 'music_control(action="previous")'),
        ("previous song", 'music_control(action="previous")'),
        ("go back to the last song", 'music_control(action="previous")'),
        ("go back", 'music_control(action="previous")'),
        ("turn it up", 'music_control(action="volume_up")'),
        ("turn the volume up", 'music_control(action="volume_up")'),
        ("turn the volume down", 'music_control(action="volume_down")'),
        ("louder", 'music_control(action="volume_up")'),
        ("volume up", 'music_control(action="volume_up")'),
        ("turn the volume down", 'music_control(action="volume_down")'),
        ("make it louder please", 'music_control(action="volume_up")'),
        ("turn it down", 'music_control(action="volume_down")'),
        ("quieter", 'music_control(action="volume_down")'),
        ("it's too loud", 'music_control(action="volume_down")'),
        ("turn up the volume", 'music_control(action="volume_up")'),
        ("turn down the volume", 'music_control(action="volume_down")'),
        ("turn the speaker volume up", 'music_control(action="volume_up")'),
        ("turn up the speaker volume", 'music_control(action="volume_up")'),
        ("turn the speaker volume down", 'music_control(action="volume_down")'),
        ("turn down the speaker volume", 'music_control(action="volume_down")'),
        ("lower the volume", 'music_control(action="volume_down")'),
        ("raise the volume", 'music_control(action="volume_up")'),
        # The same commands in the other reply languages, for the fast path: a two-word command needs no LLM
        # in any language. Listed after the English ones, so the prompt's few-shot examples stay English.
        *_control_phrases(
            {
                "next": "nächstes lied|nächster titel|chanson suivante|morceau suivant|siguiente canción|"
                "canción siguiente|canzone successiva|prossima canzone|volgende nummer|volgend liedje|次の曲|下一首",
                "previous": "vorheriges lied|letztes lied|chanson précédente|canción anterior|canzone precedente|"
                "vorige nummer|前の曲|上一首",
                "stop": "musik aus|stopp die musik|arrête la musique|para la música|ferma la musica|"
                "stop de muziek|音楽を止めて|停止播放|关掉音乐",
                "pause": "pause machen|mets en pause|pausa la música|metti in pausa|pauzeer de muziek|"
                "一時停止|暂停|暂停音乐",
                "resume": "weiterspielen|reprends la musique|continúa la música|riprendi la musica|"
                "ga verder met spelen|再開して|继续播放",
                "volume_up": "lauter|plus fort|más alto|sube el volumen|alza il volume|più forte|harder|"
                "音量を上げて|大声一点|调大音量",
                "volume_down": "leiser|moins fort|más bajo|baja el volumen|abbassa il volume|più piano|zachter|"
                "音量を下げて|小声一点|调小音量",
            }
        ),
    ],
)
def music_control(
    action: Literal["stop", "pause", "resume", "next", "previous", "volume_up", "volume_down"], *, ctx: Context
) -> Reply:
    """Control the music that is playing: stop, pause, resume, next or previous song, volume up or down."""
    player = _player(ctx)
    if action in ("volume_up", "volume_down"):
        before = player.volume
        level = player.change_volume(1 if action == "volume_up" else -1)
        if level == before:
            return Reply(
                _say(ctx, "volume_max" if action == "volume_up" else "volume_min"), {"action": action, "level": level}
            )
        return Reply(_say(ctx, "volume", level=level), {"action": action, "level": level})
    if action == "resume":
        if player.resume():
            return Reply(_say(ctx, "resumed", track=_name(ctx, player.current)), _data(player.current, "resume"))
        key = "already_playing" if player.state == "playing" else "nothing_paused"
        return Reply(_say(ctx, key), {"action": action, "state": player.state})
    if action == "stop":
        done = player.stop()
        return Reply(_say(ctx, "stopped" if done else "nothing_playing"), {"action": action, "done": done})
    if action == "pause":
        done = player.pause()
        if not done and player.state == "paused":
            return Reply(_say(ctx, "paused"), {"action": action, "done": False})
        return Reply(_say(ctx, "paused" if done else "nothing_playing"), {"action": action, "done": done})
    if player.state == "stopped":
        return Reply(_say(ctx, "nothing_playing"), {"action": action, "done": False})
    before_item = player.current
    result = player.next() if action == "next" else player.previous()
    if result.started is None:
        if result.skipped:
            return Reply(_skipped(ctx, result), {"action": action, "done": False})
        return Reply(_say(ctx, "last"), {"action": action, "done": False})
    key = "next" if action == "next" else "previous"
    if action == "previous" and result.started is before_item and not result.skipped:
        key = "restart"
    return Reply(
        join_sentences(ctx.language, _skipped(ctx, result), _say(ctx, key, track=_name(ctx, result.started))),
        _data(result.started, action),
    )


@skill(
    examples=[
        ("set the volume to 5", "set_volume(level=5)"),
        ("volume 3", "set_volume(level=3)"),
        ("turn the volume to 7", "set_volume(level=7)"),
        ("change the volume to 4", "set_volume(level=4)"),
        ("put the volume at 2", "set_volume(level=2)"),
    ],
)
def set_volume(level: Annotated[int, Range(0, 10)], *, ctx: Context) -> Reply:
    """Set the speaker volume to a level from 0 (silent) to 10 (loudest)."""
    player = _player(ctx)
    player.set_volume(level)
    return Reply(_say(ctx, "volume", level=level), {"action": "set_volume", "level": level})
