"""The skills' network helpers: the TTL cache (cachetools behind a lock)."""

from __future__ import annotations

import threading
import time

from assistant.http import TtlCache


def test_entries_expire_after_their_ttl():
    cache = TtlCache(ttl_s=0.05)
    cache.put("boston", {"temp": 8})
    assert cache.get("boston") == {"temp": 8} and cache.get("paris") is None
    time.sleep(0.06)
    assert cache.get("boston") is None


def test_ttl_zero_keeps_nothing():
    cache = TtlCache(ttl_s=0)
    cache.put("boston", 1)
    assert cache.get("boston") is None


def test_bounded_least_recently_used_goes_first():
    cache = TtlCache(ttl_s=60, max_items=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)


def test_threads_share_one_cache():
    """Many threads reading and writing at once (as the news skill's feed threads do) lose nothing and raise nothing."""
    cache = TtlCache(ttl_s=60, max_items=1000)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(200):
                cache.put(f"{n}-{i}", i)
                assert cache.get(f"{n}-{i}") == i
        except BaseException as error:  # noqa: BLE001 (reported by the main thread)
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and cache.get("3-199") == 199
