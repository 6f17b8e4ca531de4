"""Zeroconf: announce the server as _wyoming._tcp.local. (as wyoming-satellite and the Wyoming add-ons do), so Home
Assistant shows "Discovered: Wyoming Protocol" without anyone typing an address; withdrawn again on shutdown."""

from __future__ import annotations

import logging
import socket
from typing import Any

log = logging.getLogger(__name__)

SERVICE_TYPE = "_wyoming._tcp.local."
MDNS_GROUP = "224.0.0.251"


def local_address() -> str:
    """The address other machines reach this one at (the interface a multicast packet would leave by)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect((MDNS_GROUP, 5353))  # UDP connect sends nothing; it only picks the route
        return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def instance_name(name: str = "") -> str:
    """The service's instance name: the configured one, else pi-assistant-HOSTNAME (unique per board)."""
    return name or f"pi-assistant-{socket.gethostname().split('.')[0]}"


class Announcement:
    """One registered Wyoming service; close() sends the goodbye so Home Assistant forgets it at once."""

    def __init__(self, port: int, name: str = "", host: str = "") -> None:
        self.port = port
        self.name = instance_name(name)
        self.host = host or local_address()
        self.zeroconf: Any = None
        self.info: Any = None

    def service_info(self) -> Any:
        """The zeroconf ServiceInfo for this server."""
        from zeroconf.asyncio import AsyncServiceInfo  # imported here: only `serve` with zeroconf on needs it

        return AsyncServiceInfo(
            SERVICE_TYPE,
            f"{self.name}.{SERVICE_TYPE}",
            addresses=[socket.inet_aton(self.host)],
            port=self.port,
            server=f"{self.name}.local.",
        )

    async def start(self) -> None:
        """Register the service on the local network."""
        from zeroconf.asyncio import AsyncZeroconf

        self.zeroconf = AsyncZeroconf()
        self.info = self.service_info()
        await self.zeroconf.async_register_service(self.info)
        log.info("zeroconf: announced %s at %s:%d", self.name, self.host, self.port)

    async def close(self) -> None:
        """Withdraw the service and close the sockets."""
        if self.zeroconf is None:
            return
        try:
            await self.zeroconf.async_unregister_service(self.info)
        finally:
            await self.zeroconf.async_close()
            self.zeroconf = None
