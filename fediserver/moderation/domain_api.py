"""The domain blocks and allows in the client API, as Mastodon documents them.

- ``/api/v1/admin/domain_blocks`` (GET list and one, POST, PUT, DELETE) and
  ``/api/v1/admin/domain_allows`` (GET list and one, POST, DELETE): a token with the
  ``admin:read:domain_blocks`` / ``admin:write:domain_blocks`` scope (or ``..._allows``,
  or the whole ``admin:read`` / ``admin:write``) of an admin account; 403 otherwise.
  Every change goes through the writers of ``domain_blocks``.
- ``GET /api/v1/instance/domain_blocks``: the public list (``domain``, its SHA-256
  ``digest``, ``severity``, ``comment``; obfuscated names partly starred), to anyone,
  to signed-in accounts only, or to nobody (``moderation.expose_domain_blocks``).
"""

from __future__ import annotations

import hashlib

from quart import Blueprint, jsonify

from fediserver.api.auth import optional_account, require_account
from fediserver.api.context import services
from fediserver.api.pagination import Page, link_header
from fediserver.api.params import Params
from fediserver.models import Account, DomainAllow, DomainBlock
from fediserver.models.domain_blocks import Severity
from fediserver.moderation.domain_blocks import (
    DomainError, allow_domain, block_domain, disallow_domain, normalise_domain, unblock_domain,
)
from fediserver.refusals import ApiError, not_found, record_id, unprocessable

blueprint = Blueprint("domain_blocks", __name__)


async def _admin(scope: str) -> Account:
    account = await require_account(scope=scope)
    if not account.is_admin:
        raise ApiError(403, "This action is not allowed: it needs an admin account")
    return account


def _iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def block_json(block: DomainBlock) -> dict:
    return {
        "id": str(block.pk),
        "domain": block.domain,
        "digest": hashlib.sha256(block.domain.encode()).hexdigest(),
        "created_at": _iso(block.created_at),
        "severity": str(block.severity),
        "reject_media": block.reject_media,
        "reject_reports": block.reject_reports,
        "private_comment": block.private_comment or None,
        "public_comment": block.public_comment or None,
        "obfuscate": block.obfuscate,
    }


def allow_json(allow: DomainAllow) -> dict:
    return {"id": str(allow.pk), "domain": allow.domain, "created_at": _iso(allow.created_at)}


# -- domain blocks ---------------------------------------------------------------------------

@blueprint.get("/api/v1/admin/domain_blocks")
async def list_blocks():
    await _admin("admin:read:domain_blocks")
    rows = await Page.from_request().rows(DomainBlock.all())
    return jsonify([block_json(block) for block in rows]), 200, link_header(rows)


@blueprint.get("/api/v1/admin/domain_blocks/<block_id>")
async def show_block(block_id: str):
    await _admin("admin:read:domain_blocks")
    return jsonify(block_json(await _block(block_id)))


@blueprint.post("/api/v1/admin/domain_blocks")
async def create_block():
    admin = await _admin("admin:write:domain_blocks")
    params = await Params.read()
    domain = _domain(params.text("domain"))
    existing = await DomainBlock.get_or_none(domain=domain)
    if existing is not None:
        raise unprocessable(f"{domain} is already blocked (domain block {existing.pk}); change it with PUT")
    return jsonify(block_json(await _write(domain, params, admin)))


@blueprint.put("/api/v1/admin/domain_blocks/<block_id>")
async def update_block(block_id: str):
    admin = await _admin("admin:write:domain_blocks")
    block = await _block(block_id)
    params = await Params.read()
    return jsonify(block_json(await _write(block.domain, params, admin, block)))


@blueprint.delete("/api/v1/admin/domain_blocks/<block_id>")
async def delete_block(block_id: str):
    admin = await _admin("admin:write:domain_blocks")
    block = await _block(block_id)
    await unblock_domain(block.domain, by=admin)
    return jsonify({})


async def _block(block_id: str) -> DomainBlock:
    pk = record_id(block_id)
    block = await DomainBlock.get_or_none(id=pk) if pk < 2**63 else None
    if block is None:
        raise not_found()
    return block


def _domain(value: str | None) -> str:
    if not value:
        raise unprocessable("domain can't be blank")
    try:
        return normalise_domain(value)
    except DomainError as error:
        raise unprocessable(str(error)) from None


async def _write(domain: str, params: Params, admin: Account, current: DomainBlock | None = None) -> DomainBlock:
    """Create or change a block; a parameter left out keeps its current (or default) value."""
    severity = params.text("severity", str(current.severity) if current else Severity.SILENCE.value)
    if severity not in {s.value for s in Severity}:
        raise unprocessable(f"severity must be suspend, silence or noop, not {severity!r}")

    def kept(name: str, default):
        return getattr(current, name) if current is not None else default

    try:
        return await block_domain(
            domain,
            severity=severity,
            reject_media=params.flag("reject_media", kept("reject_media", False)),
            reject_reports=params.flag("reject_reports", kept("reject_reports", False)),
            private_comment=params.text("private_comment", kept("private_comment", "")) or "",
            public_comment=params.text("public_comment", kept("public_comment", "")) or "",
            obfuscate=params.flag("obfuscate", kept("obfuscate", False)),
            by=admin,
            remote_media=services().remote_media,
        )
    except DomainError as error:
        raise unprocessable(str(error)) from None


# -- domain allows ---------------------------------------------------------------------------

@blueprint.get("/api/v1/admin/domain_allows")
async def list_allows():
    await _admin("admin:read:domain_allows")
    rows = await Page.from_request().rows(DomainAllow.all())
    return jsonify([allow_json(allow) for allow in rows]), 200, link_header(rows)


@blueprint.get("/api/v1/admin/domain_allows/<allow_id>")
async def show_allow(allow_id: str):
    await _admin("admin:read:domain_allows")
    return jsonify(allow_json(await _allow(allow_id)))


@blueprint.post("/api/v1/admin/domain_allows")
async def create_allow():
    admin = await _admin("admin:write:domain_allows")
    params = await Params.read()
    return jsonify(allow_json(await allow_domain(_domain(params.text("domain")), by=admin)))


@blueprint.delete("/api/v1/admin/domain_allows/<allow_id>")
async def delete_allow(allow_id: str):
    admin = await _admin("admin:write:domain_allows")
    allow = await _allow(allow_id)
    await disallow_domain(allow.domain, by=admin)
    return jsonify({})


async def _allow(allow_id: str) -> DomainAllow:
    pk = record_id(allow_id)
    allow = await DomainAllow.get_or_none(id=pk) if pk < 2**63 else None
    if allow is None:
        raise not_found()
    return allow


# -- the public list -------------------------------------------------------------------------

@blueprint.get("/api/v1/instance/domain_blocks")
async def public_list():
    exposed = services().settings.moderation.expose_domain_blocks
    if exposed == "off":
        raise not_found("Domain block list")
    if exposed == "users":
        await require_account(scope="read")
    else:
        await optional_account(scope="read")
    blocks = await DomainBlock.all().order_by("domain")
    return jsonify([
        {
            "domain": obfuscated(block.domain) if block.obfuscate else block.domain,
            "digest": hashlib.sha256(block.domain.encode()).hexdigest(),
            "severity": str(block.severity),
            "comment": block.public_comment or None,
        }
        for block in blocks
    ])


def obfuscated(domain: str) -> str:
    """Every other letter starred, dots kept (``b*d.e*a*p*e``), as Mastodon shows them."""
    return "".join(ch if ch == "." or index % 2 == 0 else "*" for index, ch in enumerate(domain))
