"""What a submitted form holds while it is checked: the values as typed (shown again on
an error, so nothing is lost) and one error message per field, shown next to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Form:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    @property
    def ok(self) -> bool:
        return not self.errors

    def text(self, source, name: str, *, limit: int, required: str = "", strip: bool = True) -> str:
        """A text field: kept as typed, checked for length and presence."""
        value = str(source.get(name, "") or "")
        value = value.strip() if strip else value
        self.values[name] = value
        if required and not value.strip():
            self.error(name, required)
        elif len(value) > limit:
            self.error(name, f"This is {len(value)} characters long; the limit is {limit}.")
        return value

    def flag(self, source, name: str) -> bool:
        value = str(source.get(name, "")).lower() in ("1", "on", "true", "yes")
        self.values[name] = value
        return value

    def choice(self, source, name: str, choices: list[str] | tuple[str, ...], default: str = "") -> str:
        value = str(source.get(name, default) or default)
        self.values[name] = value
        if value not in choices:
            self.error(name, "Choose one of the options.")
            return default
        return value

    def url(self, source, name: str) -> str:
        value = self.text(source, name, limit=2048)
        parts = urlsplit(value)
        if value and (parts.scheme not in ("https", "http") or not parts.netloc):
            self.error(name, "Give a full web address, starting with https://")
        return value


def names_list(value: str, limit: int = 5) -> list[str]:
    """Comma-separated names ("oil, charcoal") as a list without blanks or repeats."""
    return list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))[:limit + 1]
