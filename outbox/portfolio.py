"""An artist's portfolio as actions: publishing and editing works, their order, series,
and the pinned works Mastodon shows; each change that other servers should hear of is
published to the artist's followers in the same transaction.

- A work is a post with images plus a ``Work`` row (its place, medium, field, software,
  commission link). Medium, field and software travel as hashtags on the Note.
- A new work takes the smallest position, so it comes first in the grid; arranging
  renumbers the artist's works in the order given.
- A series federates as a FEP-7aa9 ``FeaturedCollection``: creating one sends ``Add``
  to ``featuredCollections``, any change of its title, text, works or order an
  ``Update``, deleting it a ``Remove``, each naming the collection by its id (servers
  that do not know the type yet refuse it embedded; the rest fetch it).
- Up to ``MAX_PINNED`` works are pinned (``featured``, as Mastodon reads it), each pin
  and unpin an ``Add``/``Remove`` on ``featured``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from tortoise.functions import Max, Min
from tortoise.transactions import in_transaction

from fediserver.models import Account, MediaAttachment, Post
from fediserver.models.portfolio import WORK_FACETS, Series, SeriesWork, Work
from fediserver.clock import utcnow
from outbox import builders, statuses
from outbox.errors import ActionError
from outbox.objects import MediaUrl, NoteRenderer, series_id
from outbox.publish import publish
from outbox.recipients import follower_inboxes

MAX_PINNED = 5
MAX_FACET_NAMES = 5
MAX_SERIES_TITLE = 200
MAX_SERIES_DESCRIPTION = 5_000
MAX_SERIES_WORKS = 150
_TAG_WORD = re.compile(r"[^\W_]+", re.UNICODE)


# Works


def facet_hashtag(name: str) -> str:
    """A medium, field or software name as a hashtag: words joined in CamelCase ("oil paint" -> "OilPaint")."""
    words = _TAG_WORD.findall(unicodedata.normalize("NFKC", name))
    tag = "".join(word[:1].upper() + word[1:] for word in words)
    if not tag or tag.isdigit():
        raise ActionError(f"{name!r} cannot be a tag: use letters")
    return tag


def clean_facets(facets: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    """The work's medium, field and software names, trimmed, each list at most a few."""
    cleaned: dict[str, list[str]] = {}
    for facet, names in (facets or {}).items():
        if facet not in WORK_FACETS:
            raise ActionError(f"{facet!r} is not one of {', '.join(WORK_FACETS)}")
        kept = list(dict.fromkeys(name.strip() for name in names if name and name.strip()))
        if len(kept) > MAX_FACET_NAMES:
            raise ActionError(f"{facet}: at most {MAX_FACET_NAMES} names")
        for name in kept:
            if len(name) > 60:
                raise ActionError(f"{facet}: {name[:20]!r}... is longer than 60 characters")
            facet_hashtag(name)
        if kept:
            cleaned[facet] = kept
    return cleaned


def check_payment_url(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or len(url) > 2048:
        raise ActionError("the commission or shop link must be a full web address (https://...)")
    return url


async def publish_work(
    author: Account,
    text: str,
    *,
    media: Sequence[MediaAttachment],
    visibility: str = "public",
    spoiler_text: str = "",
    sensitive: bool = False,
    facets: Mapping[str, Sequence[str]] | None = None,
    payment_url: str | None = None,
    payment_label: str | None = None,
    license: str | None = None,
    series: Sequence[Series] = (),
    notes: NoteRenderer,
) -> Post:
    """Publish a post with images as a work, first in the artist's grid; returns the post."""
    if not media:
        raise ActionError("a work needs at least one image")
    details = clean_facets(facets)
    payment_url = check_payment_url(payment_url)
    for one in series:
        if one.account_id != author.pk:
            raise ActionError(f"the series {one.title!r} is not @{author.acct}'s")
    # The Work row exists before the Create is rendered, so the Note carries its payment link.
    async with in_transaction():
        post = await statuses.post_status(
            author, text, visibility=visibility, spoiler_text=spoiler_text, sensitive=sensitive, media=media,
            notes=_WorkAwareNotes(notes, payment_url, payment_label), extra_hashtags=_facet_tags(details),
            license=license,
        )
        first = await Work.filter(account_id=author.pk).annotate(first=Min("position")).values_list("first", flat=True)
        position = (first[0] - 1) if first and first[0] is not None else 0
        await Work.create(post=post, account=author, position=position, details=details,
                          payment_url=payment_url, payment_label=(payment_label or None) if payment_url else None)
        for one in series:
            await _append_to_series(one, post)
    for one in series:
        await _publish_series_update(one, author, notes.media_url)
    return post


async def edit_work(
    post: Post,
    text: str,
    *,
    spoiler_text: str = "",
    sensitive: bool = False,
    facets: Mapping[str, Sequence[str]] | None = None,
    payment_url: str | None = None,
    payment_label: str | None = None,
    license: str | None = None,
    notes: NoteRenderer,
) -> Post:
    """Change a work's description, content warning, details and link; its Update goes out."""
    details = clean_facets(facets)
    payment_url = check_payment_url(payment_url)
    async with in_transaction():
        work = await Work.get_or_none(post_id=post.pk)
        if work is None:
            work = Work(post=post, account_id=post.account_id, position=await _first_position(post.account_id))
        work.details = details
        work.payment_url = payment_url
        work.payment_label = (payment_label or None) if payment_url else None
        await work.save()
        await statuses.edit_status(post, text, spoiler_text=spoiler_text, sensitive=sensitive, notes=notes,
                                   extra_hashtags=_facet_tags(details), license=license)
    return post


async def show_in_portfolio(post: Post, shown: bool) -> None:
    """Mark a post with images as a work (first in the grid), or take it out of the grid."""
    if shown:
        if post.deleted_at is not None or not await MediaAttachment.exists(post_id=post.pk):
            raise ActionError("only a post with images can be a work")
        if not await Work.exists(post_id=post.pk):
            await Work.create(post=post, account_id=post.account_id, position=await _first_position(post.account_id))
    else:
        await Work.filter(post_id=post.pk).delete()


async def arrange_works(author: Account, ordered_post_ids: Sequence[int]) -> None:
    """Put the artist's works in this order; works not named keep their order, after these."""
    works = await Work.filter(account_id=author.pk).order_by("position", "-post_id")
    await _renumber(works, ordered_post_ids)


async def move_work(author: Account, post_id: int, step: int) -> None:
    """Move one work ``step`` places (negative: earlier), or to the front with ``step=-10**6``."""
    works = await Work.filter(account_id=author.pk).order_by("position", "-post_id")
    order = [work.post_id for work in works]
    if post_id not in order:
        raise ActionError("that is not one of your works")
    index = order.index(post_id)
    order.insert(max(0, min(len(order) - 1, index + step)), order.pop(index))
    await _renumber(works, order)


async def newest_first(author: Account) -> None:
    """Give up the artist's own order: works newest first again."""
    works = await Work.filter(account_id=author.pk).order_by("-post_id")
    await _renumber(works, [work.post_id for work in works])


async def _renumber(rows: list, ordered_post_ids: Sequence[int]) -> None:
    by_post = {row.post_id: row for row in rows}
    order = [pid for pid in dict.fromkeys(ordered_post_ids) if pid in by_post]
    order += [row.post_id for row in rows if row.post_id not in set(order)]
    async with in_transaction():
        for position, post_id in enumerate(order):
            row = by_post[post_id]
            if row.position != position:
                row.position = position
                await row.save(update_fields=["position"])


async def _first_position(account_id: int) -> int:
    first = await Work.filter(account_id=account_id).annotate(first=Min("position")).values_list("first", flat=True)
    return (first[0] - 1) if first and first[0] is not None else 0


def _facet_tags(details: Mapping[str, Sequence[str]]) -> list[str]:
    return [facet_hashtag(name) for facet in WORK_FACETS for name in details.get(facet, ())]


class _WorkAwareNotes(NoteRenderer):
    """The renderer for a work's first Create: its Work row does not exist yet, so the
    payment link is given here."""

    def __init__(self, notes: NoteRenderer, payment_url: str | None, payment_label: str | None) -> None:
        super().__init__(notes.media_url, notes.data_mining_for)
        self.payment = (payment_url, payment_label or "Commission or buy") if payment_url else None

    async def notes(self, posts, author, *, with_context=False):
        rendered = await super().notes(posts, author, with_context=with_context)
        if self.payment is not None:
            for note in rendered:
                if not any(item.get("rel") == "payment" for item in note["attachment"]):
                    note["attachment"].append({"type": "Link", "rel": "payment", "href": self.payment[0],
                                               "name": self.payment[1], "mediaType": "text/html"})
        return rendered


# Series


def slug_for(title: str) -> str:
    """A readable address part for a series title ("Harbour at Dusk!" -> "harbour-at-dusk")."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-")
    return slug or "series"


def _check_series_text(title: str, description: str) -> tuple[str, str]:
    title, description = title.strip(), description.strip()
    if not title:
        raise ActionError("a series needs a title")
    if len(title) > MAX_SERIES_TITLE:
        raise ActionError(f"the title is {len(title)} characters; the limit is {MAX_SERIES_TITLE}")
    if len(description) > MAX_SERIES_DESCRIPTION:
        raise ActionError(f"the description is {len(description)} characters; the limit is {MAX_SERIES_DESCRIPTION}")
    return title, description


async def create_series(author: Account, title: str, description: str = "", *, media_url: MediaUrl) -> Series:
    """A new series, last among the artist's; its ``Add`` goes to their followers."""
    title, description = _check_series_text(title, description)
    base = slug_for(title)
    slug, n = base, 1
    while await Series.exists(account_id=author.pk, slug=slug):
        n += 1
        slug = f"{base}-{n}"
    last = await Series.filter(account_id=author.pk).annotate(last=Max("position")).values_list("last", flat=True)
    async with in_transaction():
        series = await Series.create(account=author, slug=slug, title=title, description=description,
                                     position=(last[0] + 1) if last and last[0] is not None else 0)
        await publish(builders.add_to_collection(author, series_id(author, series.pk), _collections_url(author)),
                      actor=author, inboxes=await follower_inboxes(author))
    return series


async def edit_series(series: Series, author: Account, title: str, description: str, *, media_url: MediaUrl) -> Series:
    series.title, series.description = _check_series_text(title, description)
    await series.save(update_fields=["title", "description", "updated_at"])
    await _publish_series_update(series, author, media_url)
    return series


async def delete_series(series: Series, author: Account) -> None:
    """Delete a series (its works stay); a ``Remove`` goes to the artist's followers."""
    async with in_transaction():
        collection_id = series_id(author, series.pk)
        await series.delete()
        await publish(builders.remove_from_collection(author, collection_id, _collections_url(author)),
                      actor=author, inboxes=await follower_inboxes(author))


async def set_series_works(series: Series, author: Account, post_ids: Sequence[int], *, media_url: MediaUrl) -> None:
    """Make the series hold exactly these works of the artist, in this order."""
    wanted = list(dict.fromkeys(post_ids))
    if len(wanted) > MAX_SERIES_WORKS:
        raise ActionError(f"a series holds at most {MAX_SERIES_WORKS} works")
    own = set(await Work.filter(account_id=author.pk, post_id__in=wanted).values_list("post_id", flat=True))
    if len(own) != len(wanted):
        raise ActionError("a series can only hold your own works")
    async with in_transaction():
        await SeriesWork.filter(series_id=series.pk).exclude(post_id__in=wanted).delete()
        entries = {entry.post_id: entry for entry in await SeriesWork.filter(series_id=series.pk)}
        for position, post_id in enumerate(wanted):
            entry = entries.get(post_id)
            if entry is None:
                await SeriesWork.create(series=series, post_id=post_id, position=position)
            elif entry.position != position:
                entry.position = position
                await entry.save(update_fields=["position"])
        await series.save(update_fields=["updated_at"])
    await _publish_series_update(series, author, media_url)


async def move_in_series(series: Series, author: Account, post_id: int, step: int, *, media_url: MediaUrl) -> None:
    order = list(await SeriesWork.filter(series_id=series.pk).order_by("position", "id").values_list("post_id", flat=True))
    if post_id not in order:
        raise ActionError("that work is not in this series")
    index = order.index(post_id)
    order.insert(max(0, min(len(order) - 1, index + step)), order.pop(index))
    await set_series_works(series, author, order, media_url=media_url)


async def arrange_series(author: Account, ordered_series_ids: Sequence[int]) -> None:
    """The order of the artist's series on their portfolio."""
    rows = await Series.filter(account_id=author.pk).order_by("position", "id")
    by_id = {row.pk: row for row in rows}
    order = [sid for sid in dict.fromkeys(ordered_series_ids) if sid in by_id]
    order += [row.pk for row in rows if row.pk not in set(order)]
    async with in_transaction():
        for position, sid in enumerate(order):
            if by_id[sid].position != position:
                by_id[sid].position = position
                await by_id[sid].save(update_fields=["position"])


async def _append_to_series(series: Series, post: Post) -> None:
    last = await SeriesWork.filter(series_id=series.pk).annotate(last=Max("position")).values_list("last", flat=True)
    position = (last[0] + 1) if last and last[0] is not None else 0
    if await SeriesWork.filter(series_id=series.pk).count() >= MAX_SERIES_WORKS:
        raise ActionError(f"the series {series.title!r} already holds {MAX_SERIES_WORKS} works")
    await SeriesWork.create(series=series, post=post, position=position)


async def _publish_series_update(series: Series, author: Account, media_url: MediaUrl) -> None:
    # By reference: servers that do not know FeaturedCollection yet refuse an activity
    # embedding one (Fedify answers 400); those that do fetch the collection by its id.
    await publish(builders.update_object(author, series_id(author, series.pk)), actor=author,
                  inboxes=await follower_inboxes(author))


def _collections_url(author: Account) -> str:
    return f"{author.uri}/featured_collections"


# Pins


async def pin(post: Post, author: Account) -> None:
    """Pin a public work to the artist's profile (at most ``MAX_PINNED``)."""
    if post.account_id != author.pk or post.deleted_at is not None:
        raise ActionError("only your own posts can be pinned")
    if post.visibility not in ("public", "unlisted"):
        raise ActionError("only public and unlisted posts can be pinned")
    if post.pinned_at is not None:
        return
    if await Post.filter(account_id=author.pk, pinned_at__isnull=False, deleted_at__isnull=True).count() >= MAX_PINNED:
        raise ActionError(f"at most {MAX_PINNED} works can be pinned; unpin one first")
    async with in_transaction():
        post.pinned_at = utcnow()
        await post.save(update_fields=["pinned_at"])
        await publish(builders.add_to_collection(author, post.uri, author.featured_url), actor=author,
                      inboxes=await follower_inboxes(author))


async def unpin(post: Post, author: Account) -> None:
    if post.account_id != author.pk or post.pinned_at is None:
        return
    async with in_transaction():
        post.pinned_at = None
        await post.save(update_fields=["pinned_at"])
        await publish(builders.remove_from_collection(author, post.uri, author.featured_url), actor=author,
                      inboxes=await follower_inboxes(author))
