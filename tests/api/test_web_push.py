"""Web Push: apps subscribe per access token, are given the instance's VAPID key, and a
notification reaches their push endpoint encrypted for them and signed by the instance,
sent by the ``web-push`` job (run here by hand) rather than by the request that notified.
The subscriber is Mastodon.py (its own key generation and decryption) and the push
service a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import base64
import json

import http_ece
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from fediserver.local_accounts import create_api_token
from fediserver.models import Account, ApiToken, Notification, VapidKey, WebPushDelivery, WebPushSubscription
from fediserver.oauth.tokens import revoke_token_of
from fediserver.push.sending import Outcome, WebPushSender
from tests.api.conftest import call
from tests.federation.loopback_server import LoopbackServer, Reply


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def subscriber_keys() -> tuple[ec.EllipticCurvePrivateKey, str, bytes, str]:
    private = ec.generate_private_key(ec.SECP256R1())
    point = private.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    auth = b"0123456789abcdef"
    return private, b64url(point), auth, b64url(auth)


async def send(served, token: str | None, method: str, path: str, **options) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await call(httpx.request, method, f"{served.base_url}{path}", headers=headers, **options)


def push_sender(served) -> WebPushSender:
    return WebPushSender(served.services)


async def push_token(name: str) -> str:
    return await create_api_token(name, name="push app", scopes="read write follow push")


async def test_a_subscription_is_made_shown_changed_and_removed_for_its_token_only(served, make_artist):
    ada = await make_artist("ada")
    token = await push_token("ada")
    _private, p256dh, _auth, auth = subscriber_keys()
    form = {"subscription[endpoint]": "https://push.example/send/abc", "subscription[keys][p256dh]": p256dh,
            "subscription[keys][auth]": auth, "data[alerts][mention]": "true", "data[alerts][favourite]": "1",
            "data[policy]": "followed"}
    made = await send(served, token, "POST", "/api/v1/push/subscription", data=form)
    assert made.status_code == 200, made.text
    body = made.json()
    server_key = (await VapidKey.get(name="instance")).public_key
    assert body["endpoint"] == "https://push.example/send/abc" and body["policy"] == "followed"
    assert body["server_key"] == server_key and body["standard"] is False
    assert body["alerts"]["mention"] is True and body["alerts"]["favourite"] is True
    assert body["alerts"]["follow"] is False and body["alerts"]["admin.sign_up"] is False

    shown = await send(served, token, "GET", "/api/v1/push/subscription")
    assert shown.json() == body
    # Another token of the same artist has no subscription of its own.
    assert (await send(served, ada.token, "GET", "/api/v1/push/subscription")).status_code in (403, 404)

    changed = await send(served, token, "PUT", "/api/v1/push/subscription",
                         json={"data": {"alerts": {"follow": True, "mention": False}, "policy": "all"}})
    assert changed.status_code == 200
    assert changed.json()["alerts"]["follow"] is True and changed.json()["alerts"]["mention"] is False
    assert changed.json()["alerts"]["favourite"] is True and changed.json()["policy"] == "all"
    assert changed.json()["endpoint"] == "https://push.example/send/abc"

    # Subscribing again (JSON this time) replaces the token's subscription: still one.
    again = await send(served, token, "POST", "/api/v1/push/subscription", json={
        "subscription": {"endpoint": "https://push.example/send/new", "keys": {"p256dh": p256dh, "auth": auth}},
        "data": {"alerts": {"reblog": True}}})
    assert again.status_code == 200 and again.json()["alerts"]["reblog"] is True
    assert await WebPushSubscription.filter(account_id=ada.account.pk).count() == 1

    assert (await send(served, token, "DELETE", "/api/v1/push/subscription")).json() == {}
    assert (await send(served, token, "GET", "/api/v1/push/subscription")).status_code == 404
    assert (await send(served, token, "PUT", "/api/v1/push/subscription", json={"data": {}})).status_code == 404


async def test_what_cannot_be_a_subscription_is_refused_and_nothing_stored_changes(served, make_artist):
    ada = await make_artist("ada")
    token = await push_token("ada")
    _private, p256dh, _auth, auth = subscriber_keys()
    good = {"endpoint": "https://push.example/x", "keys": {"p256dh": p256dh, "auth": auth}}
    assert (await send(served, token, "POST", "/api/v1/push/subscription",
                       json={"subscription": good, "data": {"alerts": {"mention": True}}})).status_code == 200
    bad_cases = [
        {"subscription": {**good, "endpoint": "ftp://push.example/x"}},
        {"subscription": {**good, "endpoint": ""}},
        {"subscription": {**good, "keys": {"p256dh": b64url(b"\x04" + b"\x01" * 64), "auth": auth}}},
        {"subscription": {**good, "keys": {"p256dh": "not base64 at all!", "auth": auth}}},
        {"subscription": {**good, "keys": {"p256dh": p256dh, "auth": b64url(b"short")}}},
        {"subscription": {**good, "keys": {"p256dh": p256dh}}},
        {"subscription": good, "data": {"policy": "everyone"}},
        {"subscription": good, "data": {"alerts": {"mention": "perhaps"}}},
    ]
    for case in bad_cases:
        answer = await send(served, token, "POST", "/api/v1/push/subscription", json=case)
        assert answer.status_code == 422, case
        assert "error" in answer.json()
    bad_policy = await send(served, token, "PUT", "/api/v1/push/subscription", json={"data": {"policy": "x"}})
    assert bad_policy.status_code == 422
    kept = await WebPushSubscription.get(account_id=ada.account.pk)
    assert kept.endpoint == "https://push.example/x" and kept.alerts["mention"] is True

    assert (await send(served, None, "GET", "/api/v1/push/subscription")).status_code == 401
    assert (await send(served, "no-such-token", "POST", "/api/v1/push/subscription", json={})).status_code == 401
    # A token without the push scope may not subscribe.
    refused = await send(served, ada.token, "POST", "/api/v1/push/subscription", json={"subscription": good})
    assert refused.status_code == 403


async def test_apps_and_the_instance_give_one_stable_vapid_key(served):
    registered = await call(httpx.post, f"{served.base_url}/api/v1/apps",
                            data={"client_name": "Pusher", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                                  "scopes": "read push"})
    key = registered.json()["vapid_key"]
    point = unb64(key)
    assert len(point) == 65 and point[0] == 4
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    instance = (await call(httpx.get, f"{served.base_url}/api/v2/instance")).json()
    assert instance["configuration"]["vapid"]["public_key"] == key
    app_token = await call(httpx.post, f"{served.base_url}/oauth/token", data={
        "grant_type": "client_credentials", "client_id": registered.json()["client_id"],
        "client_secret": registered.json()["client_secret"], "scope": "read"})
    verified = await send(served, app_token.json()["access_token"], "GET", "/api/v1/apps/verify_credentials")
    assert verified.json()["vapid_key"] == key
    assert await VapidKey.all().count() == 1


async def test_a_notification_reaches_mastodon_py_encrypted_and_a_gone_subscription_is_dropped(
        served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    ada.client.access_token = await push_token("ada")
    replies = {"status": 201}
    async with LoopbackServer({"/push/ada": lambda request: Reply(replies["status"])}) as receiver:
        decrypt_params, encrypt_params = ada.client.push_subscription_generate_keys()
        subscription = await call(ada.client.push_subscription_set, f"{receiver.base}/push/ada", encrypt_params,
                                  follow_events=True, favourite_events=True, mention_events=True,
                                  reblog_events=False)
        assert subscription.alerts.favourite is True and subscription.alerts.reblog is False
        assert subscription.server_key == (await VapidKey.get(name="instance")).public_key

        status = await call(ada.client.status_post, "A heron in ink")
        await call(bea.client.status_favourite, status.id)
        await call(bea.client.status_reblog, status.id)  # reblogs are not wanted: no push
        # Nothing was sent by the requests themselves; the job sends what was queued.
        assert receiver.received == []
        assert await push_sender(served).run_once() == 1
        [push] = receiver.received
        assert push.method == "POST" and push.headers["content-encoding"] == "aesgcm"
        assert push.headers["authorization"].startswith("WebPush ") and int(push.headers["ttl"]) > 0
        decrypted = await call(ada.client.push_subscription_decrypt_push, push.body, decrypt_params,
                               push.headers["encryption"], push.headers["crypto-key"])
        favourite = await Notification.get(account_id=ada.account.pk, kind="favourite")
        assert decrypted.notification_type == "favourite"
        assert decrypted.notification_id == str(favourite.pk)
        assert "Bea" in decrypted.title and "heron" in decrypted.body
        # The push is signed by the instance's VAPID key for the receiver's origin.
        jwt = push.headers["authorization"].split(" ", 1)[1]
        header, claims, _signature = jwt.split(".")
        assert json.loads(unb64(claims))["aud"] == receiver.base
        assert Vapid02.from_raw_public(subscription.server_key.encode()).verify_token(
            f"{header}.{claims}".encode(), _signature)

        await call(bea.client.status_post, "@ada look at this")
        assert await push_sender(served).run_once() == 1
        mention = receiver.received[-1]
        decrypted = await call(ada.client.push_subscription_decrypt_push, mention.body, decrypt_params,
                               mention.headers["encryption"], mention.headers["crypto-key"])
        assert decrypted.notification_type == "mention"

        # The push service says the subscription is gone: it is deleted, nothing more is sent.
        replies["status"] = 410
        await call(bea.client.account_follow, ada.account.pk)
        assert await push_sender(served).run_once() == 1
        assert await WebPushSubscription.filter(account_id=ada.account.pk).count() == 0
        with_gone = len(receiver.received)
        await call(bea.client.status_post, "@ada again")
        assert await push_sender(served).run_once() == 0
        assert len(receiver.received) == with_gone


async def test_policy_alerts_failures_and_revoked_tokens_decide_what_is_pushed(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    token = await push_token("ada")
    replies = {"status": 201}
    private, p256dh, auth_raw, auth = subscriber_keys()
    async with LoopbackServer({"/push": lambda request: Reply(replies["status"])}) as receiver:
        async def subscribe(**data):
            answer = await send(served, token, "POST", "/api/v1/push/subscription", json={
                "subscription": {"endpoint": f"{receiver.base}/push", "standard": True,
                                 "keys": {"p256dh": p256dh, "auth": auth}}, "data": data})
            assert answer.status_code == 200, answer.text

        await subscribe(alerts={"mention": True}, policy="none")
        await call(bea.client.status_post, "@ada one")
        await subscribe(alerts={"mention": False, "favourite": True}, policy="all")
        await call(bea.client.status_post, "@ada two")
        await subscribe(alerts={"mention": True}, policy="followed")  # ada does not follow bea
        await call(bea.client.status_post, "@ada three")
        await subscribe(alerts={"mention": True}, policy="all")
        await call(ada.client.account_mute, bea.account.pk, notifications=True)
        await call(bea.client.status_post, "@ada three and a half")  # muted with its notifications
        await call(ada.client.account_unmute, bea.account.pk)
        assert await WebPushDelivery.all().count() == 0
        assert await push_sender(served).run_once() == 0 and receiver.received == []

        await subscribe(alerts={"mention": True}, policy="follower")
        await call(bea.client.account_follow, ada.account.pk)
        await call(bea.client.status_post, "@ada four")
        assert await push_sender(served).run_once() == 1
        [push] = receiver.received
        # A standard subscription gets RFC 8291's aes128gcm and an RFC 8292 signature.
        assert push.headers["content-encoding"] == "aes128gcm"
        assert push.headers["authorization"].startswith("vapid t=")
        assert f"k={(await VapidKey.get(name='instance')).public_key}" in push.headers["authorization"]
        payload = json.loads(http_ece.decrypt(push.body, private_key=private, auth_secret=auth_raw,
                                              version="aes128gcm"))
        assert payload["notification_type"] == "mention" and "four" in payload["body"]

        # A push service that fails is tried again later, then given up.
        replies["status"] = 503
        await call(bea.client.status_post, "@ada five")
        sender = push_sender(served)
        [row] = await WebPushDelivery.all()
        assert await sender.send(row) == Outcome.TRY_AGAIN
        row = await WebPushDelivery.get(id=row.pk)
        assert row.attempts == 1 and row.claimed_until is None
        assert await sender.run_once() == 0  # not due yet
        row.attempts = sender.max_attempts - 1
        assert await sender.send(row) == Outcome.TRY_AGAIN
        assert await WebPushDelivery.all().count() == 0
        assert await WebPushSubscription.filter(account_id=ada.account.pk).count() == 1

        # Revoking the token removes its subscription.
        row = await ApiToken.get(name="push app")
        await revoke_token_of(ada.account, row.pk)
        assert await WebPushSubscription.filter(account_id=ada.account.pk).count() == 0


async def test_an_admin_is_pushed_a_new_report(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    await Account.filter(id=ada.account.pk).update(is_admin=True)
    ada.client.access_token = await push_token("ada")
    async with LoopbackServer({"/push/ada": lambda request: Reply(201)}) as receiver:
        decrypt_params, encrypt_params = ada.client.push_subscription_generate_keys()
        subscription = await call(ada.client.push_subscription_set, f"{receiver.base}/push/ada", encrypt_params,
                                  admin_report_events=True, admin_sign_up_events=True)
        assert subscription.alerts["admin.report"] is True
        cy = await make_artist("cy")
        await call(cy.client.report, bea.account.pk, comment="copies my drawings")

        assert await push_sender(served).run_once() == 1
        [push] = receiver.received
        decrypted = await call(ada.client.push_subscription_decrypt_push, push.body, decrypt_params,
                               push.headers["encryption"], push.headers["crypto-key"])
    assert decrypted.notification_type == "admin.report"
    assert "Cy" in decrypted.title and "@bea" in decrypted.body and "copies my drawings" in decrypted.body
