"""The long-lived things a process shares: the outbound HTTP client and friends.

Built once from the settings by the web app (before serving) and by `worker`, and
closed when they stop. Rooms receive what they need from here as arguments; nothing
reaches for globals.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from federation.address_policy import AddressPolicy
from federation.http_client import HttpClientSettings, SafeHttpClient, user_agent_for
from fediserver import __version__
from fediserver.config import Settings
from fediserver.room_settings import media_rules, media_store
from fediserver.urls import InstanceUrls
from media.links import MediaLinks
from media.pipeline import MediaPipeline
from media.remote import RemoteMedia


@dataclass
class Services:
    settings: Settings
    urls: InstanceUrls
    http: SafeHttpClient
    # The media room: uploads (media.accept_upload), the URLs that may leave the server
    # (media_links.media_url, for note_object), remote media and its cache.
    media: MediaPipeline
    media_links: MediaLinks
    remote_media: RemoteMedia

    async def prepare(self) -> None:
        """Before serving: make sure the media bucket exists (S3)."""
        ensure_bucket = getattr(self.media.store, "ensure_bucket", None)
        if ensure_bucket is not None:
            await ensure_bucket()

    async def aclose(self) -> None:
        await self.http.aclose()
        await self.remote_media.http.aclose()
        await self.media.store.aclose()


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
    policy = AddressPolicy(allow_private_addresses=settings.federation.allow_private_addresses)
    http = SafeHttpClient(http_client_settings(settings), policy=policy)
    # Remote images are larger than JSON documents: their own client with the media cap.
    media_http = SafeHttpClient(
        replace(http_client_settings(settings), max_response_bytes=settings.media.remote_max_bytes), policy=policy
    )
    rules = media_rules(settings)
    store = media_store(settings)
    pipeline = MediaPipeline(rules, store, settings.data_dir / "tmp")
    return Services(
        settings=settings,
        urls=InstanceUrls(settings.instance.base_url),
        http=http,
        media=pipeline,
        media_links=MediaLinks(rules, store),
        remote_media=RemoteMedia(pipeline, media_http),
    )
