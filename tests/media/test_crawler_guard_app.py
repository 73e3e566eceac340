"""The crawler guard installed on a small Quart app, seen through Quart's test client."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from quart import Quart, Response, abort, render_template_string

from media.ai_crawlers import crawler_names, listed_crawlers
from media.crawler_guard import CrawlerGuard, install_crawler_guard
from media.crawler_settings import CrawlerGuardSettings

BASE_URL = "https://art.example"
POLICY_URL = "https://art.example/.well-known/tdm-policy.json"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
MASTODON = "http.rb/5.1.1 (Mastodon/4.3.0; +https://mastodon.social/)"
SIGNED = {"Signature": 'keyId="https://peer.example/users/bo#main-key",headers="(request-target) host date",signature="abc="'}

PAGE = "<!doctype html><html lang=en><head><title>Ada</title></head><body><h1>Ada's portfolio</h1></body></html>"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def build_app(**overrides) -> tuple[Quart, CrawlerGuard]:
    app = Quart(__name__)
    settings = CrawlerGuardSettings(**{"base_url": BASE_URL, **overrides})
    guard = install_crawler_guard(app, settings)
    image = png_bytes()

    @app.get("/@ada")
    async def profile_page():
        return PAGE

    @app.get("/users/ada")
    async def actor_json():
        actor = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{BASE_URL}/users/ada", "type": "Person"}
        return Response(json.dumps(actor), content_type="application/activity+json")

    @app.get("/media/ada/1.png")
    async def artwork():
        return Response(image, content_type="image/png")

    @app.get("/teapot")
    async def teapot():
        abort(418)

    @app.get("/broken")
    async def broken():
        raise RuntimeError("a bug in a page")

    @app.get("/open-data")
    async def open_data():
        return Response("free", headers={"tdm-reservation": "0", "X-Robots-Tag": "noindex"})

    return app, guard


@pytest.fixture
def app() -> Quart:
    return build_app()[0]


def ua_naming(name: str) -> str:
    return f"Mozilla/5.0 (compatible; {name}/1.0; +https://crawler.example/bot)"


def assert_signals(response) -> None:
    assert "noai, noimageai, noarchive" in response.headers.getlist("X-Robots-Tag")
    assert response.headers["tdm-reservation"] == "1"
    assert response.headers["tdm-policy"] == POLICY_URL
    assert response.headers["Content-Usage"] == "train-ai=n"


@pytest.mark.parametrize("name", crawler_names())
@pytest.mark.parametrize("path", ["/@ada", "/media/ada/1.png", "/users/ada"])
async def test_every_listed_crawler_is_refused_pages_media_and_activitypub(app, name, path):
    response = await app.test_client().get(path, headers={"User-Agent": ua_naming(name)})
    assert response.status_code == 403, f"{name} fetched {path}"
    assert response.headers["Cache-Control"] == "no-store"
    assert_signals(response)


@pytest.mark.parametrize(
    "user_agent",
    [
        BROWSER,
        MASTODON,
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
        "Mozilla/5.0 (compatible; NotGPTBotX/1.0)",
        "Mozilla/5.0 (compatible; gptbot/1.0)",
        "Mozilla/5.0 (compatible; GPTBOT/1.0)",
        "Mozilla/5.0 Visual Studio Code",
        "",
    ],
)
async def test_people_servers_and_lookalikes_are_served(app, user_agent):
    client = app.test_client()
    for path in ("/@ada", "/media/ada/1.png", "/users/ada"):
        response = await client.get(path, headers={"User-Agent": user_agent})
        assert response.status_code == 200, (user_agent, path)


async def test_refusal_is_found_inside_real_crawler_user_agents(app):
    client = app.test_client()
    for user_agent in (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
        "CCBot/2.0 (https://commoncrawl.org/faq/)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Code/1.104.0",
    ):
        assert (await client.get("/@ada", headers={"User-Agent": user_agent})).status_code == 403, user_agent


async def test_allow_listed_crawler_is_served_and_not_refused_in_robots_txt():
    app, _ = build_app(allow_list=("facebookexternalhit",))
    client = app.test_client()
    preview = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
    assert (await client.get("/@ada", headers={"User-Agent": preview})).status_code == 200
    assert (await client.get("/@ada", headers={"User-Agent": ua_naming("GPTBot")})).status_code == 403
    robots = await (await client.get("/robots.txt")).get_data(as_text=True)
    assert "User-agent: facebookexternalhit\n" not in robots
    assert "User-agent: GPTBot\n" in robots


@pytest.mark.parametrize("path", ["/robots.txt", "/ai.txt", "/.well-known/tdmrep.json", "/.well-known/tdm-policy.json"])
async def test_crawlers_can_read_the_refusal(app, path):
    response = await app.test_client().get(path, headers={"User-Agent": ua_naming("Bytespider")})
    assert response.status_code == 200
    assert_signals(response)


@pytest.mark.parametrize(
    ("path", "status", "content_type"),
    [
        ("/@ada", 200, "text/html"),
        ("/users/ada", 200, "application/activity+json"),
        ("/media/ada/1.png", 200, "image/png"),
        ("/no-such-page", 404, "text/html"),
        ("/teapot", 418, "text/html"),
        ("/broken", 500, "text/html"),
    ],
)
async def test_every_kind_of_response_carries_the_signals(app, path, status, content_type):
    response = await app.test_client().get(path, headers={"User-Agent": BROWSER})
    assert response.status_code == status
    assert response.mimetype == content_type
    assert_signals(response)


async def test_head_requests_carry_the_signals(app):
    response = await app.test_client().head("/media/ada/1.png")
    assert response.status_code == 200
    assert_signals(response)


@pytest.mark.parametrize("path", ["/@ada", "/no-such-page", "/broken"])
async def test_html_responses_carry_the_meta_tags_in_their_head(app, path):
    page = await (await app.test_client().get(path)).get_data(as_text=True)
    assert page.count('<meta name="robots" content="noai, noimageai, noarchive">') == 1
    assert f'<meta name="tdm-policy" content="{POLICY_URL}">' in page
    assert page.index('<meta name="tdm-reservation" content="1">') < page.index("<title>")


async def test_refused_crawler_page_carries_the_meta_tags(app):
    response = await app.test_client().get("/@ada", headers={"User-Agent": ua_naming("ClaudeBot")})
    assert '<meta name="tdm-reservation" content="1">' in await response.get_data(as_text=True)


async def test_html_with_content_length_stays_consistent(app):
    response = await app.test_client().get("/@ada")
    body = await response.get_data()
    assert int(response.headers["Content-Length"]) == len(body)
    assert body.endswith(PAGE[PAGE.index("<title>") :].encode())


async def test_json_and_images_are_not_rewritten(app):
    image = await (await app.test_client().get("/media/ada/1.png")).get_data()
    assert image == png_bytes()
    actor = json.loads(await (await app.test_client().get("/users/ada")).get_data())
    assert actor["type"] == "Person"


async def test_headers_a_route_set_itself_are_kept(app):
    response = await app.test_client().get("/open-data")
    assert response.headers["tdm-reservation"] == "0"
    assert response.headers.getlist("X-Robots-Tag") == ["noindex", "noai, noimageai, noarchive"]
    assert response.headers["Content-Usage"] == "train-ai=n"


async def test_robots_txt_refuses_every_listed_agent_then_allows_the_rest():
    extra = "User-agent: Googlebot\nDisallow: /admin/"
    app, _ = build_app(robots_extra=extra)
    response = await app.test_client().get("/robots.txt")
    assert response.content_type == "text/plain; charset=utf-8"
    robots = await response.get_data(as_text=True)
    lines = robots.splitlines()
    for name in crawler_names():
        assert f"User-agent: {name}" in lines
    refusal_end = lines.index("Disallow: /")
    assert all(line.startswith("User-agent: ") for line in lines[refusal_end - len(listed_crawlers()) : refusal_end])
    assert robots.index("Disallow: /\n") < robots.index(extra) < robots.index("User-agent: *\n")
    everyone = robots[robots.index("User-agent: *") :]
    assert "Content-Usage: train-ai=n" in everyone
    assert "Content-Signal: search=yes, ai-train=no, ai-input=no" in everyone
    assert everyone.rstrip().endswith("Allow: /")


async def test_ai_txt_refuses_everything(app):
    response = await app.test_client().get("/ai.txt")
    assert response.content_type == "text/plain; charset=utf-8"
    assert (await response.get_data(as_text=True)).splitlines() == [
        "# Spawning AI",
        "User-agent: *",
        "Disallow: *",
        "Disallow: /",
    ]


async def test_tdmrep_json_reserves_the_whole_site(app):
    response = await app.test_client().get("/.well-known/tdmrep.json")
    assert response.mimetype == "application/json"
    rules = json.loads(await response.get_data())
    assert rules == [{"location": "/", "tdm-reservation": 1, "tdm-policy": POLICY_URL}]


async def test_tdm_policy_names_the_holder_and_requires_consent():
    app, _ = build_app(
        rights_holder="Atelier Nord", rights_contact_email="rights@art.example", rights_info_url=f"{BASE_URL}/about/ai"
    )
    response = await app.test_client().get("/.well-known/tdm-policy.json")
    assert response.mimetype == "application/ld+json"
    policy = json.loads(await response.get_data())
    assert policy["@context"] == ["http://www.w3.org/ns/odrl.jsonld", "http://www.w3.org/ns/tdmrep.jsonld"]
    assert policy["@type"] == "Offer"
    assert policy["profile"] == "http://www.w3.org/ns/tdmrep"
    assert policy["uid"] == POLICY_URL
    assert policy["assigner"] == {
        "uid": BASE_URL,
        "vcard:fn": "Atelier Nord",
        "vcard:hasEmail": "mailto:rights@art.example",
        "vcard:hasURL": f"{BASE_URL}/about/ai",
    }
    assert policy["permission"] == [{"action": "tdm:mine", "duty": [{"action": "obtainConsent"}]}]


async def test_an_external_policy_url_is_announced_everywhere():
    external = "https://collective.example/ai-policy.html"
    app, _ = build_app(tdm_policy_url=external)
    client = app.test_client()
    response = await client.get("/@ada")
    assert response.headers["tdm-policy"] == external
    assert f'<meta name="tdm-policy" content="{external}">' in await response.get_data(as_text=True)
    rules = json.loads(await (await client.get("/.well-known/tdmrep.json")).get_data())
    assert rules[0]["tdm-policy"] == external


async def test_media_downloads_are_limited_after_the_burst():
    app, _ = build_app(media_rate_per_minute=6, media_rate_burst=3)
    client = app.test_client()
    statuses = [(await client.get("/media/ada/1.png")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = await client.get("/media/ada/1.png")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 10
    assert_signals(refused)
    # pages are not counted
    assert (await client.get("/@ada")).status_code == 200


async def test_each_client_and_ipv6_subnet_has_its_own_bucket():
    app, _ = build_app(media_rate_per_minute=1, media_rate_burst=1)
    client = app.test_client()

    async def fetch(address: str) -> int:
        response = await client.get("/media/ada/1.png", scope_base={"client": (address, 40000)})
        return response.status_code

    assert await fetch("192.0.2.1") == 200
    assert await fetch("192.0.2.1") == 429
    assert await fetch("192.0.2.2") == 200
    assert await fetch("2001:db8:1:2::1") == 200
    assert await fetch("2001:db8:1:2:ffff::9") == 429
    assert await fetch("2001:db8:1:3::1") == 200


@pytest.mark.parametrize(
    "credentials",
    [
        SIGNED,
        {"Signature-Input": 'sig1=("@method");keyid="k"', "Signature": "sig1=:abc=:"},
        {"Authorization": "Bearer 0123456789abcdef"},
    ],
)
async def test_signed_and_authorised_media_fetches_are_not_counted(credentials):
    app, _ = build_app(media_rate_per_minute=1, media_rate_burst=1)
    client = app.test_client()
    for _ in range(5):
        response = await client.get("/media/ada/1.png", headers={"User-Agent": MASTODON, **credentials})
        assert response.status_code == 200
    assert (await client.get("/media/ada/1.png")).status_code == 200
    assert (await client.get("/media/ada/1.png")).status_code == 429


async def test_a_bare_signature_word_does_not_skip_the_limit():
    app, _ = build_app(media_rate_per_minute=1, media_rate_burst=1)
    client = app.test_client()
    assert (await client.get("/media/ada/1.png", headers={"Signature": "x"})).status_code == 200
    assert (await client.get("/media/ada/1.png", headers={"Signature": "x"})).status_code == 429


async def test_switched_off_parts_stay_off():
    app, guard = build_app(block_crawlers=False, limit_media_rate=False, send_signals=False)
    client = app.test_client()
    for _ in range(200):
        assert (await client.get("/media/ada/1.png", headers={"User-Agent": ua_naming("GPTBot")})).status_code == 200
    response = await client.get("/@ada")
    assert "tdm-reservation" not in response.headers
    assert "tdm-reservation" not in await response.get_data(as_text=True)
    assert guard.media_buckets is None


async def test_templates_can_place_the_meta_tags_themselves():
    app, _ = build_app()

    @app.get("/templated")
    async def templated():
        return await render_template_string("<html><head>{{ do_not_train_meta_tags }}<title>t</title></head></html>")

    page = await (await app.test_client().get("/templated")).get_data(as_text=True)
    assert page.count('name="tdm-reservation"') == 1
    assert '<meta name="robots" content="noai, noimageai, noarchive">' in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"base_url": "art.example"}, "base_url"),
        ({"allow_list": ("facebookExternalHit",)}, "did you mean 'facebookexternalhit'"),
        ({"robots_extra": "Disalow: /x"}, "robots_extra"),
        ({"media_path_prefix": "media/"}, "media_path_prefix"),
        ({"media_rate_burst": 0}, "media_rate_burst"),
        ({"rights_contact_email": "nobody"}, "rights_contact_email"),
        ({"tdm_policy_url": "/policy"}, "tdm_policy_url"),
    ],
)
def test_bad_settings_are_refused_with_the_field_named(overrides, message):
    with pytest.raises(ValueError, match=message):
        CrawlerGuardSettings(**{"base_url": BASE_URL, **overrides})


def test_an_allow_list_written_as_one_string_is_refused():
    with pytest.raises(ValueError, match="expected a list of crawler names"):
        CrawlerGuardSettings(base_url=BASE_URL, allow_list="facebookexternalhit")
