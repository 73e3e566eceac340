"""The admins' pages in a real browser: an admin opens a report, reads the reported post
as it was, silences the account and resolves the report with one form, then finds the
account in the accounts list; both pages pass axe-core and are photographed."""

from __future__ import annotations

import pytest

from fediserver.local_accounts import create_local_account
from fediserver.models import Account, Report
from fediserver.moderation import reports
from outbox import statuses
from tests.browser.conftest import PASSWORD, axe_violations, photograph, sign_in

pytestmark = pytest.mark.browser


async def test_an_admin_handles_a_report_in_the_browser(page, site, ada):
    await Account.filter(id=ada.pk).update(is_admin=True)
    bea = await create_local_account(site.services.urls, "bea", display_name="Bea", password=PASSWORD)
    post = await statuses.post_status(bea, "Traced from a magazine cover", visibility="public",
                                      notes=site.services.notes)
    report = await reports.file_report(ada, bea, urls=site.services.urls, rules=site.services.settings.instance.rules,
                                       status_ids=[post.pk], comment="Not her own work", rule_ids=["1"])
    await sign_in(page, site, next_path="/admin/reports")
    await page.click(f"a[href='/admin/reports/{report.pk}']")
    assert "Traced from a magazine cover" in await page.inner_text(".reported-post")
    assert "Post only your own work." in await page.inner_text("dl.facts")
    await photograph(page, "admin-report")
    problems = {"report": await axe_violations(page)}

    await page.select_option("#step", "silence")
    await page.fill("#note", "first warning")
    await page.click("text=Act and resolve")
    await page.wait_for_selector("p.notice")
    assert "resolved" in await page.inner_text("dl.facts")
    assert not (await Report.get(id=report.pk)).is_open and (await Account.get(id=bea.pk)).silenced

    await page.click("nav.tabs >> text=Accounts")
    await page.fill("#q", "bea")
    await page.click("form[role=search] button")
    assert "silenced" in await page.inner_text("table")
    await photograph(page, "admin-accounts")
    problems["accounts"] = await axe_violations(page)
    assert problems == {"report": [], "accounts": []}
