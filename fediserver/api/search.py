"""Search in the client API: ``GET /api/v2/search`` and ``GET /api/v1/accounts/search``.

Accounts by name (local and known remote ones), or exactly by handle or actor URL;
statuses by their URL; hashtags used in recent posts. With ``resolve=true`` (for a signed-
in caller only: fetching is work done on someone's behalf) an unknown handle or URL is
fetched through the resolver (``Services.resolver``). Whatever does not resolve is an
empty result, never an error; a post is shown only to those who may read it
(``fediserver.visibility``).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from quart import Blueprint, jsonify, request
from tortoise.expressions import Q

from fediserver.api.auth import optional_account
from fediserver.api.context import services
from fediserver.api.params import TRUE
from fediserver.api.serializers import accounts_json, statuses_json
from fediserver.models import Account, Post
from fediserver.refusals import ApiError
from fediserver.visibility import blocked_either_way, may_read, publicly_listed, publicly_listed_accounts
from inbox.resolver import NotResolved

blueprint = Blueprint("api_search", __name__)

DEFAULT_LIMIT, MAX_LIMIT = 20, 40
# Posts whose tags are scanned for hashtag suggestions, newest first.
RECENT_TAGGED_POSTS = 2000
_HANDLE = re.compile(r"^@?[^\s@/]+@[^\s@/]+$")
_HASHTAG = re.compile(r"^#?(\w+)$")


@blueprint.get("/api/v2/search")
async def search():
    viewer = await optional_account(scope="read:search")
    query = _query()
    kinds = {request.args.get("type")} if request.args.get("type") else {"accounts", "statuses", "hashtags"}
    resolve = _resolving(viewer)
    limit, offset = _limit(), _offset()
    found = await _exact(query, resolve) if "accounts" in kinds or "statuses" in kinds else None
    accounts: list[Account] = []
    statuses: list[Post] = []
    if "accounts" in kinds:
        accounts = [found] if isinstance(found, Account) else await _accounts_named(query, limit + offset, viewer)
        accounts = await _not_blocked(accounts[offset:offset + limit], viewer)
    if "statuses" in kinds and isinstance(found, Post) and offset == 0 and await may_read(found, viewer):
        statuses = [found]
    hashtags = (await _hashtags(query))[offset:offset + limit] if "hashtags" in kinds else []
    links = services().media_links
    rendered = await accounts_json(accounts)
    return jsonify({
        "accounts": [rendered[a.pk] for a in accounts],
        "statuses": await statuses_json(statuses, viewer, links),
        "hashtags": [_hashtag_json(name) for name in hashtags],
    })


@blueprint.get("/api/v1/accounts/search")
async def accounts_search():
    viewer = await optional_account(scope="read:accounts")
    query = _query()
    limit, offset = _limit(), _offset()
    found = await _exact(query, _resolving(viewer))
    accounts = [found] if isinstance(found, Account) else await _accounts_named(query, limit + offset, viewer)
    accounts = await _not_blocked(accounts[offset:offset + limit], viewer)
    rendered = await accounts_json(accounts)
    return jsonify([rendered[a.pk] for a in accounts])


def _query() -> str:
    query = (request.args.get("q") or "").strip()
    if not query:
        raise ApiError(400, "q is required: a name, a handle like @name@example.social, or a link")
    if len(query) > 2048:
        raise ApiError(400, "q is too long")
    return query


def _resolving(viewer: Account | None) -> bool:
    return viewer is not None and request.args.get("resolve", "").lower() in TRUE


def _limit() -> int:
    try:
        return max(1, min(MAX_LIMIT, int(request.args.get("limit", DEFAULT_LIMIT))))
    except ValueError:
        raise ApiError(400, "limit must be a number") from None


def _offset() -> int:
    try:
        return max(0, int(request.args.get("offset", 0)))
    except ValueError:
        raise ApiError(400, "offset must be a number") from None


async def _exact(query: str, resolve: bool) -> Account | Post | None:
    """The one account or post a handle or URL names: known, or fetched when resolving."""
    is_url = query.lower().startswith(("https://", "http://"))
    if not is_url and not _HANDLE.match(query):
        return None
    resolver = services().resolver
    try:
        if resolve:
            return await resolver.resolve(query)
        return await _known(query, is_url)
    except NotResolved:
        return None


async def _known(query: str, is_url: bool) -> Account | Post | None:
    if is_url:
        return (await Account.get_or_none(uri=query, suspended=False)
                or await Account.filter(url=query, suspended=False).first()
                or await Post.get_or_none(uri=query, deleted_at=None)
                or await Post.filter(url=query, deleted_at=None).first())
    username, _, host = query.removeprefix("@").partition("@")
    local_host = services().settings.instance.domain.lower()
    domain = "" if host.lower() == local_host else host.lower()
    return await Account.get_or_none(username=username, domain=domain, suspended=False)


async def _not_blocked(accounts: list[Account], viewer: Account | None) -> list[Account]:
    """Leave out the accounts a block keeps apart from ``viewer``, either way."""
    if viewer is None or not accounts:
        return accounts
    kept_apart = set(await Account.filter(id__in=blocked_either_way(viewer)).values_list("id", flat=True))
    return [a for a in accounts if a.pk not in kept_apart]


async def _accounts_named(query: str, count: int, viewer: Account | None) -> list[Account]:
    """Accounts whose name starts with, or display name contains, the words searched."""
    text = query.removeprefix("@").split("@", 1)[0]
    if not text:
        return []
    instance_actor = Q(username="actor") & Q(domain="")
    query_set = Account.filter(
        Q(username__istartswith=text) | Q(display_name__icontains=text), ~instance_actor, suspended=False,
        silenced_at__isnull=True,  # a silenced (limited) account is found by its exact address only
    )
    if viewer is not None:
        query_set = query_set.exclude(id__in=blocked_either_way(viewer))
    return await publicly_listed_accounts(query_set).order_by("domain", "username").limit(count)


async def _hashtags(query: str) -> list[str]:
    match = _HASHTAG.match(query)
    if match is None:
        return []
    wanted = match.group(1).lower()
    seen: dict[str, None] = {}
    rows = await publicly_listed(Post.filter(deleted_at=None), None).order_by("-id").limit(RECENT_TAGGED_POSTS).values_list("tags", flat=True)
    for tags in rows:
        for tag in tags or []:
            name = tag.get("name") if isinstance(tag, dict) and tag.get("type") == "Hashtag" else None
            if isinstance(name, str) and name.lstrip("#").lower().startswith(wanted):
                seen.setdefault(name.lstrip("#").lower(), None)
    return sorted(seen, key=lambda name: (name != wanted, len(name), name))


def _hashtag_json(name: str) -> dict:
    return {"name": name, "url": f"{services().urls.base_url}/tags/{quote(name)}", "history": [], "following": False}
