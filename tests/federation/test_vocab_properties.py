"""Whatever a peer sends, the parser answers with typed values or a VocabError."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federation.errors import VocabError
from federation.vocab import parse_activity, parse_actor, parse_document, parse_object

KEYS = ["id", "type", "actor", "object", "inbox", "outbox", "to", "cc", "attributedTo",
        "content", "contentMap", "tag", "attachment", "url", "href", "name", "icon", "image",
        "publicKey", "publicKeyPem", "endpoints", "sharedInbox", "@context", "published",
        "mediaType", "width", "height", "focalPoint", "blurhash", "license", "as:Public",
        "toot:discoverable", "alsoKnownAs", "movedTo", "value", "target", "@id", "owner"]
TYPES = ["Person", "Group", "Note", "Article", "Create", "Undo", "Follow", "Announce",
         "Image", "Link", "Mention", "Hashtag", "Emoji", "PropertyValue", "Tombstone",
         "as:Note", "https://www.w3.org/ns/activitystreams#Person"]
STRINGS = st.sampled_from(TYPES + ["https://a.example/x", "as:Public", "Public", "http://[::1",
                                   "2024-01-01T00:00:00Z", "ftp://x", "toot:x", ""]) | st.text()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | STRINGS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), children, max_size=6),
    max_leaves=40,
)
documents = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=12)
PARSERS = (parse_actor, parse_activity, parse_object, parse_document)


def only_vocab_errors(doc: object) -> None:
    for parser in PARSERS:
        try:
            parser(doc)
        except VocabError as error:
            assert str(error)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_arbitrary_objects_raise_only_vocab_errors(doc):
    only_vocab_errors(doc)


@given(json_values)
def test_arbitrary_json_values_raise_only_vocab_errors(value):
    only_vocab_errors(value)


REAL = [json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((Path(__file__).parent.parent / "fixtures" / "activitypub").rglob("*.json"))]


@settings(max_examples=400)
@given(st.sampled_from(REAL), st.sampled_from(KEYS), json_values)
def test_real_documents_with_one_value_replaced_raise_only_vocab_errors(doc, key, value):
    only_vocab_errors({**doc, key: value})


@settings(max_examples=200)
@given(st.sampled_from(REAL), st.sampled_from(KEYS), json_values)
def test_real_documents_with_a_replaced_embedded_value_raise_only_vocab_errors(doc, key, value):
    embedded = doc.get("object")
    if isinstance(embedded, dict):
        doc = {**doc, "object": {**embedded, key: value}}
    only_vocab_errors(doc)
