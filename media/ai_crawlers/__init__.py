"""The AI crawler list shipped with the server, and the one regex that spots its names.

``ai-robots.json`` (from the ai.robots.txt project, MIT, see ``SOURCES.txt``) is read once,
on first use. Names are matched the way that project recommends: case-sensitively and as
whole words, never as substrings, so "GPTBot" is found in
"Mozilla/5.0 (compatible; GPTBot/1.2)" but not in "NotGPTBotX" nor in "gptbot".

One entry, the generic word "Code", is flagged by the list as sending "name/version"; it
is only matched when a version follows ("Code/1.104"), so a User-Agent that merely
contains the word (say, an editor's name) is not taken for the crawler.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

DATA_FILE = "ai-robots.json"


class CrawlerListError(ValueError):
    """The bundled crawler list cannot be read or has an unexpected shape."""


@dataclass(frozen=True, slots=True)
class Crawler:
    """One listed crawler: its User-Agent token and how it must appear in a User-Agent."""

    name: str
    sends_name_and_version: bool = False

    def pattern(self) -> str:
        escaped = re.escape(self.name)
        return escaped + r"/\d+" if self.sends_name_and_version else escaped


def parse_crawler_list(text: str) -> tuple[Crawler, ...]:
    """The crawlers described by an ai-robots.json document, in file order."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CrawlerListError(f"{DATA_FILE} is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or not document:
        raise CrawlerListError(f"{DATA_FILE} must be a non-empty JSON object keyed by user-agent token")
    crawlers = []
    for name, details in document.items():
        if not name.strip() or name != name.strip() or "\n" in name:
            raise CrawlerListError(f"{DATA_FILE}: {name!r} is not a usable user-agent token")
        if not isinstance(details, dict):
            raise CrawlerListError(f"{DATA_FILE}: the entry for {name!r} must be a JSON object")
        crawlers.append(Crawler(name, details.get("has_name_and_version") is True))
    return tuple(crawlers)


@cache
def listed_crawlers() -> tuple[Crawler, ...]:
    """Every crawler in the bundled list (read from the package once)."""
    text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_crawler_list(text)


def crawler_names() -> tuple[str, ...]:
    """The User-Agent tokens of every bundled crawler, in file order."""
    return tuple(crawler.name for crawler in listed_crawlers())


def compile_crawler_pattern(crawlers: Iterable[Crawler]) -> re.Pattern[str] | None:
    """One case-sensitive whole-word regex finding any of ``crawlers``; None when empty.

    Longer names come first so that the reported match is the most specific name
    ("Applebot-Extended" rather than "Applebot"). The look-ahead on the names' first
    characters lets the regex engine skip most positions without trying each name
    (about twice as fast on a browser's User-Agent).
    """
    ordered = sorted(crawlers, key=lambda crawler: len(crawler.name), reverse=True)
    if not ordered:
        return None
    first_characters = re.escape("".join(sorted({crawler.name[0] for crawler in ordered})))
    alternatives = "|".join(crawler.pattern() for crawler in ordered)
    return re.compile(rf"(?<!\w)(?=[{first_characters}])(?:{alternatives})(?!\w)")
