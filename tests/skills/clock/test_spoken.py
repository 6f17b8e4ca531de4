"""Durations and times of day as people say them, in every language the assistant hears; what is not one."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skills.clock.said import normalize_alarm_time, states_duration, states_time, time_near
from skills.clock.spoken import normalize_duration, normalize_time


@pytest.mark.parametrize(
    "said, canonical",
    [
        ("ten minutes", "10 minutes"),
        ("an hour and a half", "1 hour 30 minutes"),
        ("one and a half hours", "1 hour 30 minutes"),
        ("half an hour", "30 minutes"),
        ("90 seconds", "1 minute 30 seconds"),
        ("1 hour 30", "1 hour 30 minutes"),
        ("two minutes thirty", "2 minutes 30 seconds"),
        ("a hundred and twenty minutes", "2 hours"),
        ("10min", "10 minutes"),
        ("10", "10 minutes"),  # a bare number is minutes: "a timer for ten"
        ("zwanzig Minuten", "20 minutes"),
        ("eineinhalb Stunden", "1 hour 30 minutes"),
        ("eine Viertelstunde", "15 minutes"),
        ("une heure et demie", "1 hour 30 minutes"),
        ("un quart d'heure", "15 minutes"),
        ("una hora y media", "1 hour 30 minutes"),
        ("cuarenta y cinco minutos", "45 minutes"),
        ("quatre-vingt-dix minutes", "1 hour 30 minutes"),
        ("soixante-quinze secondes", "1 minute 15 seconds"),
        ("quarantacinque minuti", "45 minutes"),
        ("un'ora e mezza", "1 hour 30 minutes"),
        ("mezz'ora", "30 minutes"),
        ("anderhalf uur", "1 hour 30 minutes"),
        ("een kwartier", "15 minutes"),
        ("femten minutter", "15 minutes"),  # Danish, which text2num does not read
        ("to timer", "2 hours"),
        ("en halv time", "30 minutes"),
        ("halvanden time", "1 hour 30 minutes"),
        ("1 time og 30 minutter", "1 hour 30 minutes"),
        ("et kvarter", "15 minutes"),
        ("femogtyve sekunder", "25 seconds"),
        ("på 5 minutter", "5 minutes"),
        ("a 10 minute timer", "10 minutes"),  # English "timer" is no Danish hour
        ("十分钟", "10 minutes"),
        ("一个半小时", "1 hour 30 minutes"),
        ("半小时", "30 minutes"),
        ("1時間半", "1 hour 30 minutes"),
        ("3分間", "3 minutes"),
        ("zero minutes", "0 seconds"),  # a duration: the skill answers it with a sentence
        ("400 hours", "400 hours"),
        ("8784 hours", "8784 hours"),  # a year is the longest: longer is digits the model wrote, no duration
    ],
)
def test_durations(said, canonical):
    assert normalize_duration(said) == canonical
    assert normalize_duration(canonical) == canonical  # canonical is a fixed point


@pytest.mark.parametrize(
    "said",
    ["pasta", "ten pasta", "7 am", "tomorrow", "", "the", "1666666666666 hours", "9000 hours", "the timer", "timer"],
)
def test_what_is_no_duration(said):
    with pytest.raises(ValueError):
        normalize_duration(said)


@pytest.mark.parametrize(
    "said, canonical",
    [
        ("7 am", "07:00"),
        ("7:30 p.m.", "19:30"),
        ("seven thirty", "07:30"),
        ("seven oh five", "07:05"),
        ("six forty five", "06:45"),
        ("half past six", "06:30"),
        ("a quarter to eight", "07:45"),
        ("twenty to eight", "07:40"),
        ("noon", "12:00"),
        ("12 am", "00:00"),
        ("10 at night", "22:00"),
        ("730", "07:30"),
        ("halb sieben", "06:30"),
        ("viertel vor acht", "07:45"),
        ("7 Uhr abends", "19:00"),
        ("huit heures moins le quart", "07:45"),
        ("3 heures de l'après-midi", "15:00"),
        ("19h30", "19:30"),
        ("las siete y media", "07:30"),
        ("las 10 de la noche", "22:00"),
        ("le otto meno un quarto", "07:45"),
        ("half acht", "07:30"),  # Dutch: half before eight
        ("half seven", "07:30"),  # British: half past seven
        ("kwart over zeven", "07:15"),
        ("午後7時30分", "19:30"),
        ("七点半", "07:30"),
        ("晚上十点", "22:00"),
        ("12 noon", "12:00"),
        ("to 7 pm", "19:00"),  # a to-word with no minutes before it leads to the hour
        ("klokken 7", "07:00"),  # Danish
        ("kl. 7:30", "07:30"),
        ("klokken syv", "07:00"),
        ("halv syv", "06:30"),
        ("klokken halv syv", "06:30"),
        ("kvart over syv", "07:15"),
        ("kvart i otte", "07:45"),
        ("fem minutter i otte", "07:55"),
        ("til klokken 6", "06:00"),  # "til" leads to the hour, no minutes before it
        ("klokken 5 om eftermiddagen", "17:00"),
        ("klokken 9 i aften", "21:00"),  # "i" before a part of the day is "this", not "to"
        ("klokken 6 i morgen tidlig", "06:00"),
        ("klokken 2 om natten", "02:00"),
        ("klokken 12 middag", "12:00"),
        ("midnat", "00:00"),
        ("615 om morgenen", "06:15"),
        ("上午7:20", "07:20"),  # a part of the day before clock digits
        ("上午615", "06:15"),
        ("下午3：45", "15:45"),
        ("5 di stasera", "17:00"),
        ("5 uur vanavond", "17:00"),
        ("um 2 in der Nacht", "02:00"),
        ("6 di domani mattina", "06:00"),  # a day inside the span: the call's day reads it (said_as)
        ("4 uur 's ochtends deze zaterdag", "04:00"),
        ("7 am tomorrow", "07:00"),
        ("25 o'clock", "25:00"),  # kept: the skill says there is no such time
    ],
)
def test_times_of_day(said, canonical):
    assert normalize_time(said) == canonical
    assert normalize_time(canonical) == canonical


@pytest.mark.parametrize(
    "said",
    ["ten minutes", "in 10 minutes", "pasta", "tomorrow", "", "1000000000000000000", "100:04", "11 minutter", "ten to"],
)
def test_what_is_no_time(said):
    with pytest.raises(ValueError):
        normalize_time(said)


@pytest.mark.parametrize(
    ("said", "time", "duration"),
    [
        ("cancel my alarm for tomorrow", False, False),
        ("please delete the wednesday evening alarm", False, False),
        ("Lösche meinen Wecker am Samstag", False, False),  # German "am" is "on"
        ("取消今天下午的闹钟", False, False),
        ("remove the alarm set for four hundred am", True, True),  # said, if not readable
        ("关掉在上午6点的闹钟", True, False),  # the Chinese reader takes a time alone, not in a sentence
        ("1時間後に起こして", False, True),  # hours of a duration, no time of day
        ("snooze for ten minutes", True, True),
    ],
)
def test_whether_a_sentence_states_a_time_or_a_duration(said, time, duration):
    assert (states_time(said), states_duration(said)) == (time, duration)


@pytest.mark.parametrize(
    ("sentence", "span", "time"),
    [
        ("アラームを明日の午前 6 時に設定する", "6 時に設定する", "06:00"),
        ("アラームを午前 6 時に設定", "午前 6 時に", "06:00"),
        ("薬を飲むようにリマインドする午後 5 時のアラームが必要です", "5 時のアラーム", "17:00"),
        ("明日の朝 7 時半に起こして", "7 時半に起こして", "07:30"),
        ("把闹钟设在下午5点半吧", "5点半吧", "17:30"),
        ("15時にアラーム", "5時に", None),  # inside "15時"
        ("3 分ごとにアラームを設定", "3 分", None),  # a duration
        ("アラームを設定", "設定する", None),  # not in the sentence
        ("wake me at seven", "seven am please", None),  # spaced scripts: the whole request is read instead
    ],
)
def test_a_time_is_read_where_the_span_stands(sentence, span, time):
    if time is None:
        with pytest.raises(ValueError):
            time_near(sentence, span)
    else:
        assert time_near(sentence, span) == time


CJK_TIME_CHARACTERS = "午前後朝夜時时点點分半刻0123456789一二三十百零两にのを設定、 .:-上下晚早x"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=CJK_TIME_CHARACTERS, max_size=16), st.data())
def test_reading_a_time_in_place_refuses_with_a_value_error_only(sentence, data):
    span = sentence[data.draw(st.integers(0, len(sentence))) :]
    try:
        time = time_near(sentence, span)
    except ValueError:
        return
    assert re.fullmatch(r"\d{2,}:\d{2}", time)


@pytest.mark.parametrize(
    "said, canonical",
    [
        ("7 am", "07:00"),  # a time of day stays one
        ("in twenty minutes", "in 20 minutes"),
        ("two hours from now", "in 2 hours"),
        ("fünfzehn Minuten", "in 15 minutes"),
        ("tra dieci minuti", "in 10 minutes"),
        ("om 10 minutter", "in 10 minutes"),
        ("十五分钟后", "in 15 minutes"),
        ("15分後", "in 15 minutes"),
        ("in 1 hour 30 minutes", "in 1 hour 30 minutes"),
    ],
)
def test_an_alarm_time_is_a_time_of_day_or_a_while_from_now(said, canonical):
    assert normalize_alarm_time(said) == canonical
    assert normalize_alarm_time(canonical) == canonical


@pytest.mark.parametrize("said", ["in 30 hours", "in 0 minutes", "3分", "每3分钟", "pasta", "in"])
def test_what_is_no_alarm_time(said):
    with pytest.raises(ValueError):
        normalize_alarm_time(said)
