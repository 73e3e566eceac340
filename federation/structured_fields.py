"""The part of RFC 8941 Structured Field Values that HTTP message signatures need.

Parses and serialises Dictionaries and Lists whose members are Items or Inner Lists,
with Parameters; bare items may be Integers, Decimals, Strings, Tokens, Byte Sequences
and Booleans. Parsing is strict, as the RFC asks: any deviation raises
`StructuredFieldError`, so callers can refuse the whole field; serialising refuses what
the RFC cannot express (bad keys, tokens or strings, numbers out of range). Checked
against every case of the httpwg structured-field-tests suite but those for Dates and
Display Strings (RFC 9651 additions, unused by signatures).
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

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
    "serialize_key",
    "serialize_params",
]


class StructuredFieldError(ValueError):
    """A header value is not a valid structured field."""


class Token(str):
    """An RFC 8941 Token: an unquoted identifier such as `sha-256` or `*`."""

    __slots__ = ()


BareItem = int | float | str | Token | bytes | bool
Params = dict[str, BareItem]


@dataclass(slots=True)
class Item:
    value: BareItem
    params: Params = field(default_factory=dict)


@dataclass(slots=True)
class InnerList:
    items: tuple[Item, ...]
    params: Params = field(default_factory=dict)


Member = Item | InnerList

_TOKEN_FIRST = set(string.ascii_letters + "*")
_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_TOKEN = re.compile(r"[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*")
_NUMBER = re.compile(r"-?([0-9]*)(?:\.([0-9]*))?")
_STRING = re.compile(r'"((?:[ !#-\[\]-~]|\\["\\])*)"')
_STRING_ESCAPE = re.compile(r'\\(["\\])')
_PRINTABLE = re.compile(r"[ -~]*")
_THOUSANDTH = Decimal("0.001")


class _Parser:
    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise StructuredFieldError("field value must be text")
        if not text.isascii():
            raise StructuredFieldError("field value is not ASCII")
        self.text = text.strip(" ")
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

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
        while self.peek() in (" ", "\t"):
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
        match = _KEY.match(self.text, self.pos)
        if match is None:
            raise self.fail("expected a key")
        self.pos = match.end()
        return match.group()

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
        match = _NUMBER.match(self.text, self.pos)
        integer_digits, fraction = match.group(1), match.group(2)
        if not integer_digits:
            raise self.fail("expected a digit")
        self.pos = match.end()
        if fraction is None:
            if len(integer_digits) > 15:
                raise self.fail("integer too long")
            return int(match.group())
        if len(integer_digits) > 12:
            raise self.fail("decimal too long")
        if not 1 <= len(fraction) <= 3:
            raise self.fail("decimal needs one to three fraction digits")
        return float(match.group())

    def string(self) -> str:
        match = _STRING.match(self.text, self.pos)
        if match is None:
            raise self.fail("bad or unterminated string")
        self.pos = match.end()
        value = match.group(1)
        return _STRING_ESCAPE.sub(r"\1", value) if "\\" in value else value

    def token(self) -> Token:
        match = _TOKEN.match(self.text, self.pos)
        self.pos = match.end()
        return Token(match.group())

    def byte_sequence(self) -> bytes:
        self.pos += 1  # opening colon
        end = self.text.find(":", self.pos)
        if end < 0:
            raise self.fail("unterminated byte sequence")
        encoded = self.text[self.pos : end]
        self.pos = end + 1
        try:
            return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
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
        # Three fraction digits, ties to even, at most twelve integer digits (RFC 8941 4.1.5).
        rounded = Decimal(repr(value)).quantize(_THOUSANDTH, rounding=ROUND_HALF_EVEN)
        if abs(rounded) >= 10**12:
            raise StructuredFieldError("decimal out of range")
        text = f"{rounded:f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, Token):
        if _TOKEN.fullmatch(value) is None:
            raise StructuredFieldError(f"not a token: {value!r}")
        return str(value)
    if isinstance(value, str):
        if _PRINTABLE.fullmatch(value) is None:
            raise StructuredFieldError("string holds a character outside printable ASCII")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    raise StructuredFieldError(f"cannot serialise {type(value).__name__}")


def serialize_key(key: str) -> str:
    if _KEY.fullmatch(key) is None:
        raise StructuredFieldError(f"not a key: {key!r}")
    return key


def serialize_params(params: Params) -> str:
    parts = []
    for key, value in params.items():
        key = serialize_key(key)
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
        key = serialize_key(key)
        if isinstance(member, Item) and member.value is True:
            parts.append(key + serialize_params(member.params))
        else:
            parts.append(f"{key}={serialize_member(member)}")
    return ", ".join(parts)
