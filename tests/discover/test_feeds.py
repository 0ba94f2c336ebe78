"""Feed parsing: RSS 2.0, RSS 1.0, Atom, real-world quirks, and hostile documents refused."""

from __future__ import annotations

import gzip
import time
import zlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ingest.discover import (
    DocumentTooLarge,
    ForbiddenXML,
    MalformedDocument,
    Rejected,
    parse_feed,
)

FEED_URL = "https://news.example/feeds/world.xml"

RSS2 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
<channel>
  <title>World</title>
  <link>https://news.example/world</link>
  <item>
    <title><![CDATA[Floods &amp; storms: <b>what we know</b>]]></title>
    <link>https://News.Example/world/floods?utm_source=rss&amp;id=3#top</link>
    <pubDate>Tue, 05 Mar 2024 14:30:00 +0100</pubDate>
    <guid isPermaLink="false">floods-3</guid>
    <dc:creator>A. Writer</dc:creator>
    <media:content url="https://cdn.example/a.jpg"><media:title>Not the title</media:title>
    </media:content>
  </item>
  <item>
    <title>Relative link, GMT date</title>
    <link>/world/relative</link>
    <pubDate>Wed, 06 Mar 2024 08:00:00 GMT</pubDate>
  </item>
  <item>
    <title>Only a permalink guid and no date</title>
    <guid>https://news.example/world/guid-only</guid>
  </item>
  <item>
    <title>An atom:link inside RSS</title>
    <atom:link href="https://news.example/world/atom-link" rel="alternate"/>
    <dc:date>2024-03-07T10:00:00Z</dc:date>
  </item>
  <item><title>No link at all</title><guid isPermaLink="false">x-1</guid></item>
  <item><title>Opaque guid, isPermaLink left out</title><guid>8c1e-44</guid></item>
  <item><title>Mail</title><link>mailto:desk@news.example</link></item>
</channel>
</rss>"""


def test_rss2_entries_with_titles_dates_and_quirks() -> None:
    rejected: list[Rejected] = []
    entries = parse_feed(RSS2, FEED_URL, on_reject=rejected.append)
    assert [e.url for e in entries] == [
        "https://news.example/world/floods?id=3",
        "https://news.example/world/relative",
        "https://news.example/world/guid-only",
        "https://news.example/world/atom-link",
    ]
    first = entries[0]
    assert first.title == "Floods & storms: what we know"
    assert first.published_at == datetime(2024, 3, 5, 14, 30, tzinfo=timezone(timedelta(hours=1)))
    assert first.source == f"feed:{FEED_URL}"
    assert first.extra["guid"] == "floods-3"
    assert first.extra["creator"] == "A. Writer"
    assert first.depth == 0
    assert entries[1].published_at == datetime(2024, 3, 6, 8, 0, tzinfo=UTC)
    assert entries[2].published_at is None
    assert entries[3].published_at == datetime(2024, 3, 7, 10, 0, tzinfo=UTC)
    assert [(r.document, r.reason) for r in rejected] == [
        (FEED_URL, "entry has no URL"),
        (FEED_URL, "entry has no URL"),
        (FEED_URL, "scheme 'mailto' is not http or https"),
    ]


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example/posts/">
  <title>Blog</title>
  <entry>
    <title type="html">Caf&amp;eacute; &lt;em&gt;opens&lt;/em&gt;</title>
    <link rel="self" type="application/atom+xml" href="/feed/1"/>
    <link rel="alternate" type="application/pdf" href="cafe.pdf"/>
    <link rel="alternate" type="text/html" href="cafe-opens"/>
    <id>tag:blog.example,2024:1</id>
    <published>2024-05-01T09:15:00+02:00</published>
    <updated>2024-05-02T10:00:00Z</updated>
    <author><name>Jo Doe</name></author>
  </entry>
  <entry xml:base="https://other.example/x/">
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Nested <b>xhtml</b></div></title>
    <link href="item"/>
    <updated>2024-05-03</updated>
  </entry>
  <entry>
    <title>Id as the link</title>
    <id>https://blog.example/posts/by-id</id>
  </entry>
</feed>"""


def test_atom_alternate_links_xml_base_and_dates() -> None:
    entries = parse_feed(ATOM, "https://blog.example/atom.xml")
    assert [e.url for e in entries] == [
        "https://blog.example/posts/cafe-opens",
        "https://other.example/x/item",
        "https://blog.example/posts/by-id",
    ]
    assert entries[0].title == "Café opens"
    assert entries[0].published_at == datetime(2024, 5, 1, 7, 15, tzinfo=UTC)
    assert entries[0].lastmod == datetime(2024, 5, 2, 10, 0, tzinfo=UTC)
    assert entries[0].extra["author"] == "Jo Doe"
    assert entries[1].title == "Nested xhtml"
    # Only <updated>, and a bare date: it stands in for the publication date, as UTC.
    assert entries[1].published_at == datetime(2024, 5, 3, tzinfo=UTC)


RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example/"><title>RDF</title></channel>
  <item rdf:about="https://rdf.example/a">
    <title>First</title><link>https://rdf.example/a</link><dc:date>2023-12-31T23:00:00-05:00</dc:date>
  </item>
  <item rdf:about="https://rdf.example/b"><title>About only</title></item>
</rdf:RDF>"""


def test_rss1_items() -> None:
    entries = parse_feed(RSS1, "https://rdf.example/index.rdf")
    assert [e.url for e in entries] == ["https://rdf.example/a", "https://rdf.example/b"]
    assert entries[0].published_at == datetime(2024, 1, 1, 4, 0, tzinfo=UTC)


def test_gzipped_feed_and_leading_whitespace() -> None:
    entries = parse_feed(gzip.compress(b"\n  " + RSS2), FEED_URL, on_reject=lambda r: None)
    assert len(entries) == 4


def test_declared_latin1_feed_and_atom_03() -> None:
    latin1 = (
        b'<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><item>'
        b"<title>Caf\xe9 cr\xe8me</title><link>https://a.example/caf%C3%A9</link></item>"
        b"</channel></rss>"
    )
    [entry] = parse_feed(latin1, FEED_URL)
    assert entry.title == "Café crème"
    atom03 = b"""<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry>
      <title>Old engine</title><link rel="alternate" type="text/html" href="http://old.example/p/1"/>
      <issued>2004-02-01T10:00:00Z</issued><modified>2004-02-02T10:00:00Z</modified>
      <author><name>Someone</name></author></entry></feed>"""
    [old] = parse_feed(atom03, "http://old.example/atom.xml")
    assert old.url == "http://old.example/p/1"
    assert old.published_at == datetime(2004, 2, 1, 10, 0, tzinfo=UTC)
    assert old.lastmod == datetime(2004, 2, 2, 10, 0, tzinfo=UTC)
    assert old.extra["author"] == "Someone"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<rss version="2.0"><channel><item><title>&f;</title><link>https://x.example/</link></item>
</channel></rss>"""


def test_billion_laughs_is_refused_before_expansion() -> None:
    start = time.process_time()
    with pytest.raises(ForbiddenXML) as info:
        parse_feed(BILLION_LAUGHS, FEED_URL)
    assert info.value.url == FEED_URL
    # CPU time, not wall time: expanding &f; would take 25**5 * 80 bytes (~780 MB).
    assert time.process_time() - start < 1.0


@pytest.mark.parametrize(
    "doctype",
    [
        b'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://127.0.0.2:9/x.dtd"> %remote;]>',
    ],
)
def test_external_entities_are_refused(doctype: bytes) -> None:
    body = b'<?xml version="1.0"?>' + doctype + b"<rss><channel><item><title>&xxe;</title>"
    body += b"<link>https://x.example/</link></item></channel></rss>"
    with pytest.raises(ForbiddenXML):
        parse_feed(body, FEED_URL)


def test_feed_over_the_cap_is_refused_unread() -> None:
    item = b"<item><title>t</title><link>https://big.example/a</link></item>"
    body = b"<rss><channel>" + item * (11 * 1024 * 1024 // len(item)) + b"</channel></rss>"
    assert len(body) > 10 * 1024 * 1024
    with pytest.raises(DocumentTooLarge) as info:
        parse_feed(body, FEED_URL)
    assert "over the cap" in info.value.reason


def test_gzip_bomb_feed_is_refused() -> None:
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)  # one gzip member, built in 1 MiB steps
    chunks = [packer.compress(b"<rss><channel>")]
    chunks += [packer.compress(b" " * 1024 * 1024) for _ in range(64)]
    bomb = b"".join(chunks) + packer.flush()
    assert len(bomb) < 512 * 1024  # over 100:1
    with pytest.raises(DocumentTooLarge):
        parse_feed(bomb, FEED_URL, max_bytes=1024 * 1024)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<rss><channel><item></channel></rss>", "malformed XML"),
        (b"<html><body>Not found</body></html>", "not a feed"),
        (b"", "malformed XML"),
        (b"<rss>" + b"<x>" * 200, "nested deeper"),
        (b"\x1f\x8b\x08\x00garbage", "gzip"),
        (b"<?xml version='1.0' encoding='bogus'?><rss/>", "unknown encoding"),
    ],
)
def test_malformed_documents_name_the_feed(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedDocument) as info:
        parse_feed(body, FEED_URL)
    assert info.value.url == FEED_URL
    assert reason in info.value.reason
    assert FEED_URL in str(info.value)
