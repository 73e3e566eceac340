"""The collective's rules in the config: sentences or tables, ids that reports cite, and
errors that name the key."""

from __future__ import annotations

import tomllib

import pytest

from fediserver.config import ConfigError, settings_from_dict


def _rules(text: str):
    raw = tomllib.loads('[instance]\ndomain = "art.example"\n' + text)
    return settings_from_dict(raw, environ={}).instance.rules


def test_sentences_are_numbered_and_tables_keep_their_ids():
    assert [(r.id, r.text) for r in _rules('rules = ["Own work only.", "Describe images."]')] == [
        ("1", "Own work only."), ("2", "Describe images.")]
    tables = _rules('[[instance.rules]]\nid = "own"\ntext = "Own work only."\nhint = "Credit others."\n'
                    '[[instance.rules]]\ntext = "Describe images."\n')
    assert [(r.id, r.text, r.hint) for r in tables] == [("own", "Own work only.", "Credit others."),
                                                        ("2", "Describe images.", "")]
    assert str(tables[0]) == "Own work only."  # what the pages print


@pytest.mark.parametrize(("text", "message"), [
    ('rules = "Be kind."', "instance.rules: expected a list of rules"),
    ('[[instance.rules]]\nhint = "no text"\n', "instance.rules.0.text"),
    ('[[instance.rules]]\ntext = ""\n', "instance.rules.0.text"),
    ('[[instance.rules]]\ntext = "A"\nid = "x"\n[[instance.rules]]\ntext = "B"\nid = "x"\n', "same id"),
    ('[[instance.rules]]\ntext = "A"\ncolour = "red"\n', "instance.rules.0.colour"),
])
def test_a_bad_rule_is_an_error_naming_the_key(text, message):
    with pytest.raises(ConfigError, match=message):
        _rules(text)
