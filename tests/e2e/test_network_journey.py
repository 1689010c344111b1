"""In Chromium: a police analyst opens a child's network from the child's page, expands
the adult who drives the car the child was found in, and the graph grows by the places
that adult is linked to. A child the analyst may not see, linked to the same car and the
same adult, is absent from the Cytoscape graph and from the table, before and after the
expansion: not greyed, absent. Screenshots in test-artifacts/."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from lantern.access import policy
from lantern.network import services
from lantern.network.models import Entity
from lantern.people.models import Person
from tests.e2e.test_journeys import sign_in
from tests.network.conftest import ADULT_BORN_BEFORE, CHILD_BORN_AFTER, link_unseen, person, record

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _ring():
    officer = get_user_model().objects.get(username="police.officer")
    seen = policy.people_visible_to(officer)
    children = list(seen.filter(date_of_birth__gt=CHILD_BORN_AFTER).order_by("pk")[:3])
    adult = seen.filter(date_of_birth__lt=ADULT_BORN_BEFORE).order_by("pk").first()
    unseen = (
        Person.objects.filter(date_of_birth__gt=CHILD_BORN_AFTER, merged_into__isnull=True)
        .exclude(pk__in=seen.values("pk"))
        .order_by("pk")
        .first()
    )
    car = services.EntityInput("v", kind="vehicle", value="KX19 HTF")
    takeaway = services.EntityInput(
        "p", kind="location", value="Kestrel Kebab House, Station Road", place_type="takeaway"
    )
    record(officer, [person("a", adult), car], [("a", "v", "drives")])
    for child in children:
        report = record(officer, [person("c", child), car], [("c", "v", "in_vehicle")])
    record(officer, [person("a", adult), takeaway], [("a", "p", "works_at")])
    car_entity = Entity.objects.get(kind="vehicle", key="KX19HTF")
    adult_entity = services.person_entity(adult)
    services.entity_flag(
        actor=officer, entity=adult_entity, flagged=True, reason="Agreed at the MACE meeting"
    )
    # The child no police user may see: linked to the car and to the adult both.
    link_unseen(report, unseen, car_entity, kind="in_vehicle")
    hidden = link_unseen(report, unseen, adult_entity, kind="associate")
    return {
        "child": children[0],
        "adult": adult_entity,
        "car": car_entity,
        "place": Entity.objects.get(kind="location", label__startswith="Kestrel Kebab House"),
        "unseen": unseen,
        "unseen_id": hidden.source_id,
    }


def graph_ids(page) -> set[str]:
    return set(page.evaluate("() => window.lanternNetwork.nodes().map(n => n.id())"))


def table_ids(page) -> set[str]:
    return set(
        page.locator("#network-nodes tr[data-node-id]").evaluate_all(
            "rows => rows.map(r => r.dataset.nodeId)"
        )
    )


def test_an_analyst_expands_a_childs_network_and_never_sees_the_hidden_child(page, screenshot):
    ring = _ring()
    hidden = str(ring["unseen_id"])
    page.goto("/sign-in/")
    sign_in(page, "police.analyst")
    page.get_by_role("button", name="Sign out").wait_for()

    page.goto(f"/people/{ring['child'].reference}/")
    page.get_by_role("link", name="Network: the people, vehicles").click()
    page.locator("#network-graph[data-ready=true]").wait_for()
    page.get_by_role("heading", name=ring["child"].full_name).wait_for()
    before = graph_ids(page)
    assert {
        str(ring["child"].network_entity.pk),
        str(ring["car"].pk),
        str(ring["adult"].pk),
    } <= before
    assert str(ring["place"].pk) not in before  # three links away: not yet shown
    assert hidden not in before and hidden not in table_ids(page)
    assert table_ids(page) == before
    assert ring["unseen"].full_name not in page.content()
    screenshot("network-child")

    page.get_by_role("button", name=f"Expand the graph from {ring['adult'].label}").click()
    page.get_by_role("status").filter(has_text="Added").wait_for()
    after = graph_ids(page)
    assert str(ring["place"].pk) in after
    assert hidden not in after
    assert hidden not in table_ids(page)
    assert table_ids(page) == after
    assert page.locator(f'#network-nodes tr[data-node-id="{ring["place"].pk}"]').count() == 1
    assert ring["unseen"].full_name not in page.content()
    assert ring["unseen"].reference not in page.content()
    screenshot("network-expanded")

    page.get_by_role("link", name="Network around Kestrel Kebab House").first.click()
    page.locator("#network-graph[data-ready=true]").wait_for()
    assert hidden not in graph_ids(page)
    screenshot("network-place")

    page.locator("#network-links").get_by_role("link").last.click()
    page.get_by_role("heading", name="Grading").wait_for()
    assert "Untested" in page.locator("#grading").inner_text()
    screenshot("network-report")

    page.go_back()
    page.get_by_role("link", name="The group Kestrel Kebab House").click()
    page.get_by_role("heading", name="How it grew").wait_for()
    page.locator("#network-graph[data-ready=true]").wait_for()
    assert hidden not in graph_ids(page) and hidden not in table_ids(page)
    screenshot("network-group")

    page.goto(f"/network/chain/?from={ring['child'].network_entity.pk}&to={ring['place'].pk}")
    steps = page.locator("#steps").inner_text()
    assert "KX19 HTF" in steps and ring["adult"].label in steps
    screenshot("network-chain")

    page.goto("/network/")
    page.get_by_role("heading", name="Seen with several children").wait_for()
    assert "KX19 HTF" in page.locator("#shared").inner_text()
    screenshot("network-start")
