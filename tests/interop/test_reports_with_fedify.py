"""Reports between fediserver and a real Fedify peer: a report forwarded from here reaches
the reported account's server as a Flag signed by our instance actor, and a Flag the peer
sends becomes a report here, with the reported post kept as it was."""

from __future__ import annotations

import pytest

from fediserver.local_accounts import create_api_token
from fediserver.models import Report
from tests.interop.two_way import (
    alice,
    alice_follows,
    alice_posts,
    api,
    arrived_post,
    assert_no_refusals,
    eventually,
    live_instance,  # noqa: F401  (fixture)
    peer,  # noqa: F401  (fixture)
    peer_receives,
)

pytestmark = pytest.mark.interop


async def test_a_forwarded_report_reaches_the_peer_as_the_instance_actors_signed_flag(live_instance, peer):
    bob = await alice_follows(live_instance, peer)
    sent = await peer.control.post("bob", "<p>Buy followers, cheap</p>")
    spam = await arrived_post(sent["note_id"])
    token = await create_api_token("alice")
    filed = await api(live_instance, token, "POST", "/api/v1/reports", json={
        "account_id": str(bob.pk), "status_ids": [str(spam.pk)], "comment": "spam", "category": "spam",
        "forward": True})
    assert filed.status_code == 200 and filed.json()["forwarded"] is True

    flag = await peer_receives(peer, "Flag")
    assert flag["actor"] == live_instance.services.urls.instance_actor  # never alice
    assert flag["recipient"] == "bob" and flag["signature"] in ("rfc9421", "draft-cavage")
    objects = flag["activity"]["object"]
    assert objects == [bob.uri, spam.uri]
    assert flag["activity"]["content"] == "spam"
    assert "alice" not in str(flag["activity"])
    await assert_no_refusals(peer)


async def test_a_flag_from_the_peer_becomes_a_report_with_the_post_as_it_was(live_instance, peer):
    post = await alice_posts(live_instance, "Charcoal study, after Käthe Kollwitz")
    author = await alice()
    sent = await peer.control.flag("bob", f"alice@{live_instance.domain}", objects=[post.uri],
                                   content="not her own work")
    assert [d["ok"] for d in sent["deliveries"]] == [True], sent
    report = await eventually(lambda: Report.get_or_none(uri=sent["flag_id"]).select_related("reporter"),
                              "the Flag stored as a report")
    assert report.target_id == author.pk and report.reporter.uri == peer.actor("bob").id
    assert report.comment == "not her own work" and report.is_open
    assert [s["content"] for s in report.statuses] == [post.content]
    await assert_no_refusals(peer)
