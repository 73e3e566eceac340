"""Discovery: WebFinger, host-meta and NodeInfo, always public (even with authorized fetch).

WebFinger answers ``acct:name@domain`` (the domain as configured, with its port if it
has one), and the actor or profile URL of a local artist or of the instance actor
(``acct:actor@domain``, at ``/actor``). Answers are cached per account like actor
documents. NodeInfo 2.0 and 2.1 report real counts: local artists, those who posted in
the last 30 and 180 days, and local posts not deleted.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

import orjson
from quart import Blueprint, Response, request

from fediserver import __version__
from fediserver.clock import utcnow
from fediserver.fast_lane import replayable_while
from fediserver.instance_actor import INSTANCE_ACTOR_USERNAME, artists, ensure_instance_actor
from fediserver.models import Account, Post
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.services import app_services

blueprint = Blueprint("discovery", __name__)

JRD = "application/jrd+json; charset=utf-8"
NODEINFO_VERSIONS = ("2.0", "2.1")
_CORS = {"Access-Control-Allow-Origin": "*"}


def _json(body: bytes | dict, status: int = 200, content_type: str = "application/json") -> Response:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    return Response(data, status=status, content_type=content_type, headers=_CORS)


class BadResource(ValueError):
    pass


def resource_username(resource: str, domain: str, base_url: str) -> str | None:
    """The local username a WebFinger resource names; None when it is not ours.

    Raises ``BadResource`` for a resource that is no acct: handle or URL at all.
    """
    resource = unquote(resource.strip())
    if resource.lower().startswith("acct:"):
        handle = resource[5:].lstrip("@")
        name, at, host = handle.rpartition("@")
        if not at or not name or not host:
            raise BadResource("an acct: resource needs the form acct:name@domain")
        return name.lower() if host.lower() == domain else None
    if resource.startswith(("https://", "http://")):
        if not resource.lower().startswith(base_url.lower() + "/"):
            return None
        path = resource[len(base_url):].split("?", 1)[0].split("#", 1)[0].rstrip("/")
        if path == "/actor":
            return INSTANCE_ACTOR_USERNAME
        for prefix in ("/users/", "/@"):
            name = path[len(prefix):].lower()
            if path.startswith(prefix) and name and "/" not in name:
                # /users/actor is not the instance actor's URL: /actor is.
                return name if name != INSTANCE_ACTOR_USERNAME else None
        return None
    raise BadResource("the resource must be an acct: handle or an http(s) URL")


def webfinger_document(account: Account, domain: str) -> dict:
    links = [{"rel": "self", "type": "application/activity+json", "href": account.uri}]
    aliases = [account.uri]
    if account.username != INSTANCE_ACTOR_USERNAME and account.url:
        links.insert(0, {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": account.url})
        aliases.append(account.url)
    return {"subject": f"acct:{account.username}@{domain}", "aliases": aliases, "links": links}


@blueprint.get("/.well-known/webfinger")
async def webfinger():
    services = app_services()
    resource = request.args.get("resource", "")
    if not resource:
        return _json({"error": "the resource parameter is required"}, 400)
    domain = services.settings.instance.domain
    try:
        username = resource_username(resource, domain, services.urls.base_url)
    except BadResource as error:
        return _json({"error": str(error)}, 400)
    if username is None:
        return _json({"error": "not an account of this server"}, 404)
    cached = services.documents.get("webfinger", username)
    if cached is not None:
        replayable_while(lambda: services.documents.get("webfinger", username) is cached)
        return _json(cached, content_type=JRD)
    if username == INSTANCE_ACTOR_USERNAME:
        account = await ensure_instance_actor(services.urls, instance_name=services.settings.instance.name)
    else:
        account = await Account.get_or_none(username=username, domain=LOCAL_DOMAIN, suspended=False)
    if account is None:
        return _json({"error": "no such account"}, 404)
    body = services.documents.put("webfinger", username, orjson.dumps(webfinger_document(account, domain)))
    replayable_while(lambda: services.documents.get("webfinger", username) is body)
    return _json(body, content_type=JRD)


@blueprint.get("/.well-known/host-meta")
async def host_meta():
    base_url = app_services().urls.base_url
    xrd = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{base_url}/.well-known/webfinger?resource={{uri}}"/>\n'
        "</XRD>\n"
    )
    return Response(xrd, content_type="application/xrd+xml; charset=utf-8", headers=_CORS)


@blueprint.get("/.well-known/nodeinfo")
async def nodeinfo_links():
    base_url = app_services().urls.base_url
    return _json(
        {
            "links": [
                {"rel": f"http://nodeinfo.diaspora.software/ns/schema/{version}", "href": f"{base_url}/nodeinfo/{version}"}
                for version in NODEINFO_VERSIONS
            ]
        }
    )


async def usage() -> dict:
    now = utcnow()
    people = artists().filter(suspended=False)

    async def active_since(days: int) -> int:
        return await people.filter(posts__local=True, posts__published_at__gte=now - timedelta(days=days)).distinct().count()

    return {
        "users": {
            "total": await people.count(),
            "activeMonth": await active_since(30),
            "activeHalfyear": await active_since(180),
        },
        "localPosts": await Post.filter(local=True, deleted_at__isnull=True).count(),
    }


@blueprint.get("/nodeinfo/<version>")
async def nodeinfo(version: str):
    if version not in NODEINFO_VERSIONS:
        return _json({"error": f"NodeInfo {version} is not served; try 2.0 or 2.1"}, 404)
    settings = app_services().settings
    software = {"name": "fediserver", "version": __version__}
    document = {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": settings.registrations.mode == "open",
        "usage": await usage(),
        "metadata": {"nodeName": settings.instance.name, "nodeDescription": settings.instance.description},
    }
    schema = f"http://nodeinfo.diaspora.software/ns/schema/{version}#"
    return _json(document, content_type=f'application/json; profile="{schema}"')
