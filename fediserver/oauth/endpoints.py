"""Registers the OAuth endpoints and pages on the app (one call from the app factory)."""

from __future__ import annotations

from quart import Quart

from fediserver.oauth import apps, authorize, authorized_apps, metadata, token, userinfo


def install_oauth(app: Quart) -> None:
    for module in (apps, authorize, token, userinfo, metadata, authorized_apps):
        app.register_blueprint(module.blueprint)
