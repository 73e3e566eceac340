"""Reading a client's parameters the ways Mastodon clients send them: a form (urlencoded or
multipart, lists as ``name[]``), a JSON body, or the query string."""

from __future__ import annotations

from typing import Any

from quart import request

from fediserver.api.errors import not_found, unprocessable

TRUE = frozenset({"1", "true", "t", "on", "yes"})
FALSE = frozenset({"0", "false", "f", "off", "no", ""})


class Params:
    def __init__(self, values: dict[str, list[Any]]) -> None:
        self._values = values

    @classmethod
    async def read(cls) -> Params:
        values: dict[str, list[Any]] = {}
        sources: list[Any] = [request.args]
        if request.is_json:
            body = await request.get_json(silent=True)
            if not isinstance(body, dict):
                raise unprocessable("the JSON body must be an object")
            sources.append(body)
        else:
            sources.append(await request.form)
        for source in sources:
            if hasattr(source, "getlist"):  # a form or query string: every value of a repeated name
                for key in source:
                    values[key.removesuffix("[]")] = source.getlist(key)
            else:
                for key, value in source.items():
                    values[key.removesuffix("[]")] = value if isinstance(value, list) else [value]
        return cls(values)

    def text(self, name: str, default: str | None = None) -> str | None:
        values = self._values.get(name)
        if not values or values[0] is None:
            return default
        return str(values[0])

    def member(self, name: str, key: str) -> str | None:
        """``name[key]`` of a form, or ``{"name": {"key": ...}}`` of a JSON body (Mastodon's
        ``source[privacy]`` style)."""
        flat = self.text(f"{name}[{key}]")
        if flat is not None:
            return flat
        values = self._values.get(name)
        if values and isinstance(values[0], dict) and values[0].get(key) is not None:
            return str(values[0][key])
        return None

    def texts(self, name: str) -> list[str]:
        return [str(v) for v in self._values.get(name, []) if v is not None and str(v) != ""]

    def flag(self, name: str, default: bool = False) -> bool:
        values = self._values.get(name)
        if not values or values[0] is None:
            return default
        value = values[0]
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise unprocessable(f"{name} must be true or false, not {value!r}")


def record_id(value: str) -> int:
    """A path id; anything but a number names no record."""
    if not value.isdigit():
        raise not_found()
    return int(value)
