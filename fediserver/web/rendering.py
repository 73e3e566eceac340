"""Rendering a page and answering with it: the anonymous-page cache, ETag and 304, 404s.

A public page is a coroutine ``build(viewer)`` returning ``Rendered`` (the HTML and the
cache scopes it depends on) or raising ``PageNotFound``. ``public_page(build)`` serves
an anonymous visitor from ``PageCache`` when it can, renders otherwise, and answers a
matching ``If-None-Match`` with 304. Signed-in visitors always get a fresh page, marked
private.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from quart import Response, current_app, g, redirect, render_template, request

from fediserver.fast_lane import replayable_while
from fediserver.models import Account
from fediserver.web.page_cache import CachedPage, etag_for
from fediserver.web.sessions import signed_in_account

HTML = "text/html; charset=utf-8"
ANONYMOUS_CACHE_CONTROL = "public, no-cache"
PRIVATE_CACHE_CONTROL = "private, no-store"


class PageNotFound(Exception):
    """Nothing to show at this address (an unknown artist, work or series)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class PageMoved(Exception):
    """What was here lives at ``url`` now (an artist who moved to another server)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


@dataclass(frozen=True)
class Rendered:
    body: str
    scopes: tuple[str, ...] = ()
    content_type: str = HTML


def web():
    return current_app.config["WEB"]


async def render(template: str, *, viewer: Account | None, **context) -> str:
    g.page_viewer = viewer
    return await render_template(template, viewer=viewer, **context)


async def public_page(build: Callable[[Account | None], Awaitable[Rendered]], *, cache: bool = True) -> Response:
    """Answer with the page ``build`` renders, from the anonymous cache when possible."""
    viewer = await signed_in_account()
    key = request.full_path
    pages = web().pages
    if viewer is None and cache:
        cached = pages.get(key)
        if cached is not None:
            replayable_while(lambda: pages.get(key) is cached)
            return _answer(cached.body, cached.etag, cached.content_type, ANONYMOUS_CACHE_CONTROL)
    try:
        rendered = await build(viewer)
    except PageNotFound as missing:
        return await not_found_page(viewer, missing.message)
    except PageMoved as moved:
        return redirect(moved.url, 301)
    body = rendered.body.encode()
    if viewer is None:
        page: CachedPage = pages.put(key, body, rendered.scopes, rendered.content_type) if cache else None
        etag = page.etag if page is not None else etag_for(body)
        if page is not None and pages.enabled:
            replayable_while(lambda: pages.get(key) is page)
        return _answer(body, etag, rendered.content_type, ANONYMOUS_CACHE_CONTROL)
    return _answer(body, None, rendered.content_type, PRIVATE_CACHE_CONTROL)


def _answer(body: bytes, etag: str | None, content_type: str, cache_control: str) -> Response:
    headers = {"Cache-Control": cache_control, "Vary": "Accept, Cookie"}
    if etag is not None:
        headers["ETag"] = etag
        if etag in _etags(request.headers.get("If-None-Match", "")):
            return Response(b"", 304, headers=headers)
    return Response(body, content_type=content_type, headers=headers)


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}


async def not_found_page(viewer: Account | None, message: str = "") -> Response:
    body = await render("not_found.html", viewer=viewer, message=message)
    return Response(body, 404, content_type=HTML, headers={"Cache-Control": "no-cache"})
