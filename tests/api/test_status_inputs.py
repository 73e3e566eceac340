"""Whatever a client sends to the status endpoints (edits, polls, votes, pins,
bookmarks, mutes, conversations), it gets an answer below 500 and loses nothing stored."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fediserver.app import create_app
from fediserver.local_accounts import create_api_token, create_local_account
from fediserver.models import Post
from fediserver.urls import InstanceUrls
from outbox import polls, statuses
from tests.conftest import make_settings

ODD = st.one_of(
    st.text(max_size=30), st.integers(min_value=-2**70, max_value=2**70), st.booleans(), st.none(),
    st.lists(st.one_of(st.text(max_size=8), st.integers(), st.dictionaries(st.text(max_size=4), st.text(max_size=4))),
             max_size=5),
    st.dictionaries(st.sampled_from(["options", "expires_in", "multiple", "hide_totals", "id", "description"]),
                    st.one_of(st.text(max_size=8), st.integers(min_value=-2**70, max_value=2**70),
                              st.lists(st.text(max_size=8), max_size=6)), max_size=4),
)
NAMES = ["status", "spoiler_text", "sensitive", "language", "media_ids", "media_attributes", "poll", "choices",
         "poll[options][]", "poll[expires_in]", "poll[multiple]", "media_attributes[][id]", "limit", "max_id"]


@pytest.fixture
async def world(db, tmp_path):
    app = create_app(make_settings(db, instance={"domain": "art.example", "scheme": "http", "allow_http": True,
                                                 "data_dir": str(tmp_path / "data")}),
                     manage_database=False, run_jobs=False)
    ada = await create_local_account(InstanceUrls("http://art.example"), "ada")
    post = await statuses.post_status(ada, "Which size?", visibility="public",
                                      poll=polls.PollSpec(options=("A4", "A3"), expires_in=600))
    token = await create_api_token("ada")
    return app.test_client(), post, {"Authorization": f"Bearer {token}"}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(st.sampled_from(NAMES), ODD, max_size=5), as_json=st.booleans(),
       door=st.sampled_from(["PUT {post}", "POST new", "POST {post}/pin", "POST {post}/bookmark", "POST {post}/mute",
                             "POST poll/votes", "GET {post}/history", "GET {post}/favourited_by", "GET bookmarks",
                             "GET conversations", "PUT 99999999999999999999999", "POST poll99999999999999999999/votes"]))
async def test_any_input_to_the_status_endpoints_gets_no_server_error(world, fields, as_json, door):
    client, post, headers = world
    poll_id = (await post.poll).pk
    method, target = door.split(" ")
    path = {
        "new": "/api/v1/statuses", "poll/votes": f"/api/v1/polls/{poll_id}/votes",
        "bookmarks": "/api/v1/bookmarks", "conversations": "/api/v1/conversations",
        "poll99999999999999999999/votes": "/api/v1/polls/99999999999999999999/votes",
    }.get(target) or "/api/v1/statuses/" + target.format(post=post.pk)
    if method == "GET":
        query = {k: str(v) for k, v in fields.items()}
        response = await client.get(path, query_string=query, headers=headers)
    elif as_json:
        response = await client.open(path, method=method, json=fields, headers=headers)
    else:
        form = {k: v if isinstance(v, list) else str(v) for k, v in fields.items()
                if not isinstance(v, dict)}
        form = {k: [str(x) for x in v] if isinstance(v, list) else v for k, v in form.items()}
        response = await client.open(path, method=method, form=form, headers=headers)
    assert response.status_code < 500, (door, fields, await response.get_data(as_text=True))
    assert (await response.get_json()) is not None
    assert await Post.filter(pk=post.pk, deleted_at=None).exists()
