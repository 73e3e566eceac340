"""Posting, editing and deleting statuses: the local change and its delivery, together.

Each action writes the post and hands the matching activity (Create, Update, Delete) to
`outbox.publish` with its recipients, in one transaction: either both happen or neither.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from fediserver import event_bus
from fediserver.clock import utcnow
from fediserver.models import (
    Account, MediaAttachment, NotificationKind, Poll, Post, QuotePolicy, QuoteState, Visibility,
)
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.models.interactions import notify
from fediserver.models.post_edits import record_edit, snapshot
from outbox import builders
from outbox.errors import ActionError
from outbox.objects import NoteRenderer, addressing, note_object, tombstone
from outbox.polls import PollSpec, attach_poll
from outbox.publish import publish
from outbox.quotes import authorization_uri, quote_request
from outbox.recipients import personal_inbox, post_inboxes
from outbox.text import Mention, RenderedText, find_mentions, render, tag_path

MAX_TEXT_LENGTH = 5_000


async def post_status(
    author: Account,
    text: str,
    *,
    visibility: Visibility | str,
    sensitive: bool = False,
    spoiler_text: str = "",
    in_reply_to: Post | None = None,
    media: Sequence[MediaAttachment] = (),
    language: str | None = None,
    notes: NoteRenderer | None = None,
    extra_hashtags: Sequence[str] = (),
    license: str | None = None,
    quote: Post | None = None,
    quote_accepted: bool = False,
    quote_policy: QuotePolicy | str | None = None,
    poll: PollSpec | None = None,
    held_by: int | None = None,
) -> Post:
    """Publish a new post by the local ``author``; returns it, its Create queued.
    With a ``poll`` it is a ``Question`` (a poll and media do not go together).

    ``notes`` is ``Services.notes``, which renders attachments with the URLs the media
    rules let leave the server; it is needed whenever ``media`` is given.
    ``extra_hashtags`` are tags not written in the text (a work's medium, field,
    software); ``license`` replaces the author's default licence.

    ``quote``: the post it quotes (the caller checked its author lets this one quote it:
    ``fediserver.quotes.quote_permission``); ``quote_accepted`` when that needs no asking
    (a local post, or one's own), else a ``QuoteRequest`` goes to its author and the quote
    waits for the answer. A quote of a followers-only post is followers-only at most.
    ``quote_policy``: who may quote this post (else the author's default).
    ``held_by``: the scheduled status being published, whose held media it may use.
    Everything is checked first by ``check_new_post``."""
    checked = await check_new_post(author, text, visibility=visibility, media=media, in_reply_to=in_reply_to,
                                   quote=quote, quote_policy=quote_policy, poll=poll, held_by=held_by)
    visibility, quote_policy = checked.visibility, checked.quote_policy
    rendered, mention_tags = checked.rendered, checked.mention_tags
    replied_author = await in_reply_to.account if in_reply_to is not None else None
    quoted_author = await quote.account if quote is not None else None
    addressed = [a.uri for a in (replied_author, quoted_author) if a is not None and a.pk != author.pk]
    now = utcnow()
    async with in_transaction():
        post = await Post.create(
            uri=f"{author.uri}/statuses/pending-{uuid.uuid4().hex}",
            account=author,
            content=rendered.html,
            source_text=text,
            summary=spoiler_text,
            # An admin marked the author sensitive: every new post of theirs with media is.
            sensitive=sensitive or bool(spoiler_text) or (author.sensitized and bool(media)),
            visibility=visibility,
            recipients=list(dict.fromkeys(addressed)),
            in_reply_to=in_reply_to,
            in_reply_to_uri=in_reply_to.uri if in_reply_to is not None else None,
            tags=mention_tags + _hashtag_tags(author, _merged(rendered.hashtags, extra_hashtags)),
            language=language,
            license=license or author.default_license,
            local=True,
            published_at=now,
            quote_uri=quote.uri if quote is not None else None,
            quote_of=quote,
            quote_state=(QuoteState.ACCEPTED if quote_accepted else QuoteState.PENDING) if quote else None,
            quote_policy=quote_policy,
            object_type="Question" if poll is not None else "Note",
        )
        if poll is not None:
            await attach_poll(post, poll)
        post.uri = f"{author.uri}/statuses/{post.pk}"
        post.url = f"{author.url or author.uri}/{post.pk}"
        if quote is not None and quote_accepted and quote.local and quoted_author.pk != author.pk:
            post.quote_authorization_uri = authorization_uri(quoted_author, post)
        await post.save(update_fields=["uri", "url", "quote_authorization_uri"])
        for attachment in media:
            attachment.post = post
            attachment.scheduled_status_id = None
            await attachment.save(update_fields=["post_id", "scheduled_status_id"])
        hrefs = [tag["href"] for tag in mention_tags]
        for mentioned in await Account.filter(uri__in=hrefs, domain=LOCAL_DOMAIN):
            await notify(mentioned, author, NotificationKind.MENTION, post)
        note = await _note(post, author, media, notes)
        await publish(builders.create_note(author, note), actor=author, inboxes=await post_inboxes(post, author))
        if quote is not None and quoted_author.pk != author.pk:
            if quote_accepted:
                await notify(quoted_author, author, NotificationKind.QUOTE, post)
            elif not quoted_author.is_local:
                request = quote_request(author, post, quote.uri, quoted_author, note)
                await publish(request, actor=author, inboxes=personal_inbox(quoted_author))
    return post


@dataclass(frozen=True)
class CheckedPost:
    """A new post that passed ``check_new_post``: its visibility and quote policy as they
    will be stored, its HTML and Mention tags."""

    visibility: Visibility
    quote_policy: QuotePolicy | None
    rendered: RenderedText
    mention_tags: list[dict[str, str]]


async def check_new_post(
    author: Account,
    text: str,
    *,
    visibility: Visibility | str,
    media: Sequence[MediaAttachment] = (),
    in_reply_to: Post | None = None,
    quote: Post | None = None,
    quote_policy: QuotePolicy | str | None = None,
    poll: PollSpec | None = None,
    held_by: int | None = None,
) -> CheckedPost:
    """Everything ``post_status`` requires of a new post, checked without storing anything
    (a scheduled status is checked when it is scheduled, and again when it is published);
    raises ``ActionError`` with the reason."""
    visibility = _visibility(visibility)
    quote_policy = _quote_policy(quote_policy)
    if author.moved_to_uri:
        raise ActionError(f"@{author.acct} has moved to {author.moved_to_uri}; it cannot post here any more")
    if quote is not None:
        if quote.deleted_at is not None or quote.boost_of_id is not None:
            raise ActionError("cannot quote a deleted post or a boost")
        if quote.visibility == Visibility.PRIVATE and visibility in (Visibility.PUBLIC, Visibility.UNLISTED):
            visibility = Visibility.PRIVATE
    _check_author(author)
    _check_text(text, media)
    if poll is not None and media:
        raise ActionError("a post has either media or a poll, not both")
    for attachment in media:
        if not attachment.free_for(author.pk, held_by=held_by):
            raise ActionError(f"media {attachment.pk} is not an unused upload of @{author.acct}")
    if in_reply_to is not None and in_reply_to.deleted_at is not None:
        raise ActionError("cannot reply to a deleted post")
    rendered, mention_tags = await _render(author, text)
    return CheckedPost(visibility, quote_policy, rendered, mention_tags)


async def settle_quote_request(post: Post, *, accepted: bool, authorization: str | None = None,
                               notes: NoteRenderer | None = None) -> Post:
    """The quoted author answered our QuoteRequest: the quote is accepted (with her
    authorization) or rejected, and an Update tells everyone who received the post."""
    author = await post.account
    post.quote_state = QuoteState.ACCEPTED if accepted else QuoteState.REJECTED
    post.quote_authorization_uri = authorization if accepted else None
    async with in_transaction():
        await post.save(update_fields=["quote_state", "quote_authorization_uri"])
        attachments = await MediaAttachment.filter(post=post).order_by("id")
        note = await _note(post, author, attachments, notes)
        await publish(builders.update_note(author, note), actor=author, inboxes=await post_inboxes(post, author))
    return post


async def edit_status(
    post: Post,
    text: str,
    *,
    spoiler_text: str | None = None,
    sensitive: bool | None = None,
    notes: NoteRenderer | None = None,
    extra_hashtags: Sequence[str] = (),
    license: str | None = None,
    media: Sequence[MediaAttachment] | None = None,
    descriptions: Mapping[int, str] | None = None,
    language: str | None = None,
    poll: PollSpec | None = None,
) -> Post:
    """Change a local post's text (and content warning, tags beyond the text, licence,
    language); ``media`` (when given) becomes its attachments, in that order, and
    ``descriptions`` (attachment id: alt text) describe them anew; a ``poll`` replaces the
    poll (new options start from no votes). The version before is
    kept in the post's history (``PostEdit``); those who boosted it are told; its Update
    goes to the same audience plus anyone newly mentioned."""
    author = await post.account
    _check_author(author)
    if post.deleted_at is not None:
        raise ActionError("cannot edit a deleted post")
    if post.boost_of_id is not None:
        raise ActionError("a boost has no text to edit")
    current = await MediaAttachment.filter(post=post).order_by("id")
    attachments = list(current) if media is None else list(media)
    for attachment in attachments:
        if not attachment.free_for(author.pk, post_id=post.pk):
            raise ActionError(f"media {attachment.pk} is not an upload of @{author.acct} free for this post")
    unknown = set(descriptions or {}) - {a.pk for a in attachments}
    if unknown:
        raise ActionError(f"media {', '.join(map(str, sorted(unknown)))} is not attached to this post")
    _check_text(text, attachments)
    if poll is not None and attachments:
        raise ActionError("a post has either media or a poll, not both")
    rendered, mention_tags = await _render(author, text)
    before = await snapshot(post)
    if poll is not None:
        post.object_type = "Question"
    post.content = rendered.html
    post.source_text = text
    post.tags = mention_tags + _hashtag_tags(author, _merged(rendered.hashtags, extra_hashtags))
    if license is not None:
        post.license = license or None
    if spoiler_text is not None:
        post.summary = spoiler_text
    if sensitive is not None:
        post.sensitive = sensitive
    if language is not None:
        post.language = language or None
    post.sensitive = post.sensitive or bool(post.summary)
    post.edited_at = utcnow()
    async with in_transaction():
        await post.save()
        kept = {a.pk for a in attachments}
        for attachment in current:
            if attachment.pk not in kept:
                attachment.post = None
                await attachment.save(update_fields=["post_id"])
        for attachment in attachments:
            changed = ["post_id"] if attachment.post_id != post.pk else []
            attachment.post = post
            if descriptions and attachment.pk in descriptions:
                attachment.description = descriptions[attachment.pk]
                changed.append("description")
            if changed:
                await attachment.save(update_fields=changed)
        if poll is not None:
            await attach_poll(post, poll)
        await record_edit(post, before)
        for booster_id in await Post.filter(boost_of=post, deleted_at=None).values_list("account_id", flat=True):
            await notify(booster_id, author, NotificationKind.UPDATE, post)
        note = await _note(post, author, attachments, notes)
        await publish(builders.update_note(author, note), actor=author, inboxes=await post_inboxes(post, author))
        await event_bus.post_updated(post)
    return post


async def delete_status(post: Post) -> Post:
    """Delete a local post; a Delete with its Tombstone goes to everyone who received it."""
    author = await post.account
    _check_author(author)
    if post.deleted_at is not None:
        return post
    to, cc = addressing(author, post.visibility, post.addressee_uris())
    inboxes = await post_inboxes(post, author)
    post.deleted_at = utcnow()
    async with in_transaction():
        await post.save(update_fields=["deleted_at"])
        await publish(builders.delete_note(author, tombstone(post), to=to, cc=cc), actor=author, inboxes=inboxes)
        await event_bus.post_deleted(post)
    return post


async def _note(post: Post, author: Account, media: Sequence[MediaAttachment], notes: NoteRenderer | None) -> dict:
    """The Note as every other door renders it (``Services.notes``: media URLs and rights)."""
    if notes is not None:
        return await notes.note(post, author, with_context=False)
    if media:
        raise ValueError("a post with media needs the NoteRenderer of the media rules (Services.notes)")
    return note_object(post, author, with_context=False, poll=await Poll.get_or_none(post_id=post.pk))


def _visibility(value: Visibility | str) -> Visibility:
    try:
        return Visibility(value)
    except ValueError:
        choices = ", ".join(v.value for v in Visibility)
        raise ActionError(f"visibility {value!r}: expected one of {choices}") from None


def _quote_policy(value: QuotePolicy | str | None) -> QuotePolicy | None:
    if value is None or value == "":
        return None
    try:
        return QuotePolicy(value)
    except ValueError:
        choices = ", ".join(p.value for p in QuotePolicy)
        raise ActionError(f"quote_approval_policy {value!r}: expected one of {choices}") from None


def _check_author(author: Account) -> None:
    if not author.is_local:
        raise ActionError(f"@{author.acct} is not an account of this instance")
    if author.suspended:
        raise ActionError(f"@{author.acct} is suspended")


def _check_text(text: str, media: Sequence[MediaAttachment]) -> None:
    if not text.strip() and not media:
        raise ActionError("a post needs text or media")
    if len(text) > MAX_TEXT_LENGTH:
        raise ActionError(f"text is {len(text)} characters; the limit is {MAX_TEXT_LENGTH}")


async def _render(author: Account, text: str):
    """The HTML and Mention tags for ``text``; every mention must name a known account."""
    local_host = urlsplit(author.uri).netloc.lower()
    accounts: dict[Mention, Account] = {}
    for mention in find_mentions(text):
        domain = "" if mention.host in ("", local_host) else mention.host
        account = await Account.get_or_none(username=mention.username, domain=domain)
        if account is None:
            raise ActionError(f"{mention.handle}: unknown account; no such account could be found")
        accounts[mention] = account
    rendered = render(
        text,
        mention_urls={m: a.url or a.uri for m, a in accounts.items()},
        tag_url=lambda tag: _base_url(author) + tag_path(tag),
    )
    tags = [
        {"type": "Mention", "href": account.uri, "name": f"@{account.username}@{account.domain or local_host}"}
        for account in (accounts[m] for m in rendered.mentions)
    ]
    return rendered, tags


def _merged(written: list[str], extra: Sequence[str]) -> list[str]:
    """The text's hashtags, then the extra ones not already there (compared without case)."""
    seen = {tag.lower() for tag in written}
    merged = list(written)
    for tag in extra:
        if tag.lower() not in seen:
            seen.add(tag.lower())
            merged.append(tag)
    return merged


def _hashtag_tags(author: Account, hashtags: list[str]) -> list[dict[str, str]]:
    return [{"type": "Hashtag", "href": _base_url(author) + tag_path(tag), "name": f"#{tag}"} for tag in hashtags]


def _base_url(author: Account) -> str:
    parts = urlsplit(author.uri)
    return f"{parts.scheme}://{parts.netloc}"
