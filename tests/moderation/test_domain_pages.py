"""The admin page for domain blocks: an admin lists, adds and lifts blocks; a bad
domain is shown next to its field with what was typed kept; no CSRF token, no change;
anyone else is sent to sign in or refused."""

from __future__ import annotations

from fediserver.app import create_app
from fediserver.local_accounts import create_local_account
from fediserver.models import Account, DomainBlock
from fediserver.models.domain_blocks import Severity
from tests.web.conftest import web_settings
from tests.web.test_studio import PASSWORD, form_page, signed_in


async def client_with(db, tmp_path, *, admin: bool):
    app = create_app(web_settings(db, tmp_path / "data"), manage_database=False, run_jobs=False)
    await create_local_account(app.config["SERVICES"].urls, "ada", password=PASSWORD, is_admin=admin)
    return app.test_client()


async def test_an_admin_adds_and_lifts_a_block(db, tmp_path):
    client = await signed_in(await client_with(db, tmp_path, admin=True))
    bob = await Account.create(username="bob", domain="spam.example", uri="https://spam.example/users/bob")
    studio, _token = await form_page(client, "/studio")
    assert 'href="/admin/domain_blocks"' in studio
    html, token = await form_page(client, "/admin/domain_blocks")
    assert "No domain is blocked." in html

    added = await client.post("/admin/domain_blocks", form={
        "csrf_token": token, "domain": "Spam.Example", "severity": "suspend", "reject_reports": "1",
        "public_comment": "spam <everywhere>"})
    assert added.status_code == 303
    block = await DomainBlock.get()
    assert (block.domain, block.severity, block.reject_reports) == ("spam.example", Severity.SUSPEND, True)
    assert (await Account.get(id=bob.pk)).suspended
    html, token = await form_page(client, added.headers["Location"])
    assert "Done: blocked spam.example." in html and "spam &lt;everywhere&gt;" in html

    lifted = await client.post(f"/admin/domain_blocks/{block.pk}/lift", form={"csrf_token": token})
    assert lifted.status_code == 303 and not await DomainBlock.exists()
    assert not (await Account.get(id=bob.pk)).suspended


async def test_bad_input_is_shown_next_to_its_field_and_keeps_what_was_typed(db, tmp_path):
    client = await signed_in(await client_with(db, tmp_path, admin=True))
    _html, token = await form_page(client, "/admin/domain_blocks")

    for domain, message in (("not a domain", "is not a domain name"), ("art.example", "own domain"), ("", "Name the domain")):
        answer = await client.post("/admin/domain_blocks", form={
            "csrf_token": token, "domain": domain, "severity": "silence", "public_comment": "kept"})
        html = await answer.get_data(as_text=True)
        assert answer.status_code == 422 and message in html and ">kept</textarea>" in html
    refused = await client.post("/admin/domain_blocks", form={"domain": "spam.example", "severity": "suspend"})
    assert refused.status_code == 403
    assert not await DomainBlock.exists()


async def test_only_a_signed_in_admin_sees_the_page(db, tmp_path):
    client = await client_with(db, tmp_path, admin=False)
    assert (await client.get("/admin/domain_blocks")).status_code == 303
    await signed_in(client)
    assert 'href="/admin/domain_blocks"' not in (await form_page(client, "/studio"))[0]
    assert (await client.get("/admin/domain_blocks")).status_code == 403
    assert (await client.post("/admin/domain_blocks", form={"domain": "x.example"})).status_code == 403
