"""JSON received from other servers: parsed once, refused past the nesting we can keep.

Everything that arrives as JSON (an inbox POST, a fetched actor or key document) goes
through `load_json_object`. The parser would accept 1,024 levels of nesting, but the
database layer stores at most about 255 and the server walks documents recursively in
many places; one limit, `MAX_JSON_DEPTH`, far below all of them and far above anything
a real server sends, is checked at the door instead. Text holding U+0000 is refused
too: PostgreSQL can store it neither in JSON nor in text columns. Every refusal is a
`ReceivedJsonError` whose `reason` is short enough for a 400 answer.
"""

from __future__ import annotations

from typing import Any

import orjson

__all__ = ["MAX_JSON_DEPTH", "ReceivedJsonError", "json_depth_exceeds", "load_json_object"]

# Levels of objects and arrays: `{}` is one level, `{"a": [{}]}` three.
MAX_JSON_DEPTH = 64


class ReceivedJsonError(ValueError):
    """Received bytes are not a usable JSON object; `reason` says why in a few words."""

    NOT_JSON = "body is not JSON"
    TOO_DEEP = "JSON nested too deeply"
    NOT_AN_OBJECT = "body is not a JSON object"
    NUL = "JSON text holds U+0000"

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


def json_depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether objects and arrays in ``value`` nest more than ``limit`` levels deep."""
    return _first_fault(value, limit) == ReceivedJsonError.TOO_DEEP


def _first_fault(value: Any, limit: int) -> str | None:
    """TOO_DEEP or NUL when ``value`` has that fault, else None. Walks without recursion,
    so no input can exhaust the stack."""
    if not isinstance(value, (dict, list)):
        return ReceivedJsonError.NUL if isinstance(value, str) and "\x00" in value else None
    pending: list[tuple[dict | list, int]] = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > limit:
            return ReceivedJsonError.TOO_DEEP
        if isinstance(node, dict):
            if any("\x00" in key for key in node):
                return ReceivedJsonError.NUL
            children = node.values()
        else:
            children = node
        for child in children:
            if isinstance(child, (dict, list)):
                pending.append((child, depth + 1))
            elif isinstance(child, str) and "\x00" in child:
                return ReceivedJsonError.NUL
    return None


def load_json_object(body: bytes, limit: int = MAX_JSON_DEPTH) -> dict[str, Any]:
    """``body`` as a JSON object no deeper than ``limit`` levels, its text free of U+0000;
    else ``ReceivedJsonError``."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        if "depth limit" in str(error):  # deeper than the parser's own 1,024 levels
            raise ReceivedJsonError(ReceivedJsonError.TOO_DEEP, f"the limit is {limit} levels") from None
        raise ReceivedJsonError(ReceivedJsonError.NOT_JSON, str(error)) from None
    if not isinstance(value, dict):
        raise ReceivedJsonError(ReceivedJsonError.NOT_AN_OBJECT)
    fault = _first_fault(value, limit)
    if fault == ReceivedJsonError.TOO_DEEP:
        raise ReceivedJsonError(fault, f"the limit is {limit} levels")
    if fault == ReceivedJsonError.NUL:
        raise ReceivedJsonError(fault, "a string holds the NUL character, which cannot be stored")
    return value
