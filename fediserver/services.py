"""The long-lived things a process shares: the outbound HTTP client and friends.

Built once from the settings by the web app (before serving) and by `worker`, and
closed when they stop. Rooms receive what they need from here as arguments; nothing
reaches for globals.

- ``http``: the guarded client for every remote request.
- ``signed_fetch``: GETs signed by the instance actor.
- ``remote_actors``: fetching remote actors and keys into ``Account`` rows.
- ``keys``: the key resolver (loaded keys cached for ``federation.key_cache_ttl_seconds``).
- ``verifier``: checks HTTP Signatures of requests that reached us.
- ``documents``: serialised local actor and WebFinger documents.
"""

from __future__ import annotations

from dataclasses import dataclass

from federation.address_policy import AddressPolicy
from federation.http_client import HttpClientSettings, SafeHttpClient, user_agent_for
from federation.keys import CachingKeyResolver
from federation.signatures import SignaturePolicy
from fediserver import __version__
from fediserver.actor_documents import DocumentCache
from fediserver.config import Settings
from fediserver.signed_fetch import SignedFetcher
from fediserver.urls import InstanceUrls
from inbox.remote_actors import RemoteActors, build_key_resolver
from inbox.verification import RequestVerifier


@dataclass
class Services:
    settings: Settings
    urls: InstanceUrls
    http: SafeHttpClient
    signed_fetch: SignedFetcher
    remote_actors: RemoteActors
    keys: CachingKeyResolver
    verifier: RequestVerifier
    documents: DocumentCache

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
    federation = settings.federation
    urls = InstanceUrls(settings.instance.base_url)
    http = SafeHttpClient(
        http_client_settings(settings),
        policy=AddressPolicy(allow_private_addresses=federation.allow_private_addresses),
    )
    signed_fetch = SignedFetcher(http, urls, instance_name=settings.instance.name)
    remote_actors = RemoteActors(signed_fetch.get)
    keys = build_key_resolver(remote_actors, ttl_seconds=federation.key_cache_ttl_seconds)
    policy = SignaturePolicy(
        max_age_seconds=federation.signature_max_age_seconds,
        max_future_seconds=federation.signature_max_future_seconds,
    )
    return Services(
        settings=settings,
        urls=urls,
        http=http,
        signed_fetch=signed_fetch,
        remote_actors=remote_actors,
        keys=keys,
        verifier=RequestVerifier(urls.base_url, keys, policy),
        documents=DocumentCache(federation.document_cache_seconds),
    )
