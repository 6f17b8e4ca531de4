"""Wake phrases in the transcript: common ones in every language, more per language, CJK matched by characters."""

from __future__ import annotations

from assistant.config import AudioConfig
from assistant.voice.loop import is_stop
from assistant.voice.wake import WakePhrase


def default_wake() -> WakePhrase:
    audio = AudioConfig()
    return WakePhrase(audio.wake_phrases, audio.wake_window_ms, audio.wake_phrases_by_language)


def test_common_phrase_in_one_breath_and_fillers_before_it():
    wake = default_wake()
    assert wake.check("Hey computer, play baby shark.", now_s=0).command == "play baby shark."
    assert wake.check("Okay computer what's the weather", now_s=0).command == "what's the weather"
    assert not wake.check("play baby shark", now_s=100).addressed


def test_a_language_adds_its_own_phrases_and_keeps_the_common_ones():
    wake = default_wake()
    assert wake.check("Hallo Computer, wie wird das Wetter morgen?", now_s=0, language="de").command == (
        "wie wird das Wetter morgen?"
    )
    assert wake.check("Salut ordinateur, mets de la musique.", now_s=0, language="fr").command == (
        "mets de la musique."
    )
    assert wake.check("Hola computadora, ¿cuánto es doce por siete?", now_s=0, language="es").command == (
        "cuánto es doce por siete?"
    )
    assert wake.check("Computer, Musik aus", now_s=0, language="de").command == "Musik aus"
    assert wake.check("Hej computer, hvad er klokken?", now_s=0, language="da").command == "hvad er klokken?"
    # A French phrase is not heard in an English utterance.
    assert not wake.check("ordinateur play music", now_s=100, language="en").addressed
    # A region code uses its base language's phrases.
    assert wake.check("Hallo Computer, Nachrichten", now_s=0, language="de-CH").command == "Nachrichten"


def test_japanese_and_chinese_phrases_match_characters():
    wake = default_wake()
    assert wake.check("ねえコンピューター、音楽をかけて", now_s=0, language="ja").command == "音楽をかけて"
    assert wake.check("你好电脑，明天北京天气怎么样", now_s=0, language="zh").command == "明天北京天气怎么样"
    assert wake.check("电脑。", now_s=0, language="zh").armed
    assert wake.check("播放音乐", now_s=1, language="zh").command == "播放音乐"  # inside the window
    assert not wake.check("明天天气怎么样", now_s=100, language="zh").addressed


def test_phrase_alone_opens_a_window_for_the_command():
    wake = WakePhrase(["computer"], window_ms=8000, by_language={"de": ["hallo computer"]})
    assert wake.check("Hallo Computer.", now_s=0, language="de").armed
    assert wake.check("Wie spät ist es?", now_s=5, language="de").command == "Wie spät ist es?"
    assert not wake.check("Noch etwas", now_s=6, language="de").addressed


def test_stop_words_in_other_languages():
    for said in ["Stopp!", "Arrête !", "¡Para!", "Basta.", "Hou op", "Hold op!", "止めて。", "停止"]:
        assert is_stop(said), said
    assert not is_stop("para mañana")
