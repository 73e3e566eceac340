"""Received JSON: objects only, and never deeper than the one limit."""

from __future__ import annotations

import pytest

from federation.received_json import MAX_JSON_DEPTH, ReceivedJsonError, json_depth_exceeds, load_json_object


def arrays(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


@pytest.mark.parametrize(("body", "levels"), [
    (b"{}", 1), (b'{"a": 1, "b": "x"}', 1), (b'{"a": []}', 2), (b'{"a": [{}]}', 3),
    (b'{"a": {"b": [1, [2, {"c": 3}]]}}', 5),
])
def test_levels_count_objects_and_arrays(body, levels):
    assert isinstance(load_json_object(body, limit=levels), dict)
    with pytest.raises(ReceivedJsonError) as refused:
        load_json_object(body, limit=levels - 1)
    assert refused.value.reason == ReceivedJsonError.TOO_DEEP


def test_the_limit_holds_for_arrays_too_and_past_what_the_parser_reads():
    assert load_json_object(b'{"a": ' + arrays(MAX_JSON_DEPTH - 1) + b"}")
    for levels in (MAX_JSON_DEPTH, 1023, 1024, 100_000):
        with pytest.raises(ReceivedJsonError, match="nested too deeply"):
            load_json_object(b'{"a": ' + arrays(levels) + b"}")


def test_a_wide_document_is_not_deep():
    assert not json_depth_exceeds({"a": [[1] * 1000 for _ in range(1000)]}, limit=3)
    assert json_depth_exceeds({"a": [[1], [[2]]]}, limit=3)


@pytest.mark.parametrize(("body", "reason"), [
    (b"", ReceivedJsonError.NOT_JSON), (b"{", ReceivedJsonError.NOT_JSON), (b"\xff", ReceivedJsonError.NOT_JSON),
    (b"[]", ReceivedJsonError.NOT_AN_OBJECT), (b'"x"', ReceivedJsonError.NOT_AN_OBJECT), (b"3", ReceivedJsonError.NOT_AN_OBJECT),
])
def test_anything_but_an_object_is_refused_with_its_reason(body, reason):
    with pytest.raises(ReceivedJsonError) as refused:
        load_json_object(body)
    assert refused.value.reason == reason


@pytest.mark.parametrize("body", [b'{"a": "x\\u0000y"}', b'{"a\\u0000": 1}', b'{"a": [{"b": ["\\u0000"]}]}'])
def test_text_holding_nul_is_refused_wherever_it_is(body):
    with pytest.raises(ReceivedJsonError) as refused:
        load_json_object(body)
    assert refused.value.reason == ReceivedJsonError.NUL


def test_an_escaped_backslash_before_u0000_is_plain_text():
    assert load_json_object(b'{"a": "\\\\u0000"}') == {"a": "\\u0000"}
