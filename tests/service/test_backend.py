"""The server's backend remembers how sure Whisper was of what it heard: Home Assistant sends the transcript back as
text to be handled, and the router's hearing gate needs that sureness."""

from __future__ import annotations

from assistant.config import Config
from assistant.http import TtlCache
from assistant.pipeline import Assistant
from assistant.registry import Registry, Reply, skill
from assistant.routing.router import Completion
from assistant.service import backend as backend_module
from assistant.service.backend import Backend, Lane


@skill
def greet() -> Reply:
    """Say hello."""
    return Reply("Hello!")


class UnsureModel:
    """A model that writes greet() at confidence 0.8: under the 0.9 a request heard unsurely needs."""

    def complete(self, text, context, skills=None):
        return Completion("greet()", prompt_tokens=3, generated_tokens=3, confidence=0.8)


def test_a_transcript_this_server_made_brings_its_sureness_back_when_handled(tmp_path):
    assistant = Assistant(Config(data_dir=str(tmp_path)), Registry([greet]), UnsureModel(), trace=False)
    backend = Backend(assistant.config, assistant, stt=None, voices=None, lane=Lane())  # type: ignore[arg-type]
    now = [0.0]
    backend.recent_hearings = TtlCache(backend_module.RECENT_HEARING_S, backend_module.RECENT_HEARINGS, lambda: now[0])
    try:
        assert backend.ask("say hi to me", "en").reply.text == "Hello!"  # typed: nothing to doubt
        backend.remember_hearing("say hi to me ", -0.9)  # heard unsurely by this server's Whisper
        assert backend.ask("say hi to me", "en").reply.text == "Sorry, I didn't catch that. Please say it again."
        backend.remember_hearing("hello there", -0.2)  # heard surely
        assert backend.ask("hello there", "en").reply.text == "Hello!"
        now[0] += backend_module.RECENT_HEARING_S  # long ago: typed for all we know
        assert backend.ask("say hi to me", "en").reply.text == "Hello!"
        for n in range(backend_module.RECENT_HEARINGS + 5):
            backend.remember_hearing(f"request {n}", -0.9)
        assert len(backend.recent_hearings) == backend_module.RECENT_HEARINGS
        assert backend.recalled_hearing("request 0") is None and backend.recalled_hearing("request 36") == -0.9
    finally:
        backend.close()
