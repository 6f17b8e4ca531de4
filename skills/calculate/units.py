"""Unit conversion for the calculate skill: 'how many grams in a pound' -> '1 lb to g' -> 453.59237.

A kitchen question is arithmetic with a table, so the computer answers it exactly, never the LLM. Spoken
phrasings in nine languages become one canonical string, '<amount> <unit> to <unit>' with the unit keys of
UNITS, so two phrasings of one conversion give the same call, and the string can be written by hand too.
Factors are the legal definitions (an inch is exactly 0.0254 m), kept as fractions: 1 ft to in is exactly 12.
Volumes are US customary (cup, pint, quart, gallon, fluid ounce), the units of the recipes people read aloud.

Why not pint, the kept library for units (checked with pint 0.25.3 on the x86 dev machine): it would replace only
the UNITS factors and one line of Conversion.value; the names in nine languages, the spoken shapes, singular and
plural, and the checks stay ours. It is exact only as UnitRegistry(non_int_type=Fraction), and then agrees on
1000 of 1050 conversions (five amounts, every pair of compatible units); the 50 others all involve a year, which
pint makes 365.25 days ("how many days in a year" is 365 here). It costs start-up: importing pint took 195-211 ms
and building that registry 198-208 ms (34 ms from its disk cache), against about 50 ms for this whole module
(python -X importtime; not measured on a Pi, whose cores are slower); and it adds four packages (pint, flexcache,
flexparser, platformdirs).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

from assistant.i18n import unspaced_text
from skills.calculate.arithmetic import MAX_RESULT, MathError
from skills.calculate.math_words import DISFLUENCY
from skills.calculate.spoken_math import format_decimal, spoken_number


@dataclass(frozen=True)
class Unit:
    """One unit: its dimension and how to reach the dimension's base unit (base = value * factor + offset)."""

    key: str
    dimension: str
    factor: Fraction
    offset: Fraction = Fraction(0)


def _units(dimension: str, **factors: str) -> dict[str, Unit]:
    return {key: Unit(key, dimension, Fraction(factor)) for key, factor in factors.items()}


UNITS: dict[str, Unit] = {
    **_units("length", mm="0.001", cm="0.01", m="1", km="1000", inch="0.0254", ft="0.3048", yd="0.9144",
             mi="1609.344"),
    **_units("mass", g="0.001", kg="1", oz="0.028349523125", lb="0.45359237"),
    **_units("volume", ml="0.001", l="1", tsp="0.00492892159375", tbsp="0.01478676478125",
             floz="0.0295735295625", cup="0.2365882365", pt="0.473176473", qt="0.946352946", gal="3.785411784"),
    **_units("time", s="1", min="60", h="3600", day="86400", week="604800", year="31536000"),
    **_units("speed", kmh="5/18", mph="0.44704"),
    "degC": Unit("degC", "temperature", Fraction(1), Fraction("273.15")),
    "degF": Unit("degF", "temperature", Fraction(5, 9), Fraction("273.15") - Fraction(32 * 5, 9)),
    "K": Unit("K", "temperature", Fraction(1)),
}  # fmt: skip
"""Unit key -> unit. A year is 365 days, the answer to "how many days in a year"."""
FLUID = {"oz": "floz"}
"""A unit read as its liquid twin when the other unit is a volume ("how many ounces in a cup")."""

NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "mm": ("millimeter", "millimeters"), "cm": ("centimeter", "centimeters"), "m": ("meter", "meters"),
        "km": ("kilometer", "kilometers"), "inch": ("inch", "inches"), "ft": ("foot", "feet"),
        "yd": ("yard", "yards"), "mi": ("mile", "miles"), "g": ("gram", "grams"), "kg": ("kilogram", "kilograms"),
        "oz": ("ounce", "ounces"), "lb": ("pound", "pounds"), "ml": ("milliliter", "milliliters"),
        "l": ("liter", "liters"), "tsp": ("teaspoon", "teaspoons"), "tbsp": ("tablespoon", "tablespoons"),
        "floz": ("fluid ounce", "fluid ounces"), "cup": ("cup", "cups"), "pt": ("pint", "pints"),
        "qt": ("quart", "quarts"), "gal": ("gallon", "gallons"), "s": ("second", "seconds"),
        "min": ("minute", "minutes"), "h": ("hour", "hours"), "day": ("day", "days"), "week": ("week", "weeks"),
        "year": ("year", "years"), "kmh": ("kilometer per hour", "kilometers per hour"),
        "mph": ("mile per hour", "miles per hour"), "degC": ("degree Celsius", "degrees Celsius"),
        "degF": ("degree Fahrenheit", "degrees Fahrenheit"), "K": ("kelvin", "kelvins"),
    },
    "de": {
        "mm": ("Millimeter", "Millimeter"), "cm": ("Zentimeter", "Zentimeter"), "m": ("Meter", "Meter"),
        "km": ("Kilometer", "Kilometer"), "inch": ("Zoll", "Zoll"), "ft": ("Fuß", "Fuß"), "yd": ("Yard", "Yards"),
        "mi": ("Meile", "Meilen"), "g": ("Gramm", "Gramm"), "kg": ("Kilogramm", "Kilogramm"),
        "oz": ("Unze", "Unzen"), "lb": ("Pfund", "Pfund"), "ml": ("Milliliter", "Milliliter"),
        "l": ("Liter", "Liter"), "tsp": ("Teelöffel", "Teelöffel"), "tbsp": ("Esslöffel", "Esslöffel"),
        "floz": ("Flüssigunze", "Flüssigunzen"), "cup": ("Tasse", "Tassen"), "pt": ("Pint", "Pints"),
        "qt": ("Quart", "Quarts"), "gal": ("Gallone", "Gallonen"), "s": ("Sekunde", "Sekunden"),
        "min": ("Minute", "Minuten"), "h": ("Stunde", "Stunden"), "day": ("Tag", "Tage"),
        "week": ("Woche", "Wochen"), "year": ("Jahr", "Jahre"),
        "kmh": ("Kilometer pro Stunde", "Kilometer pro Stunde"), "mph": ("Meile pro Stunde", "Meilen pro Stunde"),
        "degC": ("Grad Celsius", "Grad Celsius"), "degF": ("Grad Fahrenheit", "Grad Fahrenheit"),
        "K": ("Kelvin", "Kelvin"),
    },
    "fr": {
        "mm": ("millimètre", "millimètres"), "cm": ("centimètre", "centimètres"), "m": ("mètre", "mètres"),
        "km": ("kilomètre", "kilomètres"), "inch": ("pouce", "pouces"), "ft": ("pied", "pieds"),
        "yd": ("yard", "yards"), "mi": ("mile", "miles"), "g": ("gramme", "grammes"),
        "kg": ("kilogramme", "kilogrammes"), "oz": ("once", "onces"), "lb": ("livre", "livres"),
        "ml": ("millilitre", "millilitres"), "l": ("litre", "litres"),
        "tsp": ("cuillère à café", "cuillères à café"), "tbsp": ("cuillère à soupe", "cuillères à soupe"),
        "floz": ("once liquide", "onces liquides"), "cup": ("tasse", "tasses"), "pt": ("pinte", "pintes"),
        "qt": ("quart de gallon", "quarts de gallon"), "gal": ("gallon", "gallons"),
        "s": ("seconde", "secondes"), "min": ("minute", "minutes"), "h": ("heure", "heures"),
        "day": ("jour", "jours"), "week": ("semaine", "semaines"), "year": ("année", "années"),
        "kmh": ("kilomètre par heure", "kilomètres par heure"), "mph": ("mile par heure", "miles par heure"),
        "degC": ("degré Celsius", "degrés Celsius"), "degF": ("degré Fahrenheit", "degrés Fahrenheit"),
        "K": ("kelvin", "kelvins"),
    },
    "es": {
        "mm": ("milímetro", "milímetros"), "cm": ("centímetro", "centímetros"), "m": ("metro", "metros"),
        "km": ("kilómetro", "kilómetros"), "inch": ("pulgada", "pulgadas"), "ft": ("pie", "pies"),
        "yd": ("yarda", "yardas"), "mi": ("milla", "millas"), "g": ("gramo", "gramos"),
        "kg": ("kilogramo", "kilogramos"), "oz": ("onza", "onzas"), "lb": ("libra", "libras"),
        "ml": ("mililitro", "mililitros"), "l": ("litro", "litros"), "tsp": ("cucharadita", "cucharaditas"),
        "tbsp": ("cucharada", "cucharadas"), "floz": ("onza líquida", "onzas líquidas"), "cup": ("taza", "tazas"),
        "pt": ("pinta", "pintas"), "qt": ("cuarto de galón", "cuartos de galón"), "gal": ("galón", "galones"),
        "s": ("segundo", "segundos"), "min": ("minuto", "minutos"), "h": ("hora", "horas"), "day": ("día", "días"),
        "week": ("semana", "semanas"), "year": ("año", "años"),
        "kmh": ("kilómetro por hora", "kilómetros por hora"), "mph": ("milla por hora", "millas por hora"),
        "degC": ("grado Celsius", "grados Celsius"), "degF": ("grado Fahrenheit", "grados Fahrenheit"),
        "K": ("kelvin", "kelvins"),
    },
    "it": {
        "mm": ("millimetro", "millimetri"), "cm": ("centimetro", "centimetri"), "m": ("metro", "metri"),
        "km": ("chilometro", "chilometri"), "inch": ("pollice", "pollici"), "ft": ("piede", "piedi"),
        "yd": ("iarda", "iarde"), "mi": ("miglio", "miglia"), "g": ("grammo", "grammi"),
        "kg": ("chilogrammo", "chilogrammi"), "oz": ("oncia", "once"), "lb": ("libbra", "libbre"),
        "ml": ("millilitro", "millilitri"), "l": ("litro", "litri"), "tsp": ("cucchiaino", "cucchiaini"),
        "tbsp": ("cucchiaio", "cucchiai"), "floz": ("oncia liquida", "once liquide"), "cup": ("tazza", "tazze"),
        "pt": ("pinta", "pinte"), "qt": ("quarto di gallone", "quarti di gallone"), "gal": ("gallone", "galloni"),
        "s": ("secondo", "secondi"), "min": ("minuto", "minuti"), "h": ("ora", "ore"), "day": ("giorno", "giorni"),
        "week": ("settimana", "settimane"), "year": ("anno", "anni"),
        "kmh": ("chilometro orario", "chilometri orari"), "mph": ("miglio orario", "miglia orarie"),
        "degC": ("grado Celsius", "gradi Celsius"), "degF": ("grado Fahrenheit", "gradi Fahrenheit"),
        "K": ("kelvin", "kelvin"),
    },
    "nl": {
        "mm": ("millimeter", "millimeter"), "cm": ("centimeter", "centimeter"), "m": ("meter", "meter"),
        "km": ("kilometer", "kilometer"), "inch": ("inch", "inch"), "ft": ("voet", "voet"), "yd": ("yard", "yard"),
        "mi": ("mijl", "mijl"), "g": ("gram", "gram"), "kg": ("kilogram", "kilogram"),
        "oz": ("Engelse ons", "Engelse ons"), "lb": ("Engels pond", "Engelse pond"),
        "ml": ("milliliter", "milliliter"), "l": ("liter", "liter"), "tsp": ("theelepel", "theelepels"),
        "tbsp": ("eetlepel", "eetlepels"), "floz": ("vloeibare ounce", "vloeibare ounces"),
        "cup": ("kopje", "kopjes"), "pt": ("pint", "pints"), "qt": ("quart", "quarts"),
        "gal": ("gallon", "gallons"), "s": ("seconde", "seconden"), "min": ("minuut", "minuten"),
        "h": ("uur", "uur"), "day": ("dag", "dagen"), "week": ("week", "weken"), "year": ("jaar", "jaar"),
        "kmh": ("kilometer per uur", "kilometer per uur"), "mph": ("mijl per uur", "mijl per uur"),
        "degC": ("graad Celsius", "graden Celsius"), "degF": ("graad Fahrenheit", "graden Fahrenheit"),
        "K": ("kelvin", "kelvin"),
    },
    "da": {
        "mm": ("millimeter", "millimeter"), "cm": ("centimeter", "centimeter"), "m": ("meter", "meter"),
        "km": ("kilometer", "kilometer"), "inch": ("tomme", "tommer"), "ft": ("fod", "fod"),
        "yd": ("yard", "yards"), "mi": ("mile", "miles"), "g": ("gram", "gram"), "kg": ("kilogram", "kilogram"),
        "oz": ("unse", "unser"), "lb": ("pund", "pund"), "ml": ("milliliter", "milliliter"),
        "l": ("liter", "liter"), "tsp": ("teske", "teskeer"), "tbsp": ("spiseske", "spiseskeer"),
        "floz": ("væskeunse", "væskeunser"), "cup": ("kop", "kopper"), "pt": ("pint", "pints"),
        "qt": ("quart", "quarts"), "gal": ("gallon", "gallons"), "s": ("sekund", "sekunder"),
        "min": ("minut", "minutter"), "h": ("time", "timer"), "day": ("dag", "dage"), "week": ("uge", "uger"),
        "year": ("år", "år"), "kmh": ("kilometer i timen", "kilometer i timen"),
        "mph": ("mile i timen", "miles i timen"), "degC": ("grad celsius", "grader celsius"),
        "degF": ("grad fahrenheit", "grader fahrenheit"), "K": ("kelvin", "kelvin"),
    },
    "ja": {
        "mm": ("ミリメートル",) * 2, "cm": ("センチメートル",) * 2, "m": ("メートル",) * 2,
        "km": ("キロメートル",) * 2, "inch": ("インチ",) * 2, "ft": ("フィート",) * 2, "yd": ("ヤード",) * 2,
        "mi": ("マイル",) * 2, "g": ("グラム",) * 2, "kg": ("キログラム",) * 2, "oz": ("オンス",) * 2,
        "lb": ("ポンド",) * 2, "ml": ("ミリリットル",) * 2, "l": ("リットル",) * 2, "tsp": ("小さじ",) * 2,
        "tbsp": ("大さじ",) * 2, "floz": ("液量オンス",) * 2, "cup": ("カップ",) * 2, "pt": ("パイント",) * 2,
        "qt": ("クォート",) * 2, "gal": ("ガロン",) * 2, "s": ("秒",) * 2, "min": ("分",) * 2,
        "h": ("時間",) * 2, "day": ("日",) * 2, "week": ("週間",) * 2, "year": ("年",) * 2,
        "kmh": ("キロメートル毎時",) * 2, "mph": ("マイル毎時",) * 2, "degC": ("摂氏度",) * 2,
        "degF": ("華氏度",) * 2, "K": ("ケルビン",) * 2,
    },
    "zh": {
        "mm": ("毫米",) * 2, "cm": ("厘米",) * 2, "m": ("米",) * 2, "km": ("公里",) * 2, "inch": ("英寸",) * 2,
        "ft": ("英尺",) * 2, "yd": ("码",) * 2, "mi": ("英里",) * 2, "g": ("克",) * 2, "kg": ("公斤",) * 2,
        "oz": ("盎司",) * 2, "lb": ("磅",) * 2, "ml": ("毫升",) * 2, "l": ("升",) * 2, "tsp": ("茶匙",) * 2,
        "tbsp": ("汤匙",) * 2, "floz": ("液量盎司",) * 2, "cup": ("杯",) * 2, "pt": ("品脱",) * 2,
        "qt": ("夸脱",) * 2, "gal": ("加仑",) * 2, "s": ("秒",) * 2, "min": ("分钟",) * 2, "h": ("小时",) * 2,
        "day": ("天",) * 2, "week": ("周",) * 2, "year": ("年",) * 2, "kmh": ("公里每小时",) * 2,
        "mph": ("英里每小时",) * 2, "degC": ("摄氏度",) * 2, "degF": ("华氏度",) * 2, "K": ("开尔文",) * 2,
    },
}  # fmt: skip
"""Language -> unit key -> (singular, plural) as the reply says it. Every name is also heard as the unit."""
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "mm": ("mm", "millimetre", "millimetres"), "cm": ("cm", "centimetre", "centimetres"),
    "m": ("metre", "metres"), "km": ("km", "kms", "kilometre", "kilometres"), "inch": ("inches",),
    "ft": ("ft",), "yd": ("yd", "yds"), "mi": ("mi",), "g": ("g", "gr", "grammes"),
    "kg": ("kg", "kgs", "kilo", "kilos", "千克"),
    "oz": ("oz",), "lb": ("lb", "lbs"), "ml": ("ml", "millilitre", "millilitres", "cc"), "l": ("litre", "litres"),
    "tsp": ("tsp", "teaspoonful", "teaspoonfuls"), "tbsp": ("tbsp", "tablespoonful", "tablespoonfuls"),
    "floz": ("fl oz", "fluid oz"), "gal": ("gal",), "s": ("sec", "secs"), "min": ("mins",), "h": ("hr", "hrs"),
    "kmh": ("km/h", "kmh", "kph", "kilometres per hour", "kilometers an hour", "kilometres an hour", "km/t"),
    "mph": ("mph", "miles an hour"),
    "degC": ("celsius", "centigrade", "degrees centigrade", "c", "degrees c", "摂氏", "セ氏", "摂氏温度", "摄氏"),
    "degF": ("fahrenheit", "f", "degrees f", "華氏", "カ氏", "华氏"),
}  # fmt: skip
"""More ways to say or write a unit: spellings, abbreviations, a scale's bare name ("celsius")."""
DEGREES = (
    "degrees", "degree", "grad", "degrés", "degré", "grados", "grado", "gradi", "graden", "graad", "grader", "度",
)  # fmt: skip
"""A bare "degrees": the other scale of the one asked for ("350 degrees in celsius" is Fahrenheit)."""

_TO = "in|into|to|in to|as|en|a|naar|um in|umgerechnet in|i|til|om til|omregnet til"
_HOW_MANY = (
    "how many|how much|wie ?viele?|combien de|combien d'|cuántos|cuántas|cuantos|cuantas|quanti|quante|hoeveel"
    "|hvor mange|hvor meget"
)
# Danish phrases here, in _ASK and in ASIDE are written without "er" (is, are): DISFLUENCY drops it as the English
# hesitation "er" first, so "hvor mange gram er der i et pund" is matched as "hvor mange gram der i et pund".
_HOW_MANY_IN = (
    "are there in|are there in a|is there in|are in|is in|are|is|in|make|makes|make up|equal|to|go into|per|sind"
    "|sind in|hat|haben|ergeben|in einem|in einer|dans|y a-t-il dans|il y a dans|font|fait|en|hay en|hay|son"
    "|tiene|ci sono in|ci sono|sono|fa|fanno|zitten in|zitten er in|gaan in|gaan er in|zijn"
    "|der i|der på|går der på|går på|i|på"
)
_ASK = (
    "convert|change|turn|how much is|how much are|how many is|how long is|how far is|how heavy is|how hot is"
    "|how cold is|how warm is|how fast is|rechne|wie ?viel sind|wie ?viel ist|convertis|convertir|combien font"
    "|combien fait|convierte|cuánto es|cuánto son|cuanto es|cuanto son|converti|quanto fa|quanto fanno|quanto sono"
    "|quanto è|hoeveel is|hoeveel zijn|reken|omregn|regn om|regn|hvor meget|hvor mange|hvor langt|hvor tungt"
    "|hvor varmt|hvor koldt|hvor hurtigt"
)
LATIN_PATTERNS = (
    rf"(?:(?:{_ASK}) )?(?P<amount>.+?) (?P<source>{{unit}}) (?:{_TO}) (?P<target>{{unit}})(?: um(?:rechnen)?)?",
    rf"(?:{_HOW_MANY}) ?(?P<target>{{unit}}) (?:{_HOW_MANY_IN}) (?:(?P<amount>.+?) )?(?P<source>{{unit}})",
    r"(?P<amount>.+?) (?P<source>{unit}) (?:is|are|equals|makes) how many (?P<target>{unit})",
    # Danish "hvor mange milliliter er to kopper": nothing is left between the units once "er" is dropped.
    r"(?:hvor mange|hvor meget) (?P<target>{unit}) (?P<amount>.+?) (?P<source>{unit})",
)
"""Spoken conversion shapes in en, de, fr, es, it, nl, da ('5 km in miles', 'how many grams in a pound', 'wie viele
Gramm sind ein Pfund', 'hvor mange gram er der i et pund', '3 cups is how many milliliters'); each is matched whole
against the normalized text."""
CJK_PATTERNS = (
    r"把?(?P<amount>.+?)(?P<source>{unit})(?:是|等于|等於|相当于|は|って)(?:多少|几|幾|何|なん)(?P<target>{unit})"
    r"(?:ですか|か|吗|呢)?",
    r"把?(?P<amount>.+?)(?P<source>{unit})(?:换算成|換算成|转换成|を)(?P<target>{unit})(?:に換算すると)?"
    r"(?:是多少|は何|はいくつ|ですか|吗)?",
)
"""Japanese and Chinese shapes ('5公里是多少英里', '1ポンドは何グラム'): no spaces between words."""
ONE = frozenset("a an one un une ein eine einen einem einer uno una een en et".split())
"""Articles that mean an amount of one ("how many grams in a pound")."""
ASIDE = re.compile(
    r"^(?:(?:hey|ok|okay|so|please|can you|could you|tell me|do you know|i want to know|what is|what's|whats"
    r"|what are|was sind|was ist|sag mir|dis-moi|dime|dimmi|zeg me|wat is|wat zijn|hvad|hvad bliver|sig mig"
    r"|ved du) )+|(?: please| bitte| s'il te plaît| s'il vous plaît| por favor| per favore| alsjeblieft| tak)+$"
)
"""Politeness and question words around a conversion."""


@dataclass(frozen=True)
class Conversion:
    """An amount of one unit asked in another."""

    amount: Fraction
    source: str
    target: str

    def __str__(self) -> str:
        """The canonical call argument: '5 km to mi'."""
        try:
            amount = format_decimal(self.amount)
        except ValueError:  # 1/3 cup
            amount = f"{self.amount.numerator}/{self.amount.denominator}"
        return f"{amount} {self.source} to {self.target}"

    @property
    def compatible(self) -> bool:
        """Whether both units measure the same thing (no miles in a pound)."""
        return UNITS[self.source].dimension == UNITS[self.target].dimension

    def value(self) -> Fraction:
        """The amount in the target unit, exactly."""
        source, target = UNITS[self.source], UNITS[self.target]
        return (self.amount * source.factor + source.offset - target.offset) / target.factor

    def check(self) -> None:
        """MathError for what has no answer worth saying: a number too big to say, a temperature below absolute
        zero (-500 degrees Celsius)."""
        if max(abs(self.amount), abs(self.value())) >= MAX_RESULT:
            raise MathError("too_big")
        source = UNITS[self.source]
        if source.dimension == "temperature" and self.amount * source.factor + source.offset < 0:
            raise MathError("below_absolute_zero")


def _aliases() -> dict[str, str]:
    """Every way to name a unit (lowercase) -> its key."""
    aliases: dict[str, str] = {}
    for names in NAMES.values():
        for key, pair in names.items():
            for name in pair:
                aliases.setdefault(unicodedata.normalize("NFKC", name).lower(), key)
    for key, extra in EXTRA_ALIASES.items():
        for name in extra:
            aliases[name] = key
    for name in DEGREES:
        aliases[name] = "deg"
    return aliases


ALIASES = _aliases()
"""Lowercase unit name -> unit key ('deg': a bare 'degrees')."""
_UNIT = "|".join(re.escape(name) for name in sorted(ALIASES, key=len, reverse=True))
_SHAPES = [re.compile("^" + p.replace("{unit}", _UNIT) + "$") for p in LATIN_PATTERNS]
_CJK_SHAPES = [re.compile("^" + p.replace("{unit}", _UNIT) + "$") for p in CJK_PATTERNS]


def _normalize(text: str) -> str:
    """Lowercase, '°' as degrees, sentence punctuation dropped (decimal marks kept), '5km' as '5 km'."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("°", " degrees ")
    text = re.sub(r"[?!¿¡;:\"“”«»。？！、]", " ", text)
    text = re.sub(r"[.,](?!\d)|(?<!\d)[.,]", " ", text)
    text = re.sub(r"(?<=\d)(?=[^\W\d_])", " ", text)
    text = " ".join(DISFLUENCY.sub(" ", text).split())
    if unspaced_text(text):
        return text.replace(" ", "")
    while True:
        stripped = ASIDE.sub("", text).strip()
        if stripped == text:
            return text
        text = stripped


def _amount(text: str | None) -> Fraction:
    """The amount said before a unit: a number, an article ('a pound'), or a fraction of one ('half a cup')."""
    text = (text or "").strip()
    if not text or text in ONE:
        return Fraction(1)
    text = re.sub(r"(?: of)? (?:a|an)$", "", text)
    return spoken_number(text)


def _resolve(source: str, target: str) -> tuple[str, str] | None:
    """Bare degrees as the other temperature scale; ounces as fluid ounces next to a volume."""
    if source == "deg" or target == "deg":
        other = {"degC": "degF", "degF": "degC"}
        if source == "deg" and target in other:
            source = other[target]
        elif target == "deg" and source in other:
            target = other[source]
        else:
            return None
    if UNITS[target].dimension == "volume":
        source = FLUID.get(source, source)
    if UNITS[source].dimension == "volume":
        target = FLUID.get(target, target)
    return source, target


def parse_spoken(text: str) -> Conversion | None:
    """A conversion question as said ('how many grams in a pound'), or None when the text is not one."""
    text = _normalize(text)
    for shape in _CJK_SHAPES if unspaced_text(text) else _SHAPES:
        found = shape.match(text)
        if found is None:
            continue
        units = _resolve(ALIASES[found["source"]], ALIASES[found["target"]])
        if units is None:
            return None
        try:
            amount = _amount(found["amount"])
        except ValueError:
            continue
        return Conversion(amount, *units)
    return None


_CANONICAL = re.compile(r"^(-?\d+(?:\.\d+)?(?:/\d+)?) (\w+) to (\w+)$")


def parse_canonical(text: str) -> Conversion | None:
    """The call argument '5 km to mi' back to a Conversion; None if it is not one (it is arithmetic)."""
    found = _CANONICAL.match(text.strip())
    if found is None or found[2] not in UNITS or found[3] not in UNITS:
        return None
    return Conversion(Fraction(found[1]), found[2], found[3])


def unit_name(key: str, language: str, value: Fraction) -> str:
    """The unit as the reply says it: singular for exactly one, else plural; English where a name is missing."""
    names = NAMES.get(language.split("-")[0], NAMES["en"]).get(key) or NAMES["en"][key]
    return names[0] if abs(value) == 1 else names[1]
