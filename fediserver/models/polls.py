"""Polls: the choices a post offers and the votes cast on them.

A poll belongs to one post (a local status made with ``poll[options][]``, or a remote
``Question``). ``votes`` holds the count per option and ``voters_count`` the number of
people who voted: for a local poll they are recounted from ``PollVote`` rows after each
vote; for a remote poll they are the figures its server last sent, plus our own votes.
"""

from __future__ import annotations

from datetime import datetime

from tortoise import fields
from tortoise.models import Model


class Poll(Model):
    id = fields.BigIntField(primary_key=True)
    post = fields.OneToOneField("models.Post", related_name="poll", on_delete=fields.CASCADE)
    # The options' titles, in order.
    options = fields.JSONField(default=list)
    # Votes per option, in the same order.
    votes = fields.JSONField(default=list)
    voters_count = fields.IntField(default=0)
    # Several options may be chosen (a Question's anyOf).
    multiple = fields.BooleanField(default=False)
    # Counts are shown only once the poll has ended.
    hide_totals = fields.BooleanField(default=False)
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # When its end was announced to its author and voters here (fediserver.poll_endings).
    end_announced_at = fields.DatetimeField(null=True)

    class Meta:
        table = "polls"

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    async def recount(self) -> Poll:
        """A local poll's counts from its votes: per option, and the people who voted
        (after each vote, cast here or received)."""
        rows = await PollVote.filter(poll_id=self.pk).values_list("account_id", "choice")
        votes = [0] * len(self.options)
        for _, choice in rows:
            if 0 <= choice < len(votes):
                votes[choice] += 1
        self.votes, self.voters_count = votes, len({account_id for account_id, _ in rows})
        await self.save(update_fields=["votes", "voters_count"])
        return self


class PollVote(Model):
    """One choice of one voter (a voter on a multiple-choice poll has one row per choice)."""

    id = fields.BigIntField(primary_key=True)
    poll = fields.ForeignKeyField("models.Poll", related_name="cast_votes", on_delete=fields.CASCADE)
    account = fields.ForeignKeyField("models.Account", related_name="poll_votes", on_delete=fields.CASCADE)
    choice = fields.IntField()
    # The id of the Note that carried the vote (ours when we vote on a remote poll).
    uri = fields.CharField(max_length=2048, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "poll_votes"
        unique_together = (("poll", "account", "choice"),)
