"""The handle and intent roles: a Transcript in → the skill's spoken answer (Handled); Recognize → the call (Intent).

Home Assistant's conversation agent sends a Transcript to both kinds of program and takes whichever answer comes
back, so a Transcript is always handled (the skill runs and its sentence is the answer) and Recognize is the way to
get the call without running it. none() and a turn that went wrong (a skill error, a skill over its budget) are
NotHandled / NotRecognized, still with the sentence the user should hear; a request taken back ("never mind") is
Handled with "Okay." (nothing is left to do) and NotRecognized with the same sentence.
"""

from __future__ import annotations

from typing import Any

from wyoming.event import Event
from wyoming.handle import Handled, NotHandled
from wyoming.intent import Entity, Intent, NotRecognized

from assistant.pipeline import MESSAGES, Turn
from assistant.routing.router import Route


def call_context(route: Route, context: dict[str, Any] | None) -> dict[str, Any]:
    """The request's context (Home Assistant's conversation_id) plus what was called, for the next interaction."""
    out = dict(context or {})
    out.update({"call": str(route.call), "skill": route.call.name, "path": route.path})
    return out


def handled_event(turn: Turn, context: dict[str, Any] | None = None) -> Event:
    """Handled with the reply, or NotHandled (with the reply too) for none() and a failed turn."""
    data = call_context(turn.route, context)
    # "never mind" is answered ("Okay."): Handled, so no other agent takes it up.
    if not turn.route.dismissed and (turn.route.call.name == "none" or turn.error):
        return NotHandled(text=turn.reply.text, context=data).event()
    return Handled(text=turn.reply.text, context=data).event()


def intent_event(route: Route, language: str, context: dict[str, Any] | None = None) -> Event:
    """Intent named after the skill with its arguments as entities, or NotRecognized for none()."""
    data = call_context(route, context)
    if route.call.name == "none":
        said = "dismissed" if route.dismissed else "not_for_me"
        return NotRecognized(text=MESSAGES.say(language, said), context=data).event()
    entities = [Entity(name=key, value=value) for key, value in route.call.args.items()]
    return Intent(name=route.call.name, entities=entities, context=data).event()
