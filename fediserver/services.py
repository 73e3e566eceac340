"""The long-lived things a process shares: the outbound HTTP client and friends.

Built once from the settings by the web app (before serving) and by `worker`, and
closed when they stop. Rooms receive what they need from here as arguments; nothing
reaches for globals.

- ``http``: the guarded client for every remote request.
- ``signed_fetch``: GETs signed by the instance actor.
- ``remote_actors``: fetching remote actors and keys into ``Account`` rows.
- ``resolver``: a handle or URL -> a stored account or post, fetched when unknown.
- ``keys``: the key resolver (loaded keys cached for ``federation.key_cache_ttl_seconds``).
- ``verifier``: checks HTTP Signatures of requests that reached us; ``proofs``: Object
  Integrity Proofs of the activities in them.
- ``documents``: serialised local actor and WebFinger documents.
- ``media``, ``media_links``, ``remote_media``: uploads, the media URLs that may leave
  the server, and remote media with its cache.
- ``domains``: the domain blocks and allows (``fediserver.moderation.domain_blocks``),
  also the host gate of both outbound clients.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from federation.address_policy import AddressPolicy
from federation.fetch_limits import FetchLimiter
from federation.http_client import HttpClientSettings, SafeHttpClient, user_agent_for
from federation.keys import CachingKeyResolver
from federation.signatures import SignaturePolicy
from fediserver import __version__
from fediserver.actor_documents import DocumentCache
from fediserver.config import Settings
from fediserver.moderation.domain_blocks import DomainPolicy, install_domain_policy
from fediserver.room_settings import media_rules, media_store
from fediserver.signed_fetch import SignedFetcher
from fediserver.urls import InstanceUrls
from inbox.proofs import ProofChecker
from inbox.queue import InboundWriter
from inbox.remote_actors import RemoteActors, build_key_resolver
from inbox.resolver import Resolver, ResolverLimits
from inbox.verification import RequestVerifier
from media.labels import MediaLabels
from media.links import MediaLinks
from media.pipeline import MediaPipeline
from media.remote import RemoteMedia
from outbox.objects import NoteRenderer


@dataclass
class Services:
    settings: Settings
    urls: InstanceUrls
    http: SafeHttpClient
    signed_fetch: SignedFetcher
    remote_actors: RemoteActors
    # The one way to an account or post not seen yet (search, mentions, the inbox, threads).
    resolver: Resolver
    keys: CachingKeyResolver
    verifier: RequestVerifier
    # Object Integrity Proofs (FEP-8b32) of received activities, checked with their actor's key.
    proofs: ProofChecker
    documents: DocumentCache
    # The media room: uploads (media.accept_upload), the URLs that may leave the server
    # (media_links.media_url, for note_object), remote media and its cache.
    media: MediaPipeline
    media_links: MediaLinks
    remote_media: RemoteMedia
    # Local posts as Notes, with the attachment URLs and rights the media rules allow.
    notes: NoteRenderer
    # Which servers federate: asked by the inbox, both outbound clients' host gates, the
    # delivery queue, timelines and handlers (the process's one DomainPolicy).
    domains: DomainPolicy
    # The inbox's way into the inbound queue: concurrent POSTs' rows committed together.
    inbound: InboundWriter

    async def prepare(self) -> None:
        """Before serving or working: make sure the media bucket exists (S3), bring the
        config file's domain blocks into the database and load the domain policy."""
        ensure_bucket = getattr(self.media.store, "ensure_bucket", None)
        if ensure_bucket is not None:
            await ensure_bucket()
        await self.load_domain_policy()

    async def load_domain_policy(self) -> None:
        moderation = self.settings.moderation
        if moderation.blocks or moderation.block_lists or moderation.allowed_domains:
            from fediserver.moderation.domain_blocks import sync_config_blocks

            await sync_config_blocks(self.settings, remote_media=self.remote_media, policy=self.domains)
        else:
            await self.domains.refresh()

    async def aclose(self) -> None:
        await self.http.aclose()
        await self.remote_media.http.aclose()
        await self.media.store.aclose()


def app_services() -> Services:
    """The Services of the app serving the current request (``create_app`` puts them there).
    Quart is imported here, not above, so a worker process never loads the web framework."""
    from quart import current_app

    return current_app.config["SERVICES"]


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
    moderation = settings.moderation
    domains = install_domain_policy(DomainPolicy(
        settings.instance.domain,
        allowlist=moderation.federation_mode == "allowlist",
        reload_seconds=moderation.reload_seconds,
    ))
    address_policy = AddressPolicy(
        allow_private_addresses=federation.allow_private_addresses, host_gate=domains.refusal
    )
    http = SafeHttpClient(http_client_settings(settings), policy=address_policy)
    # Remote images are larger than JSON documents: their own client with the media cap
    # (and a gate that also refuses the domains whose media is rejected).
    media_http = SafeHttpClient(
        replace(http_client_settings(settings), max_response_bytes=settings.media.remote_max_bytes),
        policy=replace(address_policy, host_gate=domains.media_refusal),
    )
    signed_fetch = SignedFetcher(http, urls, instance_name=settings.instance.name)
    remote_actors = RemoteActors(signed_fetch.get)
    fetching = settings.fetching
    resolver = Resolver(http, signed_fetch.get, urls, ResolverLimits(
        per_host_concurrency=fetching.per_host_concurrency,
        failure_cache_seconds=fetching.failure_cache_seconds,
        quote_depth=fetching.quote_depth,
        # Plain http only where private addresses are allowed: tests and local setups.
        webfinger_schemes=("https", "http") if federation.allow_private_addresses else ("https",),
    ))
    # A request waits for an unknown key no longer than one outbound request may take.
    keys = build_key_resolver(
        remote_actors,
        ttl_seconds=federation.key_cache_ttl_seconds,
        limiter=FetchLimiter(
            concurrency=federation.key_fetch_concurrency,
            per_host_concurrency=federation.key_fetch_per_host_concurrency,
        ),
        wait_seconds=federation.request_timeout_seconds,
    )
    signature_policy = SignaturePolicy(
        max_age_seconds=federation.signature_max_age_seconds,
        max_future_seconds=federation.signature_max_future_seconds,
    )
    rules = media_rules(settings)
    store = media_store(settings)
    pipeline = MediaPipeline(rules, store, settings.data_dir / "tmp")
    links = MediaLinks(rules, store)
    remote_media = RemoteMedia(pipeline, media_http)
    domains.remote_media = remote_media
    return Services(
        settings=settings,
        urls=urls,
        http=http,
        signed_fetch=signed_fetch,
        remote_actors=remote_actors,
        resolver=resolver,
        keys=keys,
        verifier=RequestVerifier(urls.base_url, keys, signature_policy),
        proofs=ProofChecker(remote_actors),
        documents=DocumentCache(federation.document_cache_seconds),
        media=pipeline,
        media_links=links,
        remote_media=remote_media,
        notes=NoteRenderer(links.media_url, lambda author: pipeline.artist_policy(author).data_mining,
                           MediaLabels(pipeline.rules).verdict),
        domains=domains,
        inbound=InboundWriter(),
    )
