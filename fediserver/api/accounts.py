"""Accounts in the client API: who am I and changing my profile, looking an account up
(an unknown remote handle is fetched through the resolver), its posts, following,
unfollowing and removing a follower, and moving to another server (aliases and the
move, GoToSocial's endpoints)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from quart import Blueprint, current_app, jsonify, request
from tortoise.expressions import Subquery

from fediserver.api.auth import optional_account, require_account
from fediserver.api.context import services
from fediserver.api.errors import not_found, unprocessable
from fediserver.api.filtering import active_filters, filter_statuses
from fediserver.api.pagination import Page, link_header
from fediserver.api.params import TRUE, Params, record_id
from fediserver.api.serializers import account_json, relationship_json, statuses_json
from fediserver.models import Account, Follow, MediaAttachment
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.local_accounts import authenticate
from fediserver.visibility import visible_posts
from inbox.resolver import NotResolved
from media.labels import looser_than_instance, remote_policy_for
from media.provenance import POLICIES
from outbox import moves, relations

blueprint = Blueprint("api_accounts", __name__)


@blueprint.get("/api/v1/accounts/verify_credentials")
async def verify_credentials():
    return jsonify(await own_account_json(await require_account(scope=("read:accounts", "profile"))))


async def own_account_json(account: Account) -> dict[str, Any]:
    """The caller's account with its ``source``, her effective rule for remote AI media included."""
    document = await account_json(account, with_source=True)
    document["source"]["ai_generated_remote"] = remote_policy_for(services().media_links.rules, account)
    return document


@blueprint.patch("/api/v1/accounts/update_credentials")
async def update_credentials():
    """Change the caller's own profile; answers the account with its ``source``."""
    account = await require_account(scope="write:accounts")
    params = await Params.read()
    changes = credential_changes(params)
    remote_rule = params.member("source", "ai_generated_remote")
    if remote_rule is not None:
        changes["protection_overrides"] = {**(account.protection_overrides or {}),
                                           "ai_generated_remote": remote_ai_rule(remote_rule)}
    if changes:
        account.update_from_dict(changes)
        await account.save(update_fields=[*changes, "updated_at"])
    if changes.get("manually_approves_followers") is False:
        await relations.authorize_waiting_follows(account)  # unlocked: those waiting get in
    return jsonify(await own_account_json(account))


def credential_changes(params: Params) -> dict[str, Any]:
    """The Account fields a profile update sets, from Mastodon's parameter names; a
    parameter not sent changes nothing. So far only ``locked``: approving followers by hand."""
    changes: dict[str, Any] = {}
    if params.text("locked") is not None:
        changes["manually_approves_followers"] = params.flag("locked")
    return changes


def remote_ai_rule(value: str) -> str:
    """The caller's own rule for AI-marked media from other servers (our extension
    ``source[ai_generated_remote]``): "reject", "label" or "allow", never looser than the instance's."""
    choice = value.strip().lower()
    rules = services().media_links.rules
    if choice not in POLICIES:
        raise unprocessable(f"source[ai_generated_remote] must be one of {', '.join(POLICIES)}, not {value!r}")
    if looser_than_instance(rules, choice):
        raise unprocessable(
            f"source[ai_generated_remote] cannot be looser than this instance's rule "
            f"({rules.protection.ai_generated_remote!r}); choose {rules.protection.ai_generated_remote!r} or stricter"
        )
    return choice


@blueprint.get("/api/v1/accounts/lookup")
async def lookup():
    await optional_account(scope="read:accounts")
    acct = (request.args.get("acct") or "").strip().removeprefix("@")
    if not acct:
        raise unprocessable("acct is required, e.g. ada or ada@art.example")
    username, _, host = acct.partition("@")
    local_host = current_app.config["SETTINGS"].instance.domain.lower()
    domain = LOCAL_DOMAIN if host.lower() in ("", local_host) else host.lower()
    account = await Account.get_or_none(username=username, domain=domain, suspended=False)
    if account is None and domain != LOCAL_DOMAIN:
        try:
            account = await services().resolver.account(f"{username}@{domain}")
        except NotResolved:
            account = None
    if account is None:
        raise not_found("Account")
    return jsonify(await account_json(account))


@blueprint.post("/api/v1/accounts/alias")
async def alias():
    """Set the accounts the caller also is (``also_known_as_uris[]``, GoToSocial's
    spelling), each a URL or handle of an account that exists; an empty list clears them."""
    account = await require_account(scope="write:accounts")
    params = await Params.read()
    aliases = []
    for given in params.texts("also_known_as_uris"):
        try:
            aliases.append(await services().resolver.account(given))
        except NotResolved as reason:
            raise unprocessable(f"{given}: {reason}") from None
    await moves.set_aliases(account, aliases)
    return jsonify(await account_json(account, with_source=True))


@blueprint.post("/api/v1/accounts/move")
async def move():
    """Move the caller's account to ``moved_to_uri`` (``password`` to confirm): the new
    account must name this one among its aliases; followers everywhere are told."""
    account = await require_account(scope="write:accounts")
    params = await Params.read()
    if await authenticate(account.username, params.text("password", "") or "") is None:
        raise unprocessable("the password is not correct")
    target_uri = (params.text("moved_to_uri") or "").strip()
    if not target_uri:
        raise unprocessable("moved_to_uri is required: the address of the account to move to")
    try:
        target = await services().resolver.account(target_uri, refresh=True)
    except NotResolved as reason:
        raise unprocessable(f"{target_uri}: {reason}") from None
    await moves.move_account(account, target)
    return jsonify({}), 202


@blueprint.get("/api/v1/accounts/relationships")
async def relationships():
    account = await require_account(scope="read:follows")
    ids = [record_id(value) for value in request.args.getlist("id[]") + request.args.getlist("id")]
    targets = {a.pk: a for a in await Account.filter(id__in=ids)}
    return jsonify([await relationship_json(account, targets[i]) for i in ids if i in targets])


@blueprint.get("/api/v1/accounts/<account_id>")
async def show(account_id: str):
    await optional_account(scope="read:accounts")
    return jsonify(await account_json(await _target(account_id)))


@blueprint.get("/api/v1/accounts/<account_id>/statuses")
async def statuses(account_id: str):
    """An account's posts and boosts the caller may see, newest first (``pinned``,
    ``only_media``, ``exclude_replies``, ``exclude_reblogs`` narrow it)."""
    viewer = await optional_account(scope="read:statuses")
    author = await _target(account_id)
    query = visible_posts(viewer).filter(account=author)
    args = request.args
    if args.get("pinned", "").lower() in TRUE:
        query = query.filter(pinned_at__isnull=False)
    if args.get("only_media", "").lower() in TRUE:
        query = query.filter(id__in=Subquery(MediaAttachment.filter(post_id__isnull=False).values("post_id")))
    if args.get("exclude_replies", "").lower() in TRUE:
        query = query.filter(in_reply_to_uri__isnull=True)
    if args.get("exclude_reblogs", "").lower() in TRUE:
        query = query.filter(boost_of_id__isnull=True)
    rows = await Page.from_request().rows(query)
    documents = await statuses_json(rows, viewer, services().media_links)
    documents = filter_statuses(documents, await active_filters(viewer, "account"), viewer)
    return jsonify(documents), 200, link_header(rows)


@blueprint.post("/api/v1/accounts/<account_id>/follow")
async def follow(account_id: str):
    return await _act_on(account_id, relations.follow)


@blueprint.post("/api/v1/accounts/<account_id>/unfollow")
async def unfollow(account_id: str):
    return await _act_on(account_id, relations.unfollow)


@blueprint.post("/api/v1/accounts/<account_id>/remove_from_followers")
async def remove_from_followers(account_id: str):
    """End the account's follow of the caller (a Reject to its server, if remote)."""
    return await _act_on(account_id, _remove_follower)


async def _remove_follower(account: Account, follower: Account) -> None:
    if await Follow.accepted().filter(follower=follower, target=account).exists():
        await relations.reject_follow(account, follower)


async def _act_on(account_id: str, action: Callable[[Account, Account], Awaitable[Any]]):
    """Do ``action`` between the caller and the account (scope write:follows); answer
    their Relationship."""
    account = await require_account(scope="write:follows")
    target = await _target(account_id)
    await action(account, target)
    return jsonify(await relationship_json(account, target))


async def _target(account_id: str) -> Account:
    account = await Account.get_or_none(id=record_id(account_id), suspended=False)
    if account is None:
        raise not_found("Account")
    return account
