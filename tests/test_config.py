"""Configuration: a bad file is refused with one line naming the key, a good one is typed."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from fediserver.config import ConfigError, Settings, load_settings, settings_from_dict

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config.example.toml"


def refusal(raw: dict, environ: dict | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        settings_from_dict(raw, environ=environ or {})
    return str(caught.value)


def test_misspelt_key_is_named_with_a_suggestion():
    message = refusal({"instance": {"domain": "art.example"}, "server": {"prot": 8000}})
    assert "server.prot: unknown key" in message
    assert "did you mean 'port'" in message


def test_wrong_type_names_the_key_and_the_value():
    message = refusal({"instance": {"domain": "art.example"}, "server": {"port": "8000"}})
    assert message.startswith("config: server.port:")
    assert "integer" in message and "'8000'" in message


def test_missing_domain_is_named():
    assert "instance.domain: missing required key" in refusal({})
    assert "instance.domain: missing required key" in refusal({"instance": {"name": "x"}})


@pytest.mark.parametrize("domain", ["https://art.example", "art.example/path", "art example", "art.example:99999"])
def test_impossible_domains_are_refused(domain):
    assert "instance.domain" in refusal({"instance": {"domain": domain}})


def test_plain_http_must_be_allowed_explicitly():
    assert "allow_http" in refusal({"instance": {"domain": "127.0.0.1:8000", "scheme": "http"}})
    settings = settings_from_dict(
        {"instance": {"domain": "127.0.0.1:8000", "scheme": "http", "allow_http": True}}, environ={}
    )
    assert settings.instance.base_url == "http://127.0.0.1:8000"


def test_https_is_the_default_scheme():
    settings = settings_from_dict({"instance": {"domain": "Art.Example"}}, environ={})
    assert settings.instance.base_url == "https://art.example"


def test_environment_overrides_carry_secrets_and_types():
    settings = settings_from_dict(
        {"instance": {"domain": "art.example"}},
        environ={"FEDISERVER__DATABASE__URL": "postgres://u:secret@db/fedi", "FEDISERVER__SERVER__PORT": "9000"},
    )
    assert settings.database_url == "postgres://u:secret@db/fedi"
    assert settings.server.port == 9000


def test_a_bad_environment_value_is_named_like_a_file_key():
    assert "server.port" in refusal({"instance": {"domain": "art.example"}}, {"FEDISERVER__SERVER__PORT": "many"})


def test_embedded_sqlite_lives_in_the_data_folder(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[instance]\ndomain = "art.example"\ndata_dir = "state"\n')
    settings = load_settings(config)
    assert settings.database_url == f"sqlite://{tmp_path / 'state' / 'fediserver.sqlite3'}"


def test_the_example_config_is_valid():
    load_settings(EXAMPLE)


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        if name == "base_dir":
            continue
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys.append(f"{prefix}{name}")
            keys += _keys(annotation, f"{prefix}{name}.")
        else:
            keys.append(f"{prefix}{name}")
    return keys


def _example_keys(table: dict, prefix: str = "") -> set[str]:
    keys = set()
    for name, value in table.items():
        keys.add(f"{prefix}{name}")
        if isinstance(value, dict):
            keys |= _example_keys(value, f"{prefix}{name}.")
    return keys


def test_the_example_documents_every_key_with_a_comment():
    text = EXAMPLE.read_text()
    documented = _example_keys(tomllib.loads(text))
    missing = [key for key in _keys(Settings) if key not in documented]
    assert not missing, f"keys missing from config.example.toml: {missing}"
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^[a-z_]+ = ", line):
            previous = lines[index - 1]
            assert previous.startswith("#") or re.match(r"^[a-z_]+ = ", previous), f"no comment above {line!r}"


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ('[instance]\ndomian = "art.example"\n', "instance.domian"),
        ('[instance]\ndomain = "art.example"\n[server]\nport = "eighty"\n', "server.port"),
        ('[instance]\nname = "no domain"\n', "instance.domain"),
    ],
)
@pytest.mark.parametrize("command", [["check-config"], ["run"]])
def test_commands_refuse_a_bad_config_with_one_line(tmp_path, content, key, command):
    config = tmp_path / "config.toml"
    config.write_text(content)
    result = subprocess.run(
        [sys.executable, "-m", "fediserver.cli", "--config", str(config), *command],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert key in lines[0] and "Traceback" not in result.stderr
