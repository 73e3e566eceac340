"""Polls from other servers: a remote ``Question`` is stored with its poll
(``store_remote_poll``): the options, their counts as its server sends them, the end,
the voters; each Update of it refreshes the counts (new options drop the votes we cast
on the old ones), and so does fetching it again when someone here opens the poll
(``refresh_remote_poll``, run by the ``fetches`` job). Votes on our polls are counted by
``inbox.handlers.votes``; ``is_vote`` tells one from a post.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from federation.errors import VocabError
from federation.vocab import ContentObject, parse_object
from fediserver.models import Poll, PollVote, Post

if TYPE_CHECKING:
    from inbox.resolver import Resolver


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


async def refresh_remote_poll(resolver: Resolver, uri: str) -> bool:
    """Fetch the remote post ``uri`` again and store its poll's counts as its server now
    gives them; True when they were stored. Only its author's own Question counts: a
    document that is not one (or names another author) changes nothing."""
    post = await Post.get_or_none(uri=uri, local=False, deleted_at=None).select_related("account")
    if post is None:
        return False
    document = await resolver.document(uri)
    try:
        obj = parse_object(document)
    except VocabError:
        return False
    if obj.id != uri or obj.poll is None or post.account.uri not in obj.attributed_to:
        return False
    await store_remote_poll(post, obj)
    return True
