"""Small helpers for skills that use the network: a keep-alive session and a short-lived cache."""

from __future__ import annotations

import threading
import time
from typing import Any


class TtlCache:
    """A tiny thread-safe in-memory cache; the age limit is given per lookup."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, max_age_s: float) -> Any:
        """The value stored under key if younger than max_age_s, else None."""
        with self._lock:
            hit = self._items.get(key)
        return hit[1] if hit and time.monotonic() - hit[0] < max_age_s else None

    def put(self, key: str, value: Any) -> None:
        """Store value under key, stamped now."""
        with self._lock:
            self._items[key] = (time.monotonic(), value)


def new_session(user_agent: str) -> Any:
    """One keep-alive HTTP session per assistant (saves a TLS handshake per request on a Pi)."""
    import requests  # lazy: importing requests costs ~100 ms at start-up

    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    return session
