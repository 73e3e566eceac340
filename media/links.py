"""The URLs of media that may leave the server, for the AP renderers and the client API.

``MediaLinks.media_url(attachment)`` is what ``outbox.objects.note_object(...,
media_url=...)`` takes: the display derivative (or a pre-protected upload's served copy),
from the S3/CDN public URL when one is configured, else this app's ``/media/<key>``. A
remote attachment is shown through this server's cache or proxy
(``/media/remote/<id>/display``); a refused one, or one whose server's media is rejected, has no URL at all. The original never has one.
"""

from __future__ import annotations

from fediserver.models import MediaAttachment
from media.remote import NOT_SERVED
from media.rules import MediaRules
from media.storage import MediaStore

REMOTE_ROLES = ("display", "thumbnail")


class MediaLinks:
    def __init__(self, rules: MediaRules, store: MediaStore) -> None:
        self.rules = rules
        self.store = store

    def media_url(self, attachment: MediaAttachment) -> str | None:
        """The URL of the image that may leave the server, or ``None``."""
        return self._url(attachment, "display")

    def thumbnail_url(self, attachment: MediaAttachment) -> str | None:
        return self._url(attachment, "thumbnail")

    def key_url(self, key: str) -> str:
        return self.store.url_for(key) or self.rules.media_base_url + key

    def _url(self, attachment: MediaAttachment, role: str) -> str | None:
        if attachment.remote_state in NOT_SERVED:
            return None
        if attachment.remote_url:
            return f"{self.rules.media_base_url}remote/{attachment.id}/{role}"
        key = attachment.display_key if role == "display" else attachment.thumbnail_key
        return self.key_url(key) if key else None
