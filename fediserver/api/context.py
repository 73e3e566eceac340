"""What an API handler reaches in the running app: the process's shared services."""

from __future__ import annotations

from fediserver.services import Services, app_services


def services() -> Services:
    return app_services()
