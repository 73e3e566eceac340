"""Notifications in the client API.

They are made where each act is recorded (``fediserver.models.interactions.notify``);
the API only reads them, leaving out those about posts the reader may no longer see,
those from accounts blocked either way or muted with their notifications
(``fediserver.visibility.heard_from``), and those whose post a filter for
notifications hides (a ``warn`` filter marks the post instead).
"""

from __future__ import annotations

from quart import Blueprint, jsonify, request
from tortoise.expressions import Q, Subquery

from fediserver.api.auth import require_account
from fediserver.api.context import services
from fediserver.api.filtering import active_filters, hidden_by_filters
from fediserver.api.pagination import Page, link_header
from fediserver.api.serializers import NOTIFICATION_TYPES, notifications_json
from fediserver.models import Account, Notification, NotificationKind
from fediserver.refusals import not_found, record_id
from fediserver.visibility import heard_from, visible_posts

blueprint = Blueprint("api_notifications", __name__)

KIND_BY_TYPE = {name: kind for kind, name in NOTIFICATION_TYPES.items()}


@blueprint.get("/api/v1/notifications")
async def index():
    account = await require_account(scope="read:notifications")
    query = Notification.filter(_heard(account), account=account).select_related("from_account", "post")
    wanted = _kinds(request.args.getlist("types[]") + request.args.getlist("types"))
    unwanted = _kinds(request.args.getlist("exclude_types[]") + request.args.getlist("exclude_types"))
    if wanted:
        query = query.filter(kind__in=wanted)
    if unwanted:
        query = query.exclude(kind__in=unwanted)
    rows = await Page.from_request().rows(query)
    documents = await notifications_json(rows, account, services().media_links)
    filters = await active_filters(account, "notifications")
    documents = [d for d in documents if not hidden_by_filters(d["status"], filters, account)]
    return jsonify(documents), 200, link_header(rows)


@blueprint.get("/api/v1/notifications/<notification_id>")
async def show(notification_id: str):
    account = await require_account(scope="read:notifications")
    row = await Notification.get_or_none(
        _heard(account), id=record_id(notification_id), account=account
    ).select_related("from_account", "post")
    if row is None:
        raise not_found("Notification")
    [document] = await notifications_json([row], account, services().media_links)
    return jsonify(document)


def _heard(account: Account) -> Q:
    """Notifications from accounts not blocked or muted, about no post or about a post the
    account may still see."""
    return heard_from(account) & (
        Q(post_id__isnull=True) | Q(post_id__in=Subquery(visible_posts(account).values("id"))))


def _kinds(names: list[str]) -> list[NotificationKind]:
    return [KIND_BY_TYPE[name] for name in names if name in KIND_BY_TYPE]
