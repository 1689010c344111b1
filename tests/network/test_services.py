"""Recording intelligence and sharing it (network/services.py): entities matched however
they were typed, refusals that name the field and leave nothing behind, and the rules a
sanitised summary is shared under."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from lantern.access import policy
from lantern.access.models import InformationSharingAgreement
from lantern.audit.models import AuditEvent, AuditSubject
from lantern.network import selectors, services
from lantern.network.models import Entity, IntelligenceReport, Link, SharedSummary
from lantern.partners.models import Agency

from .conftest import TODAY, person, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_network")]


def vehicle(ref, value):
    return services.EntityInput(ref, kind="vehicle", value=value)


def phone(ref, value):
    return services.EntityInput(ref, kind="phone", value=value)


def place(ref, value="Station Hotel, Canal Street"):
    return services.EntityInput(ref, kind="location", value=value, place_type="hotel")


def counts() -> tuple[int, int, int, int]:
    return (
        IntelligenceReport.objects.count(),
        Entity.objects.count(),
        Link.objects.count(),
        SharedSummary.objects.count(),
    )


def refused(call) -> dict[str, list[str]]:
    """The refusal's messages by field, checking that nothing was saved."""
    before = counts()
    with pytest.raises(ValidationError) as caught:
        call()
    assert counts() == before, "a refused write left something behind"
    return caught.value.message_dict


# ---------------------------------------------------------------- matching
def test_a_registration_however_typed_is_one_vehicle(police_officer, police_children):
    a, b = police_children[:2]
    first = record(
        police_officer, [person("c", a), vehicle("v", "QX71LNT")], [("c", "v", "in_vehicle")]
    )
    second = record(
        police_officer, [person("c", b), vehicle("v", "qx71 lnt")], [("c", "v", "in_vehicle")]
    )
    third = record(
        police_officer, [person("c", b), vehicle("v", " Qx-71 Lnt ")], [("c", "v", "in_vehicle")]
    )
    [car] = Entity.objects.filter(kind="vehicle", key="QX71LNT")
    assert car.label == "QX71 LNT"
    for report in (first, second, third):
        assert report.links.get().target_id == car.pk


def test_a_phone_number_in_any_format_is_one_phone(police_officer, police_children):
    child = police_children[0]
    typed = ["+44 7700 900123", "07700900123", "07700 900 123", "0044 (0)7700-900123"]
    for value in typed:
        record(police_officer, [person("c", child), phone("p", value)], [("c", "p", "uses_phone")])
    [number] = Entity.objects.filter(kind="phone", key="07700900123")
    assert number.label == "07700 900123"
    assert Link.objects.filter(target=number).count() == len(typed)


def test_a_person_is_found_by_their_reference(police_officer, police_children):
    child = police_children[0]
    lower = services.EntityInput("c", kind="person", person_reference=child.reference.lower())
    report = record(police_officer, [lower, vehicle("v", "QX71 LNT")], [("c", "v", "in_vehicle")])
    entity = report.links.get().source
    assert entity.person_id == child.pk and entity.kind == "person"
    again = record(police_officer, [person("c", child), place("h")], [("c", "h", "at_location")])
    assert again.links.get().source_id == entity.pk


def test_a_person_the_officer_may_not_see_is_refused(police_officer, unseen_child):
    assert unseen_child is not None
    assert not policy.people_visible_to(police_officer).filter(pk=unseen_child.pk).exists()
    errors = refused(
        lambda: record(
            police_officer,
            [vehicle("v", "QX71 LNT"), person("c", unseen_child)],
            [("c", "v", "in_vehicle")],
        )
    )
    [message] = errors["entities[2].person_reference"]
    assert "No person you can see" in message
    # ...and by the entity they already have, which answers as if it did not exist
    hidden = services.person_entity(unseen_child)
    errors = refused(
        lambda: record(
            police_officer,
            [vehicle("v", "QX71 LNT"), services.EntityInput("c", entity_id=hidden.pk)],
            [("c", "v", "in_vehicle")],
        )
    )
    assert errors["entities[2].entity_id"] == [f"There is no entity {hidden.pk} in Lantern"]


# ---------------------------------------------------------------- refusals
def test_a_malformed_registration_is_refused_naming_the_entity(police_officer, police_children):
    errors = refused(
        lambda: record(
            police_officer,
            [person("c", police_children[0]), place("h"), vehicle("v", "AB12 CD")],
            [("c", "h", "at_location"), ("c", "v", "in_vehicle")],
        )
    )
    assert list(errors) == ["entities[3].value"]
    assert "'AB12 CD' is not a UK registration" in errors["entities[3].value"][0]


@pytest.mark.parametrize("typed", ["0770090012", "07700 900 1234", "07700-CALL-ME", "+44"])
def test_a_malformed_phone_number_is_refused(police_officer, police_children, typed):
    errors = refused(
        lambda: record(
            police_officer,
            [person("c", police_children[0]), phone("p", typed)],
            [("c", "p", "uses_phone")],
        )
    )
    assert list(errors) == ["entities[2].value"]
    assert "phone number" in errors["entities[2].value"][0]


def test_a_link_to_an_entity_the_report_does_not_name_is_refused(police_officer, police_children):
    errors = refused(
        lambda: record(
            police_officer,
            [person("c", police_children[0]), vehicle("v", "QX71 LNT")],
            [("c", "v", "in_vehicle"), ("c", "car", "in_vehicle")],
        )
    )
    assert list(errors) == ["links[2].target"]
    assert "'car'" in errors["links[2].target"][0]


def test_a_link_to_an_entity_lantern_does_not_hold_is_refused(police_officer, police_children):
    missing = (Entity.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    errors = refused(
        lambda: record(
            police_officer,
            [person("c", police_children[0]), services.EntityInput("x", entity_id=missing)],
            [("c", "x", "associate")],
        )
    )
    assert errors == {"entities[2].entity_id": [f"There is no entity {missing} in Lantern"]}


@pytest.mark.parametrize(
    ("grading", "field"),
    [
        ("D2P", "source_evaluation"),
        ("B6P", "intelligence_assessment"),
        ("B0P", "intelligence_assessment"),
        ("B2X", "handling_code"),
        ("B2C", "handling_conditions"),  # C needs its conditions written down
    ],
)
def test_a_grading_outside_the_scheme_is_refused(police_officer, police_children, grading, field):
    errors = refused(
        lambda: record(
            police_officer,
            [person("c", police_children[0]), vehicle("v", "QX71 LNT")],
            [("c", "v", "in_vehicle")],
            grading=grading,
        )
    )
    assert list(errors) == [field]
    if field != "handling_conditions":
        assert "3x5x2" in errors[field][0]


def test_a_refused_report_leaves_no_new_entity_behind(police_officer, police_children):
    """The first entities are new and good; the last is bad: none of them is kept."""
    errors = refused(
        lambda: record(
            police_officer,
            [
                vehicle("v", "ZY19 QQQ"),
                phone("p", "07700 900999"),
                person("c", police_children[0]),
                services.EntityInput("a", kind="online_account", value="@kf_x", platform=""),
            ],
            [("c", "v", "in_vehicle"), ("c", "p", "uses_phone"), ("c", "a", "uses_account")],
        )
    )
    assert "entities[4].value" in errors
    assert not Entity.objects.filter(key__in=["ZY19QQQ", "07700900999"]).exists()


def test_other_refusals_name_their_field(police_officer, police_children):
    child = police_children[0]

    def report(**changes):
        links = changes.pop("links", [services.LinkInput("c", "v", "in_vehicle")])
        data = {
            "observed_on": TODAY - dt.timedelta(days=3),
            "source_description": "Patrol officer",
            "source_evaluation": "B",
            "intelligence_assessment": "2",
            "handling_code": "P",
            "text": "Seen together",
            "entities": [person("c", child), vehicle("v", "QX71 LNT")],
            "links": links,
            **changes,
        }
        return lambda: services.report_submit(
            actor=police_officer, data=services.ReportInput(**data)
        )

    future = TODAY + dt.timedelta(days=400)
    assert "observed_on" in refused(report(observed_on=future))
    assert "observed_on" in refused(report(observed_on=None))
    assert "text" in refused(report(text="  "))
    assert "links[1].kind" in refused(report(links=[services.LinkInput("c", "v", "teleported")]))
    assert "links[1].target" in refused(report(links=[services.LinkInput("c", "c", "associate")]))
    early = TODAY - dt.timedelta(days=9)
    assert "links[1].last_seen" in refused(
        report(
            links=[
                services.LinkInput(
                    "c", "v", "in_vehicle", first_seen=TODAY - dt.timedelta(days=5), last_seen=early
                )
            ]
        )
    )
    assert "entities[2].kind" in refused(
        report(
            entities=[person("c", child), services.EntityInput("v", kind="spaceship", value="x")]
        )
    )
    twice = refused(report(entities=[person("c", child), vehicle("c", "QX71 LNT")]))
    assert [k for k in twice if k.startswith("entities[") and k.endswith("].ref")]


def test_only_the_police_record_intelligence(social_worker, police_children):
    errors = refused(
        lambda: record(
            social_worker,
            [person("c", police_children[0]), vehicle("v", "QX71 LNT")],
            [("c", "v", "in_vehicle")],
        )
    )
    assert list(errors) == ["agency"]


# ---------------------------------------------------------------- sharing
@pytest.fixture
def sighting(police_officer, police_children):
    """A report of a child found in a car outside a hotel: the car-hotel link shares
    without naming anyone."""
    return record(
        police_officer,
        [person("c", police_children[0]), vehicle("v", "QX71 LNT"), place("h")],
        [("c", "v", "in_vehicle"), ("v", "h", "at_location")],
        grading="B2C",
        handling_conditions="Not to be shared with the family; ask before acting",
    )


def share(actor, report, recipient, links=None, text="A car of concern was seen at the hotel"):
    return services.summary_share(
        actor=actor,
        report=report,
        recipient=recipient,
        text=text,
        links=links if links is not None else list(report.links.order_by("pk")),
    )


def test_a_summary_needs_an_agreement_in_force(police_officer, sighting, council):
    InformationSharingAgreement.objects.update(ends_on=TODAY - dt.timedelta(days=400))
    errors = refused(lambda: share(police_officer, sighting, council))
    assert list(errors) == ["recipient"] and "agreement" in errors["recipient"][0]


def test_an_agency_outside_every_agreement_receives_nothing(police_officer, sighting):
    stranger = Agency.objects.create(code="outside-body", name="A body outside", kind="voluntary")
    errors = refused(lambda: share(police_officer, sighting, stranger))
    assert list(errors) == ["recipient"]


def test_handling_conditions_travel_with_the_summary(police_officer, sighting, council):
    summary = share(police_officer, sighting, council)
    assert summary.conditions == "Not to be shared with the family; ask before acting"
    assert summary.agreement.code == "kestrelford-safeguarding"
    assert summary.recipient == council and summary.agency == sighting.agency


def test_a_report_graded_5_is_not_shared(police_officer, police_children, council):
    doubtful = record(
        police_officer,
        [person("c", police_children[0]), vehicle("v", "QX71 LNT")],
        [("c", "v", "in_vehicle")],
        grading="C5P",
    )
    errors = refused(lambda: share(police_officer, doubtful, council))
    assert list(errors) == ["report"] and "5" in errors["report"][0]


def test_only_the_report_s_own_links_are_shared(police_officer, sighting, police_children, council):
    other = record(
        police_officer,
        [person("c", police_children[1]), vehicle("v", "QX71 LNT")],
        [("c", "v", "in_vehicle")],
    )
    errors = refused(
        lambda: share(police_officer, sighting, council, links=list(other.links.all()))
    )
    assert list(errors) == ["links"]
    assert "text" in refused(lambda: share(police_officer, sighting, council, text=" "))
    assert "recipient" in refused(lambda: share(police_officer, sighting, sighting.agency))


def test_other_agencies_cannot_share_police_intelligence(social_worker, sighting, police):
    assert "report" in refused(lambda: share(social_worker, sighting, police))


def test_the_recipient_sees_the_summary_and_its_links_but_not_the_report(
    police_officer, mash_worker, nhs_nurse, sighting, council
):
    car_at_hotel = sighting.links.get(kind="at_location")
    summary = share(police_officer, sighting, council, links=[car_at_hotel])
    [seen] = selectors.summaries_for(user=mash_worker)
    assert seen.pk == summary.pk and seen.shown_links == [car_at_hotel]
    assert list(selectors.links_visible_to(mash_worker)) == [car_at_hotel]
    assert not policy.can(mash_worker, "view", sighting)
    with pytest.raises(IntelligenceReport.DoesNotExist):
        selectors.report_get(user=mash_worker, pk=sighting.pk)
    # another agency sees none of it
    assert selectors.summaries_for(user=nhs_nurse) == []
    assert not selectors.links_visible_to(nhs_nurse).exists()


def test_the_disclosure_is_audited_with_its_recipient(
    police_officer, sighting, council, police_children
):
    summary = share(police_officer, sighting, council)
    event = AuditEvent.objects.get(operation="network.summary.share")
    assert event.action == "disclosure" and event.recipient == council.name
    assert event.actor == police_officer
    assert event.detail["agreement"] == "kestrelford-safeguarding"
    assert event.detail["handling_code"] == "C"
    subjects = AuditSubject.objects.filter(event=event)
    assert police_children[0].pk in {s.person_id for s in subjects}
    assert {(s.record_type, s.record_id) for s in subjects} >= {
        ("network.sharedsummary", str(summary.pk)),
        ("network.intelligencereport", str(sighting.pk)),
    }


def test_a_withdrawn_summary_is_no_longer_seen(police_officer, mash_worker, sighting, council):
    summary = share(police_officer, sighting, council)
    services.summary_withdraw(actor=police_officer, summary=summary, reason="Shared in error")
    assert selectors.summaries_for(user=mash_worker) == []
    assert not policy.can(mash_worker, "view", summary)
