"""News: the top headlines from configured RSS and Atom feeds (read by feedparser), by feed name or a topic's words."""

from __future__ import annotations

import calendar
import concurrent.futures
import datetime as dt
import email.utils
import html
import io
import logging
import re
import time
import xml.sax
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers.expat import errors as expat_errors

from assistant.errors import ConfigError, SkillError
from assistant.http import TtlCache, new_session
from assistant.i18n import ALARM_WORDS, Messages
from assistant.registry import Context, Reply, skill

log = logging.getLogger(__name__)

MESSAGES = Messages.load("news", Path(__file__).with_name("locales"))
"""Reply sentences and the built-in feeds' names, per language: locales/<language>.json."""

DEFAULT_FEEDS = {
    "general": "https://feeds.bbci.co.uk/news/rss.xml",
    "world": "https://feeds.bbci.co.uk/news/world/rss.xml",
    "us": "https://feeds.npr.org/1001/rss.xml",
    "business": "https://feeds.bbci.co.uk/news/business/rss.xml",
    "technology": "https://feeds.bbci.co.uk/news/technology/rss.xml",
    "science": "https://feeds.bbci.co.uk/news/science_and_environment/rss.xml",
    "health": "https://feeds.bbci.co.uk/news/health/rss.xml",
    "entertainment": "https://feeds.bbci.co.uk/news/entertainment_and_arts/rss.xml",
    "sports": "https://feeds.bbci.co.uk/sport/rss.xml",
}
ALIASES = {
    "sport": "sports", "tech": "technology", "economy": "business", "finance": "business", "markets": "business",
    "international": "world", "national": "us", "america": "us", "american": "us", "npr": "us", "arts": "entertainment",
}  # fmt: skip
# The built-in feed names in the other reply languages: "Nachrichten über Sport" reads the sports feed. Written
# "name|name: feed" per language, split once below.
_FOREIGN_ALIASES = """
sport|sports|deportes|deporte|sportivo|sportieve|スポーツ|体育|体育新闻|运动: sports
technik|technologie|tecnología|tecnologia|techniek|teknologi|teknik|テクノロジー|技術|科技|技术: technology
wirtschaft|économie|economie|economía|economia|finanzen|finances|finanzas|finanza|økonomi|erhverv: business
financiën|経済|ビジネス|经济|财经: business
welt|monde|mundo|mondo|wereld|international|internacional|internazionale|internationaal|udland|udlandet: world
verden|世界|国際|国际: world
wissenschaft|science|ciencia|scienza|wetenschap|videnskab|科学: science
gesundheit|santé|sante|salud|salute|gezondheid|sundhed|健康: health
unterhaltung|kultur|culture|divertissement|entretenimiento|cultura|spettacolo|cultuur|underholdning: entertainment
エンタメ|芸能|娱乐|文化: entertainment
"""
ALIASES.update(
    {name: feed.strip() for line in _FOREIGN_ALIASES.strip().splitlines() for feed in [line.split(":")[1]]
     for name in line.split(":")[0].split("|")}
)  # fmt: skip
"""Other names people use for a feed topic; used only when the target feed is configured."""
GENERAL_WORDS = {"general", "top", "latest", "today", "today's", "headlines", "news", "stories", "the", "main"}
"""A topic made only of these means the general feed."""
STOP_WORDS = {"the", "a", "an", "news", "headlines", "about", "on", "of", "in", "for", "latest", "today", "stories"}
"""Words ignored when filtering headlines by a topic."""
MAX_FEED_BYTES = 2_000_000
"""Bigger feed answers are refused: a Pi should not parse a runaway download."""
USER_AGENT = "pi-assistant/0.1 (news skill)"


@dataclass(frozen=True)
class NewsSettings:
    """[skills.news] settings."""

    feeds: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FEEDS))
    """Topic name -> RSS or Atom feed URL; "general" (else the first) is read when no topic is said.
    A table in the config replaces the whole default list."""
    headlines: int = 3
    """How many headlines to read out, 1..10."""
    timeout_ms: int = 2500
    """Total time to fetch the feeds of one answer, in milliseconds (feeds are fetched in parallel)."""
    cache_s: int = 300
    """How long a fetched feed is reused, in seconds (in memory; 0 disables)."""

    def __post_init__(self) -> None:
        where = "[skills.news]"
        if not self.feeds:
            raise ConfigError(f"{where} feeds: needs at least one feed")
        for topic, url in self.feeds.items():
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise ConfigError(f"{where} feeds.{topic}: must be an http(s) URL, got {url!r}")
        if not 1 <= self.headlines <= 10:
            raise ConfigError(f"{where} headlines: must be in 1..10, got {self.headlines}")
        if self.timeout_ms <= 0:
            raise ConfigError(f"{where} timeout_ms: must be positive, got {self.timeout_ms}")
        if self.cache_s < 0:
            raise ConfigError(f"{where} cache_s: must not be negative, got {self.cache_s}")


@dataclass(frozen=True)
class Headline:
    """One item of a feed."""

    title: str
    """Headline text, tags and entities removed."""
    summary: str = ""
    """Description or summary text, tags removed."""
    link: str = ""
    """Article URL."""
    published: dt.datetime | None = None
    """Publication time (timezone-aware) when the feed gives one."""
    feed: str = ""
    """Topic name of the feed it came from."""

    def as_data(self) -> dict[str, Any]:
        """JSON-ready form for Reply.data."""
        return {
            "title": self.title,
            "link": self.link,
            "published": self.published.isoformat() if self.published else None,
            "feed": self.feed,
        }


class FeedError(Exception):
    """A feed could not be fetched or read; key names the sentence the user hears."""

    def __init__(self, key: str, cause: str) -> None:
        self.key = key
        self.cause = cause
        super().__init__(cause)


def _session() -> Any:
    """The skill's keep-alive HTTP session."""
    return new_session(USER_AGENT)


def _cache(ctx: Context, settings: NewsSettings) -> TtlCache:
    """The feeds read lately, by URL (made on first use, kept settings.cache_s seconds)."""
    return ctx.service("news.cache", lambda: TtlCache(settings.cache_s, max_items=64))  # type: ignore[no-any-return]


def _text(value: str | None) -> str:
    """Feed text as plain words: tags dropped, entities decoded, whitespace collapsed."""
    if not value:
        return ""
    value = html.unescape(re.sub(r"<[^>]*>", " ", html.unescape(value)))
    return " ".join(value.split())


def _date(value: str | None) -> dt.datetime | None:
    """RFC 822 (RSS) or ISO 8601 (Atom) time as written, offset kept; None when missing or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _published(entry: Any) -> dt.datetime | None:
    """An entry's publication time (else its update time), timezone-aware; None when no date in it can be read.

    feedparser reads many broken date formats but gives UTC only; the feed's own offset ("08:05 -05:00") is kept
    when the date reads as written and means the same instant.
    """
    for name in ("published", "updated"):  # feedparser's names for pubDate, Atom published/updated, dc:date
        # dict.get: FeedParserDict.get maps a missing "updated" to "published" (deprecated, with a warning).
        parsed = dict.get(entry, name + "_parsed")
        instant = dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC) if parsed else None
        as_written = _date(dict.get(entry, name))
        if as_written is not None and (instant is None or as_written == instant):
            return as_written
        if instant is not None:
            return instant
    return None


_ROOT = re.compile(rb"<[A-Za-z_]")
"""The start of the root element: what comes before it is the prolog, where a DOCTYPE declares entities."""
_CUT_SHORT = {expat_errors.XML_ERROR_NO_ELEMENTS, expat_errors.XML_ERROR_UNCLOSED_TOKEN,
              expat_errors.XML_ERROR_UNCLOSED_CDATA_SECTION}  # fmt: skip
"""The XML parser's words for a document that ends before its root element closes (a download cut short)."""


def parse_feed(data: bytes, topic: str = "", content_type: str = "") -> list[Headline]:
    """Headlines of an RSS 0.9x/1.0/2.0 or Atom document, in feed order; FeedError when it is not a feed.

    feedparser reads what real feeds send: encodings declared wrongly or not at all (content_type is the HTTP
    header, one of its clues), HTML and entities in titles, RDF, broken dates, and XML that is not well-formed
    (a stray "&") through its lenient parser. Refused: entity declarations (feeds need none; entity expansion
    is an attack) and a document cut short, whose last headline may stop mid-sentence.
    """
    import feedparser  # lazy: its import costs ~50 ms at start-up, and most turns are not news

    root = _ROOT.search(data)
    if b"<!ENTITY" in data[: root.start() if root else len(data)]:
        # feedparser drops a DOCTYPE's entities itself; refusing them outright also names the cause in the log.
        raise FeedError("bad_feed", "feed declares a DOCTYPE with ENTITY declarations, refused")
    feed = feedparser.parse(io.BytesIO(data), response_headers={"content-type": content_type} if content_type else None)
    problem = feed.get("bozo_exception")
    if isinstance(problem, xml.sax.SAXParseException) and problem.getMessage() in _CUT_SHORT:
        raise FeedError("bad_feed", f"the document ends before the feed does ({problem.getMessage()})")
    if not feed.version:
        raise FeedError("bad_feed", f"not an RSS or Atom feed ({problem or 'no feed element'})")
    items: list[Headline] = []
    for entry in feed.entries:
        title = _text(entry.get("title")).rstrip(".。")  # the reply puts its own full stop
        if not title:
            continue
        content = entry.get("content") or [{}]  # Atom <content>, when there is no summary
        items.append(
            Headline(
                title=title,
                summary=_text(entry.get("summary") or content[0].get("value")),
                link=entry.get("link", "").strip(),
                published=_published(entry),
                feed=topic,
            )
        )
    return items


def _fetch(ctx: Context, settings: NewsSettings, topic: str, url: str, deadline: float) -> list[Headline]:
    """One feed's headlines through the shared session and cache; FeedError with the reason otherwise."""
    import requests

    cache = _cache(ctx, settings)
    cached = cache.get(url)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    remaining_s = deadline - time.monotonic()
    if remaining_s <= 0:
        raise FeedError("timeout", f"{url}: no time left")
    try:
        with ctx.service("news.session", _session).get(url, timeout=remaining_s, stream=True) as response:
            if response.status_code != 200:
                raise FeedError("server_error", f"{url}: HTTP {response.status_code}")
            content_type = response.headers.get("Content-Type", "")
            chunks, size = [], 0
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > MAX_FEED_BYTES:
                    raise FeedError("bad_feed", f"{url}: larger than {MAX_FEED_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise FeedError("timeout", f"{url}: still downloading at the deadline")
                chunks.append(chunk)
    except requests.Timeout as error:  # before ConnectionError: ConnectTimeout is both
        raise FeedError("timeout", f"{url}: {error}") from None
    except requests.RequestException as error:
        raise FeedError("offline", f"{url}: {error}") from None
    try:
        items = parse_feed(b"".join(chunks), topic, content_type)
    except FeedError as error:
        raise FeedError(error.key, f"{url}: {error.cause}") from None
    cache.put(url, items)
    return items


def _fetch_all(ctx: Context, settings: NewsSettings, feeds: dict[str, str]) -> tuple[list[Headline], list[FeedError]]:
    """Fetch feeds in parallel within the deadline; the headlines of those that worked plus the failures."""
    deadline = time.monotonic() + settings.timeout_ms / 1000
    # Create the shared session and cache here, once: Context.service is not meant for racing threads.
    ctx.service("news.session", _session)
    cache = _cache(ctx, settings)
    found: dict[str, list[Headline]] = {}
    for topic, url in feeds.items():
        hit = cache.get(url)
        if hit is not None:
            found[topic] = hit
    missing = {topic: url for topic, url in feeds.items() if topic not in found}
    failures: list[FeedError] = []
    if missing:  # no threads at all when everything is cached
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(8, len(missing)), thread_name_prefix="news")
        futures = {pool.submit(_fetch, ctx, settings, t, url, deadline): t for t, url in missing.items()}
        # A little grace over the deadline: requests' own timeout fires first and reports which feed was slow.
        done, late = concurrent.futures.wait(futures, timeout=max(0.0, deadline - time.monotonic()) + 0.25)
        pool.shutdown(wait=False, cancel_futures=True)
        failures = [FeedError("timeout", f"{missing[futures[f]]}: no answer by the deadline") for f in late]
        for future in futures:  # configured order, so the first failure reported is the first feed's
            if future not in done:
                continue
            try:
                found[futures[future]] = future.result()
            except FeedError as error:
                failures.append(error)
    items = [item for topic in feeds for item in found.get(topic, [])]  # configured order: ties keep it
    for failure in failures:
        log.warning("news: %s", failure.cause)
    return items, failures


def _feed_for(topic: str, feeds: dict[str, str]) -> tuple[str | None, bool]:
    """(the configured feed a topic names or None, True when it asks for the general news only).

    "sport" -> "sports", "tech" -> "technology", "latest" -> "general" (or the first feed when none is called so).
    """
    words = [w for w in re.findall(r"[\w']+", topic.lower()) if w not in ("news", "headlines", "the", "stories")]
    if not words or all(w in GENERAL_WORDS for w in words):
        return ("general" if "general" in feeds else next(iter(feeds))), True
    name = " ".join(words)
    for key in feeds:
        k = key.lower()
        if name in (k, k + "s", k.rstrip("s")) or (len(name) >= 4 and k.startswith(name)):
            return key, False
    alias = ALIASES.get(name)
    return (alias if alias in feeds else None), False


def _matches(words: list[str], item: Headline) -> tuple[bool, bool]:
    """(every word in the title, every word in title or summary); long words match as prefixes (election(s))."""

    def found(word: str, text: str) -> bool:
        tail = r"\w*" if len(word) > 3 else r"\b"
        return re.search(r"\b" + re.escape(word) + tail, text, re.IGNORECASE) is not None

    return all(found(w, item.title) for w in words), all(found(w, item.title + " " + item.summary) for w in words)


def _say(ctx: Context, key: str, **values: object) -> str:
    """A sentence from the catalogue in the request's language, first letter capitalised."""
    text = MESSAGES.say(ctx.language, key, **values)
    return text[:1].upper() + text[1:]


def _read_out(ctx: Context, chosen: list[Headline], kind: str, topic: str) -> str:
    """ "Here are the top sports headlines: one, ...; two, ...; three, ..." """
    if len(chosen) == 1:
        return _say(ctx, f"one_{kind}", topic=topic, item=chosen[0].title)
    numbers = MESSAGES.say(ctx.language, "numbers").split("|")
    pairs = zip(numbers, chosen, strict=False)  # headlines <= 10 numbers (checked in NewsSettings)
    separator = MESSAGES.say(ctx.language, "separator")
    items = separator.join(MESSAGES.say(ctx.language, "item", number=n, title=h.title) for n, h in pairs)
    return _say(ctx, f"many_{kind}", topic=topic, items=items)


def _fail(ctx: Context, error: FeedError) -> SkillError:
    """The sentence for a failed fetch."""
    return SkillError(_say(ctx, error.key), cause=error.cause)


@skill(
    examples=[
        ("what's the news", "news()"),
        ("what's in the news", "news()"),
        ("read me the headlines", "news()"),
        ("give me the latest news", "news()"),
        ("catch me up on the news", "news()"),
        ("what's the latest sports news", 'news(topic="sports")'),
        ("any technology news", 'news(topic="technology")'),
        ("tell me the business headlines", 'news(topic="business")'),
        ("give me the world news", 'news(topic="world")'),
        ("what are the headlines in science", 'news(topic="science")'),
        ("what's the news about climate change", 'news(topic="climate change")'),
        ("any news on Ukraine", 'news(topic="Ukraine")'),
        ("is there any news about the election", 'news(topic="the election")'),
        ("tell me the news", "news()"),
        ("what's in the news today", "news()"),
        ("sports news", 'news(topic="sports")'),
    ],
    not_for=["radio", "podcast", "channel", "station", "weather", "forecast", "song", "good", "bad", "my", "your"],
    never_for=ALARM_WORDS,  # "Slet alle påmindelser" (delete all reminders) came out news()
    needs_network=True,
    settings=NewsSettings,
)
def news(topic: str | None = None, *, ctx: Context) -> Reply:
    """Read the top news headlines, optionally on a topic (sports, technology, or any subject such as an election)."""
    settings: NewsSettings = ctx.settings or NewsSettings()
    key, general = _feed_for(topic or "", settings.feeds)
    if key is not None:
        items, failures = _fetch_all(ctx, settings, {key: settings.feeds[key]})
        if failures:
            raise _fail(ctx, failures[0])
        # A built-in feed is named in the reply's language ("die wichtigsten Sport-Schlagzeilen"); others by key.
        name = MESSAGES.say(ctx.language, f"feed_{key}") if f"feed_{key}" in MESSAGES.catalog["en"] else key
        label = "" if general else (name.upper() if len(name) <= 3 else name)  # "us" is read "US"
        kind = "feed" if label else "general"
        if not items:
            log.info("news: feed %s has no items", key)
            raise SkillError(_say(ctx, "empty_feed" if label else "empty", topic=label), cause=f"feed {key} is empty")
        chosen = items[: settings.headlines]
    else:
        assert topic is not None  # _feed_for returns a feed for an empty topic
        words = [w for w in re.findall(r"[\w']+", topic.lower()) if w not in STOP_WORDS] or [topic.lower()]
        items, failures = _fetch_all(ctx, settings, settings.feeds)
        if failures and not items:
            raise _fail(ctx, failures[0])
        newest = dt.datetime.min.replace(tzinfo=dt.UTC)
        scored = [(m, i, h) for i, h in enumerate(items) if (m := _matches(words, h))[1]]
        # Title matches first, then the newest; equal times keep feed order.
        scored.sort(key=lambda s: (not s[0][0], -(s[2].published or newest).timestamp(), s[1]))
        chosen, seen = [], set()
        for _, _, item in scored:
            if item.title.lower() not in seen:  # the same story is often in several feeds
                seen.add(item.title.lower())
                chosen.append(item)
        chosen = chosen[: settings.headlines]
        label, kind = topic, "about"
        if not chosen:
            log.info("news: nothing about %r in %d headlines", topic, len(items))
            raise SkillError(_say(ctx, "no_news_about", topic=topic), cause=f"no headline matches {words}")
    text = re.sub(r"([?!？！])[.。]$", r"\1", _read_out(ctx, chosen, kind, label))  # no "...right?." at the end
    data = {
        "topic": topic,
        "feed": key,
        "headlines": [h.as_data() for h in chosen],
        "failed_feeds": [f.cause for f in failures],
    }
    return Reply(text, data)
