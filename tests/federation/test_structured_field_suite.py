"""``federation.structured_fields`` against the httpwg structured-field-tests suite.

Every case of the suite's parsing files (``structured_field_tests/*.json``) is parsed,
compared with the expected structure, and the expected structure serialised back to the
canonical text; every case of ``serialisation-tests/`` is serialised (or refused). The
two RFC 9651 additions that HTTP message signatures never carry, Dates and Display
Strings (``date.json``, ``display-string.json``), are not supported and not vendored.
Source and licence: tests/federation/SOURCES.md.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from federation.structured_fields import (
    InnerList,
    Item,
    StructuredFieldError,
    Token,
    parse_dictionary,
    parse_item,
    parse_list,
    serialize_dictionary,
    serialize_member,
)

SUITE = Path(__file__).parent / "structured_field_tests"
NOT_SUPPORTED = {"date.json": "Dates (RFC 9651)", "display-string.json": "Display Strings (RFC 9651)"}
PARSERS = {"item": parse_item, "list": parse_list, "dictionary": parse_dictionary}


def suite_files(folder: Path) -> list:
    return [pytest.param(path, id=path.name) for path in sorted(folder.glob("*.json"))]


def failures(path: Path, check) -> list[str]:
    """The names of the file's cases that ``check`` does not pass, with why."""
    failed = []
    for case in json.loads(path.read_text()):
        try:
            check(case)
        except (AssertionError, StructuredFieldError, ValueError) as error:
            failed.append(f"{case['name']}: {type(error).__name__} {error}")
    return failed


def test_the_unsupported_parts_are_left_out_of_the_copy():
    assert not set(NOT_SUPPORTED) & {path.name for path in SUITE.glob("*.json")}


# The suite's JSON shapes <-> ours.

def as_json(value):
    """Our parsed value in the suite's JSON shape."""
    if isinstance(value, dict):
        return [[key, as_json(member)] for key, member in value.items()]
    if isinstance(value, list):
        return [as_json(member) for member in value]
    if isinstance(value, InnerList):
        return [[as_json(item) for item in value.items], as_json_params(value.params)]
    if isinstance(value, Item):
        return [bare_json(value.value), as_json_params(value.params)]
    raise TypeError(value)


def as_json_params(params) -> list:
    return [[key, bare_json(value)] for key, value in params.items()]


def bare_json(value):
    if isinstance(value, Token):
        return {"__type": "token", "value": str(value)}
    if isinstance(value, bytes):
        return {"__type": "binary", "value": base64.b32encode(value).decode()}
    return value


def from_json(shape: str, expected):
    """The suite's expected structure as our types, for serialising."""
    if shape == "dictionary":
        return {key: member_from_json(member) for key, member in expected}
    if shape == "list":
        return [member_from_json(member) for member in expected]
    return member_from_json(expected)


def member_from_json(member):
    value, params = member
    if isinstance(value, list):
        return InnerList(tuple(member_from_json(item) for item in value), params_from_json(params))
    return Item(bare_from_json(value), params_from_json(params))


def params_from_json(params) -> dict:
    return {key: bare_from_json(value) for key, value in params}


def bare_from_json(value):
    if isinstance(value, dict):
        if value["__type"] == "token":
            return Token(value["value"])
        if value["__type"] == "binary":
            return base64.b32decode(value["value"])
        raise ValueError(f"unsupported type {value['__type']}")
    return value


def serialise(shape: str, value) -> list[str]:
    """Our serialisation, with the suite's convention that an empty List or Dictionary
    is a field left out."""
    if shape == "dictionary":
        text = serialize_dictionary(value)
    elif shape == "list":
        text = ", ".join(serialize_member(member) for member in value)
    else:
        text = serialize_member(value)
    return [text] if text else []


def same(ours, expected) -> bool:
    """Equal, and of the same JSON type: True is not 1, 1.0 is a decimal."""
    if isinstance(expected, list):
        return isinstance(ours, list) and len(ours) == len(expected) and all(map(same, ours, expected))
    if isinstance(expected, dict):
        return ours == expected
    if isinstance(expected, bool) or isinstance(ours, bool):
        return ours is expected
    if isinstance(expected, float) or isinstance(ours, float):
        return isinstance(ours, float) and ours == expected
    return type(ours) is type(expected) and ours == expected


def check_parsing(case) -> None:
    parse = PARSERS[case["header_type"]]
    text = ", ".join(case["raw"])
    if case.get("must_fail"):
        try:
            parse(text)
        except StructuredFieldError:
            return
        raise AssertionError("parsed, though it must fail")
    try:
        parsed = parse(text)
    except StructuredFieldError:
        if case.get("can_fail"):
            return
        raise
    assert same(as_json(parsed), case["expected"]), "parsed to something else"
    canonical = case.get("canonical", case["raw"])
    assert serialise(case["header_type"], from_json(case["header_type"], case["expected"])) == canonical


def check_serialising(case) -> None:
    shape = case["header_type"]
    if case.get("must_fail"):
        try:
            serialise(shape, from_json(shape, case["expected"]))
        except StructuredFieldError:
            return
        raise AssertionError("serialised, though it must fail")
    assert serialise(shape, from_json(shape, case["expected"])) == case["canonical"]


@pytest.mark.parametrize("path", suite_files(SUITE))
def test_parsing_and_serialising_back(path):
    assert failures(path, check_parsing) == []


@pytest.mark.parametrize("path", suite_files(SUITE / "serialisation-tests"))
def test_serialising(path):
    assert failures(path, check_serialising) == []
