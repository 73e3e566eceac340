"""What kind of media a file is, by its media type, as Mastodon's client API names them.

``kind_of(mime)`` gives ``image``, ``gifv``, ``video``, ``audio`` or ``unknown``; a
client shows each kind with its own player, so a type we cannot show is ``unknown``
(a link to the original), never an image. ``declared_media_type`` fills in a remote
attachment's type when its server declared none: from the object type (``Image``,
``Video``, ``Audio``) or the file name, else nothing (``unknown``).
``AUDIO_VIDEO_TYPES`` are the audio and video formats this server relays as they are
(no transcoding): a file is checked to be one of them before it is cached or proxied.
"""

from __future__ import annotations

import mimetypes
from urllib.parse import urlsplit

IMAGE, GIFV, VIDEO, AUDIO, UNKNOWN = "image", "gifv", "video", "audio", "unknown"
# A looping, silent video (what Mastodon makes of animated GIFs).
SILENT_VIDEO_MIME = "video/mp4; silent"

AUDIO_VIDEO_TYPES = {
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/webm": "webm",
    "video/ogg": "ogv",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/aac": "aac",
    "audio/ogg": "ogg",
    "audio/opus": "opus",
    "audio/webm": "weba",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/flac": "flac",
}
MIME_BY_AUDIO_VIDEO_EXTENSION = {extension: mime for mime, extension in AUDIO_VIDEO_TYPES.items()} | {
    "wav": "audio/wav", "mp4": "video/mp4",
}


def kind_of(mime: str | None) -> str:
    """The client API's attachment type for a file of media type ``mime``."""
    base = (mime or "").split(";")[0].strip().lower()
    if base.startswith("image/"):
        return IMAGE
    if (mime or "").replace(" ", "") == SILENT_VIDEO_MIME.replace(" ", ""):
        return GIFV
    if base.startswith("video/"):
        return VIDEO
    if base.startswith("audio/"):
        return AUDIO
    return UNKNOWN


def is_audio_video(mime: str | None) -> bool:
    return kind_of(mime) in (VIDEO, AUDIO, GIFV)


def declared_media_type(url: str, media_type: str | None, object_type: str | None) -> str:
    """The media type to record for a remote file: as declared, else as its object type or
    file name suggests (``image/*`` for an Image of unknown format), else ``""``."""
    if media_type:
        return media_type[:64]
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    if guessed and guessed.split("/")[0] in ("image", "video", "audio"):
        return guessed
    return {"Image": "image/*", "Video": "video/*", "Audio": "audio/*"}.get(object_type or "", "")
