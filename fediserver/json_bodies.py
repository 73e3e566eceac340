"""How the app writes JSON bodies (``jsonify``, ``app.json.dumps``): with orjson, by
Quart's rules.

``OrjsonProvider`` writes what Quart's default provider writes (keys sorted, compact;
dates as HTTP dates, dataclasses as objects, decimals and UUIDs as strings, by the same
``default``), but in C: a page of 40 statuses takes well under a millisecond instead of
several. Text is UTF-8 rather than ``\\u`` escapes, which is the same JSON. A body asked
for indented (debug), or a value orjson refuses (an integer past 64 bits), is left to
Quart's provider, which writes it or raises as before. Reading JSON is Quart's own.
"""

from __future__ import annotations

from typing import Any

import orjson
from quart.json.provider import DefaultJSONProvider

_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
            | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)


class OrjsonProvider(DefaultJSONProvider):
    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if set(kwargs) - {"separators"}:  # indented, or other json.dumps options
            return super().dumps(obj, **kwargs)
        try:
            return orjson.dumps(obj, default=self.default, option=_OPTIONS).decode()
        except orjson.JSONEncodeError:
            return super().dumps(obj, **kwargs)
