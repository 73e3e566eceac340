"""What the parser reads out of real documents, and the shapes it must tolerate."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from federation.errors import VocabError
from federation.jsonld import PUBLIC
from federation.vocab import (
    Activity,
    Actor,
    ContentObject,
    Emoji,
    Hashtag,
    Mention,
    PropertyValue,
    origin,
    parse_activity,
    parse_actor,
    parse_document,
    parse_object,
    same_origin,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "activitypub"
AS = "https://www.w3.org/ns/activitystreams"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_mastodon_actor_profile():
    actor = parse_actor(fixture("mastodon/actor-gargron-2024.json"))
    assert (actor.id, actor.type, actor.preferred_username, actor.name) == (
        "https://mastodon.social/users/Gargron", "Person", "Gargron", "Eugen Rochko")
    assert actor.inbox == "https://mastodon.social/users/Gargron/inbox"
    assert actor.shared_inbox == actor.delivery_inbox == "https://mastodon.social/inbox"
    assert actor.featured == "https://mastodon.social/users/Gargron/collections/featured"
    assert (actor.discoverable, actor.indexable, actor.manually_approves_followers) == (
        True, True, False)
    assert actor.published == datetime(2016, 3, 16, tzinfo=UTC)
    assert actor.also_known_as == ("https://tooting.ai/users/Gargron",)
    assert actor.fields[0].name == "Patreon" and isinstance(actor.fields[0], PropertyValue)
    assert actor.public_key is not None
    assert actor.public_key.id == "https://mastodon.social/users/Gargron#main-key"
    assert actor.public_key.owner == actor.id
    assert actor.icon_url and actor.icon_url.startswith("https://")
    assert actor.image_url and actor.image_url.startswith("https://")


def test_moved_actor():
    actor = parse_actor(fixture("gotosocial/actor-aliased-and-moved.json"))
    assert actor.moved_to == "http://localhost:8080/users/1happyturtle"
    assert actor.also_known_as == ("http://localhost:8080/users/1happyturtle",)


def test_image_attachment_with_alt_text_size_and_blurhash():
    note = parse_object(fixture("mastodon/note-image-blurhash.json"))
    assert note.author == "https://cyberpunk.lol/users/vantablack"
    assert note.is_public and not note.sensitive
    [image] = note.attachments
    assert image.media_type == "image/png"
    assert (image.width, image.height) == (512, 450)
    assert image.blurhash == "U7RfkB00%MWBxuIUD%WB?b9FIUj[ogIURjWB"
    assert image.name and image.name.startswith("tweet by @NotBrunoAgain")


def test_focal_point():
    note = parse_object(fixture("mastodon/note-image-blurhash-focalpoint.json"))
    assert note.attachments[0].focal_point is not None


def test_single_tag_object_instead_of_an_array():
    create = parse_activity(fixture("pixelfed/create-note-reply-single-tag.json"))
    assert isinstance(create.object, ContentObject)
    assert create.object.tags == (
        Mention(href="https://gram.social/users/Alice", name="@Alice@gram.social"),)
    assert create.object.in_reply_to == "https://gram.social/p/Alice/650350850687790456"


def test_actor_and_attribution_given_as_objects_in_arrays_and_url_as_a_link():
    create = parse_activity(fixture("prismo/create-article-url-map.json"))
    assert create.actor == "https://prismo.news/@mxb"
    assert isinstance(create.object, ContentObject)
    assert create.object.attributed_to == ("https://prismo.news/@mxb",)
    assert create.object.url == "https://prismo.news/posts/83"
    assert create.object.name == "Introducing: Federated follows!"


def test_person_comes_before_the_channel_in_attribution():
    video = parse_object(fixture("peertube/video-tilvids.json"))
    assert video.author == "https://tilvids.com/accounts/thelinuxexperiment"
    assert video.attributed_to[1] == "https://tilvids.com/video-channels/thelinuxexperiment_channel"


def test_undo_carries_the_embedded_follow():
    undo = parse_activity(fixture("mastodon/undo-follow.json"))
    assert isinstance(undo.object, Activity)
    assert (undo.object.type, undo.object.object_id) == (
        "Follow", "http://localtesting.pleroma.lol/users/lain")
    assert undo.object_id == "http://mastodon.example.org/users/admin#follows/2"


def test_delete_with_a_bare_bones_actor_falls_back_to_the_id():
    delete = parse_activity(fixture("mastodon/delete-actor.json"))
    assert delete.object is None
    assert delete.object_id == "http://mastodon.example.org/users/admin"


def test_transient_activity_without_id():
    delete = parse_activity(fixture("gotosocial/delete-public-status.json"))
    assert delete.id is None
    assert delete.to == (PUBLIC,)
    assert delete.cc == ("http://localhost:8080/users/admin/followers",)


def test_parse_document_chooses_the_kind_by_type():
    assert isinstance(parse_document(fixture("mastodon/actor-gargron-2024.json")), Actor)
    assert isinstance(parse_document(fixture("mastodon/undo-follow.json")), Activity)
    assert isinstance(parse_document(fixture("mastodon/note-image-blurhash.json")), ContentObject)


NOTE = {"@context": AS, "id": "https://a.example/notes/1", "type": "Note",
        "attributedTo": "https://a.example/users/ann", "content": "<p>hi</p>"}


@pytest.mark.parametrize("public", [AS + "#Public", "as:Public", "Public"])
def test_every_spelling_of_public_is_recognised(public):
    note = parse_object({**NOTE, "to": public, "cc": [public, "https://a.example/f"]})
    assert note.to == (PUBLIC,) and note.cc == (PUBLIC, "https://a.example/f")
    assert note.is_public


def test_followers_only_post_is_not_public():
    assert not parse_object({**NOTE, "to": ["https://a.example/users/ann/followers"]}).is_public


def test_compact_iris_defined_in_the_context_are_read():
    doc = {"@context": [AS, {"toot": "http://joinmastodon.org/ns#", "x": "https://a.example/ns#"}],
           "id": "https://a.example/users/ann", "type": "as:Person", "ldp:inbox": "https://a.example/in",
           "toot:discoverable": True, "toot:indexable": False}
    actor = parse_actor(doc)
    assert (actor.type, actor.discoverable, actor.indexable) == ("Person", True, False)


def test_type_given_as_full_iri_and_in_an_array():
    assert parse_object({**NOTE, "type": AS + "#Article"}).type == "Article"
    assert parse_object({**NOTE, "type": ["schema:Thing", "Note"]}).type == "Note"


def test_content_map_only_and_attributed_to_object():
    doc = {**NOTE, "content": None, "contentMap": {"de": "<p>hallo</p>"},
           "attributedTo": {"type": "Person", "id": "https://a.example/users/ann"}}
    note = parse_object(doc)
    assert (note.content, note.author) == ("<p>hallo</p>", "https://a.example/users/ann")


def test_url_array_prefers_the_html_link():
    url = [{"type": "Link", "mediaType": "application/x-mpegURL", "href": "https://a.example/v.m3u8"},
           {"type": "Link", "mediaType": "text/html", "href": "https://a.example/watch/1"}]
    assert parse_object({**NOTE, "url": url}).url == "https://a.example/watch/1"


def test_urls_with_other_schemes_are_dropped():
    doc = {**NOTE, "url": ["javascript:alert(1)", {"href": "data:text/html,x"}],
           "attachment": [{"type": "Image", "url": "javascript:alert(1)"}],
           "tag": [{"type": "Emoji", "name": ":x:", "icon": {"url": "data:image/png,x"}}]}
    note = parse_object(doc)
    assert (note.url, note.attachments, note.tags) == (None, (), ())
    actor = parse_actor({"id": "https://a.example/u", "type": "Person", "inbox": "https://a.example/i",
                         "icon": "javascript:alert(1)", "url": "javascript:alert(1)"})
    assert (actor.icon_url, actor.url) == (None, None)


def test_attachment_url_as_link_and_tags_of_every_kind():
    doc = {**NOTE,
           "attachment": {"type": "Image", "url": [{"type": "Link", "mediaType": "image/webp",
                                                     "href": "https://a.example/m/1.webp"}],
                          "name": "a red fox", "width": "800", "height": 600.0},
           "tag": [{"type": "Hashtag", "name": "#fox", "href": "https://a.example/tags/fox"},
                   {"type": "Emoji", "name": ":fox:", "icon": {"type": "Image",
                                                               "url": "https://a.example/e.png"}},
                   {"type": "Mention", "name": "@bo@b.example"},
                   "not-an-object"],
           "license": {"type": "Link", "href": "https://creativecommons.org/licenses/by-nc/4.0/"}}
    note = parse_object(doc)
    [image] = note.attachments
    assert (image.url, image.media_type, image.name, image.width, image.height) == (
        "https://a.example/m/1.webp", "image/webp", "a red fox", 800, 600)
    assert note.tags == (Hashtag(name="#fox", href="https://a.example/tags/fox"),
                         Emoji(name=":fox:", icon_url="https://a.example/e.png"))
    assert note.license == "https://creativecommons.org/licenses/by-nc/4.0/"


def test_flag_with_several_objects():
    flag = parse_activity({"id": "https://a.example/flags/1", "type": "Flag",
                           "actor": "https://a.example/actor",
                           "object": ["https://b.example/users/x", "https://b.example/notes/9"]})
    assert flag.object_ids == ("https://b.example/users/x", "https://b.example/notes/9")
    assert flag.object is None


@pytest.mark.parametrize("doc, reason", [
    ({"type": "Person", "inbox": "https://a.example/in"}, "has no id"),
    ({"id": "https://a.example/u", "type": "Person"}, "has no inbox"),
    ({"id": "https://a.example/u", "type": "Person", "inbox": "ftp://a.example/in"},
     "not an http"),
    ({"id": "https://a.example/u", "type": "Note", "inbox": "https://a.example/in"},
     "not an actor type"),
    ({"id": "https://a.example/u", "inbox": "https://a.example/in"}, "has no type"),
    (["not", "an", "object"], "expected a JSON object"),
])
def test_unusable_actors_are_refused_with_the_reason(doc, reason):
    with pytest.raises(VocabError, match=reason):
        parse_actor(doc)


def test_activity_without_actor_is_refused():
    with pytest.raises(VocabError, match="Like activity https://a.example/l has no actor"):
        parse_activity({"id": "https://a.example/l", "type": "Like", "object": NOTE["id"]})


def test_unsupported_types_are_refused():
    with pytest.raises(VocabError, match="'OrderedCollection' is not a supported"):
        parse_document(fixture("mastodon/featured-collection.json"))


def test_deep_nesting_is_refused():
    doc: dict = {"id": "https://a.example/a0", "type": "Announce", "actor": "https://a.example/u"}
    inner = doc
    for level in range(1, 20):
        inner["object"] = {"id": f"https://a.example/a{level}", "type": "Announce",
                           "actor": "https://a.example/u"}
        inner = inner["object"]
    with pytest.raises(VocabError, match="nests objects"):
        parse_activity(doc)


@pytest.mark.parametrize("url, expected", [
    ("https://Art.Example/users/a", "https://art.example"),
    ("https://art.example:443/x", "https://art.example"),
    ("http://127.0.0.1:8000/users/a#main-key", "http://127.0.0.1:8000"),
    ("http://[::1]:80/", "http://[::1]"),
])
def test_origin(url, expected):
    assert origin(url) == expected


def test_same_origin():
    assert same_origin("https://a.example/users/x", "https://a.example:443/notes/1")
    assert not same_origin("https://a.example/x", "https://b.example/x")
    assert not same_origin("http://a.example/x", "https://a.example/x")
    assert not same_origin("http://127.0.0.1:8000/x", "http://localhost:8000/x")
    assert not same_origin("https://a.example:8443/x", "https://a.example/x")
    assert not same_origin("not a url", "not a url")


@pytest.mark.parametrize("bad", ["urn:uuid:1", "/relative", "https://[::1/", ""])
def test_origin_refuses_non_http_urls(bad):
    with pytest.raises(VocabError):
        origin(bad)
