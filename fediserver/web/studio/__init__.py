"""The artist's studio (signed in): uploading and editing works, arranging the portfolio
and series, the profile and its protection rules, follow requests, notifications and a
simple home feed. Every form carries the session's CSRF token and is checked on the
server; an error is shown next to its field with everything typed (and every image
already accepted) kept."""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote

from quart import Blueprint, Quart, redirect, request

from fediserver.web.sessions import signed_in_account

blueprint = Blueprint("studio", __name__)


def artist_only(view):
    """The signed-in artist is passed as ``artist``; anyone else is sent to sign in."""

    @wraps(view)
    async def wrapper(*args, **kwargs):
        artist = await signed_in_account()
        if artist is None:
            target = request.full_path.rstrip("?") if request.method == "GET" else request.path
            return redirect(f"/auth/sign_in?next={quote(target)}", 303)
        return await view(artist, *args, **kwargs)

    return wrapper


def install_studio(app: Quart) -> None:
    from fediserver.web.studio import people, profile, series, works  # noqa: F401  (routes on the blueprint)

    app.register_blueprint(blueprint)
