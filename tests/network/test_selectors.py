"""Reading the network under the access policy: the neighbourhood of an entity, chains,
entities shared by children, groups, reports and summaries. A person the reader may not
see is absent with every link touching them, and every read names who it showed."""

from __future__ import annotations

import pytest

from lantern.audit.models import AuditEvent, AuditSubject
from lantern.network import analysis, selectors, services
from lantern.network.models import Entity, Link

from .conftest import link_unseen, person, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_network")]


def vehicle(ref, value="AB12 CDE"):
    return services.EntityInput(ref, kind="vehicle", value=value)


def place(ref, value="Golden Grill takeaway, Market Street"):
    return services.EntityInput(ref, kind="location", value=value, place_type="takeaway")


@pytest.fixture
def ring(police_officer, police_children, police_adults):
    """An adult who drives a car in which three children were found; one child also seen at
    a takeaway with a second adult."""
    adult, adult2 = police_adults[:2]
    c1, c2, c3 = police_children[:3]
    record(
        police_officer,
        [person("a", adult), vehicle("v")],
        [("a", "v", "drives")],
    )
    for child in (c1, c2, c3):
        record(police_officer, [person("c", child), vehicle("v")], [("c", "v", "in_vehicle")])
    report = record(
        police_officer,
        [person("c", c1), person("b", adult2), place("p")],
        [("c", "p", "at_location"), ("b", "p", "works_at")],
    )
    entity = {p.pk: services.person_entity(p) for p in (adult, adult2, c1, c2, c3)}
    return {
        "adult": entity[adult.pk],
        "adult2": entity[adult2.pk],
        "children": [entity[c.pk] for c in (c1, c2, c3)],
        "car": Entity.objects.get(kind="vehicle", key="AB12CDE"),
        "place": Entity.objects.get(kind="location"),
        "report": report,
    }


def ids(view) -> set[int]:
    return {n.id for n in view.nodes}


def test_two_links_from_a_child_reach_the_car_its_driver_and_the_other_children(
    police_analyst, ring
):
    child = ring["children"][1]
    one = selectors.neighbourhood(user=police_analyst, entity=child, hops=1)
    assert ids(one) == {child.pk, ring["car"].pk}
    two = selectors.neighbourhood(user=police_analyst, entity=child, hops=2)
    assert ids(two) == {child.pk, ring["car"].pk, ring["adult"].pk} | {
        c.pk for c in ring["children"]
    }
    assert {e.kind for e in two.edges} == {"in_vehicle", "drives"}
    assert all(n.is_child for n in two.nodes if n.id in {c.pk for c in ring["children"]})
    assert not two.node(ring["adult"].pk).is_child


def test_a_person_the_reader_may_not_see_is_absent_with_their_links(
    police_analyst, ring, unseen_child
):
    hidden = link_unseen(ring["report"], unseen_child, ring["car"], kind="in_vehicle")
    view = selectors.neighbourhood(user=police_analyst, entity=ring["car"], hops=2)
    assert hidden.source_id not in ids(view)
    assert hidden.pk not in {e.id for e in view.edges}
    with pytest.raises(Entity.DoesNotExist):
        selectors.entity_get(user=police_analyst, pk=hidden.source_id)
    # ...and no chain runs through them, and no count includes them
    shared = selectors.shared_entities(user=police_analyst, min_children=3)
    car = next(s for s in shared if s.entity.id == ring["car"].pk)
    assert hidden.source_id not in {c.id for c in car.children}
    assert len(car.children) == 3


def test_other_agencies_see_no_police_intelligence(social_worker, nhs_nurse, ring):
    for user in (social_worker, nhs_nurse):
        with pytest.raises(Entity.DoesNotExist):
            selectors.entity_get(user=user, pk=ring["car"].pk)
        assert not selectors.links_visible_to(user).exists()
        assert selectors.shared_entities(user=user, min_children=1) == []
        with pytest.raises(Entity.DoesNotExist):
            selectors.group_view(user=user, community=ring["car"].community)


def test_a_shared_summary_shows_the_links_it_names_and_nothing_else(
    police_officer, social_worker, ring, council
):
    car_links = list(Link.objects.filter(target=ring["car"], kind="in_vehicle").order_by("pk"))
    first = car_links[0]
    summary = services.summary_share(
        actor=police_officer,
        report=first.report,
        recipient=council,
        text="A child known to you was found in a car linked to an adult of concern.",
        links=[first],
    )
    visible = selectors.links_visible_to(social_worker)
    assert list(visible) == [first]
    with pytest.raises(selectors.IntelligenceReport.DoesNotExist):
        selectors.report_get(user=social_worker, pk=first.report_id)
    services.summary_withdraw(actor=police_officer, summary=summary, reason="Shared in error")
    assert not selectors.links_visible_to(social_worker).exists()


def test_the_shortest_chain_between_two_children_runs_through_the_car(police_analyst, ring):
    a, b = ring["children"][:2]
    chain = selectors.shortest_chain(user=police_analyst, a=a, b=b)
    assert [n.id for n in chain.nodes] == [a.pk, ring["car"].pk, b.pk]
    assert len(chain.edges) == 2
    far = selectors.shortest_chain(user=police_analyst, a=ring["children"][1], b=ring["adult2"])
    assert [n.id for n in far.nodes] == [
        ring["children"][1].pk,
        ring["car"].pk,
        ring["children"][0].pk,
        ring["place"].pk,
        ring["adult2"].pk,
    ]


def test_a_chain_never_runs_through_a_person_the_reader_may_not_see(
    police_officer, police_analyst, police_children, unseen_child, ring
):
    lone = police_children[5]
    report = record(
        police_officer, [person("c", lone), vehicle("w", "XY65 ZZZ")], [("c", "w", "in_vehicle")]
    )
    other_car = Entity.objects.get(kind="vehicle", key="XY65ZZZ")
    link_unseen(report, unseen_child, other_car)
    link_unseen(report, unseen_child, ring["car"])
    lone_entity = services.person_entity(lone)
    chain = selectors.shortest_chain(user=police_analyst, a=lone_entity, b=ring["children"][0])
    assert chain is None


def test_children_within_two_links_of_a_flagged_adult(police_officer, police_analyst, ring):
    services.entity_flag(
        actor=police_officer, entity=ring["adult"], flagged=True, reason="MACE 3 March"
    )
    near = selectors.children_near(user=police_analyst, entity=ring["adult"])
    assert {n.id for n in near} == {c.pk for c in ring["children"]}


def test_the_group_shows_who_holds_it_together_and_how_it_grew(police_analyst, ring):
    analysis.recompute()
    car = Entity.objects.get(pk=ring["car"].pk)
    group = selectors.group_view(user=police_analyst, community=car.community)
    assert ring["car"].pk in {n.id for n in group.network.nodes}
    top = group.holds_together[0][0]
    assert top.id in {ring["car"].pk, ring["children"][0].pk}
    assert group.growth[-1][1] == len(group.network.nodes)


def test_every_read_names_the_people_it_showed(police_analyst, ring):
    before = AuditEvent.objects.count()
    view = selectors.neighbourhood(user=police_analyst, entity=ring["car"], hops=1)
    event = AuditEvent.objects.order_by("-pk").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.operation == "network.neighbourhood"
    named = set(AuditSubject.objects.filter(event=event).values_list("person_id", flat=True))
    assert named == {n.person_id for n in view.nodes if n.person_id}
    assert len(named) == 4


def test_the_time_filter_keeps_links_seen_in_the_window(
    police_officer, police_analyst, police_children
):
    import datetime as dt

    from .conftest import TODAY

    child = police_children[6]
    record(
        police_officer,
        [person("c", child), vehicle("v", "MN11 OPQ")],
        [("c", "v", "in_vehicle")],
        observed_on=TODAY - dt.timedelta(days=400),
    )
    record(
        police_officer,
        [person("c", child), vehicle("v", "MN22 OPQ")],
        [("c", "v", "in_vehicle")],
        observed_on=TODAY - dt.timedelta(days=20),
    )
    entity = services.person_entity(child)
    recent = selectors.neighbourhood(
        user=police_analyst, entity=entity, hops=1, since=TODAY - dt.timedelta(days=90)
    )
    assert {n.label for n in recent.nodes if n.kind == "vehicle"} == {"MN22 OPQ"}
    no_cars = selectors.neighbourhood(
        user=police_analyst, entity=entity, hops=1, kinds={"person", "location"}
    )
    assert ids(no_cars) == {entity.pk}


def test_a_busy_place_shows_its_newest_links_and_says_more_were_left_out(
    police_officer, police_analyst, ring
):
    """A hub (a takeaway with many phones seen there) gives only its newest HUB_LINKS links,
    so one busy place does not drown the rest; the view says it was cut."""
    import datetime as dt

    from .conftest import TODAY

    phones = [
        services.EntityInput(f"ph{n}", kind="phone", value=f"07700 900{n:03d}")
        for n in range(selectors.HUB_LINKS + 5)
    ]
    record(  # all seen there yesterday: newer than the ring's links (ten days ago)
        police_officer,
        [place("p"), *phones],
        [(phone.ref, "p", "at_location") for phone in phones],
        observed_on=TODAY - dt.timedelta(days=1),
    )
    view = selectors.neighbourhood(user=police_analyst, entity=ring["place"], hops=1)
    assert view.truncated
    assert len(view.edges) == selectors.HUB_LINKS
    assert {e.kind for e in view.edges} == {"at_location"}
    # the child and the adult, seen there ten days ago, are the older links left out
    assert ring["children"][0].pk not in ids(view)
    assert ring["adult2"].pk not in ids(view)

    quiet = selectors.neighbourhood(user=police_analyst, entity=ring["car"], hops=1)
    assert not quiet.truncated
