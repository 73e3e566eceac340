"""Reading a client's parameters the ways Mastodon clients send them: a form (urlencoded or
multipart, lists as ``name[]``), a JSON body, or the query string."""

from __future__ import annotations

from typing import Any

from quart import request

from fediserver.refusals import unprocessable

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

    def given(self, name: str) -> bool:
        """Whether the client sent ``name`` at all (an empty JSON list counts)."""
        return name in self._values or any(key.startswith(f"{name}[") for key in self._values)

    def nested(self, name: str) -> Params | None:
        """A nested object as parameters of its own: ``{"poll": {...}}`` in JSON,
        ``poll[options][]=...&poll[expires_in]=...`` in a form. None when not sent."""
        values = self._values.get(name)
        if values and isinstance(values[0], dict):
            return Params({key.removesuffix("[]"): value if isinstance(value, list) else [value]
                           for key, value in values[0].items()})
        prefix = f"{name}["
        found = {key[len(prefix):].removesuffix("]"): value for key, value in self._values.items()
                 if key.startswith(prefix) and not key.startswith(f"{name}[]")}
        return Params(found) if found else None

    def mappings(self, name: str) -> list[dict[str, Any]]:
        """A list of objects: ``{"media_attributes": [{...}, ...]}`` in JSON, or a form's
        ``media_attributes[][id]=...&media_attributes[][description]=...`` read in order."""
        values = self._values.get(name)
        if values and all(isinstance(v, dict) for v in values):
            return [dict(v) for v in values]
        prefix = f"{name}[]["
        columns = {key[len(prefix):].removesuffix("]"): value for key, value in self._values.items()
                   if key.startswith(prefix)}
        length = max((len(v) for v in columns.values()), default=0)
        return [{key: column[i] for key, column in columns.items() if i < len(column)} for i in range(length)]

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

    def structure(self, name: str) -> Any:
        """Rails' nested parameters as one plain value (``nested`` gives them as ``Params``):
        a JSON object or array as sent, or from a
        form ``name[key]=v``, ``name[0][key]=v`` (a dict by index) and ``name[][key]=v``
        (a list, a new item whenever a key comes again). None when not sent."""
        values = self._values.get(name)
        if values and isinstance(values[0], (dict, list)):
            return values[0] if len(values) == 1 or isinstance(values[0], list) else values
        prefix = name + "["
        found: dict[str, Any] = {}
        items: list[dict[str, Any]] = []
        for key, given in self._values.items():
            if not key.startswith(prefix):
                continue
            path = key[len(name):].replace("]", "").split("[")[1:]
            if path[0] == "":  # name[][key]: the n-th value of each key belongs to the n-th item
                for index, value in enumerate(given):
                    while len(items) <= index:
                        items.append({})
                    items[index]["".join(path[1:2])] = value
                continue
            target = found
            for part in path[:-1]:
                target = target.setdefault(part, {})
                if not isinstance(target, dict):
                    raise unprocessable(f"{key} does not fit the other {name} parameters")
            target[path[-1]] = given[0] if given else None
        if items:
            return items
        return found or None


    def items(self, name: str) -> list[dict[str, Any]]:
        """A nested parameter that is a list of objects (``fields_attributes``,
        ``keywords_attributes``), however it was sent; [] when not sent."""
        value = self.structure(name)
        if value is None:
            return []
        if isinstance(value, dict):
            value = list(value.values()) if value and all(isinstance(v, dict) for v in value.values()) else [value]
        if not all(isinstance(item, dict) for item in value):
            raise unprocessable(f"{name} must be a list of objects")
        return value
