"""The media and protection keys: typed, bounded, refused with the key named, and handed to the media room."""

from __future__ import annotations

import pytest

from fediserver.config import ConfigError, settings_from_dict
from fediserver.room_settings import media_rules


def settings(**sections):
    return settings_from_dict({"instance": {"domain": "art.example"}, **sections}, environ={})


@pytest.mark.parametrize(
    ("sections", "key"),
    [
        ({"media": {"max_upload_bytes": 0}}, "media.max_upload_bytes"),
        ({"media": {"remote_mode": "mirror"}}, "media.remote_mode"),
        ({"media": {"webp_quality": 101}}, "media.webp_quality"),
        ({"media": {"decode_concurrency": 0}}, "media.decode_concurrency"),
        ({"media": {"s3": {"timeout_seconds": 0}}}, "media.s3.timeout_seconds"),
        ({"protection": {"ai_generated_local": "maybe"}}, "protection.ai_generated_local"),
        ({"protection": {"data_mining": "DMI-NOPE"}}, "protection.data_mining"),
        ({"protection": {"licensor_url": "ada@art.example"}}, "protection.licensor_url"),
        ({"protection": {"max_federated_pixels": 10}}, "protection.max_federated_pixels"),
        ({"protection": {"watermark": {"enabled": True}}}, "protection.watermark.text"),
        ({"protection": {"watermark": {"position": "middle"}}}, "protection.watermark.position"),
    ],
)
def test_a_bad_value_is_refused_naming_its_key(sections, key):
    with pytest.raises(ConfigError) as refusal:
        settings(**sections)
    message = str(refusal.value)
    assert key in message and "\n" not in message


def test_the_rules_the_media_room_receives():
    rules = media_rules(settings(
        media={"max_upload_bytes": 1_000_000, "remote_mode": "proxy", "decode_concurrency": 3},
        protection={"ai_generated_remote": "reject", "data_mining": "DMI-PROHIBITED", "thumbnail_size": 320,
                    "watermark": {"enabled": True, "text": "© the collective", "opacity": 0.3}},
    ))
    assert rules.limits.max_bytes == 1_000_000 and rules.remote_mode == "proxy" and rules.decode_concurrency == 3
    assert rules.protection.ai_generated_remote == "reject" and rules.protection.data_mining == "DMI-PROHIBITED"
    assert rules.derivatives.thumbnail_box == (320, 320)
    assert rules.watermark.active and rules.watermark.text == "© the collective"
    assert not rules.serve_originals
