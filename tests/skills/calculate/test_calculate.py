"""The calculate skill: sentence -> call -> spoken answer, in English and the other catalogue languages."""

from __future__ import annotations

from fractions import Fraction

import pytest

from assistant.calls import Call, parse_call
from assistant.errors import InvalidArguments, SkillError
from assistant.i18n import LANGUAGES
from assistant.registry import Context, Registry
from assistant.routing.matcher import FastMatcher
from assistant.testing import SkillTester
from skills.calculate import MESSAGES, calculate, format_result
from skills.calculate.spoken_math import to_expression


@pytest.fixture(scope="module")
def tester():
    with SkillTester(calculate) as tester:
        yield tester


@pytest.mark.parametrize(
    "said, expression, reply",
    [
        ("what is twelve times seven", "12*7", "12 times 7 is 84."),
        ("what's 15 percent of 80", "15/100*80", "15 percent of 80 is 12."),
        ("how much is 3 plus 4", "3+4", "3 plus 4 is 7."),
        ("What is 2 + 2?", "2+2", "2 plus 2 is 4."),
        ("what's the square root of 2", "sqrt(2)", "The square root of 2 is about 1.414."),
        ("what is 1/3", "1/3", "1 divided by 3 is about 0.333."),
        ("what's half of 97", "97/2", "97 divided by 2 is 48.5."),
        ("what is 1234567 times 3", "1234567*3", "1,234,567 times 3 is 3,703,701."),
        ("calculate 10 squared", "10**2", "10 squared is 100."),
        ("what is minus three times four", "-3*4", "Minus 3 times 4 is -12."),
        ("what does 80 plus 15 percent equal", "80+15/100*80", "80 plus 15 percent of 80 is 92."),
        ("what's 0.1 + 0.2", "0.1+0.2", "0.1 plus 0.2 is 0.3."),
        ("12 x 7", "12*7", "12 times 7 is 84."),
        ("what is three to the power of four", "3**4", "3 to the power of 4 is 81."),
    ],
)
def test_sentence_routes_fast_and_answers(tester, said, expression, reply):
    turn = tester.turn(said)
    assert turn.route.path == "fast"
    assert turn.route.call == Call("calculate", {"expression": expression})
    assert turn.reply.text == reply


@pytest.mark.parametrize(
    "said",
    [
        "what is the weather",
        "what is the capital of france",
        "what time is it",
        "what's up",
        "what is five",
        "play baby shark",
        "how much is a ticket to boston",
    ],
)
def test_non_math_does_not_route_to_calculate(tester, said):
    assert tester.route(said) is None


def test_fast_path_keeps_parentheses_and_superscripts(tester):
    assert tester.route("what is (2+3)*4") == Call("calculate", {"expression": "(2+3)*4"})
    assert tester.route("what is 10² + 1") == Call("calculate", {"expression": "10**2+1"})
    assert tester.route("what is two to the power of ten") == Call("calculate", {"expression": "2**10"})


@pytest.mark.parametrize(
    "expression, sentence",
    [
        ("1/0", "You can't divide by zero."),
        ("sqrt(-9)", "I can't take the square root of a negative number."),
        ("(-16)**(1/4)", "I can't take an even root of a negative number."),
        ("9**9**9", "That number is too big for me to say."),
        ("10**20", "That number is too big for me to say."),
        ("round(2.5, 0.5)", "I can only round to a whole number of decimal places."),
    ],
)
def test_every_error_sentence(tester, expression, sentence):
    assert tester.call(f'calculate(expression="{expression}")').text == sentence
    with pytest.raises(SkillError) as error:
        calculate(expression)
    assert error.value.sentence == sentence


def test_garbage_given_directly_is_a_sentence_not_a_crash():
    with pytest.raises(SkillError) as error:
        calculate("the capital of france")
    assert error.value.sentence == "Sorry, I couldn't work that out."


def test_words_given_directly_are_normalised():
    reply = calculate("twelve times seven")
    assert reply.text == "12 times 7 is 84."
    assert reply.data == {"expression": "12*7", "value": 84, "result": "84", "exact": True}


def test_reply_data_marks_approximate_results():
    assert calculate("1/3").data == {
        "expression": "1/3",
        "value": pytest.approx(1 / 3),
        "result": "0.333",
        "exact": False,
    }


def test_the_model_may_write_words_or_spaces_the_registry_canonicalises():
    registry = Registry([calculate])
    assert registry.parse('calculate(expression="twelve times seven")') == Call("calculate", {"expression": "12*7"})
    assert registry.parse('calculate(expression="12 * 7")') == Call("calculate", {"expression": "12*7"})
    with pytest.raises(InvalidArguments, match="not a math expression"):
        registry.parse('calculate(expression="the capital of france")')


def test_examples_are_canonical_and_their_words_say_the_same():
    for utterance, text in calculate.examples:
        expression = str(parse_call(text).args["expression"])
        assert to_expression(expression) == expression, text
        assert to_expression(utterance) == expression, utterance


def test_examples_become_templates_with_a_capture():
    matcher = FastMatcher(Registry([calculate]))
    captures = {t.pattern.pattern for t in matcher.templates if "?P<expression>" in t.pattern.pattern}
    assert r"^what\ is\ (?P<expression>.+?)$" in captures
    assert r"^how\ much\ is\ (?P<expression>.+?)$" in captures


@pytest.mark.parametrize(
    "language, expression, reply",
    [
        ("de", "12*7", "12 mal 7 ist 84."),
        ("de", "7.5/2", "7,5 geteilt durch 2 ist 3,75."),
        ("de", "1/3", "1 geteilt durch 3 ist ungefähr 0,333."),
        ("de", "1234567*3", "1.234.567 mal 3 ist 3.703.701."),
        ("fr", "12*7", "12 fois 7 égale 84."),
        ("fr", "sqrt(144)", "La racine carrée de 144 égale 12."),
        ("es", "12*7", "12 por 7 es 84."),
        ("es", "15/100*80", "El 15 por ciento de 80 es 12."),
        ("it", "12*7", "12 per 7 fa 84."),
        ("nl", "12*7", "12 keer 7 is 84."),
        ("nl", "(2+3)*4", "De uitkomst is 20."),
        ("da", "12*7", "12 gange 7 er 84."),
        ("da", "7.5/2", "7,5 divideret med 2 er 3,75."),
        ("da", "1234567*3", "1.234.567 gange 3 er 3.703.701."),
        ("da", "sqrt(144)", "Kvadratroden af 144 er 12."),
        ("da", "(2+3)*4", "Resultatet er 20."),
        ("ja", "12*7", "12かける7は84です。"),
        ("ja", "7.5/2", "7.5わる2は3.75です。"),
        ("ja", "1/3", "1わる3は約0.333です。"),
        ("ja", "1234567*3", "1,234,567かける3は3,703,701です。"),
        ("ja", "15/100*80", "80の15パーセントは12です。"),
        ("ja", "sqrt(144)", "144の平方根は12です。"),
        ("ja", "(2+3)*4", "答えは20です。"),
        ("zh", "12*7", "12乘以7等于84。"),
        ("zh", "7.5/2", "7.5除以2等于3.75。"),
        ("zh", "1234*3", "1,234乘以3等于3,702。"),
        ("zh", "15/100*80", "80的百分之15等于12。"),
        ("zh", "abs(-7)", "负7的绝对值等于7。"),
        ("zh", "round(3.14159, 2)", "3.14159四舍五入保留2位小数等于3.14。"),
        ("en", "(2+3)*4", "The answer is 20."),
        ("en", "7//2", "The answer is 3."),
        ("en", "27**(1/3)", "The cube root of 27 is 3."),
        ("en", "round(3.14159, 2)", "3.14159 rounded to 2 decimal places is 3.14."),
        ("en", "abs(-7)", "The absolute value of minus 7 is 7."),
        ("en", "1+2+3+4+5+6+7+8", "The answer is 36."),
    ],
)
def test_reply_languages(language, expression, reply):
    assert calculate(expression, Context(None, language)).text == reply


@pytest.mark.parametrize("language", ["de", "fr", "es", "it", "nl", "da", "ja", "zh"])
def test_error_sentences_are_translated(language):
    for key in ("result_about", "answer", "answer_about", "too_big", "div_zero", "negative_sqrt", "bad_input"):
        assert MESSAGES.say(language, key, expression="x", value="1") != MESSAGES.say(
            "en", key, expression="x", value="1"
        )
    with pytest.raises(SkillError) as error:
        calculate("1/0", Context(None, language))
    assert error.value.sentence == MESSAGES.catalog[language]["div_zero"]


def test_english_catalogue_is_complete_and_others_cover_every_key():
    english = set(MESSAGES.catalog["en"])
    for language in LANGUAGES:
        assert set(MESSAGES.catalog[language]) == english, language
    assert MESSAGES.missing() == []


@pytest.mark.parametrize(
    "value, said, about",
    [
        (Fraction(84), "84", False),
        (Fraction(97, 2), "48.5", False),
        (Fraction(1, 16), "0.0625", False),
        (Fraction(1, 3), "0.333", True),
        (Fraction(2, 3), "0.667", True),
        (Fraction(-1, 700), "-0.00143", True),
        (Fraction(1, 10**13), "0", True),
        (Fraction(1234567891, 10), "123,456,789.1", False),
        (2**0.5, "1.414", True),
        (Fraction(0), "0", False),
    ],
)
def test_format_result(value, said, about):
    assert format_result(value) == (said, about)
