"""AWS Signature Version 4 for S3 requests (header-based signing).

Small enough to own: a canonical request, a string to sign and an HMAC chain. The payload
hash is always given by the caller (we hash every body anyway for content addressing).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote

EMPTY_PAYLOAD_SHA256 = hashlib.sha256(b"").hexdigest()
_ALGORITHM = "AWS4-HMAC-SHA256"


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    service: str = "s3"


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def _uri_encode(value: str, *, keep_slash: bool) -> str:
    return quote(value, safe="-_.~/" if keep_slash else "-_.~")


def canonical_query(params: dict[str, str]) -> str:
    pairs = sorted((_uri_encode(k, keep_slash=False), _uri_encode(v, keep_slash=False)) for k, v in params.items())
    return "&".join(f"{k}={v}" for k, v in pairs)


def sign_request(
    credentials: Credentials,
    method: str,
    host: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    payload_sha256: str = EMPTY_PAYLOAD_SHA256,
    now: datetime | None = None,
) -> dict[str, str]:
    """Return the headers to send: the given ones plus Host, x-amz-date, x-amz-content-sha256
    and Authorization. Every header passed in is signed. ``path`` is not yet URI-encoded."""
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    amz_date = moment.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    all_headers = {
        **(headers or {}),
        "host": host,
        "x-amz-date": amz_date,
        "x-amz-content-sha256": payload_sha256,
    }
    canonical_headers = {name.lower(): " ".join(str(value).split()) for name, value in all_headers.items()}
    signed_names = sorted(canonical_headers)
    canonical_request = "\n".join(
        [
            method.upper(),
            _uri_encode(path, keep_slash=True),
            canonical_query(query or {}),
            "".join(f"{name}:{canonical_headers[name]}\n" for name in signed_names),
            ";".join(signed_names),
            payload_sha256,
        ]
    )
    scope = f"{day}/{credentials.region}/{credentials.service}/aws4_request"
    string_to_sign = "\n".join(
        [_ALGORITHM, amz_date, scope, hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()]
    )
    key = _hmac(("AWS4" + credentials.secret_key).encode("utf-8"), day)
    for part in (credentials.region, credentials.service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    authorization = (
        f"{_ALGORITHM} Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={';'.join(signed_names)}, Signature={signature}"
    )
    return {**all_headers, "authorization": authorization}
