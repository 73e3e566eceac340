"""Remote HTML made safe to store and show: a small allow-list, everything else dropped.

Posts, summaries and profile fields from other servers pass through ``sanitize_html``
before they are stored, so nothing later has to remember to clean them. Links keep only
absolute http(s) targets and always carry ``rel="nofollow noopener noreferrer"``.
"""

from __future__ import annotations

import nh3

ALLOWED_TAGS = frozenset({
    "p", "br", "a", "span", "strong", "em", "b", "i", "u", "del", "pre", "code",
    "blockquote", "ul", "ol", "li",
})
# Classes other servers use to mark mentions, hashtags and shortened links.
ALLOWED_CLASSES = {
    "a": frozenset({"mention", "hashtag", "u-url"}),
    "span": frozenset({"h-card", "invisible", "ellipsis"}),
}
LINK_REL = "nofollow noopener noreferrer"


def _absolute_links_only(element: str, attribute: str, value: str) -> str | None:
    # A relative link in a remote post would point at this server; drop it.
    if attribute == "href" and not value.lower().startswith(("http://", "https://")):
        return None
    return value


def sanitize_html(html: str | None) -> str:
    """``html`` reduced to the allowed tags and attributes; ``""`` for nothing."""
    if not html:
        return ""
    # nh3 writes the added rel where a dropped href stood, so a second pass would move it;
    # cleaning the cleaned text once more makes the stored HTML a fixed point.
    return _clean(_clean(html))


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={"a": {"href"}},
        allowed_classes={tag: set(classes) for tag, classes in ALLOWED_CLASSES.items()},
        url_schemes={"http", "https"},
        attribute_filter=_absolute_links_only,
        link_rel=LINK_REL,
        clean_content_tags={"script", "style"},
        strip_comments=True,
    )
