"""Mastodon's JSON shapes (Account, Status, MediaAttachment, Relationship, Notification, Report).

Every id is a string and every time ISO 8601 in UTC with milliseconds and ``Z``, as
Mastodon writes them. Statuses are rendered in batches (``statuses_json``) so a page of
a timeline costs a handful of queries, not a handful per post: the page's authors are
read once, with the accounts its posts mention, whether or not the rows came with them;
each count comes with whether the viewer is among those counted; each attachment is
rendered once however often its post appears. Image URLs come only from
the media room's ``MediaLinks``: the derivatives that may leave the server, never originals.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import nh3
from tortoise.expressions import Q
from tortoise.functions import Count, Max

from fediserver.models import Account, AccountEndorsement, Favourite, Follow, FollowState, MediaAttachment, Notification, Poll, Post
from fediserver.models.interactions import Block, Mute, NotificationKind, Report
from fediserver.models.reader_marks import Bookmark, muted_conversations
from fediserver.models.client_state import AccountNote
from fediserver.api.quote_json import quote_parts
from media.content_credentials import credentials_entity
from media.derivatives import fit_box
from media.kinds import IMAGE, UNKNOWN, kind_of
from media.labels import SHOW, AiVerdict, MediaLabels, labelled_description
from media.links import MediaLinks
from media.remote import LINKED

# Mastodon's names for our notification kinds; an emoji reaction is named as Pleroma does.
NOTIFICATION_TYPES = {kind: kind.value for kind in NotificationKind} | {
    NotificationKind.REACTION: "pleroma:emoji_reaction",
}


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def account_json(account: Account, *, with_source: bool = False) -> dict[str, Any]:
    document = (await accounts_json([account]))[account.pk]
    if with_source:
        document["source"] = {
            "note": _plain_text(account.summary),  # what the profile form edits, as typed
            "fields": document["fields"],
            "privacy": account.default_visibility,
            "sensitive": account.default_sensitive,
            "language": account.default_language,
            "follow_requests_count": await Follow.requests().filter(target=account).count(),
        }
    return document


async def accounts_json(accounts: Iterable[Account]) -> dict[int, dict[str, Any]]:
    """Accounts by id, their follower, following and post counts read in three queries."""
    by_id = {account.pk: account for account in accounts}
    ids = list(by_id)
    accepted = Follow.accepted()
    followers = await _counts(accepted.filter(target_id__in=ids), "target_id")
    following = await _counts(accepted.filter(follower_id__in=ids), "follower_id")
    posts = await (
        Post.filter(account_id__in=ids, deleted_at=None)
        .annotate(n=Count("id"), last=Max("published_at"))
        .group_by("account_id")
        .values("account_id", "n", "last")
    )
    statuses = {row["account_id"]: (row["n"], _moment(row["last"])) for row in posts}
    moved_uris = {a.moved_to_uri for a in by_id.values() if a.moved_to_uri}
    moved = await accounts_json(await Account.filter(uri__in=moved_uris)) if moved_uris else {}
    moved_by_uri = {entity["uri"]: entity for entity in moved.values()}
    return {
        pk: {
            "id": str(pk),
            "username": account.username,
            "acct": account.acct,
            "display_name": account.display_name,
            "locked": account.manually_approves_followers,
            "bot": account.actor_type in ("Service", "Application"),
            "discoverable": account.discoverable,
            "indexable": account.indexable,
            "group": account.actor_type == "Group",
            "created_at": iso(account.created_at),
            "note": account.summary,
            "url": account.url or account.uri,
            "uri": account.uri,
            "avatar": account.avatar_url or "",
            "avatar_static": account.avatar_url or "",
            "header": account.header_url or "",
            "header_static": account.header_url or "",
            "followers_count": followers[pk],
            "following_count": following[pk],
            "statuses_count": statuses.get(pk, (0, None))[0],
            "last_status_at": _date(statuses.get(pk, (0, None))[1]),
            "emojis": [],
            "fields": [_field(f) for f in account.profile_fields or [] if isinstance(f, dict)],
            "moved": moved_by_uri.get(account.moved_to_uri) if account.moved_to_uri else None,
        }
        for pk, account in by_id.items()
    }


_PARAGRAPH_OR_BREAK = re.compile(r"</p>\s*<p[^>]*>|<br\s*/?>", re.IGNORECASE)


def _plain_text(content_html: str) -> str:
    """HTML made from typed text, as text again: paragraphs and breaks as new lines."""
    return html.unescape(nh3.clean(_PARAGRAPH_OR_BREAK.sub("\n", content_html or ""), tags=set())).strip()


def _moment(value: datetime | str | None) -> datetime | None:
    """A MAX() over a datetime column: a datetime on PostgreSQL, text on SQLite."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _date(moment: datetime | None) -> str | None:
    return moment.date().isoformat() if moment else None


def _field(field: dict) -> dict[str, Any]:
    return {"name": str(field.get("name", "")), "value": str(field.get("value", "")), "verified_at": None}


def media_json(attachment: MediaAttachment, links: MediaLinks, verdict: AiVerdict = SHOW) -> dict[str, Any]:
    """A MediaAttachment typed by its media type (``media.kinds``); ``meta.small`` is the
    thumbnail's size (a pre-protected image is its own). A file of a type we cannot show
    is ``unknown``, a link to the original; audio and video have no preview image. An
    AI-labelled file (``media.labels``) has the label before its description, which apps
    show, and the verdict in the extra field ``ai_provenance``."""
    return _media_entity(attachment, links, verdict, links.media_url(attachment))


def _media_entity(attachment: MediaAttachment, links: MediaLinks, verdict: AiVerdict, url: str | None) -> dict[str, Any]:
    """``media_json`` with the display URL already worked out."""
    # Our own uploads are always images, whatever their row says.
    kind = kind_of(attachment.mime) if attachment.remote_url else IMAGE
    if attachment.remote_state == LINKED:  # its server's media is rejected: a link to it
        kind = UNKNOWN
    preview = links.thumbnail_url(attachment) if kind == IMAGE else None
    if kind == UNKNOWN:
        url, preview = attachment.remote_url, None
    meta: dict[str, Any] = {"focus": {"x": attachment.focal_x, "y": attachment.focal_y}}
    if kind == IMAGE and attachment.width and attachment.height:
        meta["original"] = _size(attachment.width, attachment.height)
        small = (
            (attachment.width, attachment.height)
            if attachment.thumbnail_key == attachment.display_key
            else fit_box(attachment.width, attachment.height, links.rules.derivatives.thumbnail_box)
        )
        meta["small"] = _size(*small)
    return {
        "id": str(attachment.pk),
        "type": kind,
        "url": url,
        "preview_url": preview,
        "remote_url": attachment.remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": labelled_description(attachment.description, verdict),
        "blurhash": attachment.blurhash,
        # The validated claims of the original's C2PA manifest (an extra field; null: none).
        "content_credentials": credentials_entity(attachment.content_credentials),
        "ai_provenance": verdict.as_json(),
    }


def _size(width: int, height: int) -> dict[str, Any]:
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": round(width / height, 6)}


async def relationship_json(account: Account, target: Account) -> dict[str, Any]:
    states = dict(await Follow.between(account.pk, target.pk).values_list("follower_id", "state"))
    outgoing, incoming = states.get(account.pk), states.get(target.pk)
    mute = await Mute.in_force(account=account, target=target).first()
    note = await AccountNote.get_or_none(account=account, target=target)
    return {
        "id": str(target.pk),
        "following": outgoing == FollowState.ACCEPTED,
        "showing_reblogs": outgoing == FollowState.ACCEPTED,
        "notifying": False,
        "languages": None,
        "followed_by": incoming == FollowState.ACCEPTED,
        "blocking": await Block.filter(account=account, target=target).exists(),
        "blocked_by": await Block.filter(account=target, target=account).exists(),
        "muting": mute is not None,
        "muting_notifications": mute is not None and mute.notifications,
        "requested": outgoing == FollowState.PENDING,
        "requested_by": incoming == FollowState.PENDING,
        "domain_blocking": False,
        "endorsed": await AccountEndorsement.filter(account=account, target=target).exists(),
        "note": note.comment if note else "",
    }


async def status_json(post: Post, viewer: Account | None, links: MediaLinks) -> dict[str, Any]:
    [document] = await statuses_json([post], viewer, links)
    return document


async def statuses_json(posts: list[Post], viewer: Account | None, links: MediaLinks,
                        *, shallow: bool = False) -> list[dict[str, Any]]:
    """Statuses in the given order; a boost carries its original as ``reblog``, a quote
    its quoted status (``shallow``: inside a quoted status, only its id)."""
    originals = {p.boost_of_id for p in posts if p.boost_of_id is not None}
    boosted = {p.pk: p for p in await Post.filter(id__in=originals, deleted_at=None)} if originals else {}
    shown = [p for p in posts if p.boost_of_id is None] + list(boosted.values())
    mentioned = await _with_authors([*posts, *boosted.values()], {href for p in shown for href in p.mentioned_uris()})
    facts = await _StatusFacts.load(shown, viewer, links, mentioned)
    accounts = await _AccountCache.of([p.account for p in posts] + [p.account for p in boosted.values()])

    async def render(quoted: list[Post], reader: Account | None, *, shallow: bool) -> list[dict[str, Any]]:
        return await statuses_json(quoted, reader, links, shallow=shallow)

    quotes = await quote_parts(shown, viewer, render, shallow=shallow)
    polls = await _polls(shown, viewer)
    result = []
    for post in posts:
        if post.boost_of_id is not None and post.boost_of_id in boosted:
            original = _status(boosted[post.boost_of_id], facts, accounts) | quotes[post.boost_of_id] \
                | {"poll": polls.get(post.boost_of_id)}
            result.append(_boost(post, original, accounts.json(post.account)))
        elif post.boost_of_id is None:
            result.append(_status(post, facts, accounts) | quotes[post.pk] | {"poll": polls.get(post.pk)})
    return result


async def _with_authors(posts: list[Post], mentioned_uris: set[str]) -> dict[str, dict[str, Any]]:
    """Each post's author as read now (the rows given may have been read without them, or
    long ago), and the Mention entities of the accounts ``mentioned_uris`` name that we
    know, all in one query."""
    if not posts:
        return {}
    wanted = Q(id__in={p.account_id for p in posts})
    if mentioned_uris:
        wanted |= Q(uri__in=mentioned_uris)
    found = await Account.filter(wanted)
    authors = {a.pk: a for a in found}
    for post in posts:
        post.account = authors[post.account_id]
    return {
        a.uri: {"id": str(a.pk), "username": a.username, "acct": a.acct, "url": a.url or a.uri}
        for a in found if a.uri in mentioned_uris
    }


async def _polls(posts: list[Post], viewer: Account | None) -> dict[int, dict[str, Any]]:
    """The Poll entity of each post with a poll (one query when none has one)."""
    from fediserver.api.polls import polls_json

    rows = await Poll.filter(post_id__in=[p.pk for p in posts]) if posts else []
    return await polls_json(list(rows), viewer, {p.pk: p.account_id for p in posts})


def _boost(boost: Post, original: dict[str, Any], booster: dict[str, Any]) -> dict[str, Any]:
    return {
        **original,
        "id": str(boost.pk),
        "created_at": iso(boost.published_at),
        "uri": boost.uri,
        "url": None,
        "account": booster,
        "reblog": original,
        "content": "",
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "spoiler_text": "",
        "edited_at": None,
        "quote": None,
    }


def _status(post: Post, facts: _StatusFacts, accounts: _AccountCache) -> dict[str, Any]:
    media = facts.media.get(post.pk, ())
    return {
        "id": str(post.pk),
        "created_at": iso(post.published_at),
        "edited_at": iso(post.edited_at),
        "in_reply_to_id": str(post.in_reply_to_id) if post.in_reply_to_id else None,
        "in_reply_to_account_id": facts.reply_authors.get(post.in_reply_to_id),
        # An AI-labelled image makes the status sensitive, so apps show it blurred; so does
        # an account an admin marked sensitive, whatever the post says.
        "sensitive": post.sensitive or any(verdict.action == "label" for verdict, _ in media)
        or (post.account.sensitized and post.pk in facts.with_attachments),
        "spoiler_text": post.summary,
        "visibility": post.visibility.value,
        "language": post.language,
        "uri": post.uri,
        "url": post.url or post.uri,
        "replies_count": facts.replies[post.pk],
        "reblogs_count": facts.reblogs[post.pk],
        "favourites_count": facts.favourites[post.pk],
        "favourited": post.pk in facts.favourited,
        "reblogged": post.pk in facts.reblogged,
        "muted": post.pk in facts.muted,
        "bookmarked": post.pk in facts.bookmarked,
        "pinned": post.pinned_at is not None,
        "content": post.content,
        "text": None,
        "reblog": None,
        "application": None,
        "account": accounts.json(post.account),
        "media_attachments": [entity for _, entity in media],
        "mentions": [facts.mentions[href] for href in post.mentioned_uris() if href in facts.mentions],
        "tags": [
            {"name": tag["name"].lstrip("#"), "url": tag.get("href", "")}
            for tag in post.tags
            if tag.get("type") == "Hashtag" and isinstance(tag.get("name"), str)
        ],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def _shown(attachment: MediaAttachment, display_url: str | None) -> bool:
    """Whether an attachment appears: one the rules let out (it has a display URL), or a
    link to a remote file of a type we do not show."""
    return display_url is not None or (
        attachment.remote_url is not None
        and (kind_of(attachment.mime) == UNKNOWN or attachment.remote_state == LINKED))


class _StatusFacts:
    """What a page of statuses needs besides the rows: counts (each with whether the viewer
    is among those counted), bookmarks and muted conversations, attachments (with the
    viewer's AI verdicts on them, ``media.labels``) and replied-to authors, each read in
    one query; the mentioned accounts come with the authors (``_with_authors``)."""

    @classmethod
    async def load(cls, posts: list[Post], viewer: Account | None, links: MediaLinks,
                   mentions: dict[str, dict[str, Any]]) -> _StatusFacts:
        facts = cls()
        labels = MediaLabels(links.rules, viewer)
        facts.mentions = mentions
        ids = list({p.pk: None for p in posts})
        # Each count comes with whether the viewer is among those counted, in the same query.
        facts.favourites, facts.favourited = await _counts_and_own(Favourite.filter(post_id__in=ids), "post_id", viewer)
        facts.reblogs, facts.reblogged, facts.replies = await _boosts_and_replies(ids, viewer)
        facts.bookmarked, facts.muted = set(), set()
        if viewer is not None and ids:
            facts.bookmarked = set(await Bookmark.filter(account=viewer, post_id__in=ids).values_list("post_id", flat=True))
            facts.muted = await muted_conversations(viewer.pk, posts)
        # Each attachment rendered once, however many times its post appears on the page.
        facts.media, facts.with_attachments = {}, set()
        for attachment in await MediaAttachment.filter(post_id__in=ids).order_by("id"):
            facts.with_attachments.add(attachment.post_id)
            url = links.media_url(attachment)
            if _shown(attachment, url) and (verdict := labels.verdict(attachment)).action != "hide":
                facts.media.setdefault(attachment.post_id, []).append(
                    (verdict, _media_entity(attachment, links, verdict, url)))
        reply_ids = {p.in_reply_to_id for p in posts if p.in_reply_to_id}
        facts.reply_authors = {
            row["id"]: str(row["account_id"])
            for row in await Post.filter(id__in=reply_ids).values("id", "account_id")
        } if reply_ids else {}
        return facts


async def _counts(query, column: str) -> Counter:
    rows = await query.annotate(n=Count("id")).group_by(column).values(column, "n")
    return Counter({row[column]: row["n"] for row in rows})


async def _boosts_and_replies(ids: list[int], viewer: Account | None) -> tuple[Counter, set[int], Counter]:
    """How many times each post is boosted (and whether ``viewer`` boosted it) and answered,
    read in one query over the boosts and replies (a boost is never a reply)."""
    counts = {"n": Count("id")}
    if viewer is not None:
        counts["own"] = Count("id", _filter=Q(account_id=viewer.pk))
    rows = await (Post.filter(Q(boost_of_id__in=ids) | Q(in_reply_to_id__in=ids), deleted_at=None)
                  .annotate(**counts).group_by("boost_of_id", "in_reply_to_id")
                  .values("boost_of_id", "in_reply_to_id", *counts))
    reblogs, reblogged, replies = Counter(), set(), Counter()
    for row in rows:
        if row["boost_of_id"] is not None:
            reblogs[row["boost_of_id"]] += row["n"]
            if row.get("own"):
                reblogged.add(row["boost_of_id"])
        if row["in_reply_to_id"] is not None:
            replies[row["in_reply_to_id"]] += row["n"]
    return reblogs, reblogged, replies


async def _counts_and_own(query, column: str, viewer: Account | None) -> tuple[Counter, set[int]]:
    """The rows of ``query`` counted by ``column``, and the ``column`` values where one of
    them is ``viewer``'s own (``account_id``), in one query."""
    if viewer is None:
        return await _counts(query, column), set()
    rows = await (query.annotate(n=Count("id"), own=Count("id", _filter=Q(account_id=viewer.pk)))
                  .group_by(column).values(column, "n", "own"))
    return Counter({row[column]: row["n"] for row in rows}), {row[column] for row in rows if row["own"]}


class _AccountCache:
    """Each account rendered once per response, all of them in one batch."""

    def __init__(self, rendered: dict[int, dict[str, Any]]) -> None:
        self._json = rendered

    @classmethod
    async def of(cls, accounts: Iterable[Account]) -> _AccountCache:
        return cls(await accounts_json(accounts))

    def json(self, account: Account) -> dict[str, Any]:
        return self._json[account.pk]


async def notifications_json(rows: list[Notification], viewer: Account, links: MediaLinks) -> list[dict[str, Any]]:
    """Notifications with their statuses, and for ``admin.report`` the Report (read in
    one more query only when the page holds one)."""
    posts = [n.post for n in rows if n.post is not None]
    rendered = {p.pk: s for p, s in zip(posts, await statuses_json(posts, viewer, links))} if posts else {}
    reports = {r.pk: r for r in await Report.filter(id__in=[n.report_id for n in rows if n.report_id])
               .select_related("target")} if any(n.report_id for n in rows) else {}
    accounts = await _AccountCache.of([n.from_account for n in rows] + [r.target for r in reports.values()])
    return [
        {
            "id": str(n.pk),
            "type": NOTIFICATION_TYPES[n.kind],
            "created_at": iso(n.created_at),
            "account": accounts.json(n.from_account),
            "status": rendered.get(n.post_id) if n.post_id else None,
        } | ({"report": report_json(reports[n.report_id], accounts.json(reports[n.report_id].target))}
             if n.report_id in reports else {})
        for n in rows
    ]


def report_json(report: Report, target: dict[str, Any]) -> dict[str, Any]:
    """The Report entity the reporter gets back."""
    return {
        "id": str(report.pk),
        "action_taken": report.resolved_at is not None,
        "action_taken_at": iso(report.resolved_at),
        "category": report.category.value,
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": iso(report.created_at),
        "status_ids": [str(status["id"]) for status in report.statuses] or None,
        "rule_ids": list(report.rule_ids) or None,
        "target_account": target,
    }
