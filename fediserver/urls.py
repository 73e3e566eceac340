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
