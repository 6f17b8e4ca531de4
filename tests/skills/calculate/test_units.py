"""Unit conversion: spoken questions in nine languages -> '1 lb to g' -> an exact, sensibly rounded answer."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.calls import Call
from assistant.errors import SkillError
from assistant.testing import SkillTester
from skills.calculate import calculate, to_calculation
from skills.calculate.units import UNITS, Conversion, parse_canonical, parse_spoken


@pytest.fixture(scope="module")
def tester():
    with SkillTester(calculate) as tester:
        yield tester


@pytest.mark.parametrize(
    "said, canonical",
    [
        ("how many grams in a pound", "1 lb to g"),
        ("How many ounces are in a cup?", "1 cup to floz"),  # ounces next to a volume are fluid ounces
        ("how many ounces in a pound", "1 lb to oz"),
        ("how many teaspoons in a tablespoon", "1 tbsp to tsp"),
        ("how many cups in half a gallon", "0.5 gal to cup"),
        ("how many tablespoons in a quarter cup", "0.25 cup to tbsp"),
        ("how many feet in a mile", "1 mi to ft"),
        ("how many inches make one feet", "1 ft to inch"),  # a child's grammar
        ("how many seconds are there in a day", "1 day to s"),
        ("convert 350 fahrenheit to celsius", "350 degF to degC"),
        ("convert 350 degrees to celsius", "350 degF to degC"),  # bare degrees: the other scale
        ("350°F in C", "350 degF to degC"),
        ("what is minus forty celsius in fahrenheit", "-40 degC to degF"),
        ("what's 2 cups in ml", "2 cup to ml"),
        ("5km in miles", "5 km to mi"),
        ("two and a half pounds in kilograms", "2.5 lb to kg"),
        ("3 cups is how many milliliters", "3 cup to ml"),
        ("100 km/h in mph please", "100 kmh to mph"),
        ("wie viele Gramm sind ein Pfund", "1 lb to g"),
        ("5 Meilen in Kilometer", "5 mi to km"),
        ("combien de grammes dans une livre", "1 lb to g"),
        ("convertis 10 kilomètres en miles", "10 km to mi"),
        ("¿cuántos gramos hay en una libra?", "1 lb to g"),
        ("5 millas a kilómetros", "5 mi to km"),
        ("quanti grammi in una libbra", "1 lb to g"),
        ("hoeveel milliliter zitten in een kopje", "1 cup to ml"),
        ("hvor mange gram er der i et pund", "1 lb to g"),
        ("omregn 5 kilometer til miles", "5 km to mi"),
        ("hvor mange milliliter er 2 kopper", "2 cup to ml"),  # Danish "er" is dropped as a hesitation
        ("hvad er 350 grader i celsius", "350 degF to degC"),
        ("5公里是多少英里", "5 km to mi"),
        ("五千克是多少磅", "5 kg to lb"),
        ("1ポンドは何グラムですか", "1 lb to g"),
    ],
)
def test_spoken_conversions_in_every_language(said, canonical):
    assert str(parse_spoken(said)) == canonical
    assert to_calculation(said) == canonical


@pytest.mark.parametrize(
    "said",
    [
        "how many people live in boston",
        "play 5 feet apart",
        "what is twelve times seven",
        "how much is a ticket to boston",
        "how many days until christmas",
        "convert the file to pdf",
        "how many degrees is it outside",
        "add 5 minutes to the timer",  # "timer" is also Danish hours
        "sæt en timer på 5 minutter",
    ],
)
def test_other_questions_are_not_conversions(said):
    assert parse_spoken(said) is None


@pytest.mark.parametrize(
    "said, reply",
    [
        ("how many grams in a pound", "1 pound is about 453.6 grams."),
        ("how many inches in a foot", "1 foot is 12 inches."),
        ("how many miles in five kilometers", "5 kilometers is about 3.107 miles."),
        ("convert 350 degrees to celsius", "350 degrees Fahrenheit is about 176.7 degrees Celsius."),
        ("what is minus 40 celsius in fahrenheit", "-40 degrees Celsius is -40 degrees Fahrenheit."),
        ("how many centimeters in an inch", "1 inch is 2.54 centimeters."),
        ("how many ounces in a cup", "1 cup is 8 fluid ounces."),
        ("how many seconds in a day", "1 day is 86,400 seconds."),
        ("how many kilometers in a mile", "1 mile is about 1.609 kilometers."),
    ],
)
def test_fast_path_answers_with_exact_factors(tester, said, reply):
    turn = tester.turn(said)
    assert turn.route.path == "fast"
    assert turn.reply.text == reply


def test_reply_in_the_users_language():
    with SkillTester(calculate, language="de") as tester:
        assert tester.ask("wie viele Gramm sind ein Pfund").text == "1 Pfund sind ungefähr 453,6 Gramm."
    with SkillTester(calculate, language="ja") as tester:
        assert tester.ask("5公里是多少英里").text == "5キロメートルは約3.107マイルです。"
    with SkillTester(calculate, language="da") as tester:
        assert tester.ask("hvor mange gram er der i et pund").text == "1 pund er cirka 453,6 gram."


def test_units_of_different_kinds_get_a_sentence_not_a_number(tester):
    assert tester.route("how many miles in a pound") == Call("calculate", {"expression": "1 lb to mi"})
    with pytest.raises(SkillError) as error:
        calculate("1 lb to mi")
    assert error.value.sentence == "I can't convert pounds to miles."


def test_reply_data_carries_the_unit():
    assert calculate("1 ft to inch").data == {
        "expression": "1 ft to inch",
        "value": 12,
        "result": "12",
        "exact": True,
        "unit": "inch",
    }
    assert calculate("how many miles in five kilometers").data["value"] == pytest.approx(3.10686, abs=1e-5)


@given(
    st.fractions(min_value=-1000, max_value=1000, max_denominator=64),
    st.sampled_from(sorted(UNITS)),
    st.sampled_from(sorted(UNITS)),
)
def test_canonical_string_round_trips_and_converting_back_is_exact(amount, source, target):
    conversion = Conversion(amount, source, target)
    assert parse_canonical(str(conversion)) == conversion
    if conversion.compatible:
        back = Conversion(conversion.value(), target, source)
        assert back.value() == amount  # fractions: no drift, even through temperature offsets


def test_definitions():
    assert Conversion(Fraction(1), "mi", "ft").value() == 5280
    assert Conversion(Fraction(1), "gal", "cup").value() == 16
    assert Conversion(Fraction(100), "degC", "degF").value() == 212
    assert Conversion(Fraction(0), "K", "degC").value() == Fraction("-273.15")
    assert Conversion(Fraction(1), "year", "day").value() == 365  # pint's year is 365.25 days: one reason to keep ours


@pytest.mark.parametrize(
    "expression, sentence",
    [
        ("99999999999999999999 km to mi", "That number is too big for me to say."),
        ("-500 degC to K", "Nothing is colder than absolute zero, minus 273.15 degrees Celsius."),
    ],
)
def test_conversions_without_an_answer_get_a_sentence(expression, sentence):
    with pytest.raises(SkillError) as error:
        calculate(expression)
    assert error.value.sentence == sentence
