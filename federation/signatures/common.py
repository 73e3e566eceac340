"""What both signature generations share: the error, the policy, the result, headers.

`SignatureError.reason` is one of the `Reason` values, short enough to log and to put
in a 401 answer; the message says what exactly was wrong.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "Reason",
    "SignatureError",
    "Generation",
    "SignaturePolicy",
    "VerifiedSignature",
    "HeaderInput",
    "collect_headers",
]


class Reason(enum.StrEnum):
    UNSIGNED = "unsigned"
    MALFORMED = "malformed signature"
    MISSING_HEADER = "missing header"
    BAD_DIGEST = "bad digest"
    STALE = "stale date"
    FUTURE = "date in the future"
    EXPIRED = "expired"
    WRONG_HOST = "wrong host"
    UNKNOWN_KEY = "unknown key"
    UNSUPPORTED_ALGORITHM = "unsupported algorithm"
    BAD_SIGNATURE = "bad signature"


class SignatureError(Exception):
    """A request's signature cannot be accepted; `reason` says why in one word or two."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else str(reason))


class Generation(enum.StrEnum):
    RFC9421 = "rfc9421"
    CAVAGE = "draft-cavage"


@dataclass(frozen=True)
class SignaturePolicy:
    """How strict verification is.

    `max_age_seconds` / `max_future_seconds`: the accepted window around now for the
    `Date` header and the `created` parameter. `require_coverage`: demand the covered
    components a fediverse server relies on (method and target, host or authority,
    a date or `created`, and the body digest); switch it off only to check foreign
    test vectors.
    """

    max_age_seconds: int = 3600
    max_future_seconds: int = 300
    require_coverage: bool = True


@dataclass(frozen=True)
class VerifiedSignature:
    key_id: str
    owner: str
    generation: Generation
    algorithm: str
    covered: tuple[str, ...]


# A dict, an httpx.Headers, a Werkzeug/Quart Headers, or ASGI (name, value) byte pairs.
HeaderInput = Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]]


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def collect_headers(headers: HeaderInput) -> dict[str, list[str]]:
    """Lower-cased field name -> its values in order, from a dict, an `httpx.Headers`,
    a Werkzeug/Quart `Headers`, or ASGI-style (name, value) byte pairs."""
    if hasattr(headers, "multi_items"):
        pairs = headers.multi_items()
    elif hasattr(headers, "items"):
        pairs = headers.items()
    else:
        pairs = headers
    collected: dict[str, list[str]] = {}
    for name, value in pairs:
        collected.setdefault(_text(name).lower(), []).append(_text(value))
    return collected


def combined_value(headers: dict[str, list[str]], name: str) -> str | None:
    """A field's values trimmed and joined with ', ', as both generations sign them."""
    values = headers.get(name)
    if values is None:
        return None
    return ", ".join(value.strip() for value in values)
