"""What quotes send (FEP-044f as Mastodon 4.5 writes it): the quote properties and the
quote policy of our Notes, ``QuoteRequest`` when an artist quotes a remote post, and the
``Accept`` (with a ``QuoteAuthorization``) or ``Reject`` answering a request to quote an
artist's post.

The authorization of a quote of a local post lives at
``<author>/quote_authorizations/<id of the quoting post>`` and is served by the shell.
"""

from __future__ import annotations

import uuid
from typing import Any

from federation.jsonld import PUBLIC
from fediserver.models import Account, Post, QuotePolicy, QuoteState

FEP_044F = "https://w3id.org/fep/044f#"
GOTOSOCIAL = "https://gotosocial.org/ns#"
# The terms a Note's quote properties and policy need, for OBJECT_CONTEXT.
QUOTE_CONTEXT: dict[str, Any] = {
    "quote": {"@id": FEP_044F + "quote", "@type": "@id"},
    "quoteAuthorization": {"@id": FEP_044F + "quoteAuthorization", "@type": "@id"},
    "QuoteRequest": FEP_044F + "QuoteRequest",
    "QuoteAuthorization": FEP_044F + "QuoteAuthorization",
    "quoteUri": "http://fedibird.com/ns#quoteUri",
    "_misskey_quote": "https://misskey-hub.net/ns#_misskey_quote",
    "gts": GOTOSOCIAL,
    "interactionPolicy": {"@id": "gts:interactionPolicy", "@type": "@id"},
    "canQuote": {"@id": "gts:canQuote", "@type": "@id"},
    "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"},
    "manualApproval": {"@id": "gts:manualApproval", "@type": "@id"},
    "interactingObject": {"@id": "gts:interactingObject", "@type": "@id"},
    "interactionTarget": {"@id": "gts:interactionTarget", "@type": "@id"},
}
QUOTE_ACTIVITY_CONTEXT: list[Any] = ["https://www.w3.org/ns/activitystreams", QUOTE_CONTEXT]


def authorization_uri(quoted_author: Account, quoting_post: Post) -> str:
    """Where this server serves the authorization of ``quoting_post`` quoting an artist's post."""
    return f"{quoted_author.uri}/quote_authorizations/{quoting_post.pk}"


def interaction_policy(post: Post, author: Account) -> dict[str, Any]:
    """The Note's ``interactionPolicy``: who is approved at once when quoting it."""
    policy = post.effective_quote_policy(author.quote_policy)
    approved = {QuotePolicy.PUBLIC: [PUBLIC], QuotePolicy.FOLLOWERS: [author.followers_url]}.get(policy, [])
    return {"canQuote": {"automaticApproval": approved or [author.uri], "manualApproval": []}}


def quote_properties(post: Post) -> dict[str, Any]:
    """The quoted post under each name servers read it by, and the authorization once given."""
    if not post.quote_uri or post.quote_state == QuoteState.REJECTED:
        return {}
    properties: dict[str, Any] = {"quote": post.quote_uri, "_misskey_quote": post.quote_uri, "quoteUri": post.quote_uri}
    if post.quote_state == QuoteState.ACCEPTED and post.quote_authorization_uri:
        properties["quoteAuthorization"] = post.quote_authorization_uri
    return properties


def quote_request_id(post: Post) -> str:
    return f"{post.uri}#quote_request"


def quote_request(author: Account, post: Post, quoted_uri: str, quoted_author: Account,
                  note: dict[str, Any]) -> dict[str, Any]:
    """``author`` asks ``quoted_author`` to approve ``post`` (``note``, embedded) quoting ``quoted_uri``."""
    return {
        "@context": QUOTE_ACTIVITY_CONTEXT,
        "id": quote_request_id(post),
        "type": "QuoteRequest",
        "actor": author.uri,
        "object": quoted_uri,
        "instrument": {key: value for key, value in note.items() if key != "@context"},
        "to": [quoted_author.uri],
    }


def _request_reference(request_id: str, requester_uri: str, quoted_uri: str, quoting_uri: str) -> dict[str, Any]:
    return {"id": request_id, "type": "QuoteRequest", "actor": requester_uri, "object": quoted_uri,
            "instrument": quoting_uri}


def accept_quote_request(quoted_author: Account, request_id: str, requester_uri: str, quoted: Post,
                         quoting: Post) -> dict[str, Any]:
    """The quoted artist approves: an Accept whose ``result`` is the authorization."""
    return {
        "@context": QUOTE_ACTIVITY_CONTEXT,
        "id": f"{quoted_author.uri}#accepts/quote_requests/{quoting.pk}",
        "type": "Accept",
        "actor": quoted_author.uri,
        "object": _request_reference(request_id, requester_uri, quoted.uri, quoting.uri),
        "result": authorization_uri(quoted_author, quoting),
        "to": [requester_uri],
    }


def reject_quote_request(quoted_author: Account, request_id: str, requester_uri: str, quoted_uri: str,
                         quoting_uri: str) -> dict[str, Any]:
    return {
        "@context": QUOTE_ACTIVITY_CONTEXT,
        "id": f"{quoted_author.uri}/activities/{uuid.uuid4().hex}",
        "type": "Reject",
        "actor": quoted_author.uri,
        "object": _request_reference(request_id, requester_uri, quoted_uri, quoting_uri),
        "to": [requester_uri],
    }


def quote_authorization(quoted_author: Account, quoted: Post, quoting: Post) -> dict[str, Any]:
    """The authorization third parties fetch to believe the quote."""
    return {
        "@context": QUOTE_ACTIVITY_CONTEXT,
        "id": authorization_uri(quoted_author, quoting),
        "type": "QuoteAuthorization",
        "attributedTo": quoted_author.uri,
        "interactingObject": quoting.uri,
        "interactionTarget": quoted.uri,
    }
