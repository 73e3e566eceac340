"""JSON received from other servers: parsed once, refused past the nesting we can keep.

Everything that arrives as JSON (an inbox POST, a fetched actor or key document) goes
through `load_json_object`. The parser would accept 1,024 levels of nesting, but the
database layer stores at most about 255 and the server walks documents recursively in
many places; one limit, `MAX_JSON_DEPTH`, far below all of them and far above anything
a real server sends, is checked at the door instead. Every refusal is a
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

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


def json_depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether objects and arrays in ``value`` nest more than ``limit`` levels deep.

    Walks without recursion, so no input can exhaust the stack."""
    if not isinstance(value, (dict, list)):
        return False
    pending: list[tuple[dict | list, int]] = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def load_json_object(body: bytes, limit: int = MAX_JSON_DEPTH) -> dict[str, Any]:
    """``body`` as a JSON object no deeper than ``limit`` levels; else ``ReceivedJsonError``."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        if "depth limit" in str(error):  # deeper than the parser's own 1,024 levels
            raise ReceivedJsonError(ReceivedJsonError.TOO_DEEP, f"the limit is {limit} levels") from None
        raise ReceivedJsonError(ReceivedJsonError.NOT_JSON, str(error)) from None
    if not isinstance(value, dict):
        raise ReceivedJsonError(ReceivedJsonError.NOT_AN_OBJECT)
    if json_depth_exceeds(value, limit):
        raise ReceivedJsonError(ReceivedJsonError.TOO_DEEP, f"the limit is {limit} levels")
    return value
