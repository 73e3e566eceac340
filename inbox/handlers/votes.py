"""Votes on our polls from other servers. A vote arrives as a Note carrying only a
``name`` (the option's title) in reply to the poll, addressed to its author (Mastodon's
way); it is counted once, while the poll is open, never stored as a post, and the new
counts go out to the poll's audience (``outbox.polls.share_counts``)."""

from __future__ import annotations

from federation.vocab import ContentObject
from fediserver.clock import utcnow
from fediserver.models import Poll, PollVote
from inbox.handlers.base import Forged, Ignored, Inbound, find_post
from outbox.polls import share_counts


async def record_vote(inbound: Inbound, obj: ContentObject) -> None:
    sender = inbound.sender
    if obj.author != sender.uri:
        raise Forged(f"{sender.uri} may not vote as {obj.author}")
    post = await find_post(obj.in_reply_to)
    if post is None or not post.local:
        raise Ignored(f"a vote on {obj.in_reply_to}, which is no poll of this server")
    poll = await Poll.get_or_none(post_id=post.pk)
    if poll is None:
        raise Ignored(f"{post.uri} has no poll")
    if poll.expired(utcnow()):
        raise Ignored(f"the poll {post.uri} has ended")
    if obj.name not in poll.options:
        raise Ignored(f"{obj.name!r} is not an option of {post.uri}")
    choice = list(poll.options).index(obj.name)
    if await PollVote.exists(uri=obj.id):
        raise Ignored(f"vote {obj.id} is already counted")
    earlier = await PollVote.filter(poll_id=poll.pk, account_id=sender.pk).values_list("choice", flat=True)
    if choice in earlier or (earlier and not poll.multiple):
        raise Ignored(f"{sender.uri} has already voted on {post.uri}")
    await PollVote.create(poll=poll, account=sender, choice=choice, uri=obj.id)
    await poll.recount()
    await share_counts(post, inbound.notes)
