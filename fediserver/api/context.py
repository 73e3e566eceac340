"""What an API handler reaches in the running app: the process's shared services."""

from __future__ import annotations

from quart import current_app

from fediserver.services import Services


def services() -> Services:
    return current_app.config["SERVICES"]
