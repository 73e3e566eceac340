"""Configuration: one TOML file, typed and validated at start-up.

The file is found by ``--config PATH``, else ``$FEDISERVER_CONFIG``, else
``./config.toml``. Any key may also come from the environment as
``FEDISERVER__SECTION__KEY`` (for secrets such as ``FEDISERVER__DATABASE__URL``); the
value is read as a TOML value when it parses as one, else as a plain string.

Every problem (unknown key, wrong type, impossible value) becomes a ``ConfigError``
whose message is one line naming the key path and what is expected.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

ENV_PREFIX = "FEDISERVER__"
CONFIG_ENV_VAR = "FEDISERVER_CONFIG"
DEFAULT_CONFIG_PATH = "config.toml"


class ConfigError(Exception):
    """A configuration problem, phrased as one line for an administrator."""


class Section(BaseModel):
    """A TOML table: unknown keys and loose types are errors, not guesses."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


_HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


class InstanceRule(Section):
    """One of the collective's rules: a sentence, an optional longer explanation, and an
    id that reports cite (``rule_ids``); rules written as plain strings are numbered
    1, 2, 3... in their order."""

    id: str
    text: str = Field(min_length=1)
    hint: str = ""

    def __str__(self) -> str:
        return self.text


class InstanceSettings(Section):
    domain: str = Field(description="public host name, optionally with a port")
    scheme: Literal["https", "http"] = "https"
    allow_http: bool = False
    name: str = "fediserver"
    description: str = ""
    admin_contact: str = ""
    data_dir: str = "data"
    # The collective's rules, shown on its front and about pages, one sentence each.
    rules: tuple[InstanceRule, ...] = ()

    @field_validator("domain")
    @classmethod
    def _domain_is_a_host(cls, value: str) -> str:
        host, _, port = value.lower().rpartition(":") if ":" in value else (value.lower(), "", "")
        if port and not port.isdigit():
            raise ValueError("expected a host name with an optional :port, e.g. art.example or 127.0.0.1:8000")
        if port and not 0 < int(port) < 65536:
            raise ValueError("the port must be between 1 and 65535")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if not _HOST_RE.match(host):
                raise ValueError(
                    "expected a host name with an optional :port and no scheme or path, e.g. art.example"
                ) from None
        return value.lower()

    @field_validator("rules", mode="before")
    @classmethod
    def _list_of_rules(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError("expected a list of rules, e.g. [\"Post only your own work.\"]")
        if not isinstance(value, (list, tuple)):
            return value
        rules = []
        for position, rule in enumerate(value, start=1):
            if isinstance(rule, str):
                rule = {"text": rule}
            if isinstance(rule, dict):
                rule = {"id": str(position), **rule}
                if not isinstance(rule["id"], str):
                    rule["id"] = str(rule["id"])
            rules.append(rule)
        ids = [rule["id"] for rule in rules if isinstance(rule, dict)]
        if len(ids) != len(set(ids)):
            raise ValueError("two rules have the same id")
        return tuple(rules)

    @model_validator(mode="after")
    def _http_only_when_allowed(self) -> InstanceSettings:
        if self.scheme == "http" and not self.allow_http:
            raise ValueError("scheme = \"http\" needs allow_http = true (local testing only)")
        return self

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.domain}"


class ServerSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    run_jobs: bool = True
    engine: Literal["hypercorn", "granian"] = "hypercorn"
    fast_lane_answers: int = Field(default=1000, ge=0, le=100_000)


class LoggingSettings(Section):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["text", "json"] = "text"
    access_log: bool = True


class DatabaseSettings(Section):
    url: str = ""
    pool_size: int = Field(default=10, ge=1, le=500)

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if value and not value.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://")):
            raise ValueError("expected a sqlite:// or postgres:// URL, or empty for the embedded SQLite file")
        return value


class S3Settings(Section):
    endpoint: str = ""
    bucket: str = ""
    region: str = "us-east-1"
    access_key: str = ""
    secret_key: str = ""
    public_url: str = ""
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)


MIB = 1024 * 1024


class MediaSettings(Section):
    storage: Literal["local", "s3"] = "local"
    local_path: str = "media"
    # Base URL a web server or CDN serves local_path from; empty: served by this app.
    local_public_url: str = ""
    s3: S3Settings = S3Settings()
    # Uploads: largest file, largest image, longest animation.
    max_upload_bytes: int = Field(default=40 * MIB, ge=1024, le=1024 * MIB)
    max_pixels: int = Field(default=50_000_000, ge=4096, le=500_000_000)
    max_frames: int = Field(default=300, ge=1, le=10_000)
    # Derivative making: decodes at once per process, encoder qualities, JPEG draft decode.
    decode_concurrency: int = Field(default=2, ge=1, le=64)
    webp_quality: int = Field(default=80, ge=1, le=100)
    jpeg_quality: int = Field(default=85, ge=1, le=100)
    decode_oversampling: float = Field(default=1.0, ge=1.0, le=8.0)
    # Remote media: cached derivatives within a byte budget, or fetched per view.
    remote_mode: Literal["cache", "proxy"] = "cache"
    remote_cache_bytes: int = Field(default=5 * 1024 * MIB, ge=0)
    remote_max_bytes: int = Field(default=40 * MIB, ge=1024, le=1024 * MIB)

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> MediaSettings:
        if self.storage == "s3" and not (self.s3.endpoint and self.s3.bucket):
            raise ValueError("storage = \"s3\" needs s3.endpoint and s3.bucket")
        return self


class FederationSettings(Section):
    allow_private_addresses: bool = False
    authorized_fetch: bool = False
    # Outbound requests (fetching actors and objects, delivering activities).
    request_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    connect_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    max_response_bytes: int = Field(default=1_048_576, ge=16_384)
    max_connections: int = Field(default=50, ge=1, le=10_000)
    # HTTP Signatures received: how old a Date/created may be, and how far ahead.
    signature_max_age_seconds: int = Field(default=3600, ge=60)
    signature_max_future_seconds: int = Field(default=300, ge=0)
    # How long a fetched public key is trusted before it is fetched again.
    key_cache_ttl_seconds: float = Field(default=300.0, ge=0)
    # Key fetches received signatures cause, in flight at once: overall and per host.
    key_fetch_concurrency: int = Field(default=20, ge=1, le=1_000)
    key_fetch_per_host_concurrency: int = Field(default=4, ge=1, le=100)
    # Inbox POST bodies larger than this are refused with 413.
    max_inbox_bytes: int = Field(default=1_048_576, ge=16_384, le=67_108_864)
    # How long this process serves a local actor or WebFinger answer from memory.
    document_cache_seconds: float = Field(default=60.0, ge=0, le=3600)


class WatermarkConfig(Section):
    """The instance's default visible watermark on the images that leave the server."""

    enabled: bool = False
    text: str = ""
    position: Literal["top-left", "top-right", "bottom-left", "bottom-right", "center"] = "bottom-right"
    opacity: float = Field(default=0.5, ge=0.0, le=1.0)
    text_height: float = Field(default=0.05, gt=0.0, le=0.5)


class DeliverySettings(Section):
    """The outbound delivery queue and its workers."""

    # The most jobs one worker claims at once (never more than it has free slots for).
    batch_size: int = Field(default=100, ge=1, le=5_000)
    # Requests in flight at once, per worker process and per remote host.
    concurrency: int = Field(default=20, ge=1, le=1_000)
    per_host_concurrency: int = Field(default=4, ge=1, le=100)
    # Retries: the first after this long, doubling up to the cap, with jitter.
    first_retry_seconds: float = Field(default=60.0, gt=0, le=86_400)
    max_retry_seconds: float = Field(default=50_400.0, gt=0, le=7 * 86_400)
    # A job is given up after this many attempts or once it is this old, whichever first.
    max_attempts: int = Field(default=20, ge=1, le=100)
    give_up_after_hours: float = Field(default=168.0, gt=0, le=24 * 90)
    # A host failing this many deliveries in a row is left alone for park_seconds.
    park_after_failures: int = Field(default=10, ge=1, le=1_000)
    park_seconds: float = Field(default=300.0, gt=0, le=7 * 86_400)

    @model_validator(mode="after")
    def _cap_above_first_retry(self) -> DeliverySettings:
        if self.max_retry_seconds < self.first_retry_seconds:
            raise ValueError("max_retry_seconds must not be below first_retry_seconds")
        return self


class InboxSettings(Section):
    """Processing of received activities."""

    # Stored activities one worker claims and applies at a time.
    batch_size: int = Field(default=50, ge=1, le=1000)
    # Times a failing handler is tried before the activity is recorded as failed.
    max_attempts: int = Field(default=5, ge=1, le=50)
    # How long a worker holds the activities it claimed; a worker that is gone has its
    # holdings taken back at once, this matters only for one that hangs.
    lease_seconds: float = Field(default=300.0, ge=10, le=86_400)
    # Claimed activities applied in one transaction at most, each in a savepoint of its
    # own; no further one is taken once the transaction has been open this long (with
    # SQLite it holds the only write lock, and the web process's queries wait for it).
    items_per_transaction: int = Field(default=20, ge=1, le=1000)
    transaction_seconds: float = Field(default=0.02, ge=0, le=10)


class FetchingSettings(Section):
    """Fetching what this instance has not seen yet: accounts by handle or URL, posts by
    URL, the parents and replies of threads, quoted posts."""

    # Requests in flight at once to any one remote host while fetching.
    per_host_concurrency: int = Field(default=4, ge=1, le=64)
    # A handle or URL that did not resolve is not asked for again for this long.
    failure_cache_seconds: float = Field(default=60.0, ge=0, le=86_400)
    # The most parents fetched above a reply, and the most replies fetched below a post.
    thread_max_ancestors: int = Field(default=64, ge=0, le=1_000)
    thread_max_replies: int = Field(default=200, ge=0, le=10_000)
    # A remote post's replies are fetched again when someone here opens it after this long.
    replies_refresh_minutes: float = Field(default=15.0, ge=0, le=10_080)
    # How deep quotes of quotes are fetched while storing a post.
    quote_depth: int = Field(default=2, ge=0, le=8)


class ProtectionSettings(Section):
    """The instance's do-not-train and media protection rules."""

    # Crawler guard: listed AI crawlers are refused (403) and told no in robots.txt.
    block_ai_crawlers: bool = True
    crawler_allow_list: tuple[str, ...] = ()
    robots_extra: str = ""
    # TDMRep: who reserves text-and-data-mining rights, and where the policy lives.
    tdm_policy_url: str = ""
    rights_holder: str = ""
    rights_contact_email: str = ""
    rights_info_url: str = ""
    # Anonymous media downloads per client (IPv4 address or IPv6 /64).
    media_rate_limit_per_minute: int = Field(default=120, ge=1)
    media_rate_limit_burst: int = Field(default=120, ge=1)
    # AI-generated images: from this instance's artists, and arriving from other servers.
    ai_generated_local: Literal["reject", "label", "allow"] = "reject"
    ai_generated_remote: Literal["reject", "label", "allow"] = "label"
    # Content Credentials (C2PA): an invalid manifest is refused or labelled; a PEM file
    # of certificate authorities whose signed manifests are trusted (empty: none).
    invalid_content_credentials: Literal["reject", "label"] = "label"
    content_credentials_trust_anchors: str = ""
    # plus:DataMining written into every served image and federated with every post.
    data_mining: str = "DMI-PROHIBITED-AIMLTRAINING"
    # Rights metadata: the page stating the rights (xmpRights:WebStatement), the licensing
    # contact page (plus:LicensorURL; empty: the artist's profile), the licence of posts.
    rights_statement_url: str = ""
    licensor_url: str = ""
    default_license: str = ""
    # Images that leave the server: largest display image, thumbnail box side.
    max_federated_pixels: int = Field(default=1280 * 1280, ge=4096, le=100_000_000)
    thumbnail_size: int = Field(default=400, ge=16, le=2048)
    # Serve the untouched originals too (never by default).
    serve_originals: bool = False
    watermark: WatermarkConfig = WatermarkConfig()

    @field_validator("rights_statement_url", "licensor_url", "default_license")
    @classmethod
    def _absolute_url_or_empty(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("expected an absolute http(s) URL or empty")
        return value

    @field_validator("crawler_allow_list", mode="before")
    @classmethod
    def _list_of_names(cls, value: Any) -> Any:
        if isinstance(value, list):
            return tuple(value)
        if isinstance(value, str):
            raise ValueError("expected a list of crawler names, e.g. [\"facebookexternalhit\"]")
        return value


class WebSettings(Section):
    """The public pages and the studio."""

    # Anonymous pages are rendered once and kept this long (a change made by this
    # process shows at once; by another process, within this time). 0 turns it off.
    page_cache_seconds: float = Field(default=60.0, ge=0, le=3600)
    # Most rendered pages kept in memory per web process.
    page_cache_entries: int = Field(default=500, ge=0, le=100_000)
    # Works per page of a portfolio, series or the front page grid.
    works_per_page: int = Field(default=30, ge=4, le=200)


class AuthSettings(Section):
    """Signing in: session cookies and the throttling of password guesses."""

    # Signs session cookies. Empty: a random secret kept in <data_dir>/session_secret
    # (made on first start). Several web processes must share it: the same data dir, or
    # the same value here (or FEDISERVER__AUTH__SESSION_SECRET).
    session_secret: str = ""
    session_days: int = Field(default=30, ge=1, le=3650)
    # Failed sign-ins allowed per account and per address within the window.
    sign_in_attempts_per_account: int = Field(default=5, ge=1, le=1000)
    sign_in_attempts_per_address: int = Field(default=20, ge=1, le=10_000)
    sign_in_window_minutes: int = Field(default=15, ge=1, le=1440)

    @field_validator("session_secret")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("use at least 32 random characters, or leave empty to keep one in the data dir")
        return value


class RegistrationSettings(Section):
    mode: Literal["closed", "approval", "open"] = "closed"


def _as_tuple(value: Any, example: str) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, (str, dict)):
        raise ValueError(f"expected a list, e.g. {example}")
    return value


class InlineDomainBlock(Section):
    """One ``[[moderation.blocks]]`` entry."""

    domain: str
    severity: Literal["suspend", "silence", "noop"] = "suspend"
    reject_media: bool = False
    reject_reports: bool = False
    public_comment: str = ""
    private_comment: str = ""
    obfuscate: bool = False

    @field_validator("domain")
    @classmethod
    def _domain_is_a_host(cls, value: str) -> str:
        host = value.strip().lower().rstrip(".")
        if not _HOST_RE.match(host):
            raise ValueError("expected a host name without scheme, port or path, e.g. spam.example")
        return host


class ModerationSettings(Section):
    """Which servers federate with this one (``fediserver.moderation``)."""

    federation_mode: Literal["blocklist", "allowlist"] = "blocklist"
    allowed_domains: tuple[str, ...] = ()
    blocks: tuple[InlineDomainBlock, ...] = ()
    block_lists: tuple[str, ...] = ()
    expose_domain_blocks: Literal["public", "users", "off"] = "users"
    reload_seconds: float = Field(default=5.0, ge=0.5, le=3600)

    @field_validator("allowed_domains", "block_lists", "blocks", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _as_tuple(value, '["friends.example"]')

    @field_validator("allowed_domains")
    @classmethod
    def _hosts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        hosts = []
        for entry in value:
            host = entry.strip().lower().rstrip(".")
            if not _HOST_RE.match(host):
                raise ValueError(f"{entry!r} is not a host name (no scheme, port or path), e.g. friends.example")
            hosts.append(host)
        return tuple(hosts)


class Settings(Section):
    instance: InstanceSettings
    server: ServerSettings = ServerSettings()
    logging: LoggingSettings = LoggingSettings()
    database: DatabaseSettings = DatabaseSettings()
    media: MediaSettings = MediaSettings()
    federation: FederationSettings = FederationSettings()
    delivery: DeliverySettings = DeliverySettings()
    inbox: InboxSettings = InboxSettings()
    fetching: FetchingSettings = FetchingSettings()
    protection: ProtectionSettings = ProtectionSettings()
    registrations: RegistrationSettings = RegistrationSettings()
    web: WebSettings = WebSettings()
    auth: AuthSettings = AuthSettings()
    moderation: ModerationSettings = ModerationSettings()

    # Where the file was read from; relative paths in the file are relative to it.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    base_dir: str = Field(default=".", exclude=True)

    @model_validator(mode="after")
    def _rooms_accept_their_settings(self) -> Settings:
        # Each room validates what it receives; its complaint is reported against the key.
        from fediserver.room_settings import check_room_settings

        check_room_settings(self)
        return self

    @model_validator(mode="after")
    def _own_domain_never_blocked(self) -> Settings:
        own = self.instance.domain.rpartition(":")[0] if ":" in self.instance.domain else self.instance.domain
        for index, block in enumerate(self.moderation.blocks):
            if own == block.domain or own.endswith("." + block.domain):
                raise ValueError(
                    f"moderation.blocks.{index}.domain: {block.domain} is this instance's own domain"
                )
        if self.moderation.block_lists:
            # The list files are read now, so a bad line stops the start with its key and line.
            from fediserver.moderation.blocklists import BlocklistError, read_config_lists

            try:
                read_config_lists(self)
            except BlocklistError as error:
                raise ValueError(str(error)) from None
        return self

    @property
    def authorized_fetch(self) -> bool:
        """Whether GETs of our actors and objects must be signed: asked for, or forced by
        allowlist mode (only allowed servers may read)."""
        return self.federation.authorized_fetch or self.moderation.federation_mode == "allowlist"

    @property
    def data_dir(self) -> Path:
        return (Path(self.base_dir) / self.instance.data_dir).resolve()

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite://{self.data_dir / 'fediserver.sqlite3'}"

    @property
    def media_dir(self) -> Path:
        return (self.data_dir / self.media.local_path).resolve()


def resolve_config_path(explicit: str | None = None) -> Path:
    """The config file to use: ``--config``, else ``$FEDISERVER_CONFIG``, else ``./config.toml``."""
    return Path(explicit or os.environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG_PATH)


def load_settings(path: str | os.PathLike[str] | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read, merge with the environment, and validate the configuration."""
    config_path = resolve_config_path(str(path) if path else None)
    try:
        raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{config_path}: no such config file (run `fediserver init` to write one)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: not valid TOML: {exc}") from None
    return settings_from_dict(raw, base_dir=config_path.resolve().parent, environ=environ, source=str(config_path))


def settings_from_dict(
    raw: dict[str, Any],
    *,
    base_dir: Path | str = ".",
    environ: dict[str, str] | None = None,
    source: str = "config",
) -> Settings:
    merged = _apply_environment(raw, os.environ if environ is None else environ)
    try:
        return Settings.model_validate({**merged, "base_dir": str(base_dir)})
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_describe(exc)}") from None


def _apply_environment(raw: dict[str, Any], environ: dict[str, str]) -> dict[str, Any]:
    merged = _deep_copy(raw)
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        path = [part.lower() for part in name[len(ENV_PREFIX) :].split("__") if part]
        if not path:
            continue
        node = merged
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"{name}: {'.'.join(path)} is not inside a table")
        node[path[-1]] = _parse_env_value(value)
    return merged


def _parse_env_value(value: str) -> Any:
    try:
        return tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return value


def _deep_copy(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else v for k, v in raw.items()}


def _describe(exc: ValidationError) -> str:
    # An unknown key usually explains the missing one next to it (a misspelling), so it goes first.
    errors = sorted(exc.errors(include_url=False), key=lambda error: error["type"] != "extra_forbidden")
    lines = [_describe_one(error) for error in errors]
    more = f" (and {len(lines) - 1} more problem{'s' if len(lines) > 2 else ''})" if len(lines) > 1 else ""
    return lines[0] + more


def _describe_one(error: dict[str, Any]) -> str:
    path = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{path}: unknown key{_did_you_mean(error['loc'])}"
    if kind == "missing":
        return f"{_first_required_key(error['loc'])}: missing required key"
    message = error["msg"].removeprefix("Value error, ")
    if "input" in error and kind not in {"model_type", "dict_type"} and not isinstance(error["input"], dict):
        message += f", got {error['input']!r}"
    return f"{path}: {message}" if path else message


def _section_model(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] = Settings
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None or not isinstance(field.annotation, type) or not issubclass(field.annotation, BaseModel):
            return None
        model = field.annotation
    return model


def _first_required_key(loc: tuple[Any, ...]) -> str:
    """For a whole missing table, name the key inside it that has no default."""
    path = list(loc)
    model = _section_model(loc)
    while model is not None:
        required = [name for name, field in model.model_fields.items() if field.is_required()]
        if not required:
            break
        path.append(required[0])
        model = _section_model(tuple(path))
    return ".".join(str(part) for part in path)


def _did_you_mean(loc: tuple[Any, ...]) -> str:
    model = _section_model(loc[:-1])
    if model is None:
        return ""
    known = [name for name in model.model_fields if name != "base_dir"]
    if not known:
        return " (this section has no keys yet)"
    import difflib

    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{hint} (expected one of: {', '.join(known)})"
