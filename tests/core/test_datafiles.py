"""Reference data files are validated when loaded."""

from __future__ import annotations

import pytest

from lantern.core.datafiles import DataFileError
from lantern.partners.models import Role
from lantern.partners.reference import roles_sync
from lantern.people.models import EventType
from lantern.people.reference import event_types_sync

pytestmark = pytest.mark.django_db

GOOD_ROLE = """
[[role]]
code = "x"
name = "X"
description = "A role"
agency_kinds = ["police"]
sees_case_data = true
"""


def test_the_shipped_files_load_and_fill_the_tables():
    assert roles_sync() == Role.objects.count() >= 12
    assert event_types_sync() == EventType.objects.count() >= 15
    assert EventType.objects.get(code="missing_episode").agency_kinds == ["police"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (GOOD_ROLE.replace("sees_case_data = true", 'sees_case_data = "yes"'), "wrong type"),
        (GOOD_ROLE.replace('["police"]', '["pollice"]'), "unknown value(s) pollice"),
        (GOOD_ROLE.replace('name = "X"\n', ""), "missing name"),
        (GOOD_ROLE + 'colour = "red"\n', "unknown key(s) colour"),
        (GOOD_ROLE + GOOD_ROLE, "appears twice"),
        ("[[role]\n", "cannot be read"),
        ("", "no [[role]] entries"),
    ],
)
def test_a_bad_roles_file_is_refused_naming_the_entry_and_problem(tmp_path, text, words):
    path = tmp_path / "roles.toml"
    path.write_text(text)
    before = Role.objects.count()
    with pytest.raises(DataFileError) as caught:
        roles_sync(path)
    assert words in str(caught.value) and "roles.toml" in str(caught.value)
    assert Role.objects.count() == before
