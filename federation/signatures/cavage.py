"""draft-cavage-http-signatures-12: the `Signature` header most of the fediverse speaks.

Signing follows Mastodon: `rsa-sha256` over `(request-target) host date digest
content-type` for a POST and `(request-target) host date` for a GET. Verifying accepts
`rsa-sha256`, `hs2019` (with an RSA key that is RSASSA-PKCS1-v1_5 SHA-256, as Mastodon
and GoToSocial send it; with an Ed25519 key, Ed25519) and `ed25519`, reads
`(created)`/`(expires)`, checks the body's `Digest` and the age of the request, and
requires the signed `Host` to be the host of the URL being verified, so a request
signed for another server is refused here (RFC 9421 binds the host through
`@target-uri` or `@authority` the same way).
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Sequence
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import urlsplit

from federation.digest import DigestError, check_digest_header, make_digest_header
from federation.keys import PrivateKey
from federation.signatures.algorithms import (
    ED25519,
    RSA_V1_5_SHA256,
    PreparedSignature,
    default_algorithm,
    sign_bytes,
)
from federation.signatures.common import (
    HeaderInput,
    Reason,
    SignatureError,
    SignaturePolicy,
    collect_headers,
    combined_value,
)

__all__ = ["parse_signature_header", "prepare_signature", "sign_cavage", "signing_string"]

# draft name -> RFC 9421 algorithm; None lets the key decide (hs2019).
_ALGORITHMS: dict[str, str | None] = {
    "rsa-sha256": RSA_V1_5_SHA256,
    "hs2019": None,
    "ed25519": ED25519,
}
_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*(?:"([^"\\]*(?:\\.[^"\\]*)*)"|([^",\s]*))\s*(,|$)')
_ESCAPE = re.compile(r"\\(.)")
_MAX_HEADER_LENGTH = 8192


def parse_signature_header(value: str) -> dict[str, str]:
    """Parse `keyId="...",algorithm="...",headers="...",signature="..."` (an
    `Authorization: Signature ...` value works too). Unknown parameters are kept."""
    if len(value) > _MAX_HEADER_LENGTH:
        raise SignatureError(Reason.MALFORMED, "Signature header too long")
    text = value.strip()
    if text[:10].lower() == "signature ":
        text = text[10:]
    params: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        match = _PARAM.match(text, pos)
        if match is None or match.end() == pos:
            raise SignatureError(Reason.MALFORMED, f"cannot parse Signature at character {pos}")
        name = match.group(1)
        quoted = match.group(2)
        if quoted is None:
            param = match.group(3)
        else:
            param = _ESCAPE.sub(r"\1", quoted) if "\\" in quoted else quoted
        if name in params:
            raise SignatureError(Reason.MALFORMED, f"Signature repeats {name}")
        params[name] = param
        pos = match.end()
    for required in ("keyId", "signature"):
        if not params.get(required):
            raise SignatureError(Reason.MALFORMED, f"Signature has no {required}")
    return params


def _request_target(method: str, url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{method.lower()} {path}?{parts.query}" if parts.query else f"{method.lower()} {path}"


def signing_string(
    method: str,
    url: str,
    headers: dict[str, list[str]],
    covered: Sequence[str],
    params: dict[str, str] | None = None,
) -> str:
    """The text that is signed: one `name: value` line per covered header."""
    lines = []
    for name in covered:
        if name == "(request-target)":
            value = _request_target(method, url)
        elif name in ("(created)", "(expires)"):
            value = (params or {}).get(name[1:-1], "")
            if not (value.isdigit() and value.isascii() and len(value) <= 15):
                raise SignatureError(Reason.MALFORMED, f"{name} is covered but not an integer")
        else:
            value = combined_value(headers, name)
            if value is None:
                raise SignatureError(Reason.MISSING_HEADER, f"signed header {name!r} is absent")
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _authority(host: str, scheme: str) -> str:
    """``host[:port]`` lower-cased, without the scheme's default port (anything that is
    no host comes back as it is, and matches no host)."""
    try:
        parts = urlsplit(f"//{host.strip()}")
        port = parts.port
    except ValueError:
        return host
    name = (parts.hostname or host.strip()).lower().rstrip(".")
    name = f"[{name}]" if ":" in name else name
    return name if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{name}:{port}"


def _check_host(url: str, headers: dict[str, list[str]]) -> None:
    """The signed ``Host`` must name the server the request was sent to (the host of
    ``url``), so a request signed for another server cannot be replayed here."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    signed = combined_value(headers, "host") or ""
    expected = _authority(parts.netloc.rpartition("@")[2], scheme)
    if _authority(signed, scheme) != expected:
        raise SignatureError(Reason.WRONG_HOST, f"signed for host {signed[:255]!r}, this server is {expected!r}")


def _check_time(params: dict[str, str], headers, covered, now: float, policy) -> None:
    moments = []
    if "date" in covered:
        try:
            moments.append(("Date", parsedate_to_datetime(combined_value(headers, "date")).timestamp()))
        except (TypeError, ValueError, IndexError, OverflowError):
            raise SignatureError(Reason.MALFORMED, "Date is not an HTTP date") from None
    if "(created)" in covered:
        moments.append(("created", int(params["created"])))
    for what, moment in moments:
        if now - moment > policy.max_age_seconds:
            raise SignatureError(Reason.STALE, f"{what} is {int(now - moment)} s old")
        if moment - now > policy.max_future_seconds:
            raise SignatureError(Reason.FUTURE, f"{what} is {int(moment - now)} s ahead")
    if "(expires)" in covered and int(params["expires"]) < now:
        raise SignatureError(Reason.EXPIRED, "the signature's expires time has passed")


def prepare_signature(
    method: str,
    url: str,
    headers: dict[str, list[str]],
    body: bytes | None,
    *,
    now: float | None = None,
    policy: SignaturePolicy = SignaturePolicy(),
) -> PreparedSignature:
    """Parse and check everything but the key; raise SignatureError on the first fault.

    `headers` is the output of `collect_headers`.
    """
    raw = combined_value(headers, "signature")
    if raw is None:
        authorization = combined_value(headers, "authorization") or ""
        if authorization[:10].lower() != "signature ":
            raise SignatureError(Reason.UNSIGNED, "no Signature header")
        raw = authorization
    params = parse_signature_header(raw)
    algorithm_name = params.get("algorithm", "hs2019").lower()
    if algorithm_name not in _ALGORITHMS:
        raise SignatureError(Reason.UNSUPPORTED_ALGORITHM, repr(algorithm_name))
    covered = tuple(params.get("headers", "date").lower().split())
    if not covered:
        raise SignatureError(Reason.MALFORMED, "Signature covers no headers")
    if policy.require_coverage:
        needed = ["(request-target)", "host"]
        if "(created)" not in covered:
            needed.append("date")
        if body:
            needed.append("digest")
        for name in needed:
            if name not in covered:
                raise SignatureError(Reason.MISSING_HEADER, f"signature does not cover {name}")
    digest = combined_value(headers, "digest")
    if digest is not None or "digest" in covered:
        if digest is None:
            raise SignatureError(Reason.MISSING_HEADER, "signed header 'digest' is absent")
        try:
            check_digest_header(digest, body or b"")
        except DigestError as error:
            raise SignatureError(Reason.BAD_DIGEST, str(error)) from None
    string_to_sign = signing_string(method, url, headers, covered, params)
    if "host" in covered:
        _check_host(url, headers)
    _check_time(params, headers, covered, time.time() if now is None else now, policy)
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(Reason.MALFORMED, "signature is not base64") from None
    return PreparedSignature(
        key_id=params["keyId"],
        algorithm=_ALGORITHMS[algorithm_name],
        base=string_to_sign.encode("utf-8"),
        signature=signature,
        covered=covered,
    )


def sign_cavage(
    method: str,
    url: str,
    headers: HeaderInput,
    body: bytes | None,
    *,
    key_id: str,
    private_key: PrivateKey,
    covered: Sequence[str] | None = None,
    now: float | None = None,
) -> dict[str, str]:
    """The headers to add to a request to sign it: `Signature`, plus `Host`, `Date`
    and `Digest` when they are missing and signed."""
    collected = collect_headers(headers)
    added: dict[str, str] = {}
    if "host" not in collected:
        added["Host"] = urlsplit(url).netloc.rpartition("@")[2]
    if "date" not in collected:
        added["Date"] = formatdate(time.time() if now is None else now, usegmt=True)
    has_body = body is not None and method.upper() not in ("GET", "HEAD")
    if has_body and "digest" not in collected:
        added["Digest"] = make_digest_header(body)
    if covered is None:
        covered = ["(request-target)", "host", "date"]
        if has_body:
            covered.append("digest")
            if "content-type" in collected:
                covered.append("content-type")
    for name, value in added.items():
        collected[name.lower()] = [value]
    params = {}
    if "(created)" in covered:
        params["created"] = str(int(time.time() if now is None else now))
    algorithm = default_algorithm(private_key)
    label = "rsa-sha256" if algorithm == RSA_V1_5_SHA256 else "hs2019"
    text = signing_string(method, url, collected, covered, params)
    signature = base64.b64encode(sign_bytes(algorithm, private_key, text.encode("utf-8")))
    created = f"created={params['created']}," if params else ""
    added["Signature"] = (
        f'keyId="{key_id}",algorithm="{label}",{created}headers="{" ".join(covered)}",'
        f'signature="{signature.decode("ascii")}"'
    )
    return added
