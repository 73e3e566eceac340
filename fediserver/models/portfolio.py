"""An artist's portfolio: which posts are works, in what order, and the series they form.

A work is a post with images that the artist shows in the portfolio grid; its ``Work``
row holds what a post does not: its place in the grid, the medium, field and software
(federated as hashtags on the post), and an optional commission or shop link. A series
is an ordered, titled group of the artist's own works; it federates as a FEP-7aa9
``FeaturedCollection``. Positions are ascending: the smallest comes first.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

# What a work's details hold, each a list of short names that are also hashtags.
WORK_FACETS = ("medium", "field", "software")


class Work(Model):
    id = fields.BigIntField(primary_key=True)
    post = fields.OneToOneField("models.Post", related_name="work", on_delete=fields.CASCADE)
    account = fields.ForeignKeyField("models.Account", related_name="works", on_delete=fields.CASCADE)
    # Place in the artist's grid; a new work takes the smallest, so it comes first.
    position = fields.IntField(default=0)
    # {"medium": [...], "field": [...], "software": [...]}: names without "#".
    details = fields.JSONField(default=dict, db_default="{}")
    # FEP-0ea0 payment link: where to commission or buy this work, and its label.
    payment_url = fields.CharField(max_length=2048, null=True)
    payment_label = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "works"
        indexes = (("account_id", "position"),)


class Series(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="series", on_delete=fields.CASCADE)
    # The last part of the page's address, /@name/series/<slug>; unique per artist.
    slug = fields.CharField(max_length=64)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    position = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "series"
        unique_together = (("account", "slug"),)


class SeriesWork(Model):
    """A work's place in a series."""

    id = fields.BigIntField(primary_key=True)
    series = fields.ForeignKeyField("models.Series", related_name="entries", on_delete=fields.CASCADE)
    post = fields.ForeignKeyField("models.Post", related_name="series_entries", on_delete=fields.CASCADE)
    position = fields.IntField(default=0)
    added_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "series_works"
        unique_together = (("series", "post"),)
