"""Sending queued pushes: the ``web-push`` job.

The life of a queued push (a ``WebPushDelivery`` row), declared as data below:

    queued --push service took it (2xx)-----------------> gone (sent)
    queued --the subscription is gone (404, 410)--------> gone, and the subscription deleted
    queued --can never be sent (bad URL, notification
             or subscription gone, token revoked)-------> gone (dropped, reason logged)
    queued --any other answer, or no answer-------------> queued (due again after a wait that
                                                           doubles; dropped when its schedule gives up)

The payload is Mastodon's (``notification_id``, ``notification_type``, ``title``,
``body``, ``icon``, ``preferred_locale``, ``access_token``; tokens are kept only as
digests here, so ``access_token`` is null). It is encrypted for the subscriber with
``http_ece``: RFC 8291's ``aes128gcm`` for a ``standard`` subscription, otherwise the
older ``aesgcm`` draft (``Encryption`` and ``Crypto-Key`` headers) that Mastodon sends by
default and Mastodon.py decrypts. It is signed with the instance's VAPID key (RFC 8292,
``py_vapid``) and POSTed through the guarded HTTP client (``services.http``: no private
addresses unless allowed, timeouts, size caps), never from the request that notified.
"""

from __future__ import annotations

import html
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

import http_ece
import httpx
import nh3
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid01, Vapid02

from federation.errors import FetchError, UnsafeURLError
from fediserver.clock import utcnow
from fediserver.models import Notification, Report, WebPushDelivery, WebPushSubscription
from fediserver.models.queue import claim_due
from fediserver.push.keys import b64url, instance_vapid_key, private_key_of, public_point
from fediserver.push.subscriptions import decode_key
from outbox.lifecycle import RetrySchedule

if TYPE_CHECKING:
    from fediserver.services import Services

log = logging.getLogger(__name__)

TTL_SECONDS = 48 * 3600  # how long a push service keeps a push for an offline device (Mastodon's)
BODY_LIMIT = 140


class Outcome(StrEnum):
    SENT = "sent"  # the push service answered 2xx
    UNSUBSCRIBED = "unsubscribed"  # 404 or 410: the subscription no longer exists there
    REFUSED = "refused"  # it can never be sent (unsafe URL, the row it names gone)
    TRY_AGAIN = "try_again"  # another answer, or none; it may pass


class Step(StrEnum):
    REMOVED = "removed"  # the row is deleted
    SUBSCRIPTION_DELETED = "subscription_deleted"  # the subscription goes, and its queued pushes with it
    RETRIED = "retried"  # due again after the schedule's wait; removed when it gives up


TRANSITIONS: dict[Outcome, Step] = {
    Outcome.SENT: Step.REMOVED,
    Outcome.UNSUBSCRIBED: Step.SUBSCRIPTION_DELETED,
    Outcome.REFUSED: Step.REMOVED,
    Outcome.TRY_AGAIN: Step.RETRIED,
}
GONE_STATUSES = frozenset({404, 410})


def classify(status: int) -> Outcome:
    if 200 <= status < 300:
        return Outcome.SENT
    if status in GONE_STATUSES:
        return Outcome.UNSUBSCRIBED
    return Outcome.TRY_AGAIN


def _plain(content_html: str) -> str:
    return html.unescape(nh3.clean(content_html.replace("<br>", "\n").replace("</p>", "\n"), tags=set())).strip()


TITLES = {
    "mention": "{name} mentioned you",
    "status": "{name} just posted",
    "reblog": "{name} boosted your post",
    "follow": "{name} is now following you",
    "follow_request": "{name} wants to follow you",
    "favourite": "{name} favourited your post",
    "poll": "A poll has ended",
    "update": "{name} edited a post",
    "quote": "{name} quoted your post",
    "admin.sign_up": "{name} signed up",
    "admin.report": "{name} filed a report",
}


async def payload_of(notification: Notification) -> dict:
    """Mastodon's push payload for one notification."""
    await notification.fetch_related("account", "from_account", "post")
    sender, recipient = notification.from_account, notification.account
    kind = notification.kind.value
    name = sender.display_name or sender.username
    if notification.post is not None:
        body = _plain(notification.post.content)
    elif notification.report_id is not None:
        report = await Report.get(id=notification.report_id).select_related("target")
        body = f"About @{report.target.acct}" + (f": {report.comment}" if report.comment else "")
    else:
        body = _plain(sender.summary or "")
    if len(body) > BODY_LIMIT:
        body = body[:BODY_LIMIT - 1] + "…"
    return {
        "access_token": None,
        "preferred_locale": recipient.default_language or "en",
        "notification_id": str(notification.pk),
        "notification_type": kind,
        "icon": sender.avatar_url or "",
        "title": TITLES.get(kind, "{name}").format(name=name),
        "body": body,
    }


@dataclass(frozen=True)
class EncryptedPush:
    body: bytes
    headers: dict[str, str]


def encrypt_push(subscription: WebPushSubscription, data: bytes, vapid_private: ec.EllipticCurvePrivateKey,
                 subject: str) -> EncryptedPush:
    """``data`` encrypted for the subscriber, with the headers a push service wants."""
    receiver = decode_key(subscription.p256dh, "p256dh")
    auth = decode_key(subscription.auth, "auth")
    sender_key = ec.generate_private_key(ec.SECP256R1())  # a new key for every message
    salt = os.urandom(16)
    endpoint = httpx.URL(subscription.endpoint)
    audience = f"{endpoint.scheme}://{endpoint.host}" + (f":{endpoint.port}" if endpoint.port else "")
    claims = {"aud": audience, "sub": subject, "exp": int(utcnow().timestamp()) + 12 * 3600}
    headers = {"TTL": str(TTL_SECONDS), "Urgency": "normal"}
    if subscription.standard:
        body = http_ece.encrypt(data, salt=salt, private_key=sender_key, dh=receiver, auth_secret=auth,
                                version="aes128gcm")
        signed = Vapid02(vapid_private, conf={"no-strict": True}).sign(claims)
        headers |= {"Content-Encoding": "aes128gcm", "Content-Type": "application/octet-stream",
                    "Authorization": signed["Authorization"]}
    else:
        body = http_ece.encrypt(data, salt=salt, private_key=sender_key, dh=receiver, auth_secret=auth,
                                keylabel="P-256", version="aesgcm")
        signed = Vapid01(vapid_private, conf={"no-strict": True}).sign(
            claims, crypto_key=f"dh={b64url(public_point(sender_key.public_key()))}")
        headers |= {"Content-Encoding": "aesgcm", "Content-Type": "application/octet-stream",
                    "Encryption": f"salt={b64url(salt)}", "Crypto-Key": signed["Crypto-Key"],
                    "Authorization": signed["Authorization"]}
    return EncryptedPush(body, headers)


@dataclass
class WebPushSender:
    """The ``web-push`` job: claims due pushes and sends them."""

    services: Services
    batch_size: int = 20
    lease_seconds: float = 120.0
    # After a failure that may pass: a minute, doubled each time, six tries in all, within a day.
    schedule: RetrySchedule = field(default_factory=lambda: RetrySchedule(
        first_retry_seconds=60.0, max_attempts=6, give_up_after=timedelta(days=1)))
    name: str = "web-push"

    @property
    def max_attempts(self) -> int:
        return self.schedule.max_attempts

    async def run_once(self, now: datetime | None = None) -> int:
        now = now or utcnow()
        rows = await claim_due(WebPushDelivery, due_field="due_at", batch=self.batch_size,
                               lease_seconds=self.lease_seconds, now=now)
        for row in rows:
            await self.send(row, now)
        return len(rows)

    async def send(self, row: WebPushDelivery, now: datetime | None = None) -> Outcome:
        now = now or utcnow()
        reason = ""
        try:
            outcome, reason = await self._attempt(row)
        except Exception as error:  # one push must not stop the job
            outcome, reason = Outcome.TRY_AGAIN, f"{type(error).__name__}: {error}"
        await self._settle(row, outcome, reason, now)
        return outcome

    async def _attempt(self, row: WebPushDelivery) -> tuple[Outcome, str]:
        subscription = await WebPushSubscription.get_or_none(id=row.subscription_id).select_related("token")
        notification = await Notification.get_or_none(id=row.notification_id)
        if subscription is None or notification is None:
            return Outcome.REFUSED, "its subscription or notification is gone"
        if subscription.token.revoked_at is not None:
            return Outcome.REFUSED, "its access token was revoked"
        key = await instance_vapid_key()
        data = json.dumps(await payload_of(notification)).encode()
        push = encrypt_push(subscription, data, private_key_of(key), self.services.urls.base_url)
        try:
            response = await self.services.http.post(subscription.endpoint, content=push.body, headers=push.headers)
        except UnsafeURLError as error:
            return Outcome.REFUSED, str(error)
        except FetchError as error:
            return Outcome.TRY_AGAIN, str(error)
        return classify(response.status), f"the push service answered {response.status}"

    async def _settle(self, row: WebPushDelivery, outcome: Outcome, reason: str, now: datetime) -> None:
        step = TRANSITIONS[outcome]
        if step == Step.SUBSCRIPTION_DELETED:
            log.info("push subscription %d is gone at its push service (%s); deleted", row.subscription_id, reason)
            await WebPushSubscription.filter(id=row.subscription_id).delete()
            return
        attempts = row.attempts + 1
        retry_at = None if step == Step.REMOVED else self.schedule.next_attempt(attempts, row.created_at, now)
        if retry_at is None:
            if outcome != Outcome.SENT:
                log.warning("push %d to subscription %d dropped: %s", row.pk, row.subscription_id, reason)
            await WebPushDelivery.filter(id=row.pk).delete()
            return
        log.warning("push %d failed (attempt %d), trying again later: %s", row.pk, attempts, reason)
        await WebPushDelivery.filter(id=row.pk).update(attempts=attempts, due_at=retry_at,
                                                      claimed_until=None, claimed_by=None)


def web_push_jobs(services: Services) -> list[WebPushSender]:
    """The job factory registered with the shell."""
    return [WebPushSender(services)]
