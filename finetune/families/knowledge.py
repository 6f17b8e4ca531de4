"""Money, words and kitchen questions a family asks a speaker."""

from __future__ import annotations

from assistant.registry import Reply, skill


@skill
def convert_currency(amount: float | None = None, source: str | None = None, target: str | None = None) -> Reply:
    """Convert an amount of money from one currency to another at today's rate."""
    return Reply("That is about 12 euros.")


@skill
def stock_price(company: str) -> Reply:
    """The latest share price of a company."""
    return Reply("It's trading at 120 dollars.")


@skill
def translate(text: str, language: str) -> Reply:
    """Translate a word or phrase into another language."""
    return Reply(f"In {language}: ...")


@skill
def define_word(word: str) -> Reply:
    """Say what a word means."""
    return Reply(f"{word}: ...")


@skill
def find_recipe(dish: str) -> Reply:
    """Find a recipe for a dish and read its ingredients."""
    return Reply(f"Here's a recipe for {dish}.")
