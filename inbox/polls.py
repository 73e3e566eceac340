"""Polls from other servers: a remote ``Question`` is stored with its poll
(``store_remote_poll``): the options, their counts as its server sends them, the end,
the voters; each Update of it refreshes the counts (new options drop the votes we cast
on the old ones). Votes on our polls are counted by ``inbox.handlers.votes``; ``is_vote``
tells one from a post.
"""

from __future__ import annotations

from federation.vocab import ContentObject
from fediserver.models import Poll, PollVote, Post


def is_vote(obj: ContentObject) -> bool:
    return obj.type == "Note" and bool(obj.in_reply_to) and bool(obj.name) and not obj.content


async def store_remote_poll(post: Post, obj: ContentObject) -> None:
    if obj.poll is None:
        return
    options = [title for title, _ in obj.poll.options]
    votes = [count for _, count in obj.poll.options]
    voters = obj.poll.voters_count if obj.poll.voters_count is not None else (
        max(votes, default=0) if obj.poll.multiple else sum(votes))
    fields = {"options": options, "votes": votes, "voters_count": voters, "multiple": obj.poll.multiple,
              "expires_at": obj.poll.closed or obj.poll.end_time}
    poll = await Poll.get_or_none(post_id=post.pk)
    if poll is None:
        await Poll.create(post=post, **fields)
        return
    if list(poll.options) != options:
        await PollVote.filter(poll_id=poll.pk).delete()
    poll.update_from_dict(fields)
    await poll.save()
