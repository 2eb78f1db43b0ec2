"""Feeds of the digests (RSS 2.0, Atom, JSON Feed) as snapshots; partial abstracts stored, flagged and completed;
markup never a title. The real feeds and the real files that are not digests are in tests/real (test_real_feeds.py).
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from papertrends.catalog import build_catalog
from papertrends.snapshots import ParseError, detect_format, parse_snapshot

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Daily Papers</title><link>https://huggingface.co/papers</link>
<lastBuildDate>Tue, 03 Jun 2025 08:00:00 GMT</lastBuildDate>
<item><title>Paper &amp; One</title><link>https://huggingface.co/papers/2506.01234</link>
<description><![CDATA[<p>We study <b>things</b> in depth.</p><p>Upvotes: 42</p>]]></description>
<author>a@b.c (Ann Author)</author><pubDate>Tue, 03 Jun 2025 00:00:00 GMT</pubDate></item>
<item><title>Paper Two</title><guid>https://arxiv.org/abs/2506.04321v2</guid>
<description>We propose a method whose abstract the feed cut...</description>
<pubDate>Mon, 02 Jun 2025 00:00:00 GMT</pubDate></item>
<item><title>Subscribe to the newsletter</title><link>https://example.com/subscribe</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>HF papers, weekly</title><updated>2025-06-08T00:00:00Z</updated>
<entry><title type="html">&lt;i&gt;Sparse&lt;/i&gt; Mixtures</title><link href="https://arxiv.org/pdf/2506.00001"/>
<id>urn:uuid:1</id><updated>2025-06-02T00:00:00Z</updated><summary>Mixture of experts, sparsely.</summary></entry>
<entry><title>World Models</title><link href="https://huggingface.co/papers/2506.00002"/><id>urn:uuid:2</id>
<updated>2025-06-05T00:00:00Z</updated><content type="html">&lt;p&gt;Agents that imagine.&lt;/p&gt;</content></entry>
</feed>"""


def json_feed(summary: str, **extra: object) -> bytes:
    item = {"id": "https://huggingface.co/papers/2506.01111", "url": "https://huggingface.co/papers/2506.01111",
            "title": "Agent Memory", "summary": summary, "date_published": "2025-06-03T00:00:00Z",
            "authors": [{"name": "A. Author"}, {"name": "B. Author"}], **extra}  # fmt: skip
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "papers", "items": [item]}).encode()


def test_an_rss_digest_gives_its_papers_and_leaves_its_chrome_out() -> None:
    snap = parse_snapshot(RSS.encode(), "digest.xml")
    assert snap.format == "feed" and [e.title for e in snap.entries] == ["Paper & One", "Paper Two"]
    one, two = snap.entries
    assert (one.arxiv_id, one.upvotes, one.abstract) == ("2506.01234", 42, "We study things in depth.")
    assert (one.digest_date, two.digest_date) == (date(2025, 6, 3), date(2025, 6, 2))  # each item as dated
    assert two.arxiv_id == "2506.04321" and two.partial and not one.partial
    assert (snap.digest.value, snap.digest.rule) == (date(2025, 6, 3), "feed")
    assert any("link to no paper" in w for w in snap.warnings)


def test_an_atom_digest_and_html_in_titles_and_content() -> None:
    snap = parse_snapshot(ATOM.encode(), "weekly.atom")
    assert [(e.title, e.arxiv_id, e.abstract) for e in snap.entries] == [
        ("Sparse Mixtures", "2506.00001", "Mixture of experts, sparsely."),
        ("World Models", "2506.00002", "Agents that imagine."),
    ]
    assert snap.digest.value == date(2025, 6, 8)


def test_feeds_are_recognised_by_their_content_whatever_their_name() -> None:
    assert detect_format(RSS.encode(), "digest.txt") == "feed"
    assert detect_format(ATOM.encode(), "weekly") == "feed"
    assert detect_format(json_feed("x"), "feed.json") == "feed"
    assert detect_format(b'<?xml version="1.0"?><html><body>x</body></html>', "page") == "html"


def test_a_feed_of_something_else_is_rejected_whole() -> None:
    jobs = RSS.replace("huggingface.co/papers/2506.01234", "jobs.example/1").replace("arxiv.org/abs/", "jobs.example/")
    with pytest.raises(ParseError, match="a feed, but not of papers: 0 of its 3 items"):
        parse_snapshot(jobs.encode(), "jobs.xml")
    with pytest.raises(ParseError, match="not an RSS or Atom feed"):
        parse_snapshot(b"<?xml version='1.0'?><config><a>1</a></config>", "settings.xml")


def test_a_partial_abstract_is_stored_flagged_and_completed_by_a_later_whole_one() -> None:
    cut = parse_snapshot(json_feed("Agents forget what they saw; we give them a memory that..."), "2025-06-03.json")
    (entry,) = cut.entries
    assert entry.partial and entry.n_authors == 2 and any("part of their abstract" in w for w in cut.warnings)
    first = build_catalog([cut], {})
    paper = first.changed[next(iter(first.new_ids))]
    assert paper.partial and first.entries_stored == 1 and first.entries_cut == 0
    whole = "Agents forget what they saw; we give them a memory that lasts across episodes and tasks."
    later = parse_snapshot(json_feed("", content_text=whole), "2025-06-04.json")
    second = build_catalog([later], {paper.paper_id: paper})
    done = second.changed[paper.paper_id]
    assert not done.partial and done.abstract == whole and done.text_hash != paper.text_hash
    again = build_catalog([cut], {paper.paper_id: done})  # an old cut copy read later changes nothing
    assert again.changed == {}


@pytest.mark.parametrize(
    "junk",
    ['<video src="https://cdn-uploads.huggingface.co/x.mp4"></video>', "![](a.png)", "— · —", "<!-- comment -->"],
)
def test_markup_links_and_symbols_never_become_papers(junk: str) -> None:
    page = (
        "Daily Papers\n\nJun 3\n\n"
        f"{junk}\n\nA long paragraph that a lenient reader would take for the abstract of the line above it, "
        "running on for more than a sentence so that it looks like an abstract of a paper.\n\n"
        "Real Paper Title\n\nThe real abstract of a real paper, long enough to be read as one, with a method and "
        "a result that a reader would recognise as an abstract.\n"
    )
    snap = parse_snapshot(page.encode(), "2025-06-03.txt")
    assert [e.title for e in snap.entries] == ["Real Paper Title"]


def test_what_can_be_a_title() -> None:
    from papertrends.snapshots.model import is_title

    assert is_title("π0: A Vision-Language-Action Flow Model") and is_title("R1") and is_title("3D-GS at 1,000 FPS")
    assert is_title("Qwen2.5-VL 72B 128K") and is_title("Paper of 2025-06-02")  # digits and a date in a title
    for junk in ("https://huggingface.co/papers", "www.example.com", "<img src=x>", "</div>", "[![badge](x)](y)",
                 "{}", "12 · 34", ""):  # fmt: skip
        assert not is_title(junk), junk


def test_a_papers_feed_that_links_its_own_site_takes_the_ids_from_the_text_and_a_blog_does_not() -> None:
    item = (
        "<item><title>Paper {n}</title><link>https://papers.example/p/{n}</link><guid>{guid}</guid>"
        "<description>We propose method {n}; the paper: https://arxiv.org/abs/2506.0000{n}</description></item>"
    )

    def feed(title: str, guid: str) -> bytes:
        items = "".join(item.format(n=n, guid=guid.format(n=n)) for n in range(1, 4))
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{items}</channel></rss>'.encode()
        )

    ids = ["2506.00001", "2506.00002", "2506.00003"]
    assert [
        e.arxiv_id for e in parse_snapshot(feed("Hugging Face Daily Papers", "urn:{n}"), "2025-06-03.xml").entries
    ] == ids
    with pytest.raises(ParseError, match="not of papers"):
        parse_snapshot(feed("A blog about methods", "urn:{n}"), "2025-06-03.xml")
    bare = parse_snapshot(feed("A blog about methods", "2506.0000{n}"), "2025-06-03.xml")  # the guid is the bare id
    assert [e.arxiv_id for e in bare.entries] == ids


def test_a_file_whose_text_is_a_url_or_a_path_is_never_fetched_or_opened(tmp_path) -> None:  # noqa: ANN001
    """feedparser takes a string for a URL or a file name before it takes it for a document: a file holding "//["
    raised a ValueError from urllib (found by the fuzz test), and one holding another file's path had that file
    read. Such text is not a feed, and says so."""
    elsewhere = tmp_path / "elsewhere.xml"
    elsewhere.write_text(RSS)
    for text in ("//[", str(elsewhere), elsewhere.as_uri()):
        with pytest.raises(ParseError, match="not an RSS or Atom feed"):
            parse_snapshot(text.encode(), "odd.xml", fmt="feed")
