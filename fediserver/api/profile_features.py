"""What an artist features on her profile, in the client API: hashtags (featured tags, with
suggestions from the tags she uses most), the accounts she recommends (endorsements:
Mastodon 4.4's ``endorse``/``unendorse`` and the older ``pin``/``unpin``), and taking her
avatar or header away.

What other servers show of a profile travels as the actor: when the featured hashtags or
a picture change, her followers' servers get an ``Update`` of it (``outbox.profile``, the
door ``update_credentials`` uses), and Mastodon reads the hashtags again from the actor's
``featuredTags`` collection (``fediserver.routes.collections``). Endorsements stay here.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from quart import Blueprint, jsonify
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from fediserver.actor_documents import actor_document
from fediserver.api.accounts import own_account_json, target_account
from fediserver.api.auth import optional_account, require_account
from fediserver.api.context import services
from fediserver.api.pagination import Page, link_header
from fediserver.api.params import Params
from fediserver.api.serializers import accounts_json, relationship_json
from fediserver.api.tags import tag_json
from fediserver.hashtags import posts_tagged, tag_name
from fediserver.models import Account, AccountEndorsement, FeaturedTag, Follow, FollowedTag, Post
from fediserver.models.profile_features import MAX_FEATURED_TAGS
from fediserver.refusals import not_found, record_id, unprocessable
from fediserver.visibility import blocked_either_way, visible_posts
from outbox.profile import publish_profile_update
from outbox.text import tag_path

blueprint = Blueprint("api_profile_features", __name__)

# A tag posts can carry: word characters with at least one letter (as ``outbox.text`` finds them).
_HAS_LETTER = re.compile(r"[^\W\d_]")
# How many of her latest posts the hashtag suggestions look at.
SUGGESTIONS_FROM_POSTS = 1000
MAX_SUGGESTIONS = 10


# Featured hashtags


async def featured_tags_json(account: Account, rows: list[FeaturedTag]) -> list[dict[str, Any]]:
    """Mastodon's FeaturedTag entities: ``statuses_count`` (a string, as Mastodon writes it)
    and ``last_status_at`` (a date) count the account's posts anyone may see that carry the tag."""
    base = services().urls.base_url
    documents = []
    for row in rows:
        tagged = visible_posts(None).filter(account_id=account.pk, boost_of_id__isnull=True,
                                            id__in=posts_tagged([row.name]))
        latest = await tagged.order_by("-published_at").first().values_list("published_at", flat=True)
        documents.append({
            "id": str(row.pk),
            "name": row.name,
            "url": base + tag_path(row.name),
            "statuses_count": str(await tagged.count()),
            "last_status_at": latest.date().isoformat() if latest else None,
        })
    return documents


@blueprint.get("/api/v1/featured_tags")
async def own_featured_tags():
    account = await require_account(scope="read:accounts")
    return jsonify(await featured_tags_json(account, await FeaturedTag.filter(account=account).order_by("id")))


@blueprint.get("/api/v1/accounts/<account_id>/featured_tags")
async def account_featured_tags(account_id: str):
    """The hashtags an account features (those of other servers are not kept here: [])."""
    await optional_account(scope="read:accounts")
    account = await target_account(account_id)
    return jsonify(await featured_tags_json(account, await FeaturedTag.filter(account=account).order_by("id")))


@blueprint.post("/api/v1/featured_tags")
async def feature_tag():
    """Feature a hashtag (``name``, with or without ``#``) on the caller's profile: at most
    ``MAX_FEATURED_TAGS``, each once."""
    account = await require_account(scope="write:accounts")
    given = ((await Params.read()).text("name") or "").strip().removeprefix("#")
    if not given:
        raise unprocessable("name is required: the hashtag to feature")
    if tag_name(given) is None or not _HAS_LETTER.search(given):
        raise unprocessable(f"#{given} is not a hashtag (letters, digits and _ only, with at least one letter)")
    try:
        async with in_transaction():
            featured = await FeaturedTag.filter(account=account).values_list("name", flat=True)
            if given.casefold() in {name.casefold() for name in featured}:
                raise unprocessable(f"#{given} is already featured")
            if len(featured) >= MAX_FEATURED_TAGS:
                raise unprocessable(f"at most {MAX_FEATURED_TAGS} hashtags can be featured")
            row = await FeaturedTag.create(account=account, name=given)
            await _tell_followers(account)
    except IntegrityError:
        raise unprocessable(f"#{given} is already featured") from None
    [document] = await featured_tags_json(account, [row])
    return jsonify(document)


@blueprint.delete("/api/v1/featured_tags/<featured_tag_id>")
async def unfeature_tag(featured_tag_id: str):
    account = await require_account(scope="write:accounts")
    async with in_transaction():
        removed = await FeaturedTag.filter(id=record_id(featured_tag_id), account=account).delete()
        if not removed:
            raise not_found("Featured tag")
        await _tell_followers(account)
    return jsonify({})


@blueprint.get("/api/v1/featured_tags/suggestions")
async def featured_tag_suggestions():
    """The hashtags the caller uses most in her latest posts, not featured yet, as Tag entities."""
    account = await require_account(scope="read:accounts")
    tag_lists = await (Post.filter(account=account, deleted_at=None, boost_of_id__isnull=True)
                       .order_by("-id").limit(SUGGESTIONS_FROM_POSTS).values_list("tags", flat=True))
    used: Counter[str] = Counter()
    shown_as: dict[str, str] = {}
    for tags in tag_lists:
        for tag in tags or []:
            if isinstance(tag, dict) and tag.get("type") == "Hashtag" and isinstance(tag.get("name"), str):
                name = tag["name"].removeprefix("#")
                if (key := tag_name(name)) is not None:
                    used[key] += 1
                    shown_as.setdefault(key, name)
    featured = {name.lower() for name in await FeaturedTag.filter(account=account).values_list("name", flat=True)}
    followed = set(await FollowedTag.filter(account=account).values_list("name", flat=True))
    best = [key for key, _ in sorted(used.items(), key=lambda item: (-item[1], item[0])) if key not in featured]
    return jsonify([tag_json(shown_as[key], key in followed) for key in best[:MAX_SUGGESTIONS]])


async def _tell_followers(account: Account) -> None:
    """Followers' servers get the actor again and read its ``featuredTags`` anew."""
    await publish_profile_update(account, actor_document(account, services().urls))


# Endorsements


@blueprint.post("/api/v1/accounts/<account_id>/endorse")
@blueprint.post("/api/v1/accounts/<account_id>/pin")
async def endorse(account_id: str):
    """Recommend an account on the caller's profile; only one she follows."""
    account = await require_account(scope="write:accounts")
    target = await target_account(account_id)
    follow = await Follow.accepted().get_or_none(follower=account, target=target)
    if follow is None:
        raise unprocessable(f"you must follow @{target.acct} to feature it on your profile")
    try:
        await AccountEndorsement.get_or_create(account=account, target=target, defaults={"follow": follow})
    except IntegrityError:
        pass  # endorsed by a request at the same moment
    return jsonify(await relationship_json(account, target))


@blueprint.post("/api/v1/accounts/<account_id>/unendorse")
@blueprint.post("/api/v1/accounts/<account_id>/unpin")
async def unendorse(account_id: str):
    account = await require_account(scope="write:accounts")
    target = await target_account(account_id)
    await AccountEndorsement.filter(account=account, target=target).delete()
    return jsonify(await relationship_json(account, target))


@blueprint.get("/api/v1/endorsements")
async def own_endorsements():
    account = await require_account(scope="read:accounts")
    return await _endorsement_page(account, account)


@blueprint.get("/api/v1/accounts/<account_id>/endorsements")
async def account_endorsements(account_id: str):
    """The accounts an account recommends, newest first, without any blocked either way
    with the caller."""
    viewer = await optional_account(scope="read:accounts")
    return await _endorsement_page(await target_account(account_id), viewer)


async def _endorsement_page(account: Account, viewer: Account | None):
    query = AccountEndorsement.filter(account=account, target__suspended=False).select_related("target")
    if viewer is not None and viewer.pk != account.pk:
        query = query.exclude(target_id__in=blocked_either_way(viewer))
    rows = await Page.from_request().rows(query)
    rendered = await accounts_json(row.target for row in rows)
    return jsonify([rendered[row.target_id] for row in rows]), 200, link_header(rows)


# Taking a picture away


@blueprint.delete("/api/v1/profile/avatar")
async def delete_avatar():
    return await _remove_picture("avatar_url")


@blueprint.delete("/api/v1/profile/header")
async def delete_header():
    return await _remove_picture("header_url")


async def _remove_picture(column: str):
    """The caller's profile without its avatar or header (the stored files stay, as when a
    picture is replaced); followers' servers get the actor without it."""
    account = await require_account(scope="write:accounts")
    if getattr(account, column):
        async with in_transaction():
            setattr(account, column, None)
            await account.save(update_fields=[column, "updated_at"])
            await publish_profile_update(account, actor_document(account, services().urls))
    return jsonify(await own_account_json(account))

