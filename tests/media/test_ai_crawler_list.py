"""The bundled AI crawler list and the whole-word, case-sensitive name matching built from it."""

from __future__ import annotations

import hashlib
import re
from importlib import resources

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from media.ai_crawlers import (
    Crawler,
    CrawlerListError,
    compile_crawler_pattern,
    crawler_names,
    listed_crawlers,
    parse_crawler_list,
)

NAMES = crawler_names()
PATTERN = compile_crawler_pattern(listed_crawlers())
PLAIN_NAMES = [crawler.name for crawler in listed_crawlers() if not crawler.sends_name_and_version]
NON_WORD = st.text(st.characters(categories=["Zs", "Po", "Ps", "Pe", "Sm"]), max_size=8)
WORD = st.text(st.characters(categories=["Lu", "Ll", "Nd"]), min_size=1, max_size=4)


def test_bundled_list_is_the_recorded_upstream_file():
    package = resources.files("media.ai_crawlers")
    digest = hashlib.sha256(package.joinpath("ai-robots.json").read_bytes()).hexdigest()
    assert digest in package.joinpath("SOURCES.txt").read_text()
    assert "MIT License" in package.joinpath("ai-robots.LICENSE").read_text()
    assert len(NAMES) == 166
    assert {"GPTBot", "ClaudeBot", "CCBot", "Google-Extended", "img2dataset", "Bytespider"} <= set(NAMES)


@pytest.mark.parametrize(
    ("user_agent", "found"),
    [
        ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1; +https://openai.com/gptbot)", "GPTBot"),
        ("CCBot/2.0 (https://commoncrawl.org/faq/)", "CCBot"),
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "facebookexternalhit"),
        ("Mozilla/5.0 (compatible; Applebot-Extended/0.1)", "Applebot-Extended"),
        ("Code/1.104.0 (darwin; arm64)", "Code/1"),
        ("http.rb/5.1.1 (Mastodon/4.3.0; +https://mastodon.social/)", None),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", None),
        ("Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)", None),
        ("Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", None),
        ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:72.0) Gecko/20100101 Firefox/72.0", None),
        ("Mozilla/5.0 (compatible; NotGPTBotX/1.0)", None),
        ("Mozilla/5.0 Visual Studio Code", None),
    ],
)
def test_real_user_agents(user_agent, found):
    match = PATTERN.search(user_agent)
    assert (match.group(0) if match else None) == found


@given(name=st.sampled_from(PLAIN_NAMES), before=NON_WORD, after=NON_WORD)
def test_a_listed_name_between_non_word_characters_is_found(name, before, after):
    assert PATTERN.search(f"{before}{name}{after}") is not None


@given(name=st.sampled_from(PLAIN_NAMES), before=WORD, after=WORD)
def test_a_listed_name_glued_to_other_letters_is_not_found(name, before, after):
    assert PATTERN.search(f"{before}{name}{after}") is None


@given(name=st.sampled_from(NAMES), flip=st.lists(st.booleans(), min_size=40, max_size=40))
def test_case_matters(name, flip):
    variant = "".join(ch.swapcase() if flip[i % len(flip)] else ch for i, ch in enumerate(name))
    assume(variant not in NAMES)
    found = PATTERN.search(variant)
    # a case-insensitive match would report the variant's own spelling
    assert found is None or found.group(0) in NAMES


@given(text=st.lists(st.one_of(st.sampled_from(NAMES), st.text(max_size=6)), max_size=12).map("".join))
def test_any_text_is_searched_safely_and_only_listed_names_are_reported(text):
    found = PATTERN.search(text)
    if not any(name in text for name in NAMES):
        assert found is None
    if found is not None:
        assert found.group(0) in NAMES or re.fullmatch(r"Code/\d+", found.group(0))


def test_an_empty_crawler_set_compiles_to_nothing():
    assert compile_crawler_pattern([]) is None


def test_longest_name_is_reported():
    pattern = compile_crawler_pattern([Crawler("Applebot"), Crawler("Applebot-Extended")])
    assert pattern.search("x Applebot-Extended/1.0").group(0) == "Applebot-Extended"
    assert pattern.search("x Applebot/1.0").group(0) == "Applebot"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "non-empty JSON object"),
        ("{}", "non-empty JSON object"),
        ('{"GPTBot": "yes"}', "must be a JSON object"),
        ('{" GPTBot": {}}', "not a usable user-agent token"),
        ('{"": {}}', "not a usable user-agent token"),
    ],
)
def test_broken_lists_are_refused_clearly(document, message):
    with pytest.raises(CrawlerListError, match=message):
        parse_crawler_list(document)
