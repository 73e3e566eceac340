"""The crawler guard: do-not-train signals on every response, refusal of listed AI crawlers,
and a rate limit on anonymous bulk media downloads. One call installs it on any Quart app,
with its settings (``media.crawler_settings``):

    install_crawler_guard(app, CrawlerGuardSettings(base_url="https://art.example"))

What it adds:

- Every response (pages, ActivityPub JSON, media, errors, the guard's own 403 and 429)
  carries ``X-Robots-Tag``, ``tdm-reservation``, ``tdm-policy`` and ``Content-Usage``
  (see ``media.do_not_train``). A header a route set itself is kept: ``tdm-*`` and
  ``Content-Usage`` are only filled in when missing, and a route's own ``X-Robots-Tag``
  stays, with ours sent as a second line next to it.
- Every buffered ``text/html`` response gets the three meta tags at the start of its head.
  Rewriting here rather than asking each page to include them means no page, error page or
  other room's page can forget them; the cost is one marker search and, when the tags are
  missing, one copy of the body. Templates may still place them themselves with the
  ``do_not_train_meta_tags`` template global (or ``page_meta_tags()``); the rewrite then sees
  the marker and leaves the page alone. Streamed and file bodies are not rewritten.
- ``/robots.txt``, ``/ai.txt``, ``/.well-known/tdmrep.json`` and
  ``/.well-known/tdm-policy.json``, built once at install time.
- A request whose User-Agent names a listed crawler (case-sensitive, whole word) gets 403
  on every path except those four files, which every crawler must be able to read. That
  includes ActivityPub JSON: an actor or a post fetched as JSON is the same page in
  another format, and real fediverse servers identify as their software, not as an AI
  crawler. Names on the admin's allow-list (link previews, search engines) pass, and are
  also left out of the refusing group in robots.txt so the two never disagree.
- GET and HEAD under the media prefix are rate limited per client (IPv4 address or IPv6
  /64) with token buckets, answering 429 with ``Retry-After``. Requests that carry an
  HTTP Signature (a server fetching for its users) or a bearer token are not counted;
  the guard only checks that such credentials are present, the media routes verify them.

The client address is the ASGI client: behind a reverse proxy the app must be wrapped in
Hypercorn's ``ProxyFixMiddleware`` or every client shares the proxy's bucket. Install the
guard before other ``before_request`` hooks so refused requests cost nothing further.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from markupsafe import Markup
from quart import Blueprint, Quart, Response, request
from quart.wrappers.response import DataBody
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response as WerkzeugResponse

from media import do_not_train
from media.ai_crawlers import compile_crawler_pattern, listed_crawlers
from media.crawler_settings import CrawlerGuardSettings
from media.rate_limit import TokenBuckets, client_key, retry_after_seconds

logger = logging.getLogger(__name__)

SIGNAL_FILE_PATHS = frozenset({"/robots.txt", "/ai.txt", "/.well-known/tdmrep.json", do_not_train.TDM_POLICY_PATH})
RATE_LIMITED_METHODS = frozenset({"GET", "HEAD"})


def page_meta_tags(settings: CrawlerGuardSettings) -> Markup:
    """The do-not-train meta tags for a page's ``<head>``, safe to put in a template."""
    return Markup(do_not_train.meta_tags(settings.policy_url) if settings.send_signals else "")


class CrawlerGuard:
    """The installed guard: its precomputed answers and its request hooks."""

    def __init__(self, settings: CrawlerGuardSettings) -> None:
        self.settings = settings
        allowed = set(settings.allow_list)
        refused = [crawler for crawler in listed_crawlers() if crawler.name not in allowed]
        self.crawler_pattern = compile_crawler_pattern(refused) if settings.block_crawlers else None
        self.headers = do_not_train.response_headers(settings.policy_url)
        self.robots_directives = self.headers.pop("X-Robots-Tag")
        self.meta_tags = do_not_train.meta_tags(settings.policy_url).encode()
        self.media_buckets = (
            TokenBuckets(settings.media_rate_per_minute, settings.media_rate_burst, settings.max_rate_limited_clients)
            if settings.limit_media_rate
            else None
        )
        self.files = {
            "/robots.txt": (
                do_not_train.robots_txt([c.name for c in refused], settings.robots_extra),
                "text/plain; charset=utf-8",
            ),
            "/ai.txt": (do_not_train.ai_txt(), "text/plain; charset=utf-8"),
            "/.well-known/tdmrep.json": (do_not_train.tdmrep_json(settings.policy_url), "application/json"),
            do_not_train.TDM_POLICY_PATH: (
                do_not_train.tdm_policy_json(
                    settings.site_url,
                    settings.site_url + do_not_train.TDM_POLICY_PATH,
                    settings.rights_holder or urlsplit(settings.site_url).netloc,
                    settings.rights_contact_email.removeprefix("mailto:"),
                    settings.rights_info_url,
                ),
                "application/ld+json",
            ),
        }

    def listed_crawler_in(self, user_agent: str) -> str | None:
        """The listed crawler name found in ``user_agent`` (allow-listed names excluded), if any."""
        if self.crawler_pattern is None:
            return None
        found = self.crawler_pattern.search(user_agent)
        return found.group(0) if found else None

    async def refuse_listed_crawlers(self) -> Response | None:
        if request.path in SIGNAL_FILE_PATHS:
            return None
        crawler = self.listed_crawler_in(request.headers.get("User-Agent", ""))
        if crawler is None:
            return None
        logger.debug("refused %s %s to listed AI crawler %s", request.method, request.path, crawler)
        body = (
            "<!doctype html><html><head><title>403 Forbidden</title></head><body>"
            "<h1>403 Forbidden</h1><p>AI crawlers may not fetch this site. "
            'See <a href="/robots.txt">robots.txt</a>.</p></body></html>'
        )
        return Response(
            body, status=403, content_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"}
        )

    async def limit_media_downloads(self) -> Response | None:
        if (
            self.media_buckets is None
            or request.method not in RATE_LIMITED_METHODS
            or not request.path.startswith(self.settings.media_prefix)
            or carries_credentials(request.headers)
        ):
            return None
        wait = self.media_buckets.take(client_key(request.remote_addr))
        if not wait:
            return None
        retry_after = retry_after_seconds(wait)
        return Response(
            f"Too many media downloads from your address; retry in {retry_after} s.\n",
            status=429,
            content_type="text/plain; charset=utf-8",
            headers={"Retry-After": str(retry_after), "Cache-Control": "no-store"},
        )

    async def add_signals(self, response: Response | WerkzeugResponse) -> Response | WerkzeugResponse:
        headers = response.headers
        for name, value in self.headers.items():
            if name not in headers:
                headers[name] = value
        if self.robots_directives not in headers.getlist("X-Robots-Tag"):
            headers.add("X-Robots-Tag", self.robots_directives)
        if response.mimetype == "text/html" and response.status_code != 206 and "Content-Encoding" not in headers:
            page = buffered_body(response)
            if page is not None:
                tagged = do_not_train.insert_meta_tags(page, self.meta_tags)
                if tagged is not page:
                    response.set_data(tagged)
        return response

    def serve_signal_file(self) -> Response:
        body, content_type = self.files[request.path]
        return Response(body, content_type=content_type, headers={"Cache-Control": "public, max-age=3600"})


def buffered_body(response: Response | WerkzeugResponse) -> bytes | None:
    """The whole body of a response held in memory, or None for streamed and file bodies.

    Quart's own error pages (404, 500, ``abort``) are Werkzeug responses, the rest Quart's.
    """
    if isinstance(response, WerkzeugResponse):
        return None if response.is_streamed else response.get_data()
    if isinstance(response.response, DataBody):
        return response.response.data
    return None


def carries_credentials(headers: Headers) -> bool:
    """Whether a request presents an HTTP Signature or a bearer token (not verified here)."""
    authorization = headers.get("Authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() in ("bearer", "signature") and credentials.strip():
        return True
    signature = headers.get("Signature", "")
    return bool(signature) and ("keyId=" in signature or "Signature-Input" in headers)


def install_crawler_guard(app: Quart, settings: CrawlerGuardSettings) -> CrawlerGuard:
    """Register the guard's hooks and routes on ``app``; returns the installed guard."""
    guard = CrawlerGuard(settings)
    blueprint = Blueprint("crawler_guard", __name__)
    blueprint.before_app_request(guard.refuse_listed_crawlers)
    blueprint.before_app_request(guard.limit_media_downloads)
    if settings.send_signals:
        blueprint.after_app_request(guard.add_signals)
    for path in guard.files:
        blueprint.add_url_rule(path, "signal_file" + path.replace("/", "_").replace(".", "_"), guard.serve_signal_file)
    app.register_blueprint(blueprint)
    app.add_template_global(page_meta_tags(settings), "do_not_train_meta_tags")
    return guard
