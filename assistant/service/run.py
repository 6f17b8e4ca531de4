"""`assistant serve`: load the models, start the Wyoming server, the hub for [[satellites]] and the zeroconf
announcement, and run until Ctrl-C or SIGTERM (systemd's stop), then withdraw the announcement and close cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from urllib.parse import urlparse

from assistant.config import Config
from assistant.errors import AssistantError
from assistant.service.backend import Backend
from assistant.service.discovery import Announcement
from assistant.service.info import service_info
from assistant.service.wyoming_server import start_server

log = logging.getLogger(__name__)


async def serve(config: Config, *, uri: str, zeroconf: bool, llm: bool = True) -> None:
    """Serve until SIGINT/SIGTERM."""
    backend = Backend.load(config, llm=llm, max_waiting=config.service.max_waiting)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, backend.warm_up)
    backend.assistant.start_background()  # timers and alarms ring while serving; the hub says their announcements
    hub = None
    if config.satellites:
        from assistant.service.hub import Hub  # only a hub needs the rooms, the VAD per satellite, the music sinks

        hub = Hub(config, backend)
    if hub is not None:
        await loop.run_in_executor(None, hub.prepare)
    info = service_info(config, backend.voices.voices, name="pi-assistant")
    try:
        server = await start_server(uri, backend, info)
    except (OSError, ValueError) as error:  # the port is taken, the address is not this machine's, a bad uri
        backend.close()
        raise AssistantError(f"cannot serve Wyoming on {uri}: {error}") from None
    announcement: Announcement | None = None
    address = urlparse(uri)
    if zeroconf and address.scheme == "tcp" and address.port:
        announcement = Announcement(address.port, config.service.zeroconf_name)
        try:
            await announcement.start()
        except OSError as error:  # no network yet (boot), or no multicast: serve anyway, say why
            log.warning("zeroconf: cannot announce (%s); add the server in Home Assistant by address", error)
            announcement = None
    if hub is not None:
        await hub.start()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    rooms = f", hub for {len(config.satellites)} satellite(s)" if hub is not None else ""
    print(f"assistant: serving Wyoming on {uri}{rooms} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        await stop.wait()
    finally:
        if hub is not None:
            await hub.stop()
        if announcement is not None:
            await announcement.close()
        await server.stop()
        backend.close()


def main(config: Config, *, uri: str = "", zeroconf: bool = True, llm: bool = True) -> int:
    """Run serve() to the end; the exit status."""
    asyncio.run(serve(config, uri=uri or config.service.uri, zeroconf=zeroconf and config.service.zeroconf, llm=llm))
    return 0
