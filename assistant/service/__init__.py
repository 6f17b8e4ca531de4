"""Serving the assistant to other devices: a Wyoming server (Home Assistant's STT, TTS and conversation agent),
a hub that runs the turns of wyoming-satellite boards room by room, their zeroconf announcement, and the board's own
service (the systemd unit, `assistant doctor`).

wire.py (bounded event reading, audio formats) → backend.py (the models, one job at a time off the event loop) →
info.py (what Describe answers) → asr.py, tts.py, handle.py (one module per Wyoming role) → wyoming_server.py →
rooms.py (what each area hears: replies and its own music) → hub.py (the satellites) → discovery.py (zeroconf) →
run.py (`assistant serve`: all of it together). systemd.py and doctor.py: installing and checking the board.
This package imports voice, pipeline and routing; they never import it.
"""
