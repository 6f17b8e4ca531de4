"""News skill against a real local HTTP server serving recorded RSS 2.0 and Atom feeds; routing; settings."""

from __future__ import annotations

import string
import time

import pytest

from assistant.calls import Call
from assistant.errors import ConfigError
from assistant.i18n import LANGUAGES
from assistant.registry import Registry
from assistant.routing.matcher import FastMatcher
from assistant.testing import SkillTester
from skills.news import MESSAGES, FeedError, NewsSettings, parse_feed
from skills.news import news as news_skill
from skills.weather import weather
from tests.http_server import FIXTURES, RecordedServer, closed_port_url, http_server  # noqa: F401 (fixture)

FEEDS = {
    "general": ("/news/rss.xml", "news/bbc_general.xml"),
    "world": ("/news/world/rss.xml", "news/bbc_world.xml"),
    "sports": ("/sport/rss.xml", "news/bbc_sport.xml"),
    "technology": ("/technology.atom", "news/technology.atom"),
    "us": ("/1001/rss.xml", "news/npr_news.xml"),
}
SPORTS = (
    "Here are the top sports headlines: one, Late header sends Northfield into cup third round;"
    " two, England name uncapped spinner in Test squad; three, Top seed into semi-finals after three-set battle."
)


@pytest.fixture
def server(http_server):  # noqa: F811 (the imported fixture)
    for path, file in FEEDS.values():
        http_server.serve(path, file)
    return http_server


def make_tester(server: RecordedServer, language: str = "en", **settings: object) -> SkillTester:
    """A SkillTester whose news skill reads the local feeds."""
    feeds = {topic: server.url(path) for topic, (path, _) in FEEDS.items()}
    return SkillTester(news_skill, settings={"feeds": feeds, **settings}, language=language)


@pytest.mark.parametrize(
    "call, text",
    [
        (
            "news()",
            "Here are the top headlines: one, Climate summit agrees new fund to help poorer nations adapt;"
            " two, Storm warnings issued as heavy rain moves across Wales;"
            " three, Bank of England holds rates & signals caution on cuts.",
        ),
        ('news(topic="latest headlines")', None),  # same as news()
        ('news(topic="sports")', SPORTS),
        ('news(topic="sport")', SPORTS),
        ('news(topic="Sports news")', SPORTS),
        (
            'news(topic="tech")',  # an Atom feed; HTML in the title is dropped
            "Here are the top technology headlines: one, New privacy rules for smart speakers;"
            " two, Data centres turn to heat pumps; three, Open-source voice assistants get faster on small boards.",
        ),
        (
            'news(topic="us")',  # the last title ends in "?": no "?." at the end
            "Here are the top US headlines: one, Farmers adapt to a changing climate with drought-tolerant crops;"
            " two, A new election law takes effect in several states. Here's what changes;"
            " three, Why are libraries lending more than books?",
        ),
    ],
)
def test_headlines_read_out(server, call, text):
    with make_tester(server) as t:
        expected = text or t.call("news()").text
        assert t.call(call).text == expected


def test_topic_words_search_every_feed(server):
    with make_tester(server, headlines=4) as t:
        reply = t.call('news(topic="climate")')
    # Title matches first, newest first (NPR's -0500 time is 13:05 GMT); the summary-only match comes last;
    # the summit story is in two feeds but read once.
    assert reply.text == (
        "Here are the top headlines about climate: one, Climate talks: Island states call for faster cuts in emissions;"
        " two, Farmers adapt to a changing climate with drought-tolerant crops;"
        " three, Climate summit agrees new fund to help poorer nations adapt; four, Data centres turn to heat pumps."
    )
    assert [h["feed"] for h in reply.data["headlines"]] == ["world", "us", "general", "technology"]
    assert reply.data["headlines"][1]["published"] == "2024-11-14T08:05:00-05:00"
    assert reply.data["failed_feeds"] == [] and reply.data["feed"] is None


def test_plural_and_single_headline(server):
    with make_tester(server) as t:
        assert t.call('news(topic="the election")').text == (
            "Here are the top headlines about the election: one, A new election law takes effect in several states."
            " Here's what changes; two, Elections in the Pacific: voters head to the polls."
        )
        assert t.call('news(topic="Ukraine")').text == (
            "Here's the top headline about Ukraine: Ukraine: grain ships leave port under new agreement."
        )
    with make_tester(server, headlines=1) as t:
        assert t.call('news(topic="sports")').text == (
            "Here's the top sports headline: Late header sends Northfield into cup third round."
        )


def test_no_news_about_a_topic(server):
    with make_tester(server) as t:
        reply, error = t.assistant.execute(t.registry.parse('news(topic="volcanoes")'))
    assert reply.text == "I found no news about volcanoes." and "volcanoes" in error


def test_data(server):
    with make_tester(server, headlines=2) as t:
        data = t.call('news(topic="world")').data
    assert data["topic"] == "world" and data["feed"] == "world"
    assert data["headlines"][0] == {
        "title": "Climate talks: Island states call for faster cuts in emissions",
        "link": "https://www.bbc.com/news/articles/cx2e8m4l1d9o",
        "published": "2024-11-14T13:10:05+00:00",
        "feed": "world",
    }
    assert len(data["headlines"]) == 2


def test_network_down(server):
    dead = {topic: closed_port_url(path) for topic, (path, _) in FEEDS.items()}
    with SkillTester(news_skill, settings={"feeds": dead}) as t:
        assert t.call("news()").text == "I can't reach the news right now. Please check the internet connection."
        assert t.call('news(topic="climate")').text == (
            "I can't reach the news right now. Please check the internet connection."
        )


@pytest.mark.parametrize("file", ["news/truncated.xml", "news/captive_portal.html"])
def test_malformed_feed(server, file):
    server.serve("/sport/rss.xml", file)
    with make_tester(server) as t:
        reply, error = t.assistant.execute(t.registry.parse('news(topic="sports")'))
    assert reply.text == "The news feed sent something I couldn't read." and "/sport/rss.xml" in error


def test_runaway_download_is_cut_off(server):
    server.serve("/sport/rss.xml", body=b"<rss>" + b" " * 2_100_000 + b"</rss>", content_type="application/rss+xml")
    with make_tester(server) as t:
        reply, error = t.assistant.execute(t.registry.parse('news(topic="sports")'))
    assert reply.text == "The news feed sent something I couldn't read." and "larger than" in error


def test_entity_expansion_is_refused(server):
    server.serve("/sport/rss.xml", "news/billion_laughs.xml")
    with make_tester(server) as t:
        start = time.monotonic()
        reply, error = t.assistant.execute(t.registry.parse('news(topic="sports")'))
    assert reply.text == "The news feed sent something I couldn't read." and "DOCTYPE" in error
    assert time.monotonic() - start < 1
    with pytest.raises(FeedError, match="DOCTYPE"):
        parse_feed((FIXTURES / "news/billion_laughs.xml").read_bytes())


def test_empty_feed(server):
    server.serve("/sport/rss.xml", "news/empty.xml")
    server.serve("/news/rss.xml", "news/empty.xml")
    with make_tester(server) as t:
        assert t.call('news(topic="sports")').text == "There are no sports headlines right now."
        assert t.call("news()").text == "There are no headlines right now."


def test_http_error(server):
    server.serve("/sport/rss.xml", status=503, body=b"Service Unavailable", content_type="text/plain")
    with make_tester(server) as t:
        assert t.call('news(topic="sports")').text == (
            "The news feed isn't available right now. Please try again later."
        )


def test_some_feeds_down_still_answers_from_the_others(server):
    server.serve("/news/world/rss.xml", status=500, body=b"oops")
    server.serve("/1001/rss.xml", hang_up=True)
    server.serve("/technology.atom", "news/truncated.xml")
    with make_tester(server) as t:
        reply = t.call('news(topic="climate")')
    assert reply.text == (
        "Here's the top headline about climate: Climate summit agrees new fund to help poorer nations adapt."
    )
    failed = " ".join(reply.data["failed_feeds"])
    assert "/news/world/rss.xml: HTTP 500" in failed and "/1001/rss.xml" in failed and "technology.atom" in failed


def test_slow_feed(server):
    server.serve("/sport/rss.xml", "news/bbc_sport.xml", delay_s=3)
    with make_tester(server, timeout_ms=300) as t:
        start = time.monotonic()
        single = t.call('news(topic="sports")')
        # Searching all feeds: the slow one is skipped, the others answer in time.
        search = t.call('news(topic="marathon")')
        other = t.call('news(topic="climate")')
        assert time.monotonic() - start < 2.5
    assert single.text == "The news is taking too long to load. Please try again in a moment."
    assert search.text == "I found no news about marathon."
    assert other.text.startswith("Here are the top headlines about climate") and other.data["failed_feeds"]


def test_cache(server):
    with make_tester(server) as t:
        t.call('news(topic="sports")')
        t.call('news(topic="sports")')
        t.call('news(topic="climate")')  # fetches the other four; sports comes from the cache
    assert [server.count(path) for path, _ in FEEDS.values()] == [1, 1, 1, 1, 1]
    with make_tester(server, cache_s=0) as t:
        t.call('news(topic="sports")')
    assert server.count("/sport/rss.xml") == 2


def test_parse_feed_kinds():
    rss = parse_feed((FIXTURES / "news/bbc_general.xml").read_bytes(), "general")
    atom = parse_feed((FIXTURES / "news/technology.atom").read_bytes(), "technology")
    assert rss[2].title == "Bank of England holds rates & signals caution on cuts"
    assert rss[2].summary == "Policymakers voted 7-2 to keep borrowing costs unchanged."
    assert atom[1].link == "https://circuitweekly.example/2024/11/14/data-centre-heat-pumps"  # rel="related" skipped
    assert atom[2].published is not None and atom[2].published.isoformat() == "2024-11-14T10:05:00+01:00"
    rdf = (
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>x</title>'
        b"</channel><item><title>RSS 1.0 still works</title><link>https://example.org/1</link>"
        b"<dc:date>2024-11-14T09:00:00Z</dc:date></item></rdf:RDF>"
    )
    (item,) = parse_feed(rdf)
    assert (item.title, item.link, item.published.hour if item.published else None) == (
        "RSS 1.0 still works",
        "https://example.org/1",
        9,
    )


def test_through_the_fast_path(server):
    with make_tester(server) as t:
        turn = t.turn("What's the latest sports news?")
    assert turn.route.path == "fast" and turn.route.call == Call("news", {"topic": "sports"})
    assert turn.reply.text == SPORTS


def test_every_example_routes_to_its_own_call():
    registry = Registry([news_skill])
    matcher = FastMatcher(registry)
    for utterance, text in news_skill.examples:
        found, expected = matcher.match(utterance), registry.parse(text)
        assert found is not None and found.name == expected.name, utterance
        assert {k: str(v).lower() for k, v in found.args.items()} == {
            k: str(v).lower() for k, v in expected.args.items()
        }, utterance


@pytest.mark.parametrize(
    "text, call",
    [
        ("Read me the headlines.", Call("news")),
        ("any news on the election", Call("news", {"topic": "the election"})),
        ("tell me the technology headlines", Call("news", {"topic": "technology"})),
        ("what's the news about the mars rover", Call("news", {"topic": "the mars rover"})),
        ("any news on the radio", None),
        ("any good news", None),
        ("what's the news about my order", None),
        ("what's the latest weather news", None),
        ("i heard some news today", None),
    ],
)
def test_routes(text, call):
    with SkillTester(news_skill, weather) as t:
        assert t.route(text) == call


@pytest.mark.parametrize(
    "table, message",
    [
        ({"feed": {"sports": "https://x.example/rss"}}, r"\[skills.news\]: unknown key 'feed'; did you mean 'feeds'\?"),
        ({"headlines": 0}, r"headlines: must be in 1..10, got 0"),
        ({"headlines": "three"}, r"\[skills.news\].headlines: expected int"),
        ({"feeds": {"sports": "feeds.bbci.co.uk/sport/rss.xml"}}, r"feeds.sports: must be an http\(s\) URL"),
        ({"feeds": {}}, r"feeds: needs at least one feed"),
    ],
)
def test_config_mistakes_name_the_key(table, message):
    with pytest.raises(ConfigError, match=message):
        SkillTester(news_skill, settings=table)


def test_defaults_are_public_feeds():
    settings = NewsSettings()
    assert "general" in settings.feeds and "sports" in settings.feeds
    assert all(url.startswith("https://") for url in settings.feeds.values())
    assert settings.headlines == 3


def test_german_reply(server):
    with make_tester(server, language="de", headlines=2) as t:
        assert t.call('news(topic="sports")').text == (
            "Hier sind die wichtigsten Schlagzeilen zum Thema Sport: eins: Late header sends Northfield into cup"
            " third round; zwei: England name uncapped spinner in Test squad."
        )
        # The feed's name as a German speaker says it finds the feed too.
        assert t.call('news(topic="Sport")').data["feed"] == "sports"


def test_danish_reply(server):
    with make_tester(server, language="da", headlines=2) as t:
        assert t.call('news(topic="sports")').text == (
            "Her er de vigtigste overskrifter om sport: en, Late header sends Northfield into cup third round;"
            " to, England name uncapped spinner in Test squad."
        )
        assert t.call('news(topic="Atlantis")').text == "Jeg fandt ingen nyheder om Atlantis."


@pytest.mark.parametrize(
    "topic, feed",
    [
        ("deportes", "sports"),
        ("Welt", "world"),
        ("monde", "world"),
        ("科技", "technology"),
        ("スポーツ", "sports"),
        ("udlandet", "world"),
        ("Teknologi", "technology"),
    ],
)
def test_feed_names_in_other_languages_find_the_feed(server, topic, feed):
    with make_tester(server) as t:
        assert t.call(f'news(topic="{topic}")').data["feed"] == feed


def test_japanese_and_chinese_replies(server):
    """Numbered headlines joined the CJK way: no spaces, 。 or ； between them, and one full stop at the end."""
    with make_tester(server, language="ja", headlines=2) as t:
        assert t.call('news(topic="sports")').text == (
            "スポーツの主なニュースです。1件目、Late header sends Northfield into cup third round。"
            "2件目、England name uncapped spinner in Test squad。"
        )
    with make_tester(server, language="zh", headlines=2) as t:
        assert t.call('news(topic="sports")').text == (
            "以下是体育方面的头条新闻：第一，Late header sends Northfield into cup third round；"
            "第二，England name uncapped spinner in Test squad。"
        )
        assert t.call('news(topic="Atlantis")').text == "没有找到关于Atlantis的新闻。"


def test_catalogue_translations_are_complete_and_consistent():
    assert MESSAGES.missing() == []
    english = MESSAGES.catalog["en"]
    for lang in LANGUAGES:
        assert len(MESSAGES.catalog[lang]["numbers"].split("|")) == 10
        for key, template in MESSAGES.catalog[lang].items():
            fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
            assert fields == {f for _, f, _, _ in string.Formatter().parse(english[key]) if f}, (lang, key)


# --- messy real-world feeds, read by feedparser: one test per behaviour the skill relies on ------------------------


def feed_tester(
    server: RecordedServer, file: str, topic: str, content_type: str | None = None, language: str = "en", **settings
) -> SkillTester:
    """A SkillTester whose only feed is one fixture file, served as topic with the given Content-Type."""
    server.serve(f"/{topic}", file, content_type=content_type)
    feeds = {topic: server.url(f"/{topic}")}
    return SkillTester(news_skill, settings={"feeds": feeds, **settings}, language=language)


def test_rss_1_0_rdf_feed(http_server):  # noqa: F811 (the imported fixture)
    with feed_tester(http_server, "news/science.rdf", "science", "application/rdf+xml") as t:
        reply = t.call('news(topic="science")')
    assert reply.text == (
        "Here are the top science headlines: one, Comet's tail turns green as it nears the Sun;"
        " two, Coral reefs recover faster than expected after heatwave;"
        " three, Enzyme from compost breaks down plastic bottles in hours."
    )
    first = reply.data["headlines"][0]
    assert first["link"] == "https://lablog.example/2024/11/14/comet"
    assert first["published"] == "2024-11-14T07:30:00+01:00"  # dc:date, the feed's own offset kept


LATIN1_FRENCH = (
    "Voici les principaux titres, rubrique monde : un, Élections en Moldavie : la réforme du scrutin adoptée ;"
    " deux, Météo : fraîcheur et éclaircies « durables » sur l'Europe ;"
    " trois, Ça bouge à Genève : accord sur la dette des pays pauvres."
)


def test_latin1_feed_whose_http_header_says_utf8(http_server):  # noqa: F811
    """The XML declaration says ISO-8859-1, the server's header says UTF-8 (a common misconfiguration)."""
    file = "news/latin1_international.xml"
    with feed_tester(http_server, file, "world", "application/rss+xml; charset=utf-8", language="fr") as t:
        assert t.call('news(topic="monde")').text == LATIN1_FRENCH


def test_latin1_feed_named_only_by_the_http_header(http_server):  # noqa: F811
    """No XML declaration: only the Content-Type header's charset tells the encoding."""
    body = (FIXTURES / "news/latin1_international.xml").read_bytes().split(b"?>", 1)[1]
    http_server.serve("/world", body=body, content_type="application/rss+xml; charset=ISO-8859-1")
    with SkillTester(news_skill, settings={"feeds": {"world": http_server.url("/world")}}, language="fr") as t:
        assert t.call('news(topic="monde")').text == LATIN1_FRENCH


def test_html_and_entities_in_titles(http_server):  # noqa: F811
    """Escaped tags, HTML entities such as &nbsp; and a bare "&" (not well-formed XML) still give clean titles."""
    with feed_tester(http_server, "news/messy_titles.xml", "local", headlines=10) as t:
        reply = t.call('news(topic="local")')
        vote = t.call('news(topic="vote")')  # found in a summary: "<p>The vote was 9&nbsp;to&nbsp;4.</p>"
    assert reply.text == (
        "Here are the top local headlines: one, Breaking: Bridge reopens after two-year repairs;"
        " two, Council backs new cycle lanes; three, Fish & chips shop wins national award;"
        " four, Library’s late-night opening is here to stay."  # the item without a title is no headline
    )
    assert vote.text == "Here's the top headline about vote: Council backs new cycle lanes."


def test_broken_dates_lose_no_headline(http_server):  # noqa: F811
    """Unreadable dates count as oldest; odd but readable ones ("+01:00", a date without a time) still sort."""
    with feed_tester(http_server, "news/broken_dates.xml", "local", headlines=10) as t:
        reply = t.call('news(topic="harbour")')
    published = {h["title"]: h["published"] for h in reply.data["headlines"]}
    assert list(published.items()) == [
        ("New harbour cranes arrive by sea", "2024-11-14T13:45:00+01:00"),
        ("Harbour master retires after 30 years", "2024-11-14T12:30:00+00:00"),
        ("Harbour wall repairs finish early", "2024-11-14T12:10:05+00:00"),  # "13:10:05 +01:00" is 12:10 GMT
        ("Harbour festival returns next summer", "2024-11-14T00:00:00+00:00"),  # "14 Nov 2024"
        ("Harbour ferry timetable changes from Monday", None),  # "yesterday"
        ("Harbour seals spotted near the lighthouse", None),  # no date at all
        ("Harbour café changes hands", None),  # "Thu, 31 Nov 2024 25:61:00 GMT"
    ]


def test_atom_feed_details(http_server):  # noqa: F811
    """XHTML titles, links relative to xml:base, rel="enclosure" skipped, <updated> when nothing is published."""
    with feed_tester(http_server, "news/messy.atom", "makers") as t:
        reply = t.call('news(topic="makers")')
        node = t.call('news(topic="process node")')  # only in the <content> of an entry without a <summary>
    assert (
        reply.text
        == "Here are the top makers headlines: one, Chips shrink again; two, Solder fumes: what the studies say."
    )
    chips, fumes = reply.data["headlines"]
    assert (chips["link"], chips["published"]) == (
        "https://makers.example/posts/chips-shrink",
        "2024-11-14T11:30:00-08:00",
    )
    assert (fumes["link"], fumes["published"]) == (
        "https://makers.example/posts/solder-fumes",
        "2024-11-14T09:00:00+00:00",
    )
    assert node.text == "Here's the top headline about process node: Chips shrink again."


def test_junk_after_the_feed_is_read_but_a_cut_off_feed_is_not():
    """A server's trailing comment or warning is harmless; a download cut short may end mid-headline."""
    sport = (FIXTURES / "news/bbc_sport.xml").read_bytes()
    assert len(parse_feed(sport + b"\n<!-- cached -->\nWarning: cache miss in /var/www/feed.php\n")) == 4
    for cut in (len(sport) // 2, len(sport) - 20, sport.index(b"<![CDATA[England") + 12):
        with pytest.raises(FeedError, match="ends before the feed does"):
            parse_feed(sport[:cut])
