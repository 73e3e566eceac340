"""Every real document from other servers parses, or is refused with a VocabError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from federation.errors import VocabError
from federation.vocab import (
    ACTOR_TYPES,
    Activity,
    Actor,
    ContentObject,
    parse_actor,
    parse_document,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "activitypub"
DOCUMENTS = sorted(FIXTURES.rglob("*.json"))


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _case(path: Path) -> object:
    return pytest.param(path, id=str(path.relative_to(FIXTURES)))


ACTOR_FILES = [_case(p) for p in DOCUMENTS if load(p).get("type") in ACTOR_TYPES]
OTHER_FILES = [_case(p) for p in DOCUMENTS if load(p).get("type") not in ACTOR_TYPES]


def test_the_fixture_set_is_present():
    assert len(DOCUMENTS) >= 190
    assert len(ACTOR_FILES) >= 50


@pytest.mark.parametrize("path", ACTOR_FILES)
def test_every_actor_document_parses(path):
    doc = load(path)
    actor = parse_actor(doc)
    assert actor.id == doc["id"]
    assert actor.type == doc["type"]
    assert actor.inbox.startswith(("https://", "http://"))
    if isinstance(doc.get("publicKey"), dict) and "publicKeyPem" in doc["publicKey"]:
        assert actor.public_key is not None
        assert actor.public_key.pem == doc["publicKey"]["publicKeyPem"]


@pytest.mark.parametrize("path", OTHER_FILES)
def test_every_other_document_parses_or_is_refused_with_a_reason(path):
    doc = load(path)
    try:
        parsed = parse_document(doc)
    except VocabError as error:
        assert str(error)
        return
    assert isinstance(parsed, Activity | ContentObject | Actor)
    assert parsed.id == doc.get("id")
