"""The web pages people open in a browser: signing in and out (``sign_in``), the session
cookie and CSRF tokens every form carries (``sessions``), sign-in throttling
(``throttle``), and the Jinja2 templates under ``templates/`` (all extending
``base.html``)."""
