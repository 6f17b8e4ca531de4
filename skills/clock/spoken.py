"""Spoken durations and times of day, in every language the assistant hears: "an hour and a half" -> 5400 s,
"zwanzig Minuten" -> 1200 s, "十分钟" -> 600 s; "half past six" -> 06:30, "halb sieben" -> 06:30, "午後7時" -> 19:00.

Numbers come from assistant.numbers (number words, Chinese and Japanese numerals); this module knows the units,
halves and quarters, and how each language tells the time ("quarter to eight", "huit heures moins le quart",
"kwart voor acht"). Parsing is strict: a word that is neither a number, a unit nor a known joining word is a
ValueError, so the fast path declines "a timer for the pasta" instead of guessing.

Canonical forms, what a call carries and evaluation compares:
- a duration: whole units in English, zero parts left out: "1 hour 30 minutes", "90 seconds" -> "1 minute 30
  seconds". Words rather than a number of seconds, because the router model copies the request's words into a
  string argument and the prompt's examples show canonical calls: "10 minutes" is something it can copy from
  "set a timer for 10 minutes"; "600" would teach it arithmetic, and a bare number is read as minutes.
- a time of day: "HH:MM", 24-hour. Hours and minutes out of range are kept ("25 o'clock" -> "25:00") so that the
  skill, not the converter, answers them with a sentence.
What a whole request says around its time (an alarm in a while, a time read where the model's span stands, whether
one is stated at all) is skills.clock.said.
"""

from __future__ import annotations

import re

from assistant.i18n import normalize_text, unspaced_text
from assistant.numbers import cjk_number, danish_number, said_numbers

HOUR_S, MINUTE_S = 3600, 60

_UNITS = {
    HOUR_S: "hour hours hr hrs h stunde stunden std heure heures hora horas ora ore uur uren time timer",
    MINUTE_S: "minute minutes min mins m minuten minuto minutos minuti minuut minut minutter",
    1: "second seconds sec secs s sekunde sekunden seconde secondes segundo segundos secondo secondi seconden "
    "sekund sekunder",
}
UNIT_S = {word: seconds for seconds, words in _UNITS.items() for word in words.split()}
"""Unit word -> seconds."""
_DANISH_HOURS = frozenset({"time", "timer"})
"""Danish hour words, English words too ("a 10 minute timer"): a unit only after an amount ("en time", "to timer")."""
_QUARTER_HOURS = {
    "viertelstunde": 0.25,
    "dreiviertelstunde": 0.75,
    "kwartier": 0.25,
    "halbestunde": 0.5,
    "kvarter": 0.25,
}
"""Words that are a number and a unit at once (in hours)."""
HALF = frozenset("half halbe halben halb halv demi demie mitad media medio mezza mezzo mezz".split())
QUARTER = frozenset("quarter quarters viertel quart quarts cuarto cuartos quarto quarti kwart kvart".split())
AND = frozenset("and und et y e en og".split())
ARTICLES = frozenset("a an einer einem l".split())
"""Words for "one" that assistant.numbers does not count ("an hour", "einer Stunde", "l'heure")."""
_FILLERS = frozenset("for für pour por per voor of de d di del van von the more another extra other på i mere".split())
_SCALES = {
    **dict.fromkeys("hundred hundert cent cents cento honderd cien ciento".split(), 100),
    **dict.fromkeys("thousand tausend mille mil mila duizend".split(), 1000),
}
_ONE_AND_A_HALF = {"anderthalb": 1.5, "anderhalf": 1.5, "halvanden": 1.5}
_AND_A_HALF = re.compile(r"^(\w+?)(?:einhalb|ënhalf|enhalf)$")
"""German and Dutch "two and a half" in one word: zweieinhalb, tweeënhalf."""


def _tokens(text: str) -> list[str]:
    """Words of normalized text, digits split from glued units ("10min", "1h30") and elisions ("d'heure")."""
    text = re.sub(r"(?<=\d)(?=[^\W\d])|(?<=[^\W\d])(?=\d)", " ", text)
    return [word for word in re.split(r"[\s'\-]+", text) if word]


def _word_number(word: str) -> float | None:
    """The value of one number word or written number, None for other words."""
    if re.fullmatch(r"\d+(?:[.,]\d+)?", word):
        return float(word.replace(",", "."))
    if word in _ONE_AND_A_HALF:
        return _ONE_AND_A_HALF[word]
    compound = _AND_A_HALF.match(word)
    if compound:
        whole = 1.0 if compound.group(1) in ("ein", "een") else _word_number(compound.group(1))
        return None if whole is None else whole + 0.5
    values = said_numbers(word)
    if values:
        return max(values)
    danish = danish_number(word)  # "to", "fire", "ti" too: this word stands in a time or a duration
    return None if danish is None else float(danish)


def _combine(number: float | None, value: float, word: str) -> float:
    """Add a number word to the number being said: twenty + five, one hundred + twenty, quatre + vingt."""
    if word in _SCALES:
        return (number or 1) * _SCALES[word]
    if number is None:
        return value
    if number == 4 and value == 20:  # quatre-vingt(s)
        return 80
    if number in (60, 80) and 10 <= value < 20:  # soixante-dix, quatre-vingt-quinze
        return number + value
    digits = str(int(number)) if number == int(number) else ""
    zeros = len(digits) - len(digits.rstrip("0"))
    if zeros and value < 10**zeros:  # 20 + 5, 100 + 20, 120 + 5
        return number + value
    raise ValueError(f"two numbers in a row ({number:g} {value:g})")


def _amount(words: list[str]) -> float:
    """The amount a run of words before a unit says: "an", "twenty five", "one and a half", "a quarter of an"."""
    number: float | None = None
    article = False
    fraction = 1.0
    joined = False
    for word in words:
        if word in _FILLERS:
            continue
        if word in AND:
            joined = number is not None or article
            continue
        if word in HALF:
            if joined:
                number = (number if number is not None else 1.0) + 0.5
            else:
                fraction *= 0.5
            continue
        if word in QUARTER:
            fraction *= 0.25
            continue
        if word in ARTICLES:
            article = True
            continue
        value = _word_number(word) if word not in _SCALES else 0.0
        if value is None:
            raise ValueError(f"{word!r} is not part of a duration")
        number = _combine(number, value, word)
    return (number if number is not None else 1.0) * fraction


def duration_seconds(text: str) -> int:
    """Seconds in a spoken duration ("an hour and a half" -> 5400, "zwanzig Minuten" -> 1200, "十分钟" -> 600); a
    bare number is minutes ("a timer for 10"); ValueError when text is not a duration."""
    norm = normalize_text(text)
    if not norm:
        raise ValueError("no duration")
    if unspaced_text(norm):
        return _cjk_duration(norm.replace(" ", ""))
    pending: list[str] = []
    total, last_unit, said_any = 0.0, 0, False
    for word in _tokens(norm):
        if word in _DANISH_HOURS and not [w for w in pending if w not in _FILLERS]:
            continue  # "timer" after no amount is the English timer, not Danish hours
        if word in UNIT_S or word in _QUARTER_HOURS:
            unit = UNIT_S.get(word, HOUR_S)
            amount = _amount(pending) * _QUARTER_HOURS.get(word, 1.0)
            total, pending, last_unit, said_any = total + amount * unit, [], unit, True
        else:
            pending.append(word)
    rest = [w for w in pending if w not in _FILLERS]
    if rest:  # fillers after the last unit change nothing ("10 minutes more")
        if last_unit and set(rest) <= AND | HALF | QUARTER | ARTICLES and rest[0] in AND:
            # "an hour and a half", "une heure et quart": a fraction of the last unit.
            total += last_unit * (0.5 if HALF & set(rest) else 0.25)
        else:
            # "1 hour 30" is 30 minutes, "2 minutes 30" 30 seconds; "10" alone is 10 minutes.
            smaller = {HOUR_S: MINUTE_S, MINUTE_S: 1}.get(last_unit, MINUTE_S if not last_unit else 0)
            if not smaller or not any(_word_number(w) is not None for w in rest):
                raise ValueError(f"{text!r} is not a duration")
            total += _amount(pending) * smaller
        said_any = True
    if not said_any:
        raise ValueError(f"{text!r} is not a duration")
    return round(total)


CJK_NUM = r"[0-9.]+|[零〇一二两兩三四五六七八九十百千万萬]+"
_CJK_DURATION = re.compile(
    rf"(?P<num>{CJK_NUM})?(?P<half0>半)?(?:个|個)?(?P<half>半)?"
    r"(?P<unit>个小时|個小時|小时|小時|時間|钟头|鐘頭|分钟|分鐘|分間|分|秒钟|秒鐘|秒間|秒|刻钟|刻鐘|刻)(?P<after>半)?"
)
_CJK_UNITS = {"分": MINUTE_S, "秒": 1, "刻": 15 * MINUTE_S}
_CJK_FILLERS = re.compile(r"[的间間和又とでにの、,\s]")


def _cjk_number(text: str) -> float:
    return float(text) if text[0].isdigit() else float(cjk_number(text))


def _cjk_duration(text: str) -> int:
    """Seconds in a Chinese or Japanese duration: 十分钟, 一个半小时, 1時間30分, 半小时, 三刻钟."""
    total, end = 0.0, 0
    leftover = []
    for match in _CJK_DURATION.finditer(text):
        leftover.append(text[end : match.start()])
        end = match.end()
        unit_word = match.group("unit")
        unit = next((s for w, s in _CJK_UNITS.items() if unit_word.startswith(w)), HOUR_S)
        number = _cjk_number(match.group("num")) if match.group("num") else (0.0 if match.group("half0") else 1.0)
        if match.group("half0") or match.group("half") or match.group("after"):
            number += 0.5
        total += number * unit
    leftover.append(text[end:])
    rest = _CJK_FILLERS.sub("", "".join(leftover))
    if end == 0 or rest:
        if end == 0 and re.fullmatch(CJK_NUM, text):
            return round(_cjk_number(text) * MINUTE_S)
        raise ValueError(f"{text!r} is not a duration")
    return round(total)


def canonical_duration(seconds: int) -> str:
    """The canonical duration: "1 hour 30 minutes", "45 seconds", "0 seconds"."""
    hours, rest = divmod(int(seconds), HOUR_S)
    minutes, secs = divmod(rest, MINUTE_S)
    parts = [
        f"{n} {unit}{'s' if n != 1 else ''}"
        for n, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second"))
        if n
    ]
    return " ".join(parts) or "0 seconds"


MAX_DURATION_S = 366 * 24 * HOUR_S
"""Longer is no duration anyone asks a kitchen assistant for: the model wrote digits ("1666666666666 hours")."""


def normalize_duration(text: str) -> str:
    """The Normalize converter of a duration argument: what was said -> its canonical form (ValueError: no duration,
    or one over a year)."""
    seconds = duration_seconds(text)
    if seconds > MAX_DURATION_S:
        raise ValueError(f"{text!r} is over a year")
    return canonical_duration(seconds)


# --- times of day ------------------------------------------------------------------------------------------------

DAYS_SAID = {
    "today": ("today", "heute", "aujourd'hui", "hoy", "oggi", "vandaag", "i dag", "今日", "今天"),
    "tomorrow": ("tomorrow", "demain", "domani", "i morgen", "明日", "明天"),
    "monday": tuple("monday montag lundi lunes lunedì lunedi maandag mandag 月曜 星期一 周一".split()),
    "tuesday": tuple("tuesday dienstag mardi martes martedì martedi dinsdag tirsdag 火曜 星期二 周二".split()),
    "wednesday": tuple(
        "wednesday mittwoch mercredi miércoles miercoles mercoledì mercoledi woensdag onsdag 水曜 星期三 周三".split()
    ),
    "thursday": tuple("thursday donnerstag jeudi jueves giovedì giovedi donderdag torsdag 木曜 星期四 周四".split()),
    "friday": tuple("friday freitag vendredi viernes venerdì venerdi vrijdag fredag 金曜 星期五 周五".split()),
    "saturday": tuple("saturday samstag samedi sábado sabado sabato zaterdag lørdag 土曜 星期六 周六".split()),
    "sunday": tuple("sunday sonntag dimanche domingo domenica zondag søndag 日曜 星期日 星期天 周日".split()),
}
"""Words that name a day in every language the router hears. Not German or Dutch "morgen" (also "morning") nor
Spanish "mañana" (also "morning"); Danish "i morgen" is only tomorrow ("this morning" is "i morges")."""

_AM = frozenset(
    "am morning morgens früh frueh matin mattina mattino ochtends ochtend vormittags mañana madrugada "
    "morgenen morges formiddag formiddagen tidlig vormittag stamattina vanochtend morgenochtend".split()
)
_NIGHT = frozenset("night nacht nachts nuit noche notte stanotte vannacht nat natten".split())
"""Night words: "ten at night" is 22:00, "two at night" 2:00."""
_PM = _NIGHT | frozenset(
    "pm afternoon evening tonight abends nachmittags soir soirée aprèsmidi tarde sera pomeriggio avonds middags "
    "eftermiddag eftermiddagen aften aftenen abend nachmittag stasera vanavond vanmiddag".split()
)
NOON = frozenset("noon midday mittag midi mediodía mediodia mezzogiorno middag".split())
MIDNIGHT = frozenset("midnight mitternacht minuit medianoche mezzanotte middernacht midnat".split())
HOUR_MARKS = frozenset("o'clock uhr heure heures h uur hora horas ora ore klokken kl".split())
_PAST = frozenset("past after nach over".split())
"""Germanic "minutes past hour": quarter past seven, zehn nach sieben, kwart over zeven."""
_TO = frozenset("to before till til vor voor i".split())
"""Danish "kvart i otte" is 7:45; a to-word with no minutes or no hour beside it is a preposition ("til klokken 7",
"klokken 9 i aften", "set it to 7")."""
_ROMANCE_PAST = frozenset("et y e".split())
"""Romance "hour and minutes": sept heures et quart, las siete y media, le sette e mezza."""
_ROMANCE_TO = frozenset("moins menos meno".split())
_DAY_WORDS = frozenset(
    word for names in DAYS_SAID.values() for name in names for word in name.split() if not unspaced_text(word)
)
"""A day said inside a time ("alle 6 di domani mattina", "4 uur deze zaterdag") is read by the call's day (said_as)."""
_TIME_FILLERS = _DAY_WORDS | frozenset(
    "at for the um gegen à a las la le l lo el alle all om de di du del dello des s in of o clock this "
    "på morgen der deze diese denne questo questa este esta ce cette".split()
)
"""Words around a time that change nothing; "morgen" is tomorrow (de, nl, da "i morgen"), a day the call says apart."""
_TO_PREPOSITIONS = frozenset("to til till i".split())
"""To-words that are also prepositions: with no minutes before them they only lead to the hour ("til klokken 7")."""
_DAY_PART_AFTER = re.compile(r"\bi (?=(?:aften|nat|morgen|eftermiddag|formiddag|morges|dag)\b)")
"""Danish "i" before a part of the day ("klokken 9 i aften") means "this", not "to"."""
_MINUTE_WORDS = frozenset("minute minutes minuten minuut minuti minutos minut minutter".split())
"""Minutes said beside past/to ("ten minutes past seven", "fem minutter i otte"); alone they are a duration."""
_ENGLISH_HOURS = frozenset("one two three four five six seven eight nine ten eleven twelve".split())
_ZERO_WORDS = frozenset({"oh"})
CJK_PERIOD = "午前|午後|朝|夜|夕方|上午|下午|早上|早晨|晚上|中午|凌晨|傍晚"
"""Words for the part of the day before a CJK hour ("午後7時", "下午5点")."""
_CJK_TIME = re.compile(
    rf"^(?P<period>{CJK_PERIOD})?"
    rf"(?P<h>{CJK_NUM})(?:時|时|点|點|點鐘|点钟)"
    rf"(?:(?P<half>半)|(?P<q>一刻|三刻)|(?P<m>{CJK_NUM})分?)?$"
)
_CJK_DIGITS_TIME = re.compile(rf"^(?P<period>{CJK_PERIOD})(?P<h>[0-9]{{1,2}})(?P<m>[0-9]{{2}})$")
"""A part of the day before clock digits: "上午7:20", "上午6：30" (their colon is gone once normalized), "上午615"."""
_CJK_PM = ("午後", "夜", "夕方", "下午", "晚上", "傍晚")
_CJK_AM = ("午前", "朝", "上午", "早上", "早晨", "凌晨")


def _classify(word: str) -> tuple[str, float]:
    """One word of a spoken time: (kind, value)."""
    for kind, words in (
        ("am", _AM),
        ("pm", _PM),
        ("noon", NOON),
        ("midnight", MIDNIGHT),
        ("mark", HOUR_MARKS),
        ("past", _PAST),
        ("to", _TO),
        ("rpast", _ROMANCE_PAST),
        ("rto", _ROMANCE_TO),
    ):
        if word in words:
            return kind, 0.0
    if word in HALF:
        return "half", 30.0
    if word in QUARTER:
        return "quarter", 15.0
    if word in _ZERO_WORDS:
        return "num", 0.0
    if word in _TIME_FILLERS:
        return "filler", 0.0
    if word in _MINUTE_WORDS:
        return "minutes", 0.0
    value = _word_number(word)
    if value is None or value != int(value):
        raise ValueError(f"{word!r} is not part of a time of day")
    return "num", value


def _minutes(parts: list[tuple[str, float]]) -> int:
    """Minutes said on one side of past/to: "twenty", "a quarter", "three quarters", "half"."""
    kinds = [kind for kind, _ in parts]
    numbers = [value for kind, value in parts if kind == "num"]
    if "half" in kinds:
        return 30
    if "quarter" in kinds:
        return 45 if numbers == [3] else 15
    if len(numbers) == 2 and numbers[0] >= 20 and numbers[1] < 10:  # twenty five
        return int(numbers[0] + numbers[1])
    if len(numbers) == 1:
        return int(numbers[0])
    raise ValueError("no minutes")


def _said(parts: list[tuple[str, float]]) -> bool:
    """Whether one side of past/to says a number, a half or a quarter (a side of "mark" words alone says none)."""
    return any(kind in ("num", "half", "quarter", "noon", "midnight") for kind, _ in parts)


def _hour_minute(words: list[str]) -> tuple[int, int]:
    """(hour, minute) from a spaced-language time, before am/pm."""
    words = _DAY_PART_AFTER.sub("", " ".join(words)).split()
    parts = [_classify(word) for word in words]
    kept = [(word, part) for word, part in zip(words, parts, strict=True) if part[0] not in ("filler", "am", "pm")]
    words_at = [word for word, _ in kept]
    parts = [part for _, part in kept]
    kinds = [kind for kind, _ in parts]
    if kinds and kinds[0] in ("noon", "midnight") and len(kinds) == 1:
        return (12 if kinds[0] == "noon" else 0), 0
    for relation, hour_side in (("past", "right"), ("to", "right"), ("rpast", "left"), ("rto", "left")):
        if relation in kinds:
            at = kinds.index(relation)
            if relation == "to" and words_at[at] in _TO_PREPOSITIONS and not _said(parts[:at]):
                parts, kinds, words_at = (
                    parts[:at] + parts[at + 1 :],
                    kinds[:at] + kinds[at + 1 :],
                    words_at[:at] + words_at[at + 1 :],
                )
                continue  # a preposition before the hour: "til klokken 7", "set it to 7"
            left = [p for p in parts[:at] if p[0] != "minutes"]
            right = [p for p in parts[at + 1 :] if p[0] != "mark"]
            hour_part, minute_part = (right, left) if hour_side == "right" else (left, right)
            hours = [value for kind, value in hour_part if kind == "num"]
            noon = [kind for kind, _ in hour_part if kind in ("noon", "midnight")]
            if noon and not hours:
                hours = [12.0 if noon[0] == "noon" else 0.0]
            if len(hours) != 1 or any(kind not in ("num", "mark", "noon", "midnight") for kind, _ in hour_part):
                raise ValueError("no hour")
            minute = _minutes(minute_part)
            hour = int(hours[0])
            if relation in ("to", "rto"):
                return (hour - 1) % 24 if hour > 0 else 23, 60 - minute
            return hour, minute
    unmarked = [(kind, value) for kind, value in parts if kind != "mark"]
    if [kind for kind, _ in unmarked] == ["half", "num"]:
        # German, Dutch and Danish "halb sieben" / "half zeven" / "halv syv" is 6:30; British "half seven" is 7:30.
        hour = int(unmarked[1][1])
        return (hour, 30) if _ENGLISH_HOURS.intersection(words) else ((hour - 1) % 24, 30)
    numbers = [int(value) for kind, value in parts if kind == "num"]
    rest = [kind for kind in kinds if kind not in ("num", "mark")]
    if numbers == [12] and rest in (["noon"], ["midnight"]):  # "12 noon", "klokken 12 middag"
        return (12 if rest == ["noon"] else 0), 0
    if rest or not numbers:
        raise ValueError("not a time of day")
    if len(numbers) == 1:
        number = numbers[0]
        if number >= 100 and "mark" not in kinds:  # "730", "1930", "0700" (a recogniser's digits)
            return divmod(number, 100)
        return number, 0
    if len(numbers) == 2:
        return numbers[0], numbers[1]
    if len(numbers) == 3 and numbers[1] >= 20 and numbers[1] % 10 == 0 and numbers[2] < 10:  # six forty five
        return numbers[0], numbers[1] + numbers[2]
    if len(numbers) == 3 and numbers[1] == 0:  # seven oh five
        return numbers[0], numbers[2]
    raise ValueError("not a time of day")


def clock_time(text: str) -> tuple[int, int]:
    """(hour, minute) of a spoken time of day, 24-hour, out-of-range values kept: "7 pm" -> (19, 0), "quarter to
    eight" -> (7, 45), "halb sieben" -> (6, 30), "午後7時半" -> (19, 30), "25 o'clock" -> (25, 0)."""
    norm = normalize_text(text)
    if not norm:
        raise ValueError("no time")
    hour, minute = _cjk_time(norm.replace(" ", "")) if unspaced_text(norm) else _spaced_time(norm)
    if hour >= 100 or minute >= 100:  # "25 o'clock" gets the skill's sentence; "1000000000:04" is no time at all
        raise ValueError(f"{text!r} is not a time of day")
    return hour, minute


def _spaced_time(norm: str) -> tuple[int, int]:
    """clock_time for normalized text in a spaced script."""
    words = [w for w in _tokens(norm.replace(".", " ")) if w]
    # "a m" / "p m" after normalize_text ate the dots of "a.m."
    joined = " ".join(words)
    joined = re.sub(r"\b([ap]) m\b", r"\1m", joined).replace("après midi", "aprèsmidi")
    words = joined.split()
    hour, minute = _hour_minute(words)
    kinds = {_classify(word)[0] for word in words}
    if _NIGHT.intersection(words) and hour < 5:
        kinds.discard("pm")  # "two at night" is 2:00
    if "pm" in kinds and hour < 12:
        hour += 12
    elif "am" in kinds and hour == 12:
        hour = 0
    return hour, minute


def _cjk_time(text: str) -> tuple[int, int]:
    if text in ("正午", "中午"):
        return 12, 0
    if text in ("午前零時", "午夜", "半夜"):
        return 0, 0
    match = _CJK_TIME.match(text) or _CJK_DIGITS_TIME.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a time of day")
    said = match.groupdict()
    hour = int(_cjk_number(said["h"]))
    if said.get("half"):
        minute = 30
    elif said.get("q"):
        minute = 15 if said["q"] == "一刻" else 45
    elif said.get("m"):
        minute = int(_cjk_number(said["m"]))
    else:
        minute = 0
    period = match.group("period") or ""
    if period in _CJK_PM and hour < 12:
        hour += 12
    elif period in _CJK_AM and hour == 12:
        hour = 0
    return hour, minute


def normalize_time(text: str) -> str:
    """The Normalize converter of a time-of-day argument: "seven thirty pm" -> "19:30" (ValueError: no time)."""
    hour, minute = clock_time(text)
    return f"{hour:02d}:{minute:02d}"


def split_time(canonical: str) -> tuple[int, int]:
    """(hour, minute) of a canonical "HH:MM"."""
    hour, _, minute = canonical.partition(":")
    return int(hour), int(minute)
