"""Rows as the templates show them: accounts, works and posts, images with their sizes.

Everything a template prints comes from here, already decided: which image URLs may
leave the server (only through ``MediaLinks``), the served sizes for ``srcset``, the
blurhash placeholder, a work's title, its licence by name. Text an artist typed is left
as text for the templates to escape; HTML (post content, remote bios) is the sanitised
HTML stored with the row, cleaned once more here before it is marked safe.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

import nh3
from markupsafe import Markup

from fediserver.models import Account, MediaAttachment, Post, Visibility
from fediserver.models.portfolio import WORK_FACETS, Work
from fediserver.web.placeholders import placeholder_uri
from media.content_credentials import ContentCredentials
from fediserver.web.sessions import current_viewer
from media.derivatives import fit_box
from media.labels import AiVerdict, MediaLabels
from media.links import MediaLinks

TITLE_LENGTH = 80

# Licences artists pick most, by the URL a post carries, with the name people know.
KNOWN_LICENCES = {
    "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
    "https://creativecommons.org/licenses/by-sa/4.0/": "CC BY-SA 4.0",
    "https://creativecommons.org/licenses/by-nc/4.0/": "CC BY-NC 4.0",
    "https://creativecommons.org/licenses/by-nc-sa/4.0/": "CC BY-NC-SA 4.0",
    "https://creativecommons.org/licenses/by-nd/4.0/": "CC BY-ND 4.0",
    "https://creativecommons.org/licenses/by-nc-nd/4.0/": "CC BY-NC-ND 4.0",
    "https://creativecommons.org/publicdomain/zero/1.0/": "CC0 1.0 (public domain)",
}
ALL_RIGHTS_RESERVED = "All rights reserved"


@dataclass(frozen=True)
class Licence:
    name: str
    url: str | None = None


def licence_for(url: str | None) -> Licence:
    """The licence of a work or profile: a known licence by name, else its URL, else all rights reserved."""
    if not url:
        return Licence(ALL_RIGHTS_RESERVED)
    normalised = url if url.endswith("/") else url + "/"
    name = KNOWN_LICENCES.get(normalised.replace("http://", "https://", 1))
    return Licence(name or url, url if url.startswith(("https://", "http://")) else None)


@dataclass(frozen=True)
class ImageView:
    alt: str
    src: str
    width: int | None
    height: int | None
    thumbnail_src: str
    thumbnail_width: int | None
    thumbnail_height: int | None
    placeholder: str | None
    label: str | None = None  # the AI label's headline, shown as a badge (media.labels)
    label_detail: str | None = None  # the whole label: what was found, and where
    credentials: ContentCredentials | None = None  # the original's validated C2PA claims

    @property
    def srcset(self) -> str | None:
        """Both served sizes, so a phone takes the thumbnail where it is enough."""
        if self.thumbnail_src == self.src or not (self.width and self.thumbnail_width):
            return None
        return f"{self.thumbnail_src} {self.thumbnail_width}w, {self.src} {self.width}w"

    @property
    def thumbnail_srcset(self) -> str | None:
        return self.srcset


@dataclass(frozen=True)
class Counts:
    followers: int
    following: int
    works: int | None = None


@dataclass
class AccountView:
    username: str
    display_name: str
    handle: str
    page_url: str
    uri: str
    is_local: bool
    avatar_url: str | None
    header_url: str | None
    bio_html: Markup
    fields: list[tuple[str, Markup]]
    licence: Licence | None
    locked: bool
    counts: Counts | None = None


@dataclass
class WorkView:
    id: int
    url: str
    uri: str
    title: str
    content: Markup
    summary: str
    sensitive: bool
    images: list[ImageView]
    published: datetime
    edited: datetime | None
    visibility: str
    hashtags: list[tuple[str, str]]
    licence: Licence
    author: AccountView | None = None
    is_work: bool = False
    facets: dict[str, list[str]] = field(default_factory=dict)
    payment_url: str | None = None
    payment_label: str | None = None
    in_reply_to_url: str | None = None
    is_local: bool = True
    hidden_images: int = 0  # remote images the viewer's own AI rule hides from her


class Presenter:
    """Turns rows into views for one instance (its domain, its media links and sizes)."""

    def __init__(self, domain: str, links: MediaLinks, thumbnail_box: tuple[int, int]) -> None:
        self.domain = domain
        self.links = links
        self.thumbnail_box = thumbnail_box

    # Accounts

    def account(self, account: Account, counts: Counts | None = None) -> AccountView:
        local = account.is_local
        page_url = f"/@{account.username}" if local else f"/@{account.username}@{account.domain}"
        fields = [
            (str(item.get("name", "")), _field_value(str(item.get("value", "")), local))
            for item in account.profile_fields or []
            if isinstance(item, dict)
        ]
        return AccountView(
            username=account.username,
            display_name=account.display_name or account.username,
            handle=f"@{account.username}@{account.domain or self.domain}",
            page_url=page_url,
            uri=account.uri,
            is_local=local,
            avatar_url=account.avatar_url,
            header_url=account.header_url,
            bio_html=Markup(nh3.clean(account.summary or "")),
            fields=fields,
            licence=licence_for(account.default_license) if local else None,
            locked=account.manually_approves_followers,
            counts=counts,
        )

    # Images

    def labels(self) -> MediaLabels:
        """AI verdicts for the signed-in viewer of this request (anonymous: the instance's rules)."""
        return MediaLabels(self.links.rules, current_viewer())

    def image(self, attachment: MediaAttachment, verdict: AiVerdict | None = None) -> ImageView | None:
        """The attachment as it may be shown, or None when no URL of it may leave the server
        or the viewer's AI rule hides it."""
        src = self.links.media_url(attachment)
        if src is None:
            return None
        verdict = verdict or self.labels().verdict(attachment)
        if verdict.action == "hide":
            return None
        thumbnail = self.links.thumbnail_url(attachment) or src
        width, height = attachment.width, attachment.height
        thumb_width = thumb_height = None
        if width and height:
            thumb_width, thumb_height = (width, height) if thumbnail == src else fit_box(width, height, self.thumbnail_box)
        return ImageView(
            alt=attachment.description or "",
            src=src,
            width=width,
            height=height,
            thumbnail_src=thumbnail,
            thumbnail_width=thumb_width,
            thumbnail_height=thumb_height,
            placeholder=placeholder_uri(attachment.blurhash),
            credentials=ContentCredentials.from_record(attachment.content_credentials),
            label=verdict.headline,
            label_detail=verdict.label,
        )

    # Posts and works

    def post(
        self,
        post: Post,
        attachments: list[MediaAttachment],
        *,
        author: Account | None = None,
        work: Work | None = None,
        author_view: AccountView | None = None,
    ) -> WorkView:
        labels = self.labels()
        verdicts = [(a, labels.verdict(a)) for a in attachments]
        images = [view for a, verdict in verdicts if (view := self.image(a, verdict)) is not None]
        hidden = sum(1 for a, verdict in verdicts if verdict.action == "hide" and self.links.media_url(a))
        account = author or getattr(post, "_author_cache", None)
        local = post.local
        if local and account is not None:
            url = f"/@{account.username}/{post.pk}"
        elif account is not None:
            url = f"/@{account.username}@{account.domain}/{post.pk}"
        else:
            url = post.url or post.uri
        details = (work.details if work is not None else {}) or {}
        return WorkView(
            id=post.pk,
            url=url,
            uri=post.uri,
            title=work_title(post),
            content=Markup(_without_title(nh3.clean(post.content or ""), work_title(post) if work is not None else None)),
            summary=post.summary or "",
            sensitive=bool(post.sensitive or post.summary or (account is not None and account.sensitized)),
            images=images,
            published=post.published_at,
            edited=post.edited_at,
            visibility=str(post.visibility.value if isinstance(post.visibility, Visibility) else post.visibility),
            hashtags=hashtags(post),
            licence=licence_for(post.license),
            author=author_view or (self.account(account) if account is not None else None),
            is_work=work is not None,
            facets={facet: list(details.get(facet) or []) for facet in WORK_FACETS if details.get(facet)},
            payment_url=work.payment_url if work is not None else None,
            payment_label=(work.payment_label or "Commission or buy") if work is not None and work.payment_url else None,
            in_reply_to_url=post.in_reply_to_uri,
            is_local=local,
            hidden_images=hidden,
        )


def work_title(post: Post) -> str:
    """A work's title: the first line the artist wrote (or of the text), shortened; else "Untitled"."""
    text = post.source_text if post.source_text is not None else _text_of(post.content or "")
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"
    return "Untitled"


def _without_title(content: str, title: str | None) -> str:
    """A work's description: its content without the first paragraph when that is the
    title, which the page already shows as its heading."""
    if not title or not content.startswith("<p>"):
        return content
    end = content.find("</p>")
    if end < 0 or _text_of(content[: end + 4]).strip() != title:
        return content
    return content[end + 4 :]


def hashtags(post: Post) -> list[tuple[str, str]]:
    """(name, local tag page) for each Hashtag the post carries, without the "#"."""
    found = []
    for tag in post.tags or []:
        if isinstance(tag, dict) and tag.get("type") == "Hashtag" and tag.get("name"):
            name = str(tag["name"]).lstrip("#")
            if name:
                found.append((name, "/tags/" + quote(name.lower())))
    return found


_BLOCK_END = re.compile(r"</(p|div|h[1-6]|li|blockquote)>|<br\s*/?>", re.IGNORECASE)


def _text_of(content_html: str) -> str:
    with_breaks = _BLOCK_END.sub("\n", content_html)
    return html.unescape(nh3.clean(with_breaks, tags=set()))


_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def _field_value(value: str, local: bool) -> Markup:
    """A profile field value as HTML: a remote one is sanitised HTML; a local one is text,
    escaped, in which a bare URL becomes a link."""
    if not local:
        return Markup(nh3.clean(value))
    escaped = html.escape(value)
    return Markup(_URL.sub(lambda m: f'<a href="{m[0]}" rel="me nofollow noopener noreferrer">{m[0]}</a>', escaped))
