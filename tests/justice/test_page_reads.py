"""The reads behind the justice pages, done by the selectors: each applies the access
policy (an agency outside the investigation gets nothing, and its pages 404), and the
ones that show people write the audit event the page used to write itself."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from lantern.audit.models import AuditEvent
from lantern.justice import selectors, services
from lantern.justice.models import CourtOrder, VictimDuty

from .conftest import on
from .test_views import TODAY, get, make_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(police_officer, operation, council):
    return make_scene(police_officer, operation, council)


@pytest.fixture
def order(police_officer, scene):
    with on(TODAY):
        return services.order_make(
            actor=police_officer,
            suspect=scene["case"].defendant,
            kind="restraining",
            made_on=TODAY,
            terms="Not to contact the Ashdown family",
            court_case=scene["case"],
        )


def analyst():
    return get_user_model().objects.get(username="police.analyst")


def events_since(last: int, operation: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=last, operation=operation).order_by("pk"))


def last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def subjects(event: AuditEvent) -> set[tuple[str, str]]:
    return set(event.subjects.values_list("record_type", "record_id"))


def people(event: AuditEvent) -> set[int]:
    return set(event.subjects.exclude(person_id=None).values_list("person_id", flat=True))


# ---------------------------------------------------------------- the operation's investigations
def test_the_operations_investigations_with_their_counts_audited_as_a_list(
    police_officer, nhs_nurse, scene
):
    before = last_event()
    found = selectors.operation_investigations(user=police_officer, operation=scene["operation"])
    assert [i.pk for i in found] == [scene["investigation"].pk]
    assert (found[0].n_suspects, found[0].n_victims, found[0].n_cases) == (2, 1, 1)
    [event] = events_since(before, "justice.investigation.list")
    assert ("justice.investigation", str(scene["investigation"].pk)) in subjects(event)
    assert event.purpose == "Investigations of Operation Hawthorn"

    # An agency outside the investigation: nothing, and nothing audited as shown.
    before = last_event()
    assert selectors.operation_investigations(user=nhs_nurse, operation=scene["operation"]) == []
    assert events_since(before, "justice.investigation.list") == []


# ---------------------------------------------------------------- the court case page
def test_the_case_page_audits_its_victims_bail_and_orders_in_one_event(
    client_for, police_officer, scene, order
):
    before = last_event()
    reply = get(client_for(police_officer), reverse("justice:case", args=[scene["case"].pk]))
    assert reply.status_code == 200
    [event] = events_since(before, "justice.case.details")
    assert event.purpose == "Court case T20267014: victims, bail and orders"
    assert ("justice.courtorder", str(order.pk)) in subjects(event)
    assert scene["victim"].person_id in people(event)


def test_the_analyst_is_shown_no_victims_so_none_is_named_in_the_details_event(
    client_for, scene, order
):
    before = last_event()
    reply = get(client_for(analyst()), reverse("justice:case", args=[scene["case"].pk]))
    assert reply.status_code == 200
    [event] = events_since(before, "justice.case.details")
    assert ("justice.courtorder", str(order.pk)) in subjects(event)
    assert scene["victim"].person_id not in people(event)


def test_orders_bail_and_victims_of_a_case_are_nothing_to_another_agency(
    police_officer, nhs_nurse, scene, order
):
    case = scene["case"]
    details = selectors.case_details(user=police_officer, case=case)
    assert details.orders == [order]
    assert selectors.case_victims(user=police_officer, case=case) == [scene["victim"]]

    before = last_event()
    details = selectors.case_details(user=nhs_nurse, case=case, victims_shown=())
    assert details.orders == [] and details.bail == []
    assert selectors.case_victims(user=nhs_nurse, case=case) == []
    assert events_since(before, "justice.case.details") == []
    assert CourtOrder.objects.filter(pk=order.pk).exists()  # hidden, not gone


# ---------------------------------------------------------------- duties
def test_a_duty_and_its_investigations_cases_only_for_those_who_may_read_it(
    police_officer, nhs_nurse, scene
):
    duty = VictimDuty.objects.filter(victim=scene["victim"]).order_by("pk").first()
    assert duty is not None
    investigation = scene["investigation"]
    assert selectors.duty_get(user=police_officer, pk=duty.pk) == duty
    with pytest.raises(VictimDuty.DoesNotExist):
        selectors.duty_get(user=nhs_nurse, pk=duty.pk)
    with pytest.raises(VictimDuty.DoesNotExist):
        selectors.duty_get(user=police_officer, pk="not a number")

    cases = selectors.cases_by_investigation(
        user=police_officer, investigation_ids=[investigation.pk]
    )
    assert cases == {investigation.pk: [scene["case"]]}
    assert (
        selectors.cases_by_investigation(user=nhs_nurse, investigation_ids=[investigation.pk]) == {}
    )
    assert selectors.case_in_investigation(
        user=police_officer, pk=scene["case"].pk, investigation_id=investigation.pk
    )
    assert not selectors.case_in_investigation(
        user=nhs_nurse, pk=scene["case"].pk, investigation_id=investigation.pk
    )
    assert selectors.investigations_editable(user=police_officer, pks=[investigation.pk]) == {
        investigation.pk
    }
    assert selectors.investigations_editable(user=analyst(), pks=[investigation.pk]) == set()


def test_a_duty_done_elsewhere_is_404_to_an_officer_of_no_investigation(
    client_for, nhs_nurse, scene
):
    duty = VictimDuty.objects.filter(victim=scene["victim"]).order_by("pk").first()
    reply = client_for(nhs_nurse).post(
        reverse("justice:duty-done", args=[duty.pk]), {"done_at": "2 11 2026 10:00"}
    )
    assert reply.status_code == 404
    duty.refresh_from_db()
    assert duty.done_at is None


# ---------------------------------------------------------------- bail, and the person named
def test_bail_for_a_person_names_the_agency_that_holds_it(police_officer, social_worker, scene):
    person = selectors.person_named(f"  {scene['accomplice'].reference.lower()} ")
    assert person == scene["accomplice"]
    assert selectors.person_named("") is None
    [bail] = selectors.bail_for_person(user=social_worker, person=person)
    assert bail.agency.name == police_officer.agency.name


def test_a_victims_address_is_masked_even_where_the_reader_cannot_open_the_investigation(scene):
    assert selectors.victim_person_ids(investigation_ids=[scene["investigation"].pk]) == {
        scene["victim"].person_id
    }
