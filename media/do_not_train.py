"""The instance's do-not-train declarations, in every form a crawler or dataset tool reads.

Pure builders, no web framework: the response headers, the HTML meta tags, and the
bodies of ``/robots.txt``, ``/ai.txt``, ``/.well-known/tdmrep.json`` and
``/.well-known/tdm-policy.json``.

- ``X-Robots-Tag: noai, noimageai, noarchive``: one comma-separated value, lower case,
  so readers that take one header value and readers that take all of them both see every
  directive. ``noai``/``noimageai`` are read by img2dataset (which drops the image) and
  Spawning's datadiligence; ``noarchive`` is Bing's opt-out from chat answers and model
  training. ``nocache`` is never sent: Bing treats ``noarchive`` plus ``nocache`` as the
  weaker ``nocache``. ``noindex`` is left out so search engines still index the site.
- W3C TDMRep: ``tdm-reservation: 1`` with an absolute ``tdm-policy`` URL (the EU DSM
  Art. 4 machine-readable opt-out), the same as meta tags, and the well-known files.
- IETF AIPREF ``Content-Usage: train-ai=n`` (header and robots.txt rule) and Cloudflare's
  ``Content-Signal`` robots.txt line: drafts with no known reader yet, but free to send.
"""

from __future__ import annotations

import html
import re
import json
from collections.abc import Iterable

ROBOTS_DIRECTIVES = "noai, noimageai, noarchive"
CONTENT_USAGE = "train-ai=n"
CONTENT_SIGNAL = "search=yes, ai-train=no, ai-input=no"
TDM_POLICY_PATH = "/.well-known/tdm-policy.json"

# Field names a robots.txt line may start with; anything else in the admin's extra rules
# is a typo that crawlers would silently skip.
ROBOTS_FIELDS = frozenset(
    {"user-agent", "allow", "disallow", "crawl-delay", "sitemap", "host", "content-usage", "content-signal"}
)


def response_headers(tdm_policy_url: str) -> dict[str, str]:
    """The do-not-train headers every response carries."""
    return {
        "X-Robots-Tag": ROBOTS_DIRECTIVES,
        "tdm-reservation": "1",
        "tdm-policy": tdm_policy_url,
        "Content-Usage": CONTENT_USAGE,
    }


def meta_tags(tdm_policy_url: str) -> str:
    """The same declarations as HTML meta tags, for a page's ``<head>``."""
    return (
        f'<meta name="robots" content="{ROBOTS_DIRECTIVES}">'
        '<meta name="tdm-reservation" content="1">'
        f'<meta name="tdm-policy" content="{html.escape(tdm_policy_url, quote=True)}">'
    )


def check_robots_rules(text: str) -> str:
    """``text`` as extra robots.txt rules, or ValueError naming the first bad line."""
    lines = []
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if line and not line.startswith("#"):
            field, colon, _ = line.partition(":")
            if not colon or field.strip().lower() not in ROBOTS_FIELDS:
                raise ValueError(
                    f"robots.txt rule line {number} ({line!r}) must be a comment or 'Field: value' "
                    f"with a field among {', '.join(sorted(ROBOTS_FIELDS))}"
                )
        lines.append(line)
    return "\n".join(lines).strip()


def robots_txt(blocked_agents: Iterable[str], extra_rules: str = "") -> str:
    """robots.txt: one group refusing every listed AI agent, the admin's rules, then everyone else."""
    parts = []
    agents = list(blocked_agents)
    if agents:
        refusal = "\n".join(f"User-agent: {agent}" for agent in agents)
        parts.append(f"# AI crawlers: no crawling of any part of this site.\n{refusal}\nDisallow: /")
    if extra_rules.strip():
        parts.append(check_robots_rules(extra_rules))
    parts.append(
        "User-agent: *\n"
        f"Content-Usage: {CONTENT_USAGE}\n"
        f"Content-Signal: {CONTENT_SIGNAL}\n"
        "Allow: /"
    )
    return "\n\n".join(parts) + "\n"


def ai_txt() -> str:
    """Spawning's ai.txt, "block everything" form: no media or text for AI training."""
    return "# Spawning AI\nUser-agent: *\nDisallow: *\nDisallow: /\n"


def tdmrep_json(tdm_policy_url: str) -> str:
    """``/.well-known/tdmrep.json``: one rule reserving TDM rights on the whole site."""
    return json.dumps([{"location": "/", "tdm-reservation": 1, "tdm-policy": tdm_policy_url}], indent=2)


def tdm_policy_json(
    base_url: str,
    policy_url: str,
    rights_holder: str,
    contact_email: str = "",
    info_url: str = "",
) -> str:
    """The TDMRep policy (ODRL 2.2 profile): mining is only allowed with the holder's consent."""
    assigner: dict[str, str] = {"uid": base_url, "vcard:fn": rights_holder}
    if contact_email:
        assigner["vcard:hasEmail"] = f"mailto:{contact_email}"
    if info_url:
        assigner["vcard:hasURL"] = info_url
    policy = {
        "@context": ["http://www.w3.org/ns/odrl.jsonld", "http://www.w3.org/ns/tdmrep.jsonld"],
        "@type": "Offer",
        "profile": "http://www.w3.org/ns/tdmrep",
        "uid": policy_url,
        "assigner": assigner,
        "permission": [{"action": "tdm:mine", "duty": [{"action": "obtainConsent"}]}],
    }
    return json.dumps(policy, indent=2)


_HEAD_OPEN = re.compile(rb"<head(?:\s[^>]*)?>", re.IGNORECASE)
_HTML_OPEN = re.compile(rb"<html(?:\s[^>]*)?>", re.IGNORECASE)
_DOCTYPE = re.compile(rb"\s*<!doctype[^>]*>", re.IGNORECASE)
ALREADY_TAGGED_MARKER = b'name="tdm-reservation"'


def insert_meta_tags(page: bytes, tags: bytes) -> bytes:
    """``page`` with ``tags`` at the start of its head; unchanged if it already carries them.

    Pages without a ``<head>`` tag (error pages often have none) get the tags after
    ``<html>`` or the doctype: an HTML parser puts meta elements met before any body
    content into the implicit head.
    """
    if ALREADY_TAGGED_MARKER in page:
        return page
    anchor = _HEAD_OPEN.search(page) or _HTML_OPEN.search(page) or _DOCTYPE.match(page)
    at = anchor.end() if anchor else 0
    return page[:at] + tags + page[at:]
