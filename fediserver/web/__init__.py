"""The web room: the collective's public pages, the artist's studio, sign-up, signing in
and out (``sign_in``, with sign-in throttling in ``throttle``), the session cookie and
the CSRF tokens every form carries (``sessions``), and the templates and stylesheet
they share.

``install_web(app, services)`` registers the page blueprints, the static files at
``/static/``, the template globals (``site``, ``static_url``) and the HTML 404 page;
``sessions.install_sessions`` and the ``sign_in`` blueprint are installed by the app
factory just before. Templates live in ``templates/`` (Jinja2, autoescaped): ``base.html``
with the blocks ``title``, ``head`` and ``content`` that every page extends, small
components in ``templates/components/``, and one folder per kind of page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from quart import Blueprint, Quart, request
from werkzeug.exceptions import NotFound

from fediserver.services import Services
from fediserver.web.assets import StaticFiles
from fediserver.web.page_cache import PageCache
from fediserver.web.presenters import Presenter
from outbox.objects import iso

templates = Blueprint("web_templates", __name__, template_folder="templates")


@dataclass(frozen=True)
class SiteInfo:
    name: str
    description: str
    domain: str
    rules: tuple[str, ...]
    admin_contact: str
    registrations_open: bool
    approval_required: bool


@dataclass
class WebRoom:
    """What the pages share in one process."""

    services: Services
    site: SiteInfo
    presenter: Presenter
    pages: PageCache
    static: StaticFiles
    works_per_page: int


def install_web(app: Quart, services: Services) -> WebRoom:
    settings = services.settings
    mode = settings.registrations.mode
    room = WebRoom(
        services=services,
        site=SiteInfo(
            name=settings.instance.name,
            description=settings.instance.description,
            domain=settings.instance.domain,
            rules=settings.instance.rules,
            admin_contact=settings.instance.admin_contact,
            registrations_open=mode != "closed",
            approval_required=mode == "approval",
        ),
        presenter=Presenter(
            settings.instance.domain, services.media_links, services.media.rules.derivatives.thumbnail_box
        ),
        pages=PageCache(settings.web.page_cache_seconds, settings.web.page_cache_entries),
        static=StaticFiles(),
        works_per_page=settings.web.works_per_page,
    )
    app.config["WEB"] = room
    app.add_template_global(room.site, "site")
    app.add_template_global(room.static.url, "static_url")
    base_url = services.urls.base_url
    app.add_template_global(lambda path: path if path.startswith(("https://", "http://")) else base_url + path, "absolute")
    app.add_template_filter(_iso, "iso")
    app.add_template_filter(_day, "day")
    app.add_template_filter(_plain_text, "plain_text")

    from fediserver.web.pages import install_pages
    from fediserver.web.studio import install_studio

    app.register_blueprint(templates)
    app.register_blueprint(room.static.blueprint())
    install_pages(app)
    install_studio(app)
    from fediserver.web import admin_pages, signup

    app.register_blueprint(signup.blueprint)
    app.register_blueprint(admin_pages.blueprint)
    from fediserver.moderation import domain_pages

    app.register_blueprint(domain_pages.blueprint)
    app.register_error_handler(NotFound, _not_found)
    return room


def _iso(moment: datetime | None) -> str:
    return iso(moment) if moment is not None else ""


def _day(moment: datetime | None) -> str:
    """A date as people read it: 3 March 2026."""
    return f"{moment.day} {moment:%B %Y}" if moment is not None else ""


def _plain_text(value: str) -> str:
    """HTML (or text) as plain text, for meta descriptions."""
    return " ".join(Markup(str(value)).striptags().split())


async def _not_found(error: NotFound):
    from fediserver.web.rendering import not_found_page

    if request.path.startswith(("/api/", "/.well-known/", "/oauth/")):
        return error
    return await not_found_page(None)
