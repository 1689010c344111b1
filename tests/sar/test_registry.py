"""The hook through which other apps (support plans, voice) add their sections to a pack:
a registered contributor's sections appear, its structured third-party values are
withheld, and the people it links are looked for in every section's free text."""

from __future__ import annotations

import pytest

from lantern.sar import pack as packs
from lantern.sar import registry
from lantern.sar.registry import Item, Professional, Section, Withhold

from .conftest import TODAY, on

pytestmark = pytest.mark.django_db


@pytest.fixture
def support_like(scenario):
    kayleigh = scenario["kayleigh"]

    def sections(person):
        plan = Item("Support plan", when=TODAY, agency="Harbour Survivors")
        plan.add("Lead worker", Professional("Aisha Rahman, Support worker"))
        plan.add("Goal", "Feel safe going out; not see Kayleigh's cousin")
        plan.add("Safe contact", Withhold("07700 900123", "Phone number of another person"))
        return [Section("support_test", "Your support plan", [plan])]

    registry.register("support_test", sections=sections, linked_people=lambda p: [kayleigh],
                      order=700)  # fmt: skip
    yield
    registry.unregister("support_test")


def test_a_registered_app_adds_its_sections_with_others_data_withheld(support_like, scenario):
    with on(TODAY):
        gathered = packs.gather(scenario["ellie"])
    keys = [s["key"] for s in gathered.content["sections"]]
    assert keys.index("support_test") > keys.index("justice")  # by order
    assert keys[-1] == "access_log"
    section = next(s for s in gathered.content["sections"] if s["key"] == "support_test")
    goal = next(f for f in section["items"][0]["fields"] if f["label"] == "Goal")
    numbers = {r.number: r for r in gathered.redactions}
    assert goal["parts"][0] == "Feel safe going out; not see "
    assert numbers[goal["parts"][1]["r"]].original == "Kayleigh"
    assert any(r.original == "07700 900123" for r in gathered.redactions)
    lead = next(f for f in section["items"][0]["fields"] if f["label"] == "Lead worker")
    assert lead["parts"] == ["Aisha Rahman, Support worker"]


def test_the_apps_that_exist_are_wired_in():
    names = [c.name for c in registry.contributors()]
    for name in ("people", "chronology", "risk", "alerts", "justice", "network", "audit"):
        assert name in names
