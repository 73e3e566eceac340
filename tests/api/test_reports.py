"""Reports as a Mastodon client files them and as an admin's client handles them, through
Mastodon.py against a served instance: the rules they cite, the reported posts kept as
they were, assigning, resolving, reopening, the audit log, and who may do any of it."""

from __future__ import annotations

import httpx
import pytest
from mastodon import Mastodon, MastodonNotFoundError

from fediserver.local_accounts import AccountError, create_api_token, create_local_account
from fediserver.models import Activity, Delivery, Report
from fediserver.oauth.tokens import issue_token
from tests.api.conftest import Artist, call
from tests.inbox.support import deliver, remote_actor, remote_post
from tests.interop.served_instance import ServedInstance

RULES = ["Post only your own work.", {"id": "no-ai", "text": "No AI-generated images.", "hint": "Not even as a base."}]


@pytest.fixture
async def served(db, tmp_path):
    sections = {"instance": {"data_dir": str(tmp_path / "data"), "rules": RULES, "name": "Atelier"}}
    async with ServedInstance(db, sections=sections) as instance:
        yield instance


@pytest.fixture
def make_artist(served):
    async def make(name: str, *, admin: bool = False, scopes: str = "read write follow") -> Artist:
        account = await create_local_account(served.services.urls, name, display_name=name.title(), is_admin=admin)
        token = await create_api_token(name, scopes=scopes)
        return Artist(account, token, Mastodon(access_token=token, api_base_url=served.base_url))

    return make


async def test_the_rules_come_from_the_config_and_a_report_cites_them(served, make_artist):
    ada = await make_artist("ada")
    rules = await call(ada.client.instance_rules)
    assert [(r.id, r.text) for r in rules] == [("1", "Post only your own work."), ("no-ai", "No AI-generated images.")]
    assert rules[1].hint == "Not even as a base."
    async with httpx.AsyncClient(base_url=served.base_url) as http:
        assert [r["id"] for r in (await http.get("/api/v1/instance")).json()["rules"]] == ["1", "no-ai"]
        assert [r["text"] for r in (await http.get("/api/v2/instance")).json()["rules"]][0] == "Post only your own work."
        about = (await http.get("/about")).text
    assert "No AI-generated images." in about and "Not even as a base." in about  # with its explanation


async def test_an_admin_reads_the_reported_posts_as_they_were_and_closes_the_report(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    mod = await make_artist("mod", admin=True, scopes="read write admin:read admin:write")
    post = await call(bea.client.status_post, "a generated landscape, all mine")
    report = await call(ada.client.report, bea.account.pk, status_ids=[post.id], comment="made by a model",
                        category="violation", rule_ids=["no-ai"])
    assert (report.category, report.comment, report.action_taken) == ("violation", "made by a model", False)
    assert report.status_ids == [str(post.id)] and report.rule_ids == ["no-ai"]
    assert report.target_account.acct == "bea"
    await call(bea.client.status_delete, post.id)  # the evidence goes afterwards

    [listed] = await call(mod.client.admin_reports)
    assert listed.id == report.id and listed.account.account.acct == "ada"
    assert listed.target_account.username == "bea" and listed.target_account.domain is None
    assert [s.content for s in listed.statuses] == ["<p>a generated landscape, all mine</p>"]
    assert [r.text for r in listed.rules] == ["No AI-generated images."]

    assigned = await call(mod.client.admin_report_assign, report.id)
    assert assigned.assigned_account.username == "mod"
    resolved = await call(mod.client.admin_report_resolve, report.id)
    assert resolved.action_taken is True and resolved.action_taken_by_account.username == "mod"
    assert await call(mod.client.admin_reports) == []
    assert [r.id for r in await call(mod.client.admin_reports, resolved=True)] == [report.id]
    reopened = await call(mod.client.admin_report_reopen, report.id)
    assert reopened.action_taken is False
    assert (await call(mod.client.admin_report_unassign, report.id)).assigned_account is None

    async with httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": f"Bearer {mod.token}"}) as http:
        log = (await http.get("/api/v1/admin/audit_log")).json()
    assert [(e["action"], e["actor"], e["target"]) for e in log] == [
        ("report.unassign", "@mod", f"report #{report.id}"),
        ("report.reopen", "@mod", f"report #{report.id}"),
        ("report.resolve", "@mod", f"report #{report.id}"),
        ("report.assign", "@mod", f"report #{report.id}"),
    ]


async def test_a_report_that_cannot_be_filed_is_refused_and_nothing_is_stored(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    secret = await call(bea.client.status_post, "for my followers", visibility="private")
    mine = await call(ada.client.status_post, "my own")
    target = str(bea.account.pk)
    refusals = [
        ({"account_id": target, "category": "bogus"}, "category must be one of"),
        ({"account_id": target, "category": "violation", "rule_ids": ["42"]}, "no rule with the id 42"),
        ({"account_id": target, "status_ids": [str(secret.id)]}, "that you can see"),
        ({"account_id": target, "status_ids": [str(mine.id)]}, "that you can see"),
        ({"account_id": target, "status_ids": ["twelve"]}, "status_ids must be post ids"),
        ({"account_id": target, "comment": "x" * 1001}, "limit is 1000"),
        ({"account_id": target, "forward": "maybe"}, "forward must be true or false"),
        ({"account_id": str(ada.account.pk)}, "cannot report yourself"),
        ({"comment": "who?"}, "account_id is missing"),
    ]
    async with httpx.AsyncClient(base_url=served.base_url, headers={"Authorization": f"Bearer {ada.token}"}) as http:
        for body, message in refusals:
            refused = await http.post("/api/v1/reports", json=body)
            assert refused.status_code == 422 and message in refused.json()["error"], (body, refused.text)
        assert (await http.post("/api/v1/reports", json={"account_id": "999999"})).status_code == 404
    with pytest.raises(MastodonNotFoundError):  # and as a client sees it
        await call(ada.client.report, 999999)
    assert await Report.all().count() == 0


async def test_a_report_forwarded_to_another_server_goes_as_the_instance_actors_flag(served, make_artist):
    ada = await make_artist("ada")
    troll = await remote_actor("https://far.example/users/troll")
    post = await remote_post(troll, "https://far.example/users/troll/statuses/1", "<p>spam spam</p>")
    await call(ada.client.report, troll.pk, status_ids=[post.pk], comment="spam", category="spam", forward=True)
    flag = await Activity.get(type="Flag").select_related("actor")
    assert flag.actor.uri == served.services.urls.instance_actor
    assert flag.payload["object"] == [troll.uri, post.uri] and flag.payload["content"] == "spam"
    assert "ada" not in str(flag.payload)  # the other server learns what, never who
    assert [d.inbox_url for d in await Delivery.filter(activity=flag)] == [troll.inbox_url]
    report = await Report.get()
    assert report.forwarded and report.uri == flag.uri

    await call(ada.client.report, troll.pk, comment="kept here")  # not forwarded: nothing leaves
    assert await Activity.filter(type="Flag").count() == 1


async def test_admin_endpoints_need_an_admin_and_the_admin_scope(served, make_artist):
    ada = await make_artist("ada")
    mod = await make_artist("mod", admin=True)  # read write follow: no admin scope
    with pytest.raises(AccountError, match="not an admin"):
        await create_api_token("ada", scopes="read admin:read")
    # A non-admin who was granted the admin scopes anyway (an OAuth app asked for them).
    granted, _ = await issue_token(account=ada.account, app=None, scopes=("admin:read", "admin:write"), name="app")
    paths = ["/api/v1/admin/reports", "/api/v1/admin/accounts", "/api/v2/admin/accounts", "/api/v1/admin/audit_log",
             f"/api/v1/admin/accounts/{ada.account.pk}"]
    async with httpx.AsyncClient(base_url=served.base_url) as http:
        for path in paths:
            assert (await http.get(path)).status_code == 401
            for token in (mod.token, granted, ada.token):
                answer = await http.get(path, headers={"Authorization": f"Bearer {token}"})
                assert answer.status_code == 403, (path, answer.text)
                assert "error" in answer.json()
        refused = await http.post(f"/api/v1/admin/accounts/{ada.account.pk}/action", data={"type": "suspend"},
                                  headers={"Authorization": f"Bearer {granted}"})
    assert refused.status_code == 403
    await ada.account.refresh_from_db()
    assert not ada.account.suspended


async def test_admins_are_told_of_each_report_filed_here_or_received(served, make_artist):
    """Mastodon's ``admin.report`` notification, carrying the Report: for every admin
    but the reported one, whether the report was filed here or arrived as a Flag."""
    ada, bea = await make_artist("ada"), await make_artist("bea")
    mod = await make_artist("mod", admin=True, scopes="read write admin:read admin:write")
    other_mod = await make_artist("tess", admin=True, scopes="read write admin:read admin:write")
    post = await call(bea.client.status_post, "a generated landscape")
    report = await call(ada.client.report, bea.account.pk, status_ids=[post.id], comment="made by a model")
    await call(ada.client.report, other_mod.account.pk, comment="rude to me")
    zed = await remote_actor("https://far.example/users/zed")
    await deliver({"id": "https://far.example/flags/1", "type": "Flag", "actor": zed.uri,
                   "object": [bea.account.uri], "content": "spam from bea"})

    told = await call(mod.client.notifications, types=["admin.report"])
    assert [(n.type, n.account.acct) for n in told] == [("admin.report", "zed@far.example"),
                                                        ("admin.report", "ada"), ("admin.report", "ada")]
    assert (told[0].report.comment, told[0].report.target_account.acct) == ("spam from bea", "bea")
    assert (told[2].report.id, told[2].report.status_ids) == (report.id, [str(post.id)])
    # The reported admin hears of the two reports about bea, not of the one about herself.
    assert [n.report.target_account.acct for n in await call(other_mod.client.notifications)] == ["bea", "bea"]
    assert await call(ada.client.notifications) == [] and await call(bea.client.notifications) == []
