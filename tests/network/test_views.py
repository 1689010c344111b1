"""The network pages: the network around an entity (graph data and the same nodes and links
as tables, with filters), the graph's JSON for "expand", the start page (search, entities
shared by children, the last analysis), a group, the shortest chain, one report, and the
problem profile as PDF and CSV. Police intelligence answers 404 to other agencies; a person
the reader may not see is absent from the page, the JSON and the CSV; exports are audited
naming every person in them."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from lantern.audit.models import AuditEvent
from lantern.network import analysis, services
from lantern.network.models import Entity
from tests.accounts.helpers import sign_in_verified

from .conftest import link_unseen, person, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_network")]


def vehicle(ref, value="AB12 CDE"):
    return services.EntityInput(ref, kind="vehicle", value=value)


def place(ref, value="Golden Grill takeaway, Market Street"):
    return services.EntityInput(ref, kind="location", value=value, place_type="takeaway")


@pytest.fixture
def ring(police_officer, police_children, police_adults):
    """An adult (flagged) who drives a car in which three children were found; one of them
    also seen at a takeaway run by a second adult."""
    adult, adult2 = police_adults[:2]
    c1, c2, c3 = police_children[:3]
    record(police_officer, [person("a", adult), vehicle("v")], [("a", "v", "drives")])
    for child in (c1, c2, c3):
        record(police_officer, [person("c", child), vehicle("v")], [("c", "v", "in_vehicle")])
    report = record(
        police_officer,
        [person("c", c1), person("b", adult2), place("p")],
        [("c", "p", "at_location"), ("b", "p", "works_at")],
        grading="A2C",
        handling_conditions="Not to be shared with the venue's licensing officers",
    )
    entity = {p.pk: services.person_entity(p) for p in (adult, adult2, c1, c2, c3)}
    services.entity_flag(
        actor=police_officer,
        entity=entity[adult.pk],
        flagged=True,
        reason="Agreed at the MACE meeting",
    )
    return {
        "people": {"adult": adult, "adult2": adult2, "children": [c1, c2, c3]},
        "adult": entity[adult.pk],
        "adult2": entity[adult2.pk],
        "children": [entity[c.pk] for c in (c1, c2, c3)],
        "car": Entity.objects.get(kind="vehicle", key="AB12CDE"),
        "place": Entity.objects.get(kind="location"),
        "report": report,
    }


@pytest.fixture
def analyst(client, police_analyst):
    return sign_in_verified(client, police_analyst)


def graph_data(html: str) -> dict:
    found = re.search(
        r'<script id="network-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, "the page carries the graph's data"
    return json.loads(found.group(1))


def table_ids(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-node-id="(\d+)"', html)}


def latest(operation: str) -> AuditEvent:
    return AuditEvent.objects.filter(operation=operation).latest("id")


def people_named(event: AuditEvent) -> set[int]:
    return {s.person_id for s in event.subjects.all() if s.person_id}


# ---------------------------------------------------------------- the network around one entity
def test_a_childs_network_shows_the_car_its_driver_and_the_other_children(analyst, ring):
    child = ring["children"][1]
    response = analyst.get(f"/network/entity/{child.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    expected = {child.pk, ring["car"].pk, ring["adult"].pk} | {c.pk for c in ring["children"]}
    assert table_ids(html) == expected
    data = graph_data(html)
    assert {int(n["id"]) for n in data["nodes"]} == expected
    assert data["centre"] == str(child.pk)
    nodes = {int(n["id"]): n for n in data["nodes"]}
    assert nodes[child.pk]["child"] and nodes[child.pk]["centre"]
    assert nodes[ring["adult"].pk]["flagged"] and not nodes[ring["adult"].pk]["child"]
    assert {e["kind"] for e in data["edges"]} == {"in_vehicle", "drives"}
    assert "3 children</strong>" in html
    # the links table names each report with its grading, for the police who hold it
    assert "graded B2P" in html
    event = latest("network.neighbourhood")
    assert people_named(event) == {ring["adult"].person_id} | {
        c.person_id for c in ring["children"]
    }


def test_filters_by_kind_and_time_are_applied_on_the_server(analyst, ring):
    child = ring["children"][0]
    only_cars = analyst.get(f"/network/entity/{child.pk}/?kinds=vehicle&hops=2")
    assert table_ids(only_cars.content.decode()) == {child.pk, ring["car"].pk}
    later = analyst.get(f"/network/entity/{child.pk}/?since=2026-10-30")
    html = later.content.decode()
    assert table_ids(html) == {child.pk}
    assert "No links you may see in this window" in html
    one = analyst.get(f"/network/entity/{child.pk}/?hops=1")
    assert table_ids(one.content.decode()) == {child.pk, ring["car"].pk, ring["place"].pk}


def test_a_filter_that_makes_no_sense_is_explained(analyst, ring):
    response = analyst.get(
        f"/network/entity/{ring['car'].pk}/?since=2026-10-30&until=2026-10-01&kinds=boat"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Seen up to must be on or after seen from" in html
    assert "boat is not a kind of entity" in html


def test_expanding_an_adult_brings_the_next_links_as_json(analyst, ring):
    child = ring["children"][1]
    page = graph_data(analyst.get(f"/network/entity/{child.pk}/").content.decode())
    adult = next(n for n in page["nodes"] if n["id"] == str(ring["adult"].pk))
    assert adult["expand_url"] == f"/network/entity/{ring['adult'].pk}/graph.json?hops=1"
    response = analyst.get(adult["expand_url"])
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    data = response.json()
    assert {int(n["id"]) for n in data["nodes"]} == {ring["adult"].pk, ring["car"].pk}
    further = analyst.get(f"/network/entity/{ring['children'][0].pk}/graph.json?hops=1").json()
    assert str(ring["place"].pk) in {n["id"] for n in further["nodes"]}
    assert latest("network.neighbourhood").purpose.startswith("Network around")


def test_the_expand_json_refuses_a_bad_filter(analyst, ring):
    response = analyst.get(f"/network/entity/{ring['car'].pk}/graph.json?hops=9")
    assert response.status_code == 400
    assert "choose 1, 2 or 3 links" in json.dumps(response.json())


def test_a_person_the_reader_may_not_see_is_absent_from_page_json_and_csv(
    analyst, ring, unseen_child
):
    hidden = link_unseen(ring["report"], unseen_child, ring["car"], kind="in_vehicle")
    hidden_id = hidden.source_id
    names = (unseen_child.full_name, unseen_child.reference)

    html = analyst.get(f"/network/entity/{ring['car'].pk}/").content.decode()
    assert hidden_id not in table_ids(html)
    assert str(hidden_id) not in {n["id"] for n in graph_data(html)["nodes"]}
    assert f"link-{hidden.pk}" not in {e["id"] for e in graph_data(html)["edges"]}
    assert not any(name in html for name in names)

    data = analyst.get(f"/network/entity/{ring['car'].pk}/graph.json").json()
    assert str(hidden_id) not in {n["id"] for n in data["nodes"]}
    assert not any(name in json.dumps(data) for name in names)

    for path in ("/network/entity/{}/profile.csv", "/network/entity/{}/profile.pdf"):
        body = analyst.get(path.format(ring["car"].pk)).content
        assert not any(name.encode() in body for name in names)
    rows = list(
        csv.DictReader(
            io.StringIO(
                analyst.get(f"/network/entity/{ring['car'].pk}/profile.csv").content.decode()
            )
        )
    )
    assert unseen_child.reference not in {r["from_reference"] for r in rows}

    assert analyst.get(f"/network/entity/{hidden_id}/").status_code == 404
    assert analyst.get(f"/network/entity/{hidden_id}/graph.json").status_code == 404
    # ...and the shared list counts only the children the reader may see
    start = analyst.get("/network/").content.decode()
    assert unseen_child.full_name not in start


def test_other_agencies_get_404_for_police_intelligence(client, social_worker, ring):
    sign_in_verified(client, social_worker)
    car, report = ring["car"], ring["report"]
    for path in (
        f"/network/entity/{car.pk}/",
        f"/network/entity/{car.pk}/graph.json",
        f"/network/entity/{car.pk}/profile.pdf",
        f"/network/entity/{car.pk}/profile.csv",
        f"/network/entity/{ring['children'][0].pk}/",
        f"/network/group/{car.community}/",
        f"/network/group/{car.community}/profile.csv",
        f"/network/report/{report.pk}/",
        f"/network/chain/?from={ring['children'][0].pk}&to={ring['adult'].pk}",
    ):
        assert client.get(path).status_code == 404, path
    start = client.get("/network/?q=AB12CDE").content.decode()
    assert "Nothing you may see matches" in start and "AB12 CDE</a>" not in start


def test_a_person_others_may_see_is_no_network_of_theirs_without_intelligence(
    client, mash_worker, open_referral, ring
):
    """The front door may see the child (an open referral), but the intelligence that
    names them is the police's: the child's network is a 404, and their page's link
    comes back with a word."""
    child = ring["people"]["children"][0]
    open_referral(child)
    sign_in_verified(client, mash_worker)
    assert client.get(f"/network/entity/{ring['children'][0].pk}/").status_code == 404
    response = client.get(f"/network/person/{child.reference}/", follow=True)
    assert response.redirect_chain[-1][0] == f"/people/{child.reference}/"
    assert "No intelligence you may see links" in response.content.decode()


def test_a_persons_page_link_opens_their_network(analyst, ring):
    child = ring["people"]["children"][0]
    response = analyst.get(f"/network/person/{child.reference}/")
    assert response.status_code == 302
    assert response["Location"] == f"/network/entity/{ring['children'][0].pk}/"


# ---------------------------------------------------------------- the start page
def test_the_start_page_finds_a_registration_however_it_was_typed(analyst, ring):
    for typed in ("ab12cde", "AB12 CDE", " ab-12 cde "):
        response = analyst.get("/network/", {"q": typed})
        assert response.status_code == 302
        assert response["Location"] == f"/network/entity/{ring['car'].pk}/"
    child = ring["people"]["children"][2]
    response = analyst.get("/network/", {"q": child.reference.lower()})
    assert response["Location"] == f"/network/entity/{ring['children'][2].pk}/"
    assert analyst.get("/network/", {"q": "Golden Grill"})["Location"] == (
        f"/network/entity/{ring['place'].pk}/"
    )
    nothing = analyst.get("/network/", {"q": "ZZ99 ZZZ"})
    assert "Nothing you may see matches" in nothing.content.decode()
    empty = analyst.get("/network/", {"q": ""})
    assert empty.status_code == 400 and "Enter what you are looking for" in empty.content.decode()


def test_the_start_page_lists_a_car_seen_with_three_children_and_the_last_analysis(
    analyst, ring, police_officer
):
    analysis.recompute()
    html = analyst.get("/network/").content.decode()
    assert "Last worked out in full on" in html and "Nothing has been recorded since" in html
    shared = html[html.index('id="shared"') :]
    row = shared[: shared.index("</tr>", shared.index("AB12 CDE"))]
    assert "AB12 CDE" in row and "<strong>3</strong>" in row
    for child in ring["people"]["children"]:
        assert child.full_name in shared
    assert people_named(latest("network.shared")) >= {c.pk for c in ring["people"]["children"]}
    record(
        police_officer,
        [person("c", ring["people"]["children"][0]), vehicle("w", "XY65 ZZZ")],
        [("c", "w", "in_vehicle")],
    )
    html = analyst.get("/network/").content.decode()
    assert "1 link recorded since then is already in the groups" in html


# ---------------------------------------------------------------- a group, a chain, a report
def test_the_group_page_shows_children_who_holds_it_together_and_growth(analyst, ring):
    analysis.recompute()
    car = Entity.objects.get(pk=ring["car"].pk)
    members = set(Entity.objects.filter(community=car.community).values_list("pk", flat=True))
    response = analyst.get(f"/network/group/{car.community}/")
    assert response.status_code == 200
    html = response.content.decode()
    children = html[html.index('id="children"') : html.index("Who holds it together")]
    in_group = [c for c in ring["children"] if c.pk in members]
    assert len(in_group) >= 2
    for child in ring["children"]:
        assert (child.label in children) == (child.pk in members)
    holds = html[html.index('id="holds"') : html.index("How it grew")]
    assert "AB12 CDE" in holds  # every chain between the children runs through the car
    assert 'role="img"' in html and 'id="growth"' in html
    assert table_ids(html) == members
    assert analyst.get("/network/group/999999999/").status_code == 404


def test_the_shortest_chain_is_shown_as_steps(analyst, ring):
    a, b = ring["children"][1], ring["adult2"]
    response = analyst.get(f"/network/chain/?from={a.pk}&to={b.pk}")
    assert response.status_code == 200
    steps = response.content.decode()
    steps = steps[steps.index('id="steps"') : steps.index("</ol>")]
    order = [a.label, "AB12 CDE", ring["children"][0].label, "Golden Grill", b.label]
    found = [steps.index(label) for label in order]
    assert found == sorted(found)
    assert f"{b.label} works at or runs Golden Grill" in steps
    typed = analyst.get("/network/chain/", {"start": "ab12cde", "end": "Golden Grill"})
    assert "2 links from AB12 CDE to Golden Grill" in typed.content.decode()
    unknown = analyst.get("/network/chain/", {"start": "ab12cde", "end": "ZZ99 ZZZ"})
    assert unknown.status_code == 400
    assert "Nothing in the network you may see matches" in unknown.content.decode()


def test_the_report_page_explains_its_grading(analyst, ring):
    response = analyst.get(f"/network/report/{ring['report'].pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "A: Reliable" in html and "2: Known indirectly, corroborated" in html
    assert "C: Sharing with conditions" in html
    assert "licensing officers" in html
    assert ring["adult2"].label in html and "Golden Grill" in html
    event = latest("network.report.view")
    assert people_named(event) == {ring["adult2"].person_id, ring["children"][0].person_id}


def test_report_links_are_shown_only_to_those_who_may_open_the_report(client, police_officer, ring):
    """A sealed report: the officer (normal and restricted intelligence) sees neither it
    nor its links, and the report behind a link they see is a link to it."""
    restricted = record(
        police_officer,
        [person("a", ring["people"]["adult"]), vehicle("w", "XY65 ZZZ")],
        [("a", "w", "drives")],
        sensitivity="sealed",
    )
    sign_in_verified(client, police_officer)
    html = client.get(f"/network/entity/{ring['adult'].pk}/").content.decode()
    assert "XY65 ZZZ" not in html and restricted.reference not in html
    assert client.get(f"/network/report/{restricted.pk}/").status_code == 404
    assert (
        f'href="/network/report/{ring["report"].pk}/"'
        in client.get(f"/network/entity/{ring['place'].pk}/").content.decode()
    )


# ---------------------------------------------------------------- problem profiles
def test_the_car_profile_csv_lists_every_link_and_is_audited_as_an_export(analyst, ring):
    response = analyst.get(f"/network/entity/{ring['car'].pk}/profile.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    children = {r["from_reference"] for r in rows if r["from_child"] == "yes"} | {
        r["to_reference"] for r in rows if r["to_child"] == "yes"
    }
    assert children == {c.reference for c in ring["people"]["children"]}
    assert {r["link"] for r in rows} == {"Seen at", "Drives", "Seen in the vehicle"}
    assert {r["to"] for r in rows} >= {"AB12 CDE", "Golden Grill takeaway, Market Street"}
    assert all(r["report"].startswith("INT-") for r in rows)
    # the conditions on sharing travel with the links they govern
    conditions = {r["link"]: r["conditions_on_sharing"] for r in rows}
    assert "licensing officers" in conditions["Seen at"] and conditions["Drives"] == ""
    event = latest("network.profile.export")
    listed = {r[f"{end}_reference"] for r in rows for end in ("from", "to")} - {""}
    assert event.detail["format"] == "csv"
    assert {p for p in people_named(event)} == {
        e.person_id for e in Entity.objects.filter(person__reference__in=listed)
    }


def test_the_group_profile_pdf_is_a_marked_pdf_and_audited(analyst, ring):
    analysis.recompute()
    car = Entity.objects.get(pk=ring["car"].pk)
    response = analyst.get(f"/network/group/{car.community}/profile.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = latest("network.profile.export")
    assert event.detail["format"] == "pdf"
    members = Entity.objects.filter(community=car.community, person__isnull=False)
    assert people_named(event) == set(members.values_list("person_id", flat=True))


def test_a_profile_needs_the_export_right(client, police_officer, ring, monkeypatch):
    """An officer may view and export normal intelligence; with no right to export the
    people in it, the export lists none of them (and a place linked only to people is
    then no profile at all)."""
    from lantern.access import policy

    sign_in_verified(client, police_officer)
    assert client.get(f"/network/entity/{ring['place'].pk}/profile.csv").status_code == 200
    real = policy.people_visible_to

    def no_export(user, action="view"):
        found = real(user, action)
        return found.none() if action == "export" else found

    monkeypatch.setattr(policy, "people_visible_to", no_export)
    for entity in (ring["place"], ring["car"]):
        assert client.get(f"/network/entity/{entity.pk}/profile.csv").status_code == 404
