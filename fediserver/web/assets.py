"""The web room's static files (stylesheet, icons), held in memory and served at ``/static/``.

Files under ``fediserver/web/static/`` are read once when the app is built. Pages link
them through ``static_url(name)``, which adds a short content hash (``?v=...``), so a
browser may keep each file for a year and a changed file is fetched again at once. A
request for a name that is not one of these files is a 404; nothing else on disk is
reachable through this route.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from quart import Blueprint, Response, request

STATIC_FOLDER = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    content_type: str
    etag: str


class StaticFiles:
    def __init__(self, folder: Path = STATIC_FOLDER) -> None:
        self.files: dict[str, StaticFile] = {}
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            body = path.read_bytes()
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if content_type.startswith("text/") or content_type in ("image/svg+xml", "application/javascript"):
                content_type += "; charset=utf-8"
            name = path.relative_to(folder).as_posix()
            self.files[name] = StaticFile(body, content_type, hashlib.sha256(body).hexdigest()[:16])

    def url(self, name: str) -> str:
        """``/static/NAME?v=HASH``; a name that is not a static file is a programming error."""
        return f"/static/{name}?v={self.files[name].etag}"

    def size(self, name: str) -> int:
        return len(self.files[name].body)

    def blueprint(self) -> Blueprint:
        blueprint = Blueprint("static_files", __name__)

        @blueprint.route("/static/<path:name>", methods=["GET", "HEAD"])
        async def static_file(name: str):
            found = self.files.get(name)
            if found is None:
                return Response("no such file\n", 404, content_type="text/plain; charset=utf-8")
            etag = f'"{found.etag}"'
            headers = {"ETag": etag, "Cache-Control": IMMUTABLE}
            if request.headers.get("If-None-Match") == etag:
                return Response(b"", 304, headers=headers)
            return Response(found.body, content_type=found.content_type, headers=headers)

        return blueprint
