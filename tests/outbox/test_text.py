"""Typed text into the HTML other servers show."""

from outbox.text import Mention, find_mentions, render

BOB = Mention("bob", "x.example:8080")


def html_of(text: str) -> str:
    return render(text, mention_urls={BOB: "https://x.example:8080/@bob"}, tag_url=lambda tag: f"/tags/{tag}").html


def test_mentions_with_and_without_host_are_found_but_email_addresses_are_not():
    text = "hi @ada and @bob@x.example:8080, mail me@example.com"
    assert find_mentions(text) == [Mention("ada", ""), BOB]


def test_only_resolved_mentions_become_links():
    html = html_of("@ada meets @bob@x.example:8080")
    assert html.startswith("<p>@ada meets <span class=\"h-card\"")
    assert '<a href="https://x.example:8080/@bob" class="u-url mention">@<span>bob</span></a>' in html


def test_everything_typed_is_escaped_and_links_keep_their_query():
    html = html_of("<script>alert(1)</script> https://a.example/p?q=1&r=2.")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="https://a.example/p?q=1&amp;r=2" rel="nofollow noopener noreferrer"' in html
    assert html.endswith("</a>.</p>")


def test_hashtags_need_a_letter_and_are_listed_once_in_lower_case():
    rendered = render("#Art #art #123 x#not", mention_urls={}, tag_url=lambda tag: f"/tags/{tag}")
    assert rendered.hashtags == ["art"]
    assert "#123" in rendered.html and "x#not" in rendered.html


def test_blank_lines_make_paragraphs_and_single_breaks_stay():
    assert html_of("one\ntwo\n\n\nthree") == "<p>one<br />two</p><p>three</p>"
