"""The part of RFC 8941 Structured Field Values that HTTP message signatures need.

Parses and serialises Dictionaries and Lists whose members are Items or Inner Lists,
with Parameters; bare items may be Integers, Decimals, Strings, Tokens, Byte Sequences
and Booleans. Parsing is strict, as the RFC asks: any deviation raises
`StructuredFieldError`, so callers can refuse the whole field.
"""

from __future__ import annotations

import base64
import binascii
import string
from dataclasses import dataclass, field

__all__ = [
    "StructuredFieldError",
    "Token",
    "Item",
    "InnerList",
    "parse_dictionary",
    "parse_list",
    "parse_item",
    "serialize_dictionary",
    "serialize_member",
    "serialize_bare_item",
    "serialize_params",
]


class StructuredFieldError(ValueError):
    """A header value is not a valid structured field."""


class Token(str):
    """An RFC 8941 Token: an unquoted identifier such as `sha-256` or `*`."""

    __slots__ = ()


BareItem = int | float | str | Token | bytes | bool
Params = dict[str, BareItem]


@dataclass(frozen=True)
class Item:
    value: BareItem
    params: Params = field(default_factory=dict)


@dataclass(frozen=True)
class InnerList:
    items: tuple[Item, ...]
    params: Params = field(default_factory=dict)


Member = Item | InnerList

_KEY_FIRST = set(string.ascii_lowercase + "*")
_KEY_REST = set(string.ascii_lowercase + string.digits + "_-.*")
_TOKEN_FIRST = set(string.ascii_letters + "*")
_TOKEN_REST = set(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~:/")
_BASE64_CHARS = set(string.ascii_letters + string.digits + "+/=")


class _Parser:
    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise StructuredFieldError("field value must be text")
        try:
            text.encode("ascii")
        except UnicodeEncodeError:
            raise StructuredFieldError("field value is not ASCII") from None
        self.text = text.strip(" ")
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self) -> str:
        char = self.peek()
        self.pos += 1
        return char

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def skip_sp(self) -> None:
        while self.peek() == " ":
            self.pos += 1

    def skip_ows(self) -> None:
        while self.peek() in (" ", "\t") and not self.at_end():
            self.pos += 1

    def fail(self, what: str) -> StructuredFieldError:
        return StructuredFieldError(f"{what} at character {self.pos}")

    # -- top level ---------------------------------------------------------
    def members(self, keyed: bool) -> list[tuple[str, Member]]:
        members: list[tuple[str, Member]] = []
        while not self.at_end():
            if keyed:
                key = self.key()
                if self.peek() == "=":
                    self.pos += 1
                    member = self.item_or_inner_list()
                else:
                    member = Item(True, self.params())
            else:
                key = ""
                member = self.item_or_inner_list()
            members.append((key, member))
            self.skip_ows()
            if self.at_end():
                break
            if self.take() != ",":
                raise self.fail("expected a comma between members")
            self.skip_ows()
            if self.at_end():
                raise self.fail("trailing comma")
        return members

    def item_or_inner_list(self) -> Member:
        if self.peek() == "(":
            return self.inner_list()
        return Item(self.bare_item(), self.params())

    def inner_list(self) -> InnerList:
        self.pos += 1  # "("
        items: list[Item] = []
        while not self.at_end():
            self.skip_sp()
            if self.peek() == ")":
                self.pos += 1
                return InnerList(tuple(items), self.params())
            items.append(Item(self.bare_item(), self.params()))
            if self.peek() not in (" ", ")"):
                raise self.fail("expected a space or ')' in an inner list")
        raise self.fail("unterminated inner list")

    def params(self) -> Params:
        params: Params = {}
        while self.peek() == ";":
            self.pos += 1
            self.skip_sp()
            key = self.key()
            value: BareItem = True
            if self.peek() == "=":
                self.pos += 1
                value = self.bare_item()
            params[key] = value
        return params

    def key(self) -> str:
        if self.peek() not in _KEY_FIRST or self.at_end():
            raise self.fail("expected a key")
        start = self.pos
        while not self.at_end() and self.peek() in _KEY_REST:
            self.pos += 1
        return self.text[start : self.pos]

    # -- bare items ----------------------------------------------------------
    def bare_item(self) -> BareItem:
        char = self.peek()
        if char == "-" or char.isdigit():
            return self.number()
        if char == '"':
            return self.string()
        if char == ":":
            return self.byte_sequence()
        if char == "?":
            return self.boolean()
        if char and char in _TOKEN_FIRST:
            return self.token()
        raise self.fail("expected an item")

    def number(self) -> int | float:
        start = self.pos
        if self.peek() == "-":
            self.pos += 1
        digits_start = self.pos
        while self.peek().isdigit():
            self.pos += 1
        integer_digits = self.pos - digits_start
        if integer_digits == 0:
            raise self.fail("expected a digit")
        if self.peek() != ".":
            if integer_digits > 15:
                raise self.fail("integer too long")
            return int(self.text[start : self.pos])
        if integer_digits > 12:
            raise self.fail("decimal too long")
        self.pos += 1
        fraction_start = self.pos
        while self.peek().isdigit():
            self.pos += 1
        fraction_digits = self.pos - fraction_start
        if not 1 <= fraction_digits <= 3:
            raise self.fail("decimal needs one to three fraction digits")
        return float(self.text[start : self.pos])

    def string(self) -> str:
        self.pos += 1  # opening quote
        chars: list[str] = []
        while not self.at_end():
            char = self.take()
            if char == "\\":
                escaped = self.take()
                if escaped not in ('"', "\\"):
                    raise self.fail("bad escape in string")
                chars.append(escaped)
            elif char == '"':
                return "".join(chars)
            elif not " " <= char <= "~":
                raise self.fail("control character in string")
            else:
                chars.append(char)
        raise self.fail("unterminated string")

    def token(self) -> Token:
        start = self.pos
        self.pos += 1
        while not self.at_end() and self.peek() in _TOKEN_REST:
            self.pos += 1
        return Token(self.text[start : self.pos])

    def byte_sequence(self) -> bytes:
        self.pos += 1  # opening colon
        end = self.text.find(":", self.pos)
        if end < 0:
            raise self.fail("unterminated byte sequence")
        encoded = self.text[self.pos : end]
        if not set(encoded) <= _BASE64_CHARS:
            raise self.fail("bad character in byte sequence")
        self.pos = end + 1
        try:
            return base64.b64decode(encoded + "=" * (-len(encoded) % 4))
        except binascii.Error:
            raise self.fail("bad base64 in byte sequence") from None

    def boolean(self) -> bool:
        self.pos += 1
        char = self.take()
        if char == "1":
            return True
        if char == "0":
            return False
        raise self.fail("expected ?0 or ?1")


def parse_dictionary(text: str) -> dict[str, Member]:
    """Parse a Dictionary; a repeated key keeps its last value (RFC 8941 4.2.2)."""
    return dict(_Parser(text).members(keyed=True))


def parse_list(text: str) -> list[Member]:
    return [member for _, member in _Parser(text).members(keyed=False)]


def parse_item(text: str) -> Item:
    parser = _Parser(text)
    item = Item(parser.bare_item(), parser.params())
    if not parser.at_end():
        raise parser.fail("unexpected text after item")
    return item


def serialize_bare_item(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        if abs(value) > 999_999_999_999_999:
            raise StructuredFieldError("integer out of range")
        return str(value)
    if isinstance(value, float):
        text = f"{value:.3f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, Token):
        if not value or value[0] not in _TOKEN_FIRST or not set(value[1:]) <= _TOKEN_REST:
            raise StructuredFieldError(f"not a token: {value!r}")
        return str(value)
    if isinstance(value, str):
        if any(not " " <= char <= "~" for char in value):
            raise StructuredFieldError("string holds a character outside printable ASCII")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    raise StructuredFieldError(f"cannot serialise {type(value).__name__}")


def serialize_params(params: Params) -> str:
    parts = []
    for key, value in params.items():
        parts.append(";" + key if value is True else f";{key}={serialize_bare_item(value)}")
    return "".join(parts)


def serialize_member(member: Member) -> str:
    if isinstance(member, InnerList):
        inner = " ".join(
            serialize_bare_item(item.value) + serialize_params(item.params) for item in member.items
        )
        return f"({inner}){serialize_params(member.params)}"
    return serialize_bare_item(member.value) + serialize_params(member.params)


def serialize_dictionary(members: dict[str, Member]) -> str:
    parts = []
    for key, member in members.items():
        if isinstance(member, Item) and member.value is True:
            parts.append(key + serialize_params(member.params))
        else:
            parts.append(f"{key}={serialize_member(member)}")
    return ", ".join(parts)
