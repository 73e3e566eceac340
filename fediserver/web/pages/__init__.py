"""The public pages, one module per kind: the collective (``/``, ``/about``, tags), an
artist's portfolio and people, a work or post, a series, feeds, following from another
server, and accounts and posts of other servers known here."""

from __future__ import annotations

from quart import Quart


def install_pages(app: Quart) -> None:
    from fediserver.web.pages import collective, feeds, portfolio, remote_follow, series, works

    for module in (collective, portfolio, works, series, feeds, remote_follow):
        app.register_blueprint(module.blueprint)
