"""People to follow, in the client API: suggestions (the collective's own artists who chose
to be discoverable and whom the caller does not follow yet, those with works first, then by
their latest public post; one dismissed is not suggested again) and familiar followers (who among the accounts the
caller follows follows a given account)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from quart import Blueprint, jsonify, request
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.functions import Max

from fediserver.api.auth import require_account
from fediserver.api.params import Params
from fediserver.api.serializers import accounts_json
from fediserver.models import Account, Follow, Post, SuggestionDismissal, Visibility, Work
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.refusals import record_id, unprocessable
from fediserver.visibility import blocked_either_way, muted_accounts

blueprint = Blueprint("api_suggestions", __name__)

DEFAULT_SUGGESTIONS, MAX_SUGGESTIONS = 40, 80
# Mastodon's Suggestion: the collective's artists are what its staff would feature.
SUGGESTION_SOURCE, SUGGESTION_SOURCES = "staff", ["featured"]


async def suggested_accounts(viewer: Account, limit: int) -> list[Account]:
    """Discoverable local artists ``viewer`` does not follow or ask to follow, has not blocked, is not
    blocked by, does not mute and has not dismissed; not suspended, silenced or moved.
    Artists with works come first, then by their latest public post (none: last)."""
    candidates = await (
        Account.filter(domain=LOCAL_DOMAIN, actor_type="Person", discoverable=True, suspended=False,
                       silenced_at__isnull=True, moved_to_uri__isnull=True)
        .exclude(id=viewer.pk)
        .exclude(id__in=Subquery(Follow.filter(follower_id=viewer.pk).values("target_id")))
        .exclude(id__in=blocked_either_way(viewer))
        .exclude(id__in=muted_accounts(viewer))
        .exclude(id__in=Subquery(SuggestionDismissal.filter(account_id=viewer.pk).values("target_id")))
    )
    ids = [account.pk for account in candidates]
    if not ids:
        return []
    with_works = set(await Work.filter(account_id__in=ids, post__deleted_at=None).distinct()
                     .values_list("account_id", flat=True))
    latest = {
        row["account_id"]: _moment(row["last"])
        for row in await Post.filter(account_id__in=ids, visibility=Visibility.PUBLIC, deleted_at=None,
                                     boost_of_id__isnull=True)
        .annotate(last=Max("published_at")).group_by("account_id").values("account_id", "last")
    }

    def rank(account: Account) -> tuple:
        last = latest.get(account.pk)
        return (account.pk not in with_works, last is None, -(last.timestamp() if last else 0), account.pk)

    return sorted(candidates, key=rank)[:limit]


def _moment(value: datetime | str | None) -> datetime | None:
    """A MAX() over a datetime column: a datetime on PostgreSQL, text on SQLite."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _limit() -> int:
    given = request.args.get("limit", "")
    if not given:
        return DEFAULT_SUGGESTIONS
    if not given.isdigit():
        raise unprocessable(f"limit must be a number, not {given!r}")
    return max(1, min(int(given), MAX_SUGGESTIONS))


async def _suggestions_json(viewer: Account) -> list[dict[str, Any]]:
    accounts = await suggested_accounts(viewer, _limit())
    rendered = await accounts_json(accounts)
    return [rendered[account.pk] for account in accounts]


@blueprint.get("/api/v2/suggestions")
async def suggestions_v2():
    viewer = await require_account(scope="read:accounts")
    return jsonify([{"source": SUGGESTION_SOURCE, "sources": SUGGESTION_SOURCES, "account": account}
                    for account in await _suggestions_json(viewer)])


@blueprint.get("/api/v1/suggestions")
async def suggestions_v1():
    return jsonify(await _suggestions_json(await require_account(scope="read:accounts")))


@blueprint.delete("/api/v1/suggestions/<account_id>")
@blueprint.delete("/api/v2/suggestions/<account_id>")
async def dismiss_suggestion(account_id: str):
    """Never suggest this account to the caller again (an unknown account: nothing to do)."""
    viewer = await require_account(scope="write:accounts")
    target = await Account.get_or_none(id=record_id(account_id))
    if target is not None:
        try:
            await SuggestionDismissal.get_or_create(account=viewer, target=target)
        except IntegrityError:
            pass  # dismissed by a request at the same moment
    return jsonify({})


@blueprint.get("/api/v1/accounts/familiar_followers")
async def familiar_followers():
    """For each ``id[]``, the accounts the caller follows that follow it, none blocked either
    way with the caller; an unknown or suspended account is left out, as Mastodon does."""
    viewer = await require_account(scope="read:follows")
    ids = [record_id(value) for value in (await Params.read()).texts("id")]
    known = set(await Account.filter(id__in=ids, suspended=False).values_list("id", flat=True)) if ids else set()
    followed_by_viewer = Subquery(Follow.accepted().filter(follower_id=viewer.pk).values("target_id"))
    follows = await (
        Follow.accepted()
        .filter(target_id__in=known, follower_id__in=followed_by_viewer, follower__suspended=False)
        .exclude(follower_id__in=blocked_either_way(viewer))
        .order_by("id")
        .select_related("follower")
    ) if known else []
    familiar: dict[int, list[Account]] = {}
    for follow in follows:
        familiar.setdefault(follow.target_id, []).append(follow.follower)
    rendered = await accounts_json(follow.follower for follow in follows)
    return jsonify([
        {"id": str(pk), "accounts": [rendered[account.pk] for account in familiar.get(pk, [])]}
        for pk in dict.fromkeys(ids) if pk in known
    ])
