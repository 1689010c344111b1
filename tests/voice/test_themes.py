"""The themes file: versioned, checked when loaded, and a retired theme kept for old
feedback but refused for new tagging."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import ValidationError

from lantern.core.datafiles import DataFileError
from lantern.voice import services, themes

from .conftest import TODAY, on, record

GOOD = """
version = 3

[[theme]]
code = "being_believed"
name = "Being believed"
description = "Whether they were believed."
"""


def test_the_partnerships_themes_load():
    found = themes.load()
    assert found.version >= 1
    assert {
        "being_believed",
        "continuity_of_worker",
        "waiting_for_therapy",
        "feeling_safe_at_home",
        "police_response",
        "school_support",
        "told_what_happens_next",
    } <= set(found.themes)
    assert all(t.description for t in found.themes.values())


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda t: t.replace("version = 3", ""), "version must be a whole number"),
        (lambda t: t.replace("version = 3", 'version = "3"'), "version must be a whole number"),
        (lambda t: t.replace('"being_believed"', '"Being Believed"'), "lower-case words"),
        (
            lambda t: t + t.split("version = 3")[1].replace("being_believed", "other"),
            "appears twice",
        ),
        (lambda t: t + 'colour = "red"\n', "unknown key"),
        (lambda t: t + "retired = true\n", "every theme is retired"),
        (
            lambda t: t.replace('description = "Whether they were believed."', 'description = " "'),
            "description is empty",
        ),
    ],
)
def test_a_bad_themes_file_is_refused_saying_why(tmp_path, change, says):
    path = tmp_path / "themes.toml"
    path.write_text(change(GOOD), encoding="utf-8")
    with pytest.raises(DataFileError, match=says):
        themes.load(path)
    path.write_text(GOOD, encoding="utf-8")
    assert themes.load(path).version == 3


@pytest.mark.django_db
def test_a_retired_theme_stays_on_old_feedback_and_is_refused_for_new(monkeypatch, support_worker):
    feedback = record(support_worker, themes=["police_response", "being_believed"])
    current = themes.themes()
    retired = dataclasses.replace(current.themes["police_response"], retired=True)
    changed = dataclasses.replace(current, themes={**current.themes, "police_response": retired})
    monkeypatch.setattr(services, "theme_set", lambda: changed)
    with on(TODAY):
        services.feedback_tag(
            actor=support_worker,
            feedback=feedback,
            themes=["police_response"],
            sentiment="negative",
        )
        with pytest.raises(ValidationError, match="retired"):
            record(support_worker, themes=["police_response"])
    assert list(feedback.theme_tags.values_list("theme", flat=True)) == ["police_response"]
