"""notify, the one door for notifications, refuses what the recipient asked not to hear
of and nothing else: each refusal against the same act let through."""

from __future__ import annotations

from datetime import timedelta

from fediserver.clock import utcnow
from fediserver.models import Notification, NotificationKind, Post
from fediserver.models.interactions import Block, Mute, notify
from fediserver.models.reader_marks import ConversationMute
from tests.inbox.support import our_account, remote_actor

BOB = "https://social.example/users/bob"


async def notified(recipient, sender, post=None) -> bool:
    before = await Notification.filter(account_id=recipient.pk).count()
    await notify(recipient, sender, NotificationKind.FAVOURITE, post)
    return await Notification.filter(account_id=recipient.pk).count() > before


async def test_a_plain_notification_is_made_for_an_account_or_its_id(db):
    ada = await our_account("ada")
    bob = await remote_actor(BOB)
    assert await notified(ada, bob)
    await notify(ada.pk, bob, NotificationKind.FOLLOW)
    assert await Notification.filter(account=ada, from_account=bob, kind="follow").count() == 1


async def test_none_for_oneself_or_for_a_remote_account(db):
    ada = await our_account("ada")
    bob = await remote_actor(BOB)
    assert not await notified(ada, ada)
    await notify(ada.pk, ada, NotificationKind.FOLLOW)
    assert not await notified(bob, ada)
    await notify(bob.pk, ada, NotificationKind.FOLLOW)
    assert not await Notification.exists()


async def test_none_from_a_blocked_account(db):
    ada = await our_account("ada")
    bob = await remote_actor(BOB)
    await Block.create(account=ada, target=bob)
    assert not await notified(ada, bob)
    await Block.all().delete()
    assert await notified(ada, bob)


async def test_a_mute_refuses_only_with_its_notifications_and_only_while_in_force(db):
    ada = await our_account("ada")
    bob = await remote_actor(BOB)
    mute = await Mute.create(account=ada, target=bob, notifications=True)
    assert not await notified(ada, bob)
    mute.expires_at = utcnow() + timedelta(hours=1)
    await mute.save()
    assert not await notified(ada, bob)
    mute.expires_at = utcnow() - timedelta(seconds=1)
    await mute.save()
    assert await notified(ada, bob)
    mute.expires_at, mute.notifications = None, False
    await mute.save()
    assert await notified(ada, bob)


async def test_none_about_a_post_in_a_muted_conversation(db):
    ada = await our_account("ada")
    bob = await remote_actor(BOB)
    root = await Post.create(uri=f"{ada.uri}/statuses/1", account=ada, local=True, published_at=utcnow())
    reply = await Post.create(uri=f"{BOB}/statuses/2", account=bob, in_reply_to=root, published_at=utcnow())
    elsewhere = await Post.create(uri=f"{ada.uri}/statuses/3", account=ada, local=True, published_at=utcnow())
    await ConversationMute.create(account=ada, root=root)
    assert not await notified(ada, bob, reply)
    assert not await notified(ada, bob, root)
    assert await notified(ada, bob, elsewhere)
    assert await notified(ada, bob)  # about no post at all
