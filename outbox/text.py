"""What an artist types, as the safe HTML other servers show: links, mentions, hashtags.

Plain text only: everything typed is escaped, blank lines make paragraphs and single
line breaks stay. ``@name`` (local), ``@name@host`` and ``#tag`` become links, written
the way Mastodon writes them so its servers and their kin render them alike; bare
http(s) URLs become links too. The mentions found are returned for the caller to
resolve to accounts, the hashtags for the ``tag`` list.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import quote

_MENTION = (
    r"(?<![\w@/.])@(?P<user>[A-Za-z0-9_]+(?:[.-][A-Za-z0-9_]+)*)"
    r"(?:@(?P<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d+)?))?"
)
_HASHTAG = r"(?<![\w&#/])#(?P<tag>\w*[^\W\d_]\w*)"
_URL = r"(?P<url>https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]])"
TOKENS = re.compile(f"{_URL}|{_MENTION}|{_HASHTAG}")


@dataclass(frozen=True)
class Mention:
    username: str
    host: str  # "" for a local name written without a host

    @property
    def handle(self) -> str:
        return f"@{self.username}@{self.host}" if self.host else f"@{self.username}"


@dataclass
class RenderedText:
    html: str
    mentions: list[Mention] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)  # lower-cased, each once



def find_mentions(text: str) -> list[Mention]:
    """The distinct mentions in ``text``, in order."""
    found = [
        Mention(match["user"], (match["host"] or "").lower())
        for match in TOKENS.finditer(text)
        if match["user"]
    ]
    return list(dict.fromkeys(found))


def render(text: str, *, mention_urls: dict[Mention, str], tag_url) -> RenderedText:
    """``text`` as HTML; mentions found in ``mention_urls`` are linked to the account's
    profile, others stay plain text; ``tag_url(tag)`` gives a hashtag's link."""
    mentions: list[Mention] = []
    hashtags: list[str] = []

    def token(match: re.Match[str]) -> str:
        if match["url"]:
            url = html.escape(match["url"])
            return f'<a href="{url}" rel="nofollow noopener noreferrer" target="_blank">{url}</a>'
        if match["user"]:
            mention = Mention(match["user"], (match["host"] or "").lower())
            href = mention_urls.get(mention)
            if href is None:
                return html.escape(match[0])
            mentions.append(mention)
            return (f'<span class="h-card" translate="no"><a href="{html.escape(href)}" class="u-url mention">'
                    f'@<span>{html.escape(mention.username)}</span></a></span>')
        tag = match["tag"]
        hashtags.append(tag)
        return (f'<a href="{html.escape(tag_url(tag))}" class="mention hashtag" rel="tag">'
                f'#<span>{html.escape(tag)}</span></a>')

    paragraphs = [part for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]
    rendered = []
    for paragraph in paragraphs:
        lines = [_render_line(line, token) for line in paragraph.split("\n")]
        rendered.append(f"<p>{'<br />'.join(lines)}</p>")
    unique_tags = list(dict.fromkeys(tag.lower() for tag in hashtags))
    return RenderedText("".join(rendered), list(dict.fromkeys(mentions)), unique_tags)


def _render_line(line: str, token) -> str:
    out, last = [], 0
    for match in TOKENS.finditer(line):
        out.append(html.escape(line[last:match.start()]))
        out.append(token(match))
        last = match.end()
    out.append(html.escape(line[last:]))
    return "".join(out)


def tag_path(tag: str) -> str:
    return f"/tags/{quote(tag.lower())}"
