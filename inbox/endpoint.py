"""The inbox endpoints: ``POST /users/<name>/inbox`` and the shared ``POST /inbox``.

Each POST is answered in the order a sender needs, the cheap checks first: a body above
``federation.max_inbox_bytes`` is 413; a body that is not an activity we can keep (not
a JSON object, nested too deeply, no actor, an id off the actor's own server:
``inbox.admission``) is 400; an actor on a server suspended by a domain block (or
off the allowlist) is 403; every
signature that cannot be verified is 401 with a JSON reason (never 202, so a sender
trying RFC 9421 first falls back to draft-cavage); all of these before any database
work, so refusals are cheap. Then an unknown recipient is 404, and the ``actor`` must
own the signing key, or, for an activity forwarded by another server, carry a valid
Object Integrity Proof (FEP-8b32) by its actor (401 otherwise). A proof on an activity
its actor signed is checked too; one that fails is logged (the signature already covers
the body). The activity is then stored once in the inbound queue (``Services.inbound``: the rows of
concurrent POSTs committed together) and answered 202 once it is committed; a worker
does the rest.

A Delete of an actor whose key can no longer be fetched (the account is gone, so is
its key) cannot be verified: when it deletes its own actor it is answered 202 and
dropped, as Mastodon does, so its server stops retrying; anything else unverifiable
stays 401.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import orjson
from quart import Blueprint, Response, request

from federation.integrity_proofs import ProofError, has_proof
from federation.signatures import Reason, SignatureError
from fediserver.models import Account
from fediserver.models.accounts import LOCAL_DOMAIN
from inbox.admission import Refused, admit

if TYPE_CHECKING:
    from fediserver.services import Services

log = logging.getLogger(__name__)


def _answer(status: int, error: str | None = None, detail: str = "") -> Response:
    if error is None:
        return Response(b"", status=status)
    body = {"error": error, "detail": detail} if detail else {"error": error}
    return Response(orjson.dumps(body), status=status, content_type="application/json")


def _is_self_delete(activity: dict[str, Any], actor: str) -> bool:
    if activity.get("type") != "Delete":
        return False
    target = activity.get("object")
    target = target.get("id") if isinstance(target, dict) else target
    return target == actor


async def _read_body(limit: int) -> bytes | None:
    """The request body, or None when it is larger than ``limit`` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None
    body = bytearray()
    async for chunk in request.body:
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def inbox_blueprint(services: Services) -> Blueprint:
    """The two inbox routes, answering with this process's verifier and settings."""
    blueprint = Blueprint("inbox", __name__)

    @blueprint.post("/users/<username>/inbox")
    async def personal_inbox(username: str):
        return await _receive(services, username)

    @blueprint.post("/inbox")
    async def shared_inbox():
        return await _receive(services, None)

    return blueprint


async def _inbox_owner_exists(services: Services, username: str) -> bool:
    """Whether ``username`` is a local artist, not suspended. A yes is remembered with the
    actor documents (dropped when the account is saved in this process, kept
    ``federation.document_cache_seconds`` otherwise), so a busy inbox asks once."""
    if services.documents.get("inbox-owner", username) is not None:
        return True
    exists = await Account.filter(uri=services.urls.actor(username), domain=LOCAL_DOMAIN, suspended=False).exists()
    if exists:
        services.documents.put("inbox-owner", username, b"")
    return exists


async def _receive(services: Services, recipient: str | None) -> Response:
    limit = services.settings.federation.max_inbox_bytes
    body = await _read_body(limit)
    if body is None:
        return _answer(413, "body too large", f"the limit is {limit} bytes")
    try:
        admitted = admit(body)
    except Refused as refusal:
        return _answer(400, refusal.error, refusal.detail)
    activity, actor = admitted.activity, admitted.actor
    # A server this instance does not federate with is refused before any key is fetched.
    refused = services.domains.refusal(admitted.origin.split("://", 1)[1])
    if refused is not None:
        return _answer(403, "domain blocked", refused)
    try:
        signature = await services.verifier.verify("POST", request.scope, request.headers, body)
    except SignatureError as error:
        if error.reason == Reason.UNKNOWN_KEY and _is_self_delete(activity, actor):
            log.info("dropped a Delete of an actor whose key cannot be fetched: %s", error.detail)
            return _answer(202)
        return _answer(401, str(error.reason), error.detail)
    if recipient is not None and not await _inbox_owner_exists(services, recipient):
        return _answer(404, "no such account", recipient)
    key_id = signature.key_id
    if actor != signature.owner:
        # Forwarded by another server: believed only on the actor's own proof.
        if not has_proof(activity):
            return _answer(
                401,
                "signer is not the actor",
                f"the key {signature.key_id} belongs to {signature.owner}, not {actor}, and the activity "
                "carries no integrity proof by its actor",
            )
        try:
            key_id = await services.proofs.check(activity)
        except ProofError as error:
            return _answer(401, "signer is not the actor", f"{signature.owner} forwarded it, and its proof fails: {error}")
    elif has_proof(activity):
        try:
            await services.proofs.check(activity)
        except ProofError as error:  # the signature already proves the body is the actor's
            log.warning("the integrity proof of %s from %s does not verify: %s", activity.get("id"), actor, error)
    delivered_to = services.urls.actor(recipient) if recipient is not None else None
    await services.inbound.store(activity, actor_uri=actor, key_id=key_id, delivered_to=delivered_to)
    return _answer(202)
