"""The one resolver: from a handle or a URL to a stored ``Account`` or ``Post``.

Everything that meets an account or a post this instance has not seen goes through
``Resolver`` (``Services.resolver``): search and account lookup in the client API,
mentions in a new post, the inbox (boosts, likes and quotes of unseen posts), thread
fetching, and the web pages' remote-follow and "open this post here" forms
(``Resolver.resolve``).

- ``@name@host`` -> WebFinger (https; http too only where private addresses are allowed,
  i.e. tests and local setups) -> the actor document.
- An https URL of an actor or object -> the ActivityStreams document, asked for by
  content negotiation; an HTML answer is searched for a ``rel="alternate"`` link to it.
- Every fetch is a GET signed by the instance actor (``fediserver.signed_fetch``) through
  the SSRF-guarded client. A document whose ``id`` has another origin than the URL that
  served it is refused; one whose ``id`` is another URL of the same origin is fetched
  again at its ``id``, so only a server's own answer for an id is believed.
- Known accounts and posts come from the database without a request; concurrent
  requests for the same handle or URL share one fetch; a failure is remembered for
  ``fetching.failure_cache_seconds``; at most ``fetching.per_host_concurrency``
  requests are in flight to one host.
- This instance's own handles and URLs are looked up, never fetched.

A post whose parent is unknown is stored at once and its thread fetched in the
background (``inbox.fetch_tasks``); a quoted post is fetched with it, up to
``fetching.quote_depth`` quotes deep. Failures raise ``NotResolved`` with a message fit
to show a person.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import orjson
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from federation import vocab
from federation.errors import FetchError, UnsafeURLError, VocabError, WebFingerError
from federation.http_client import FetchResponse, SafeHttpClient
from federation.vocab import ACTOR_TYPES, ContentObject
from federation.webfinger import parse_acct, resolve_handle
from fediserver.models import Account, Post
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.urls import InstanceUrls
from inbox.remote_actors import RemoteActorError, store_actor_document, without_fragment
from inbox.quotes import relink_quote
from inbox.remote_posts import STORED_TYPES, store_post

log = logging.getLogger(__name__)

SignedGet = Callable[[str], Awaitable[FetchResponse]]
Found = TypeVar("Found")
_JSON_TYPES = ("application/activity+json", "application/ld+json", "application/json")
_MAX_HOSTS = 1024


class NotResolved(Exception):
    """A handle or URL that does not lead to an account or post; the message says why.
    ``temporary``: the other server could not be reached or failed (asking later may help)."""

    def __init__(self, message: str, *, temporary: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary


@dataclass(frozen=True)
class ResolverLimits:
    per_host_concurrency: int = 4
    failure_cache_seconds: float = 60.0
    quote_depth: int = 2
    # WebFinger is asked over https; http is added where private addresses are allowed.
    webfinger_schemes: tuple[str, ...] = ("https",)


class _AlternateLink(HTMLParser):
    """The first ``<link rel="alternate" type="application/activity+json" href>``."""

    def __init__(self) -> None:
        super().__init__()
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link" or self.href is not None:
            return
        found = {name: value or "" for name, value in attrs}
        media_type = found.get("type", "").split(";")[0].strip().lower()
        if "alternate" in found.get("rel", "").lower().split() and media_type in _JSON_TYPES[:2]:
            self.href = found.get("href") or None


def alternate_link(html: bytes, base_url: str) -> str | None:
    """The ActivityStreams alternate of an HTML page, as an absolute URL."""
    parser = _AlternateLink()
    try:
        parser.feed(html[:262_144].decode("utf-8", errors="replace"))
    except Exception:  # a broken page has no usable link
        return None
    return urljoin(base_url, parser.href) if parser.href else None


class Resolver:
    def __init__(self, http: SafeHttpClient, signed_get: SignedGet, urls: InstanceUrls,
                 limits: ResolverLimits = ResolverLimits(), *, enqueue_thread=None) -> None:
        self._http = http
        self._get = signed_get
        self._urls = urls
        self.limits = limits
        # (kind, post uri): asks for a thread to be fetched in the background
        # (inbox.fetch_tasks.enqueue_fetch unless told otherwise).
        self._enqueue_thread = enqueue_thread
        self._local_origin = vocab.origin(urls.base_url)
        self._local_host = urlsplit(urls.base_url).netloc.lower()
        self._inflight: dict[str, asyncio.Future[Any]] = {}
        self._failures: dict[str, tuple[float, str, bool]] = {}
        self._hosts: dict[str, asyncio.Semaphore] = {}

    # --- what callers use ------------------------------------------------------------

    async def resolve(self, query: str) -> Account | Post:
        """An account (``@name@host``, ``name@host``, or an actor's URL) or a post (its
        URL), fetched when unknown. For the web pages' forms and the client API's search."""
        text = (query or "").strip()
        if not text:
            raise NotResolved("Enter an address like @name@example.social or a link to a post.")
        if text.lower().startswith(("http://", "https://")):
            return await self._single(f"url:{text}", lambda: self._by_url(text))
        return await self.account(text)

    async def account(self, handle_or_url: str, *, refresh: bool = False) -> Account:
        """The account of a handle (``@name@host``) or an actor URL, fetched when unknown;
        ``refresh``: fetched again even when known (to see its current aliases)."""
        text = (handle_or_url or "").strip()
        if refresh:
            known = await self.account(text)
            if known.is_local:
                return known
            return await self._single(f"refresh:{known.uri}", lambda: self._refetched(known.uri))
        if text.lower().startswith(("http://", "https://")):
            found = await self._single(f"url:{text}", lambda: self._by_url(text))
            if not isinstance(found, Account):
                raise NotResolved(f"{text} is a post, not an account.")
            return found
        try:
            acct = parse_acct(text)
        except WebFingerError as error:
            raise NotResolved(str(error)) from None
        if acct.host == self._local_host:
            return await self._local_account(acct.username)
        known = await Account.get_or_none(username=acct.username, domain=acct.host, suspended=False)
        if known is not None:
            return known
        return await self._single(f"acct:{acct}".lower(), lambda: self._by_handle(str(acct)))

    async def post(self, url: str, *, depth: int = 0, thread: bool = True) -> Post:
        """The post at ``url`` (its id or its web address), fetched when unknown.
        ``thread``: a fetched reply asks for its missing parents to be fetched too (the
        thread fetcher itself says False: it is walking the thread already)."""
        known = await self._known_post(url)
        if known is not None:
            return known
        found = await self._single(f"url:{url}", lambda: self._by_url(url, depth=depth, thread=thread))
        if not isinstance(found, Post):
            raise NotResolved(f"{url} is an account, not a post.")
        return found

    async def document(self, url: str) -> dict[str, Any]:
        """The ActivityStreams document at ``url``, its id from the origin that served it."""
        document, _ = await self._fetch_document(url)
        return document

    # --- single flight, failure memory, per-host limit ----------------------------------

    async def _single(self, key: str, make: Callable[[], Awaitable[Found]]) -> Found:
        failed = self._failures.get(key)
        if failed is not None:
            if failed[0] > time.monotonic():
                raise NotResolved(failed[1], temporary=failed[2])
            del self._failures[key]
        running = self._inflight.get(key)
        if running is None:
            running = asyncio.ensure_future(self._remembering(key, make))
            self._inflight[key] = running
            running.add_done_callback(lambda _: self._inflight.pop(key, None))
        return await asyncio.shield(running)

    async def _remembering(self, key: str, make: Callable[[], Awaitable[Found]]) -> Found:
        try:
            return await make()
        except NotResolved as error:
            if self.limits.failure_cache_seconds > 0:
                self._failures[key] = (time.monotonic() + self.limits.failure_cache_seconds, str(error),
                                       error.temporary)
                if len(self._failures) > 10_000:
                    self._forget_old_failures()
            raise

    def _forget_old_failures(self) -> None:
        now = time.monotonic()
        for key in [k for k, (until, _, _) in self._failures.items() if until <= now]:
            del self._failures[key]

    def _host_slot(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc.lower()
        slot = self._hosts.get(host)
        if slot is None:
            if len(self._hosts) >= _MAX_HOSTS:
                idle = [h for h, s in self._hosts.items() if s._value == self.limits.per_host_concurrency]
                for name in idle[: len(idle) // 2 or 1]:
                    self._hosts.pop(name, None)
            slot = self._hosts[host] = asyncio.Semaphore(self.limits.per_host_concurrency)
        return slot

    # --- accounts -------------------------------------------------------------------

    async def _local_account(self, username: str) -> Account:
        account = await Account.get_or_none(username=username, domain=LOCAL_DOMAIN, suspended=False)
        if account is None:
            raise NotResolved(f"There is no account @{username} on this server.")
        return account

    async def _by_handle(self, handle: str) -> Account:
        actor_url, last_error = None, "no answer"
        for scheme in self.limits.webfinger_schemes:
            try:
                async with self._host_slot(f"{scheme}://{handle.rpartition('@')[2]}/"):
                    actor_url = await resolve_handle(self._http, handle, scheme)
                break
            except (WebFingerError, FetchError) as error:
                last_error = str(error)
        if actor_url is None:
            raise NotResolved(f"@{handle} could not be found: {last_error}")
        account = await self._by_url(actor_url)
        if not isinstance(account, Account):
            raise NotResolved(f"@{handle} does not name an account.")
        return account

    async def _refetched(self, actor_uri: str) -> Account:
        document, _ = await self._fetch_document(actor_uri)
        if document.get("id") != actor_uri or not any(t in ACTOR_TYPES for t in _types(document)):
            raise NotResolved(f"{actor_uri} no longer answers as that account.")
        return await self._store_actor(document)

    async def _store_actor(self, document: dict[str, Any]) -> Account:
        try:
            return await store_actor_document(document)
        except RemoteActorError as error:
            raise NotResolved(str(error)) from None

    # --- URLs: accounts and posts ---------------------------------------------------------

    async def _known_post(self, url: str) -> Post | None:
        return (await Post.get_or_none(uri=url, deleted_at=None)
                or await Post.filter(url=url, deleted_at=None).order_by("id").first())

    async def _by_url(self, url: str, *, depth: int = 0, thread: bool = True) -> Account | Post:
        if not vocab.same_origin(url, url):
            raise NotResolved(f"{url} is not a web address.")
        known_account = await Account.get_or_none(uri=url, suspended=False)
        if known_account is not None:
            return known_account
        known_post = await self._known_post(url)
        if known_post is not None:
            return known_post
        if vocab.origin(url) == self._local_origin:
            raise NotResolved(f"Nothing on this server is at {url}.")
        document, _ = await self._fetch_document(url)
        kind = next((t for t in _types(document) if t in ACTOR_TYPES), None)
        if kind is not None:
            return await self._store_actor(document)
        return await self._store_object(document, depth=depth, thread=thread)

    async def _store_object(self, document: dict[str, Any], *, depth: int, thread: bool) -> Post:
        try:
            obj = vocab.parse_object(document)
        except VocabError as error:
            raise NotResolved(f"{document.get('id')} is not a post we can show: {error}") from None
        if obj.type not in STORED_TYPES:
            raise NotResolved(f"{obj.id} is a {obj.type}, not a post we can show.")
        known = await Post.get_or_none(uri=obj.id, deleted_at=None)
        if known is not None:
            return known
        if obj.author is None or not vocab.same_origin(obj.author, obj.id):
            raise NotResolved(f"{obj.id} names no author on its own server.")
        author = await self.account(obj.author)
        if author.is_local:
            raise NotResolved(f"{obj.id} claims to be by an account of this server.")
        post = await self._create(obj, author, document)
        if thread and obj.in_reply_to and post.in_reply_to_id is None:
            await self._thread_wanted("ancestors", post.uri)
        if obj.quote:
            if depth < self.limits.quote_depth:
                await self._fetch_quoted(obj, depth)
            if await relink_quote(post):
                await self._thread_wanted("quote", post.uri)
        return post

    async def _create(self, obj: ContentObject, author: Account, document: dict[str, Any]) -> Post:
        try:
            async with in_transaction():
                return await store_post(obj, author, document)
        except IntegrityError:  # stored meanwhile by the inbox or another fetch
            return await Post.get(uri=obj.id)

    async def _thread_wanted(self, kind: str, uri: str) -> None:
        if self._enqueue_thread is None:
            from inbox.fetch_tasks import enqueue_fetch  # it builds on this module

            self._enqueue_thread = enqueue_fetch
        await self._enqueue_thread(kind, uri)

    async def _fetch_quoted(self, obj: ContentObject, depth: int) -> None:
        try:
            await self.post(obj.quote, depth=depth + 1, thread=False)
        except NotResolved as reason:
            log.info("the post quoted by %s could not be fetched: %s", obj.id, reason)

    # --- documents ----------------------------------------------------------------

    async def _fetch_document(self, url: str, *, refetched: bool = False) -> tuple[dict[str, Any], str]:
        response = await self._signed_get(url)
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "text/html" and not refetched:
            alternate = alternate_link(response.body, response.url)
            if alternate and alternate != url:
                return await self._fetch_document(alternate, refetched=True)
            raise NotResolved(f"{url} is a web page without an ActivityPub version.")
        try:
            document = orjson.loads(response.body)
        except orjson.JSONDecodeError:
            raise NotResolved(f"{url} did not answer an ActivityPub document.") from None
        if not isinstance(document, dict) or not isinstance(document.get("id"), str):
            raise NotResolved(f"{url} answered a document without an id.")
        document_id = document["id"]
        if not vocab.same_origin(document_id, response.url):
            raise NotResolved(f"{response.url} served a document claiming the id {document_id} of another server.")
        if without_fragment(document_id) != without_fragment(response.url) and not refetched:
            # Another address of the same server: believe only what its own id answers.
            document, _ = await self._fetch_document(document_id, refetched=True)
            if document.get("id") != document_id:
                raise NotResolved(f"{document_id} does not answer its own id.")
        return document, response.url

    async def _signed_get(self, url: str) -> FetchResponse:
        try:
            async with self._host_slot(url):
                response = await self._get(url)
        except UnsafeURLError as error:
            raise NotResolved(f"{url} cannot be fetched: {error}") from None
        except FetchError as error:
            raise NotResolved(f"{url} could not be fetched: {error}", temporary=True) from None
        if response.status == 410:
            raise NotResolved(f"{url} is gone.")
        if not response.ok:
            temporary = response.status == 429 or response.status >= 500
            raise NotResolved(f"{url} answered {response.status}.", temporary=temporary)
        return response


def _types(document: dict[str, Any]) -> list[str]:
    kind = document.get("type")
    return [kind] if isinstance(kind, str) else [k for k in kind if isinstance(k, str)] if isinstance(kind, list) else []
