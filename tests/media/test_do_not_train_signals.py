"""The do-not-train declarations: robots.txt rules and meta tags placed in HTML pages."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from media.do_not_train import check_robots_rules, insert_meta_tags, meta_tags, robots_txt

TAGS = meta_tags("https://art.example/.well-known/tdm-policy.json").encode()


class MetaCollector(HTMLParser):
    """Collects meta tags and whether each came before the first body content."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.body_started = False
        self.meta_after_body: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "meta":
            self.meta[attributes["name"]] = attributes["content"]
            if self.body_started:
                self.meta_after_body.append(attributes["name"])
        elif tag not in ("html", "head", "title"):
            self.body_started = True


def read_meta(page: bytes) -> MetaCollector:
    collector = MetaCollector()
    collector.feed(page.decode())
    return collector


@pytest.mark.parametrize(
    "page",
    [
        b"<!DOCTYPE html><html><HEAD><title>x</title></HEAD><body><p>hi</p></body></html>",
        b'<html lang="en"><head data-x="1"><title>x</title></head><body><header>h</header></body></html>',
        b"<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n",
        b"<!doctype html><p>no html tag at all</p>",
        b"<p>a bare fragment</p>",
    ],
)
def test_tags_land_before_any_body_content(page):
    collector = read_meta(insert_meta_tags(page, TAGS))
    assert collector.meta == {
        "robots": "noai, noimageai, noarchive",
        "tdm-reservation": "1",
        "tdm-policy": "https://art.example/.well-known/tdm-policy.json",
    }
    assert collector.meta_after_body == []


def test_a_page_that_already_has_them_is_left_alone():
    page = b"<html><head>" + TAGS + b"</head><body></body></html>"
    assert insert_meta_tags(page, TAGS) is page


@given(st.text(max_size=200))
def test_insertion_only_adds_the_tags(text):
    page = text.encode()
    tagged = insert_meta_tags(page, TAGS)
    if tagged is not page:
        at = tagged.index(TAGS)
        assert tagged[:at] + tagged[at + len(TAGS) :] == page


def test_policy_url_is_escaped_in_the_meta_tag():
    assert 'content="https://a.example/p?x=1&amp;y=&quot;2&quot;"' in meta_tags('https://a.example/p?x=1&y="2"')


def test_extra_rules_keep_comments_and_known_fields():
    rules = "# search engines\nUser-agent: Googlebot\n  Disallow: /admin/\nSitemap: https://art.example/sitemap.xml"
    assert check_robots_rules(rules).splitlines()[2] == "Disallow: /admin/"


@pytest.mark.parametrize("rules", ["Disalow: /x", "just some words", "User-agent Googlebot"])
def test_extra_rules_with_typos_are_refused_with_the_line(rules):
    with pytest.raises(ValueError, match="line 2"):
        check_robots_rules("# ok\n" + rules)


def test_robots_txt_without_blocked_agents_still_speaks_to_everyone():
    robots = robots_txt([])
    assert "Disallow: /\n" not in robots
    assert robots.endswith(
        "User-agent: *\nContent-Usage: train-ai=n\nContent-Signal: search=yes, ai-train=no, ai-input=no\nAllow: /\n"
    )
