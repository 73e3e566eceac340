"""Where media files live: one ``MediaStore`` interface, a local folder or S3-compatible storage.

Keys are content-addressed (``content_key``): the SHA-256 of the bytes, sharded as
``ab/cd/abcd....webp``, so a file never changes under its key and can be cached forever
(``immutable_cache_headers``).
"""

from media.storage.base import (
    ContentMismatch,
    MediaNotFound,
    MediaStore,
    content_key,
    immutable_cache_headers,
    sha256_of,
)
from media.storage.local import LocalStore
from media.storage.s3 import S3Error, S3Store, S3StoreSettings

__all__ = [
    "ContentMismatch",
    "LocalStore",
    "MediaNotFound",
    "MediaStore",
    "S3Error",
    "S3Store",
    "S3StoreSettings",
    "content_key",
    "immutable_cache_headers",
    "sha256_of",
]
