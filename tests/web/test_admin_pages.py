"""The admins' pages: reports with the posts as they were reported, resolving and
reopening, acting on an account from a report or from the accounts list; CSRF on every
form; nobody but an admin gets in."""

from __future__ import annotations

from fediserver.local_accounts import create_local_account
from fediserver.models import Account, AuditEntry, Post, Report
from fediserver.moderation import reports
from outbox import statuses
from tests.web.test_studio import PASSWORD, form_page, signed_in


async def _a_report(services, ada: Account) -> tuple[Account, Report]:
    bea = await create_local_account(services.urls, "bea", password=PASSWORD)
    post = await statuses.post_status(bea, "a stolen drawing", visibility="public", notes=services.notes)
    report = await reports.file_report(ada, bea, urls=services.urls, status_ids=[post.pk], comment="that is mine")
    await Post.filter(id=post.pk).update(content="<p>an innocent doodle</p>")  # changed since
    return bea, report


async def test_an_admin_reads_a_report_and_acts_on_it(web_client, services, ada):
    await Account.filter(id=ada.pk).update(is_admin=True)
    bea, report = await _a_report(services, ada)
    await signed_in(web_client)
    listing, _ = await form_page(web_client, "/admin/reports")
    assert f"/admin/reports/{report.pk}" in listing and "that is mine" in listing and "@bea" in listing

    page, token = await form_page(web_client, f"/admin/reports/{report.pk}")
    assert "a stolen drawing" in page and "innocent doodle" not in page

    refused = await web_client.post(f"/admin/reports/{report.pk}", form={"step": "resolve"})
    assert refused.status_code == 403 and (await Report.get(id=report.pk)).is_open  # no CSRF token, nothing done
    taken = await web_client.post(f"/admin/reports/{report.pk}", form={"csrf_token": token, "step": "assign"})
    assert taken.status_code == 303
    acted = await web_client.post(f"/admin/reports/{report.pk}",
                                  form={"csrf_token": token, "step": "silence", "note": "repeat offender"})
    assert acted.status_code == 303
    closed = await Report.get(id=report.pk)
    assert (closed.is_open, closed.action_taken, closed.assigned_to_id) == (False, "silence", ada.pk)
    assert (await Account.get(id=bea.pk)).silenced
    page, token = await form_page(web_client, f"/admin/reports/{report.pk}")
    assert "action: silence" in page and "repeat offender" in page
    await web_client.post(f"/admin/reports/{report.pk}", form={"csrf_token": token, "step": "reopen"})
    assert (await Report.get(id=report.pk)).is_open
    assert await AuditEntry.filter(actor_id=ada.pk).count() == 4  # assign, silence, resolve, reopen

    accounts, token = await form_page(web_client, "/admin/accounts?q=bea")
    table = accounts[accounts.index("<table"):]
    assert "@bea" in table and "Unsilence" in table and "@ada" not in table
    await web_client.post(f"/admin/accounts/{bea.pk}", form={"csrf_token": token, "step": "suspend"})
    assert (await Account.get(id=bea.pk)).suspended
    suspended, _ = await form_page(web_client, "/admin/accounts?status=suspended")
    assert "Unsuspend" in suspended and "@bea" in suspended


async def test_nobody_but_an_admin_sees_the_admin_pages(web_client, services, ada):
    _, report = await _a_report(services, ada)
    for path in ("/admin/reports", f"/admin/reports/{report.pk}", "/admin/accounts"):
        assert (await web_client.get(path)).status_code == 303  # to sign in
    await signed_in(web_client)
    for path in ("/admin/reports", f"/admin/reports/{report.pk}", "/admin/accounts"):
        assert (await web_client.get(path)).status_code == 403
    assert (await web_client.post(f"/admin/accounts/{ada.pk}", form={"step": "suspend"})).status_code == 403
    assert not (await Account.get(id=ada.pk)).suspended
