"""fediserver as an admin runs it: ``fediserver migrate``, ``account create`` and
``fediserver run`` as subprocesses on a free 127.0.0.1 port, over http, on the test's
SQLite file or PostgreSQL database; and a person's browser (``requests``) that signs in
and answers the consent page through the HTML forms, CSRF tokens included."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from tests.interop.served_instance import free_port

PASSWORD = "a long enough secret"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_CODE = re.compile(r'id="authorization-code"[^>]*>([^<]+)<')


@dataclass
class RunningInstance:
    folder: Path
    database_url: str
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self, *args: str, input: str | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "fediserver.cli", "--config", str(self.folder / "config.toml"), *args],
            capture_output=True, text=True, timeout=120, input=input,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def __enter__(self) -> RunningInstance:
        self.port = free_port()
        (self.folder / "config.toml").write_text(
            "[instance]\n"
            f'domain = "127.0.0.1:{self.port}"\nscheme = "http"\nallow_http = true\n'
            f'data_dir = "{self.folder / "data"}"\n'
            f'[server]\nport = {self.port}\n'
            f'[database]\nurl = "{self.database_url}"\n'
            "[federation]\nallow_private_addresses = true\n"
        )
        self.command("migrate")
        self.log = (self.folder / "server.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fediserver.cli", "--config", str(self.folder / "config.toml"), "run"],
            stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ},
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            assert self.process.poll() is None, (self.folder / "server.log").read_text()
            assert time.monotonic() < deadline, "fediserver run did not start"
            time.sleep(0.1)

    def __exit__(self, *exc_info: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        finally:
            self.log.close()

    def server_log(self) -> str:
        return (self.folder / "server.log").read_text()

    def create_artist(self, username: str) -> None:
        (self.folder / f"{username}.password").write_text(PASSWORD)
        self.command("account", "create", username, "--password-file", str(self.folder / f"{username}.password"))


class Browser:
    """A person at a browser: follows the authorize URL, signs in, consents."""

    def __init__(self) -> None:
        self.session = requests.Session()

    def authorize(self, authorize_url: str, username: str, password: str = PASSWORD, decision: str = "allow"):
        """Open the app's authorize URL, sign in when asked, answer the consent page;
        returns the last response (a redirect to the app, or the page with the code)."""
        page = self.session.get(authorize_url, allow_redirects=False)
        if page.status_code == 303 and "/auth/sign_in" in page.headers["Location"]:
            sign_in_url = urljoin(authorize_url, page.headers["Location"])
            form = self.session.get(sign_in_url)
            next_path = parse_qs(urlsplit(sign_in_url).query)["next"][0]
            signed_in = self.session.post(
                urljoin(authorize_url, "/auth/sign_in"), allow_redirects=False,
                data={"username": username, "password": password, "next": next_path,
                      "csrf_token": _CSRF.search(form.text).group(1)},
            )
            assert signed_in.status_code == 303, signed_in.text
            page = self.session.get(urljoin(authorize_url, signed_in.headers["Location"]), allow_redirects=False)
        assert page.status_code == 200, page.text
        fields = {name: html.unescape(value) for name, value in _HIDDEN.findall(page.text)}
        return self.session.post(
            urljoin(authorize_url, "/oauth/authorize"), data={**fields, "decision": decision}, allow_redirects=False
        )

    def code_for(self, authorize_url: str, username: str) -> str:
        answer = self.authorize(authorize_url, username)
        if answer.status_code == 302:
            return parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
        assert answer.status_code == 200, answer.text
        return _CODE.search(answer.text).group(1).strip()
