"""Small helpers for skills that use the network: a keep-alive session and a short-lived cache."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import cachetools


class TtlCache:
    """A bounded in-memory cache whose entries expire ttl_s after they were stored (cachetools.TTLCache).

    Thread-safe: cachetools caches are not, reads included (a lookup drops expired entries and moves the key in
    the LRU order), so every access holds one lock. The news skill reads feeds from several threads at once.
    A ttl_s of 0 stores nothing ("cache_s = 0" in a skill's settings turns its cache off).
    """

    def __init__(self, ttl_s: float, max_items: int = 256, timer: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        """How long an entry is served after put, in seconds."""
        # cachetools cannot hold an item in a cache of size 0 (it raises), and a TTL of 0 should keep nothing.
        self._items: cachetools.TTLCache[str, Any] | None = (
            cachetools.TTLCache(max_items, ttl_s, timer=timer) if ttl_s > 0 else None
        )
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """Entries held now (expired ones may still count until the next access drops them)."""
        if self._items is None:
            return 0
        with self._lock:
            return len(self._items)

    def get(self, key: str) -> Any:
        """The value stored under key if it is younger than ttl_s, else None."""
        if self._items is None:
            return None
        with self._lock:
            return self._items.get(key)

    def put(self, key: str, value: Any) -> None:
        """Store value under key, stamped now (the least recently used entry goes when the cache is full)."""
        if self._items is None:
            return
        with self._lock:
            self._items[key] = value


def new_session(user_agent: str) -> Any:
    """One keep-alive HTTP session per assistant (saves a TLS handshake per request on a Pi)."""
    import requests  # lazy: importing requests costs ~100 ms at start-up

    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    return session
