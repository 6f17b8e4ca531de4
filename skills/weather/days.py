"""The days a weather request can ask about, and the words that name them in every language the router hears."""

from __future__ import annotations

from typing import Literal

Day = Literal[
    "today", "tomorrow", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "weekend", "week"
]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAYS_SAID = {
    "monday": (*"monday montag lundi lunes lunedì lunedi maandag mandag".split(), *"月曜 星期一 周一 礼拜一".split()),
    "tuesday": (
        *"tuesday dienstag mardi martes martedì martedi dinsdag tirsdag".split(),
        *"火曜 星期二 周二 礼拜二".split(),
    ),
    "wednesday": (
        *"wednesday mittwoch mercredi miércoles miercoles mercoledì mercoledi woensdag onsdag".split(),
        *"水曜 星期三 周三 礼拜三".split(),
    ),
    "thursday": (
        *"thursday donnerstag jeudi jueves giovedì giovedi donderdag torsdag".split(),
        *"木曜 星期四 周四 礼拜四".split(),
    ),
    "friday": (
        *"friday freitag vendredi viernes venerdì venerdi vrijdag fredag".split(),
        *"金曜 星期五 周五 礼拜五".split(),
    ),
    "saturday": (
        *"saturday samstag sonnabend samedi sábado sabado sabato zaterdag lørdag".split(),
        *"土曜 星期六 周六 礼拜六".split(),
    ),
    "sunday": (
        *"sunday sonntag dimanche domingo domenica zondag søndag".split(),
        *"日曜 星期日 星期天 周日 礼拜天 礼拜日".split(),
    ),
    "weekend": ("weekend", "wochenende", "week-end", "fin de semana", "fine settimana", "weekenden", "週末", "周末"),
    # The coming seven days. Not "next week" (on a Wednesday that is Monday to Sunday after it, mostly past the
    # forecast) nor a bare "week"/"la semaine", which "next week"/"la semaine prochaine" contain. "今週末" (this
    # weekend) names both 今週 and 週末, so it changes nothing.
    "week": (
        *("this week", "this week's", "the week", "the week's", "the weeks", "coming week", "one week", "all week"),
        *("the next seven days", "the next 7 days", "7-day", "seven-day", "7 day", "seven day", "rest of the week"),
        *("weekly", "diese woche", "dieser woche", "ganze woche", "cette semaine"),
        *("de la semaine", "esta semana", "de la semana", "questa settimana", "della settimana", "deze week"),
        *("komende week", "denne uge", "i ugen", "今週", "一週間", "週間天気", "这周", "本周", "这个星期", "未来一周"),
    ),
}
"""Words that name a weekday, the weekend or the week in every language the router hears (weather's said_as). Not
today or tomorrow: German "Morgen" is also "morning"."""
WEEK_DAYS = 7
"""Days the week's forecast covers, today first (fewer when the settings fetch fewer)."""
