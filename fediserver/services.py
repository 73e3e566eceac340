"""The long-lived things a process shares: the outbound HTTP client and friends.

Built once from the settings by the web app (before serving) and by `worker`, and
closed when they stop. Rooms receive what they need from here as arguments; nothing
reaches for globals.
"""

from __future__ import annotations

from dataclasses import dataclass

from federation.address_policy import AddressPolicy
from federation.http_client import HttpClientSettings, SafeHttpClient, user_agent_for
from fediserver import __version__
from fediserver.config import Settings
from fediserver.urls import InstanceUrls


@dataclass
class Services:
    settings: Settings
    urls: InstanceUrls
    http: SafeHttpClient

    async def aclose(self) -> None:
        await self.http.aclose()


def http_client_settings(settings: Settings) -> HttpClientSettings:
    federation = settings.federation
    return HttpClientSettings(
        user_agent=user_agent_for(__version__, settings.instance.domain),
        timeout_seconds=federation.request_timeout_seconds,
        connect_timeout_seconds=federation.connect_timeout_seconds,
        max_response_bytes=federation.max_response_bytes,
        max_connections=federation.max_connections,
    )


def build_services(settings: Settings) -> Services:
    http = SafeHttpClient(
        http_client_settings(settings),
        policy=AddressPolicy(allow_private_addresses=settings.federation.allow_private_addresses),
    )
    return Services(settings=settings, urls=InstanceUrls(settings.instance.base_url), http=http)
