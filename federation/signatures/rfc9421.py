"""RFC 9421 HTTP Message Signatures: `Signature-Input` and `Signature` fields.

Signing follows what Mastodon 4.5 and Fedify accept: label `sig1`, algorithm
`rsa-v1_5-sha256`, covering `"@method" "@target-uri"` plus `"content-digest"` when there
is a body, with `created`, `keyid` and `alg`. Verifying supports the derived components
`@method`, `@target-uri`, `@authority`, `@scheme`, `@path`, `@query`, `@query-param`,
`@request-target` and `@status`, plain header fields, and the parameters `created`,
`expires`, `keyid`, `alg`, `nonce` and `tag`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from urllib.parse import parse_qsl, quote, urlsplit

from federation.digest import DigestError, check_content_digest_header, make_content_digest_header
from federation.keys import PrivateKey
from federation.signatures.algorithms import ALGORITHMS, PreparedSignature, default_algorithm, sign_bytes
from federation.signatures.common import (
    HeaderInput,
    Reason,
    SignatureError,
    SignaturePolicy,
    collect_headers,
    combined_value,
)
from federation.structured_fields import (
    InnerList,
    Item,
    StructuredFieldError,
    parse_dictionary,
    serialize_dictionary,
    serialize_member,
)

__all__ = ["HttpMessage", "signature_base", "prepare_signatures", "sign_rfc9421"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_SIGNATURE_PARAMS = {"created", "expires", "keyid", "alg", "nonce", "tag"}


class HttpMessage:
    """The parts of a request (or, with `status`, a response) that components read."""

    def __init__(
        self,
        method: str,
        url: str,
        headers: dict[str, list[str]],
        status: int | None = None,
    ) -> None:
        self.method = method
        self.url = url
        self.parts = urlsplit(url)
        self.headers = headers
        self.status = status

    def component(self, name: str, params: dict) -> str:
        if not name.startswith("@"):
            if params:
                raise SignatureError(Reason.MALFORMED, f"unsupported parameters on {name!r}")
            value = combined_value(self.headers, name)
            if value is None:
                raise SignatureError(Reason.MISSING_HEADER, f"covered field {name!r} is absent")
            return value
        if params and name != "@query-param":
            raise SignatureError(Reason.MALFORMED, f"unsupported parameters on {name!r}")
        parts = self.parts
        if name == "@method":
            return self.method.upper()
        if name == "@target-uri":
            return self.url
        if name == "@authority":
            host = (parts.hostname or "").lower()
            port = parts.port
            if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
                return f"{host}:{port}"
            return host
        if name == "@scheme":
            return parts.scheme.lower()
        if name == "@path":
            return parts.path or "/"
        if name == "@query":
            return "?" + parts.query
        if name == "@request-target":
            return (parts.path or "/") + ("?" + parts.query if parts.query else "")
        if name == "@query-param":
            wanted = params.get("name")
            if not isinstance(wanted, str) or set(params) != {"name"}:
                raise SignatureError(Reason.MALFORMED, "@query-param needs one name parameter")
            values = [value for key, value in parse_qsl(parts.query, keep_blank_values=True) if key == wanted]
            if len(values) != 1:
                raise SignatureError(
                    Reason.MISSING_HEADER, f"query parameter {wanted!r} appears {len(values)} times"
                )
            return quote(values[0], safe="")
        if name == "@status" and self.status is not None:
            return str(self.status)
        raise SignatureError(Reason.MALFORMED, f"unsupported component {name!r}")


def signature_base(message: HttpMessage, signature_params: InnerList) -> str:
    """The text RFC 9421 2.5 signs: one line per component, then `@signature-params`."""
    lines = []
    seen = set()
    for item in signature_params.items:
        if type(item.value) is not str:
            raise SignatureError(Reason.MALFORMED, "component identifiers must be strings")
        label = serialize_member(item)
        if label in seen:
            raise SignatureError(Reason.MALFORMED, f"component {label} covered twice")
        seen.add(label)
        value = message.component(item.value, item.params)
        if "\n" in value or "\r" in value:
            raise SignatureError(Reason.MALFORMED, f"component {label} holds a newline")
        lines.append(f"{label}: {value}")
    lines.append(f'"@signature-params": {serialize_member(signature_params)}')
    return "\n".join(lines)


def _int_param(params: dict, name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if type(value) is not int:
        raise SignatureError(Reason.MALFORMED, f"{name} must be an integer")
    return value


def _check_coverage(covered: Sequence[str], has_body: bool) -> None:
    names = set(covered)
    missing = []
    if "@method" not in names:
        missing.append("@method")
    if "@target-uri" not in names and not (
        "@authority" in names and names & {"@path", "@request-target"}
    ):
        missing.append("@target-uri")
    if has_body and "content-digest" not in names:
        missing.append("content-digest")
    if missing:
        raise SignatureError(Reason.MISSING_HEADER, f"signature does not cover {', '.join(missing)}")


def _prepare_one(
    message: HttpMessage,
    signature_params: InnerList,
    signature: bytes,
    body: bytes | None,
    now: float,
    policy: SignaturePolicy,
) -> PreparedSignature:
    params = signature_params.params
    unknown = set(params) - _SIGNATURE_PARAMS
    if unknown:
        raise SignatureError(Reason.MALFORMED, f"unknown parameters {sorted(unknown)}")
    key_id = params.get("keyid")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureError(Reason.MALFORMED, "no keyid parameter")
    algorithm = params.get("alg")
    if algorithm is not None and algorithm not in ALGORITHMS:
        raise SignatureError(Reason.UNSUPPORTED_ALGORITHM, repr(algorithm))
    created = _int_param(params, "created")
    expires = _int_param(params, "expires")
    if created is None and policy.require_coverage:
        raise SignatureError(Reason.MALFORMED, "no created parameter")
    if created is not None:
        if now - created > policy.max_age_seconds:
            raise SignatureError(Reason.STALE, f"created {int(now - created)} s ago")
        if created - now > policy.max_future_seconds:
            raise SignatureError(Reason.FUTURE, f"created {int(created - now)} s ahead")
    if expires is not None and expires < now:
        raise SignatureError(Reason.EXPIRED, "the signature's expires time has passed")
    covered = tuple(str(item.value) for item in signature_params.items)
    if policy.require_coverage:
        _check_coverage(covered, bool(body))
    content_digest = combined_value(message.headers, "content-digest")
    if content_digest is not None:
        try:
            check_content_digest_header(content_digest, body or b"")
        except DigestError as error:
            raise SignatureError(Reason.BAD_DIGEST, str(error)) from None
    base = signature_base(message, signature_params)
    return PreparedSignature(
        key_id=key_id,
        algorithm=algorithm,
        base=base.encode("utf-8"),
        signature=signature,
        covered=covered,
    )


def prepare_signatures(
    message: HttpMessage,
    body: bytes | None,
    *,
    now: float | None = None,
    policy: SignaturePolicy = SignaturePolicy(),
) -> list[PreparedSignature]:
    """Every signature on the message that passes the checks not needing a key, in
    `Signature-Input` order. Raises the first signature's error when none passes."""
    raw_inputs = combined_value(message.headers, "signature-input")
    raw_signatures = combined_value(message.headers, "signature")
    if raw_inputs is None:
        raise SignatureError(Reason.UNSIGNED, "no Signature-Input header")
    if raw_signatures is None:
        raise SignatureError(Reason.UNSIGNED, "Signature-Input without Signature")
    try:
        inputs = parse_dictionary(raw_inputs)
        signatures = parse_dictionary(raw_signatures)
    except StructuredFieldError as error:
        raise SignatureError(Reason.MALFORMED, str(error)) from None
    now = time.time() if now is None else now
    prepared: list[PreparedSignature] = []
    first_error: SignatureError | None = None
    for label, signature_params in inputs.items():
        try:
            if not isinstance(signature_params, InnerList):
                raise SignatureError(Reason.MALFORMED, f"Signature-Input {label} is not a list")
            signature = signatures.get(label)
            if not isinstance(signature, Item) or not isinstance(signature.value, bytes):
                raise SignatureError(Reason.MALFORMED, f"no Signature byte sequence for {label}")
            prepared.append(
                _prepare_one(message, signature_params, signature.value, body, now, policy)
            )
        except SignatureError as error:
            first_error = first_error or error
    if not prepared:
        raise first_error or SignatureError(Reason.UNSIGNED, "Signature-Input is empty")
    return prepared


def sign_rfc9421(
    method: str,
    url: str,
    headers: HeaderInput,
    body: bytes | None,
    *,
    key_id: str,
    private_key: PrivateKey | bytes,
    algorithm: str | None = None,
    label: str = "sig1",
    covered: Sequence[str] | None = None,
    created: int | None = None,
    expires: int | None = None,
    nonce: str | None = None,
    tag: str | None = None,
    include_alg: bool = True,
    status: int | None = None,
) -> dict[str, str]:
    """The headers to add to sign a message: `Signature-Input`, `Signature`, and a
    `Content-Digest` when the body has none yet."""
    collected = collect_headers(headers)
    algorithm = algorithm or default_algorithm(private_key)
    added: dict[str, str] = {}
    has_body = body is not None and method.upper() not in ("GET", "HEAD")
    if has_body and "content-digest" not in collected:
        added["Content-Digest"] = make_content_digest_header(body)
        collected["content-digest"] = [added["Content-Digest"]]
    if covered is None:
        covered = ["@method", "@target-uri"] + (["content-digest"] if has_body else [])
    params: dict = {"created": int(time.time()) if created is None else created}
    if expires is not None:
        params["expires"] = expires
    params["keyid"] = key_id
    if include_alg:
        params["alg"] = algorithm
    if nonce is not None:
        params["nonce"] = nonce
    if tag is not None:
        params["tag"] = tag
    signature_params = InnerList(tuple(Item(name) for name in covered), params)
    base = signature_base(HttpMessage(method, url, collected, status), signature_params)
    signature = sign_bytes(algorithm, private_key, base.encode("utf-8"))
    added["Signature-Input"] = serialize_dictionary({label: signature_params})
    added["Signature"] = serialize_dictionary({label: Item(signature)})
    return added
