"""A received Update of a remote post keeps the version before it, as local edits do;
an Update that changes nothing a reader sees is no edit."""

from __future__ import annotations

from fediserver.models import InboundState, Notification, Post, PostEdit
from tests.inbox.support import deliver, our_account, remote_actor
from tests.inbox.test_posts import BOB, create, note, update


async def test_an_update_of_a_remote_post_is_kept_in_its_history(db):
    ada = await our_account("ada")
    await remote_actor(BOB)
    original = note(1, attachment=[{"type": "Image", "url": "https://files.social.example/a.png", "name": "sea"}])
    await deliver(create(original))
    post = await Post.get(uri=original["id"])
    await Post.create(uri=f"{ada.uri}/statuses/9", account=ada, local=True, boost_of=post,
                      published_at=original["published"])

    again = await deliver(update(note(1, updated="2026-11-20T10:30:00Z", attachment=original["attachment"])))
    assert again.state == InboundState.DONE
    assert (await Post.get(pk=post.pk)).edited_at is None  # nothing a reader sees changed
    assert not await PostEdit.exists() and not await Notification.exists(kind="update")

    edited = note(1, content="<p>post 1, fixed</p>", summary="sea", updated="2026-11-20T11:00:00Z",
                  attachment=[{"type": "Image", "url": "https://files.social.example/a.png", "name": "sea at dawn"}])
    await deliver({**update(edited), "id": f"{edited['id']}#updates/2"})
    versions = await PostEdit.filter(post=post).order_by("id")
    assert [v.content for v in versions] == ["<p>post 1</p>", "<p>post 1, fixed</p>"]
    assert [v.summary for v in versions] == ["", "sea"]
    assert [[m["description"] for m in v.media] for v in versions] == [["sea"], ["sea at dawn"]]
    assert (await Post.get(pk=post.pk)).edited_at is not None
    assert await Notification.filter(account=ada, kind="update", post=post).count() == 1
