"""Polls made and answered by local accounts.

- ``PollSpec``: what an artist asks (options, how long it stays open, one or several
  answers, totals hidden until the end), checked against Mastodon's limits.
- ``vote``: a local account answers a poll. On a local poll the votes are counted here;
  on a remote poll each choice leaves as a ``Create`` of a Note named after the option,
  addressed to the poll's author only (Mastodon's way), and our copy of the counts grows.
- ``share_counts``: after votes on a local poll, an ``Update`` of its Question tells the
  servers that received it the new counts, at most once per ``COUNTS_INTERVAL`` (they
  fetch the poll again when it is shown anyway).
The poll itself travels inside the post, as a ``Question`` (``outbox.objects``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from tortoise.transactions import in_transaction

from fediserver.clock import utcnow
from fediserver.models import Account, Activity, Poll, PollVote, Post
from outbox.builders import create_note, update_note
from outbox.errors import ActionError
from outbox.objects import NoteRenderer, note_object
from outbox.publish import publish
from outbox.recipients import personal_inbox, post_inboxes

MAX_OPTIONS = 4
MAX_OPTION_CHARACTERS = 50
MIN_EXPIRATION = 300  # seconds
MAX_EXPIRATION = 2_629_746  # a month
COUNTS_INTERVAL = timedelta(minutes=3)


@dataclass(frozen=True)
class PollSpec:
    options: tuple[str, ...]
    expires_in: int
    multiple: bool = False
    hide_totals: bool = False

    def __post_init__(self) -> None:
        options = [option.strip() for option in self.options]
        if not MAX_OPTIONS >= len(options) >= 2:
            raise ActionError(f"a poll needs 2 to {MAX_OPTIONS} options, not {len(options)}")
        if any(not option for option in options):
            raise ActionError("a poll option cannot be empty")
        if any(len(option) > MAX_OPTION_CHARACTERS for option in options):
            raise ActionError(f"a poll option has at most {MAX_OPTION_CHARACTERS} characters")
        if len({option.lower() for option in options}) != len(options):
            raise ActionError("the poll's options must differ from each other")
        if not MAX_EXPIRATION >= self.expires_in >= MIN_EXPIRATION:
            raise ActionError(f"expires_in must be between {MIN_EXPIRATION} and {MAX_EXPIRATION} seconds")
        object.__setattr__(self, "options", tuple(options))


async def attach_poll(post: Post, spec: PollSpec) -> Poll:
    """Give a new post its poll, or an edited one its new poll (different options start
    from no votes; the same options keep theirs)."""
    expires_at = utcnow() + timedelta(seconds=spec.expires_in)
    poll = await Poll.get_or_none(post_id=post.pk)
    if poll is None:
        return await Poll.create(post=post, options=list(spec.options), votes=[0] * len(spec.options),
                                 multiple=spec.multiple, hide_totals=spec.hide_totals, expires_at=expires_at)
    if list(poll.options) != list(spec.options) or poll.multiple != spec.multiple:
        await PollVote.filter(poll_id=poll.pk).delete()
        poll.options, poll.votes, poll.voters_count = list(spec.options), [0] * len(spec.options), 0
    poll.multiple, poll.hide_totals, poll.expires_at = spec.multiple, spec.hide_totals, expires_at
    await poll.save()
    return poll


async def share_counts(post: Post, notes: NoteRenderer | None) -> None:
    """Send a local poll's counts to those who received it (an Update of the Question),
    unless they were sent less than ``COUNTS_INTERVAL`` ago."""
    if await Activity.exists(type="Update", object_uri=post.uri, created_at__gte=utcnow() - COUNTS_INTERVAL):
        return
    author = await post.account
    poll = await Poll.get(post_id=post.pk)
    if notes is not None:
        note = await notes.note(post, author, with_context=False)
    else:
        note = note_object(post, author, with_context=False, poll=poll)
    await publish(update_note(author, note), actor=author, inboxes=await post_inboxes(post, author))


async def vote(account: Account, poll: Poll, choices: Sequence[int], *, notes: NoteRenderer | None = None) -> Poll:
    """``account`` answers ``poll`` with ``choices`` (option indexes), once. ``notes``
    renders a local poll's Question for ``share_counts`` (``Services.notes``)."""
    post = await Post.get(id=poll.post_id).select_related("account")
    wanted = list(dict.fromkeys(choices))
    if post.deleted_at is not None:
        raise ActionError("that poll's post has been deleted")
    if poll.expired(utcnow()):
        raise ActionError("the poll has already ended")
    if not wanted:
        raise ActionError("choose at least one option")
    if any(not 0 <= choice < len(poll.options) for choice in wanted):
        raise ActionError(f"choices are option numbers from 0 to {len(poll.options) - 1}")
    if not poll.multiple and len(wanted) > 1:
        raise ActionError("this poll takes one answer")
    if await PollVote.exists(poll_id=poll.pk, account_id=account.pk):
        raise ActionError("you have already voted on this poll")
    author = post.account
    async with in_transaction():
        rows = [await PollVote.create(poll=poll, account=account, choice=choice) for choice in wanted]
        if post.local:
            await poll.recount()
            await share_counts(post, notes)
            return poll
        for row in rows:
            row.uri = f"{account.uri}#votes/{row.pk}"
            await row.save(update_fields=["uri"])
            await publish(_vote_activity(account, author, post, poll.options[row.choice], row.uri), actor=account,
                          inboxes=personal_inbox(author))
        votes = list(poll.votes) + [0] * (len(poll.options) - len(poll.votes))
        for choice in wanted:
            votes[choice] += 1
        poll.votes, poll.voters_count = votes, poll.voters_count + 1
        await poll.save(update_fields=["votes", "voters_count"])
    return poll


def _vote_activity(voter: Account, author: Account, post: Post, option: str, vote_uri: str) -> dict:
    note = {"id": vote_uri, "type": "Note", "name": option, "attributedTo": voter.uri, "to": [author.uri],
            "cc": [], "inReplyTo": post.uri}
    activity = create_note(voter, note)
    activity["id"] = f"{vote_uri}/activity"
    return activity
