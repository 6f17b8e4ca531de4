"""How people ask music_control: the fast path's phrasings in the nine reply languages, and the words that say which
way the volume goes (its said_as). Kept apart from the skill because the lists grow with every language."""

from __future__ import annotations

OTHERS_PLAYING = ("he's playing", "she's playing", "he is playing", "she is playing", "they are playing")
"""Someone else's music, talked about in the kitchen ("He's playing his music too loud again" turned the volume down,
in noise too): no request to the speaker, for music_control and play_music alike (their never_for)."""

MUSIC_THINGS = (
    *"music song songs track tracks tune tunes playlist album record records audio sound sounds".split(),
    *"speaker speakers volume player playback next previous last".split(),
)
"""What music_control and set_volume act on: "start the vacuum" (heard "start the back") and "turn up the heat" are
commands to other things (evidence.Objects), and went to the music."""


SONG_QUESTIONS = (
    "what is playing",
    "what song is this",
    "what is this song",
    "what song is playing",
    "who sings this",
    "who is singing",
    "name of the song",
    "name of this song",
    "name of the music",
    "name of this music",
)
"""A question about the song that plays: no request to start one or to skip it ("what's playing" came out play_music(),
"what is the name of the music playing now" skipped to the next song)."""


def control_phrases(by_action: dict[str, str]) -> list[tuple[str, str]]:
    """(utterance, call) pairs from "|"-separated phrasings per music_control action."""
    return [
        (phrase, f'music_control(action="{action}")')
        for action, phrases in by_action.items()
        for phrase in phrases.split("|")
    ]


CONTROL_EXAMPLES: list[tuple[str, str]] = [
    ("stop", 'music_control(action="stop")'),
    ("stop the music", 'music_control(action="stop")'),
    ("turn off the music", 'music_control(action="stop")'),
    ("pause", 'music_control(action="pause")'),
    ("pause the song", 'music_control(action="pause")'),
    ("resume", 'music_control(action="resume")'),
    ("keep playing", 'music_control(action="resume")'),
    ("continue playing", 'music_control(action="resume")'),
    ("unpause", 'music_control(action="resume")'),
    ("unpause the music", 'music_control(action="resume")'),
    ("unpause the song", 'music_control(action="resume")'),
    ("stop playing", 'music_control(action="stop")'),
    ("next song", 'music_control(action="next")'),
    ("skip this song", 'music_control(action="next")'),
    ("skip", 'music_control(action="next")'),
    ("next track", 'music_control(action="next")'),
    # Tracks are songs, for the fast path too.
    ("skip this track", 'music_control(action="next")'),
    ("pause the track", 'music_control(action="pause")'),
    ("stop the track", 'music_control(action="stop")'),
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
    # A child's way of asking for more volume; the model read "can't hear" as quieter.
    ("i can't hear it", 'music_control(action="volume_up")'),
    ("i can't hear the music", 'music_control(action="volume_up")'),
    # Muting is silence now and the same song later: a pause ("unmute" had come out as stop).
    ("mute", 'music_control(action="pause")'),
    ("mute the music", 'music_control(action="pause")'),
    ("mute the speaker", 'music_control(action="pause")'),
    ("mute the sound", 'music_control(action="pause")'),
    ("unmute", 'music_control(action="resume")'),
    ("unmute the music", 'music_control(action="resume")'),
    ("unmute the speaker", 'music_control(action="resume")'),
    ("unmute the sound", 'music_control(action="resume")'),
    # "Again" is the song that plays, or the one that just ended: what previous does (it restarts a song past its
    # first seconds). The model declined these.
    ("play this song again", 'music_control(action="previous")'),
    ("play that song again", 'music_control(action="previous")'),
    ("repeat this song", 'music_control(action="previous")'),
    ("repeat that song", 'music_control(action="previous")'),
    ("start this song again", 'music_control(action="previous")'),
    ("start the song over", 'music_control(action="previous")'),
    # The same commands in the other reply languages, for the fast path: a two-word command needs no LLM
    # in any language. Listed after the English ones, so the prompt's few-shot examples stay English.
    *control_phrases(
        {
            "next": "nächstes lied|nächster titel|chanson suivante|morceau suivant|siguiente canción|"
            "canción siguiente|canzone successiva|prossima canzone|volgende nummer|volgend liedje|næste sang|"
            "næste nummer|次の曲|下一首",
            "previous": "vorheriges lied|letztes lied|chanson précédente|canción anterior|canzone precedente|"
            "vorige nummer|forrige sang|forrige nummer|前の曲|上一首",
            "stop": "musik aus|stopp die musik|arrête la musique|para la música|ferma la musica|"
            "stop de muziek|stop musikken|sluk musikken|音楽を止めて|停止播放|关掉音乐",
            "pause": "pause machen|mets en pause|pausa la música|metti in pausa|pauzeer de muziek|"
            "sæt musikken på pause|一時停止|暂停|暂停音乐|"
            # muting, as in English: a pause ("Ton aus" had come out volume_up)
            "ton aus|stummschalten|coupe le son|silencia la música|togli l'audio|geluid uit|slå lyden fra|"
            "ミュート|静音",
            "resume": "weiterspielen|reprends la musique|continúa la música|riprendi la musica|"
            "ga verder met spelen|fortsæt musikken|spil videre|再開して|继续播放",
            "volume_up": "lauter|plus fort|más alto|sube el volumen|alza il volume|più forte|harder|"
            "skru op|højere|音量を上げて|大声一点|调大音量",
            "volume_down": "leiser|moins fort|más bajo|baja el volumen|abbassa il volume|più piano|zachter|"
            "skru ned|lavere|音量を下げて|小声一点|调小音量",
        }
    ),
]
"""music_control's examples: English first (the prompt's few-shot examples come from the first ones), then the same
commands in the other languages for the fast path."""

# A request that says which way the volume goes is read that way whatever the model wrote: "Mach die Musik
# leiser" came out volume_up, "太大声了" (too loud) too. Comparatives and "too loud" only.
VOLUME_SAID: dict[str, list[str]] = {
    "volume_up": [
        *"louder lauter harder luider højere 音量を上げて 大声一点 调大".split(),
        *["plus fort", "más alto", "más fuerte", "più forte", "più alto"],
        *["monte", "sube", "súbele", "skru op"],  # turn up ("skru ned for musikken" came out stop)
    ],
    "volume_down": [
        *"quieter softer leiser zachter lavere 音量を下げて 小声一点 调小".split(),
        *["moins fort", "más bajo", "más bajito", "più piano", "più basso"],
        *["baisse", "baja", "bájale", "skru ned"],
        # and "too loud", which never asks for more
        *["too loud", "zu laut", "trop fort", "demasiado alto", "troppo alto", "te hard", "for højt"],
        *"うるさい 太大声 太吵".split(),
    ],
}
