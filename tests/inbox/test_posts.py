"""Posts from other servers: stored clean, threaded, with attachments; only the author
may edit or delete them."""

from __future__ import annotations

from fediserver.models import InboundState, MediaAttachment, Notification, Post, Visibility
from tests.inbox.support import PUBLIC, deliver, our_account, remote_actor, remote_post

BOB = "https://social.example/users/bob"
MALLORY = "https://social.example/users/mallory"
EVE = "https://evil.example/users/eve"


def note(number: int, actor: str = BOB, **fields) -> dict:
    return {
        "id": f"{actor}/statuses/{number}",
        "type": "Note",
        "attributedTo": actor,
        "content": f"<p>post {number}</p>",
        "to": [PUBLIC],
        "cc": [f"{actor}/followers"],
        "published": "2026-11-20T10:00:00Z",
        **fields,
    }


def create(obj: dict, actor: str = BOB) -> dict:
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", {"toot": "http://joinmastodon.org/ns#",
                                                               "blurhash": "toot:blurhash",
                                                               "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"}}],
        "id": f"{obj['id']}/activity", "type": "Create", "actor": actor,
        "to": obj.get("to", []), "cc": obj.get("cc", []), "object": obj,
    }


def update(obj: dict, actor: str = BOB) -> dict:
    return {"id": f"{obj['id']}#updates/1", "type": "Update", "actor": actor, "object": obj}


def delete(object_id: str, actor: str = BOB) -> dict:
    return {"id": f"{object_id}#delete", "type": "Delete", "actor": actor,
            "object": {"id": object_id, "type": "Tombstone"}}


async def test_a_post_with_an_image_mention_and_hashtag_is_stored(db):
    ada = await our_account("ada")
    bob = await remote_actor(BOB)
    obj = note(
        1,
        content='<p><span class="h-card"><a href="https://art.example/@ada" class="u-url mention">@ada</a></span>'
                ' look <a href="https://social.example/tags/ink" class="mention hashtag" rel="tag">#ink</a></p>',
        summary="eye strain", sensitive=True,
        tag=[{"type": "Mention", "href": ada.uri, "name": "@ada@art.example"},
             {"type": "Hashtag", "href": "https://social.example/tags/ink", "name": "#ink"}],
        attachment=[{"type": "Document", "mediaType": "image/png", "url": "https://files.social.example/1.png",
                     "name": "a heron in ink", "blurhash": "UBL_:rOpGG-;~qRjWBay", "focalPoint": [-0.5, 0.25],
                     "width": 1200, "height": 800}],
    )
    item = await deliver(create(obj))

    assert item.state == InboundState.DONE
    post = await Post.get(uri=obj["id"])
    assert post.account_id == bob.id and not post.local
    assert post.visibility == Visibility.PUBLIC and post.sensitive and post.summary == "eye strain"
    assert 'class="u-url mention"' in post.content and 'rel="nofollow noopener noreferrer"' in post.content
    assert {tag["type"] for tag in post.tags} == {"Mention", "Hashtag"}
    media = await MediaAttachment.get(post=post)
    assert (media.remote_url, media.description, media.mime, media.width, media.height) == (
        "https://files.social.example/1.png", "a heron in ink", "image/png", 1200, 800)
    assert (media.blurhash, media.focal_x, media.focal_y) == ("UBL_:rOpGG-;~qRjWBay", -0.5, 0.25)
    assert media.original_key is None  # described only; fetching is the media rules' business
    mention = await Notification.get(account=ada)
    assert mention.kind == "mention" and mention.post_id == post.id and mention.from_account_id == bob.id


async def test_remote_html_is_sanitised_before_it_is_stored(db):
    await remote_actor(BOB)
    obj = note(2, content='<p onclick="x()">hi<script>steal()</script><a href="javascript:alert(1)">x</a></p>',
               summary="<style>*{}</style>cw<img src=x onerror=y>")
    await deliver(create(obj))
    post = await Post.get(uri=obj["id"])
    assert post.content == '<p>hi<a rel="nofollow noopener noreferrer">x</a></p>'
    assert post.summary == "cw"


async def test_replies_are_threaded_whichever_arrives_first(db):
    await remote_actor(BOB)
    carol = "https://other.example/users/carol"
    await remote_actor(carol)
    reply = note(7, carol, inReplyTo=f"{BOB}/statuses/1")
    await deliver(create(reply, carol))  # the reply first: its parent is not known yet
    await deliver(create(note(1)))
    await deliver(create(note(2, inReplyTo=f"{BOB}/statuses/1")))

    parent = await Post.get(uri=f"{BOB}/statuses/1")
    replies = await Post.filter(in_reply_to=parent).values_list("uri", flat=True)
    assert sorted(replies) == sorted([f"{BOB}/statuses/2", f"{carol}/statuses/7"])


async def test_visibility_follows_the_addressing(db):
    ada = await our_account("ada")
    await remote_actor(BOB)
    followers = f"{BOB}/followers"
    cases = {
        1: ([PUBLIC], [followers], Visibility.PUBLIC),
        2: ([followers], [PUBLIC], Visibility.UNLISTED),
        3: ([followers], [], Visibility.PRIVATE),
        4: ([ada.uri], [], Visibility.DIRECT),
    }
    for number, (to, cc, _) in cases.items():
        await deliver(create(note(number, to=to, cc=cc)))
    for number, (_, _, expected) in cases.items():
        assert (await Post.get(uri=f"{BOB}/statuses/{number}")).visibility == expected
    assert (await Post.get(uri=f"{BOB}/statuses/4")).recipients == [ada.uri]


async def test_articles_keep_their_title_and_images_their_picture(db):
    await remote_actor(BOB)
    article = note(1, type="Article", name="On <ink>", content="<p>long read</p>")
    image = note(2, type="Image", name="heron", content=None, url="https://files.social.example/heron.jpg")
    question = note(3, type="Question", content="<p>which brush?</p>",
                    oneOf=[{"type": "Note", "name": "sable", "replies": {"type": "Collection", "totalItems": 2}}])
    for obj in (article, image, question):
        assert (await deliver(create(obj))).state == InboundState.DONE
    assert (await Post.get(uri=article["id"])).content == "<p><strong>On &lt;ink&gt;</strong></p><p>long read</p>"
    picture = await MediaAttachment.get(post__uri=image["id"])
    assert picture.remote_url == "https://files.social.example/heron.jpg" and picture.description == "heron"
    assert (await Post.get(uri=question["id"])).object_type == "Question"


async def test_a_create_of_someone_elses_post_or_from_another_origin_is_not_trusted(db):
    await remote_actor(BOB)
    await remote_actor(EVE)
    not_theirs = await deliver(create(note(1, MALLORY), BOB))
    foreign = await deliver(create(note(2), EVE))
    assert not_theirs.state == foreign.state == InboundState.IGNORED
    assert "attributed to" in not_theirs.last_error and "another origin" in foreign.last_error
    assert not await Post.exists()


async def test_an_edit_by_the_author_replaces_the_content_and_attachments(db):
    ada = await our_account("ada")
    await remote_actor(BOB)
    original = note(1, attachment=[{"type": "Image", "url": "https://files.social.example/old.png"}])
    await deliver(create(original))
    booster = await Post.create(uri=f"{ada.uri}/statuses/9", account=ada, local=True,
                                boost_of=await Post.get(uri=original["id"]), published_at=original["published"])
    edited = note(1, content="<p>fixed typo</p>", updated="2026-11-20T11:00:00Z",
                  attachment=[{"type": "Image", "url": "https://files.social.example/new.png", "name": "new"}])
    item = await deliver(update(edited))

    assert item.state == InboundState.DONE
    post = await Post.get(uri=original["id"])
    assert post.content == "<p>fixed typo</p>" and post.edited_at is not None
    assert await MediaAttachment.filter(post=post).values_list("remote_url", flat=True) == [
        "https://files.social.example/new.png"]
    assert await Notification.filter(account=ada, kind="update", post=post).exists()
    assert booster.boost_of_id == post.id


async def test_a_forged_update_is_refused(db):
    bob = await remote_actor(BOB)
    await remote_actor(MALLORY)
    await remote_actor(EVE)
    post = await remote_post(bob, f"{BOB}/statuses/1", "<p>mine</p>")
    same_server = await deliver(update(note(1, content="<p>pwned</p>"), MALLORY))
    claims_to_be_mallorys = await deliver(update(note(1, MALLORY, content="<p>pwned</p>") | {"id": post.uri}, MALLORY))
    other_server = await deliver(update(note(1, content="<p>pwned</p>") | {"attributedTo": EVE}, EVE))

    for item in (same_server, claims_to_be_mallorys, other_server):
        assert item.state == InboundState.FAILED and item.last_error.startswith("forged:"), item.last_error
    assert (await Post.get(id=post.id)).content == "<p>mine</p>"


async def test_a_delete_by_the_author_leaves_a_tombstone(db):
    bob = await remote_actor(BOB)
    await deliver(create(note(1, attachment=[{"type": "Image", "url": "https://files.social.example/1.png"}])))
    post = await Post.get(uri=f"{BOB}/statuses/1")
    boost = await Post.create(uri=f"{BOB}/statuses/1/activity-boost", account=bob, boost_of=post,
                              published_at=post.published_at)
    item = await deliver(delete(post.uri))

    assert item.state == InboundState.DONE
    post = await Post.get(id=post.id)
    assert post.deleted_at is not None and post.content == "" and post.object_type == "Tombstone"
    assert not await MediaAttachment.exists() and not await Post.filter(id=boost.id).exists()


async def test_a_forged_delete_is_refused(db):
    bob = await remote_actor(BOB)
    await remote_actor(MALLORY)
    await remote_actor(EVE)
    post = await remote_post(bob, f"{BOB}/statuses/1")
    same_server = await deliver(delete(post.uri, MALLORY))
    other_server = await deliver(delete(post.uri, EVE))
    for item in (same_server, other_server):
        assert item.state == InboundState.FAILED and item.last_error.startswith("forged:")
    assert (await Post.get(id=post.id)).deleted_at is None
