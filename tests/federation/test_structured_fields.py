"""The RFC 8941 subset: real signature fields parse, values survive a round trip, and
any text either parses or raises StructuredFieldError."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_signature_input_from_mastodon_shape_parses():
    parsed = parse_dictionary(
        'sig1=("@method" "@target-uri" "content-digest");created=1728000000;'
        'keyid="https://m.example/users/a#main-key";alg="rsa-v1_5-sha256"'
    )
    member = parsed["sig1"]
    assert isinstance(member, InnerList)
    assert [item.value for item in member.items] == ["@method", "@target-uri", "content-digest"]
    assert member.params == {
        "created": 1728000000,
        "keyid": "https://m.example/users/a#main-key",
        "alg": "rsa-v1_5-sha256",
    }


def test_bare_item_types():
    assert parse_item("42").value == 42
    assert parse_item("-1.5").value == -1.5
    assert parse_item('"a \\"quoted\\" \\\\ string"').value == 'a "quoted" \\ string'
    assert parse_item("sha-256").value == Token("sha-256")
    assert parse_item(":aGVsbG8=:").value == b"hello"
    assert parse_item("?0").value is False
    assert parse_item('"x";a;b=?0;c=1').params == {"a": True, "b": False, "c": 1}


def test_dictionary_flags_lists_and_last_value_wins():
    assert parse_dictionary("a, b=2, a=3") == {"a": Item(3), "b": Item(2)}
    assert parse_dictionary("flag;x=1") == {"flag": Item(True, {"x": 1})}
    assert parse_list('1, (2 "x");p, tok') == [
        Item(1), InnerList((Item(2), Item("x")), {"p": True}), Item(Token("tok"))
    ]


@pytest.mark.parametrize(
    "text",
    ["a=", "A=1", "a=1,", "a=(1 2", 'a="unterminated', "a=:bad base64!:", "a=1 b=2",
     "a=1234567890123456", "a=1.2345", "a=?2", 'a="\\x"', "a=é", 'a=("x""y")'],
)
def test_invalid_fields_are_refused(text):
    with pytest.raises(StructuredFieldError):
        parse_dictionary(text)


bare_items = st.one_of(
    st.integers(-999_999_999_999_999, 999_999_999_999_999),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
    st.from_regex(r"[a-zA-Z*][a-zA-Z0-9!#$%&'*+\-.^_`|~:/]{0,10}", fullmatch=True).map(Token),
    st.binary(max_size=20),
    st.booleans(),
)
keys = st.from_regex(r"[a-z*][a-z0-9_\-.*]{0,8}", fullmatch=True)
params = st.dictionaries(keys, bare_items, max_size=3)
items = st.builds(Item, bare_items, params)
members = st.one_of(items, st.builds(InnerList, st.lists(items, max_size=4).map(tuple), params))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, members, min_size=1, max_size=4))
def test_serialise_then_parse_gives_the_same_dictionary(dictionary):
    assert parse_dictionary(serialize_dictionary(dictionary)) == dictionary


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_raises_structured_field_error(text):
    for parse in (parse_dictionary, parse_list, parse_item):
        try:
            parse(text)
        except StructuredFieldError:
            pass


def test_decimals_serialise_with_at_least_one_fraction_digit():
    assert serialize_member(Item(2.0)) == "2.0"
    assert serialize_member(Item(-0.25)) == "-0.25"
