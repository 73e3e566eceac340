"""ASGI entry point for servers that import an app by path (multi-worker Hypercorn, Uvicorn).

Reads the configuration the usual way (``$FEDISERVER_CONFIG`` or ``./config.toml``).
"""

from fediserver.app import create_app
from fediserver.config import load_settings
from fediserver.logs import configure_logging

settings = load_settings()
configure_logging(settings.logging)
app = create_app(settings)
