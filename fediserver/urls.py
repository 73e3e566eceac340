"""The URLs this instance gives its own things: one place, so every room builds them alike."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InstanceUrls:
    base_url: str  # e.g. "https://art.example", no trailing slash

    def actor(self, username: str) -> str:
        return f"{self.base_url}/users/{username}"

    def key_id(self, username: str) -> str:
        return f"{self.actor(username)}#main-key"

    def inbox(self, username: str) -> str:
        return f"{self.actor(username)}/inbox"

    def outbox(self, username: str) -> str:
        return f"{self.actor(username)}/outbox"

    def followers(self, username: str) -> str:
        return f"{self.actor(username)}/followers"

    def following(self, username: str) -> str:
        return f"{self.actor(username)}/following"

    def featured(self, username: str) -> str:
        return f"{self.actor(username)}/collections/featured"

    def featured_tags(self, username: str) -> str:
        """The hashtags the artist features (Mastodon's ``featuredTags``)."""
        return f"{self.actor(username)}/collections/tags"

    def featured_collections(self, username: str) -> str:
        """The artist's series (FEP-7aa9 ``featuredCollections``)."""
        return f"{self.actor(username)}/featured_collections"

    def series(self, username: str, series_id: int) -> str:
        return f"{self.featured_collections(username)}/{series_id}"

    def series_page(self, username: str, slug: str) -> str:
        return f"{self.profile(username)}/series/{slug}"

    def profile(self, username: str) -> str:
        return f"{self.base_url}/@{username}"

    def post(self, username: str, post_id: int) -> str:
        return f"{self.actor(username)}/statuses/{post_id}"

    def activity(self, username: str, activity_id: str) -> str:
        return f"{self.actor(username)}/activities/{activity_id}"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base_url}/inbox"

    @property
    def instance_actor(self) -> str:
        return f"{self.base_url}/actor"

    @property
    def instance_key_id(self) -> str:
        return f"{self.instance_actor}#main-key"

    # OAuth 2 (Mastodon's paths): what /.well-known/oauth-authorization-server lists.
    @property
    def oauth_authorize(self) -> str:
        return f"{self.base_url}/oauth/authorize"

    @property
    def oauth_token(self) -> str:
        return f"{self.base_url}/oauth/token"

    @property
    def oauth_revoke(self) -> str:
        return f"{self.base_url}/oauth/revoke"

    @property
    def oauth_userinfo(self) -> str:
        return f"{self.base_url}/oauth/userinfo"

    @property
    def app_registration(self) -> str:
        return f"{self.base_url}/api/v1/apps"
