"""Opening, meeting, cancelling and escalating deadlines: each write checked and audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from lantern.access.models import Notification
from lantern.audit.models import AuditEvent
from lantern.audit.services import AuditWriteFailed
from lantern.audit.testing import audit_writes_fail
from lantern.core import clock
from lantern.partners.models import Agency, Team
from lantern.timescales import rules
from lantern.timescales.models import Deadline
from lantern.timescales.services import (
    deadline_cancel,
    deadline_meet,
    deadlines_escalate,
)

from .conftest import NOW

pytestmark = pytest.mark.django_db


def last_event(operation: str) -> AuditEvent:
    return AuditEvent.objects.filter(operation=operation).order_by("-id").first()


def subjects_of(event: AuditEvent) -> set[tuple[str, str]]:
    return set(event.subjects.values_list("record_type", "record_id"))


def refused_field(exc: pytest.ExceptionInfo) -> set[str]:
    return set(exc.value.message_dict)


# ---------------------------------------------------------------- opening
def test_opening_sets_the_due_time_from_the_rule_and_is_audited(
    now, open_deadline, council_child, mash_worker, front_door
):
    started = NOW - dt.timedelta(hours=3)
    deadline = open_deadline(council_child, "initial_conference", starts_at=started)
    assert deadline.due_at == rules.due("initial_conference", started)
    assert deadline.owner_team == front_door and deadline.is_open
    assert deadline.status == "upcoming" and deadline.status_label == "Upcoming"
    assert deadline.subject == council_child.source_records.order_by("pk").first()
    event = last_event("deadline.open")
    assert event.actor_id == mash_worker.pk and event.action == "collection"
    assert ("people.person", str(council_child.pk)) in subjects_of(event)
    assert ("timescales.deadline", str(deadline.pk)) in subjects_of(event)
    assert "15 working days" in event.purpose


def test_a_deadline_is_not_opened_without_its_audit_event(now, open_deadline, council_child):
    with audit_writes_fail(), pytest.raises(AuditWriteFailed):
        open_deadline(council_child)
    assert not Deadline.objects.filter(person=council_child).exists()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"rule": "weekly_visit"}, "rule", "no timescale rule 'weekly_visit'"),
        ({"starts_at": dt.datetime(2026, 11, 10, 9, 0)}, "starts_at", "time zone"),
        (
            {"starts_at": dt.datetime(2032, 12, 20, 9, 0, tzinfo=dt.UTC), "rule": "assessment"},
            "starts_at",
            "end of the working-day calendar",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    now, open_deadline, council_child, change, field, words
):
    with pytest.raises(ValidationError) as refused:
        open_deadline(council_child, **change)
    assert refused_field(refused) == {field}
    assert words in str(refused.value)
    assert not Deadline.objects.filter(person=council_child).exists()


def test_the_owners_must_belong_together(now, open_deadline, council_child, police_officer):
    police = Agency.objects.get(code="northmoor-police")
    front_door = Team.objects.get(code="front-door")
    with pytest.raises(ValidationError) as refused:
        open_deadline(council_child, owner_agency=police, owner_team=front_door)
    assert refused_field(refused) == {"owner_team"}
    with pytest.raises(ValidationError) as refused:
        open_deadline(council_child, owner_user=police_officer)
    assert refused_field(refused) == {"owner_user"}
    assert "does not work at Kestrelford" in str(refused.value)


def test_one_open_deadline_per_record_and_rule(now, open_deadline, council_child, mash_worker):
    first = open_deadline(council_child, "review_conference")
    with pytest.raises(ValidationError, match="already open"):
        open_deadline(council_child, "review_conference")
    # Another rule on the same record is fine; so is the next review once this one is met.
    open_deadline(council_child, "first_core_group")
    deadline_meet(actor=mash_worker, subject=first.subject, rule="review_conference", met_at=NOW)
    following = open_deadline(council_child, "review_conference")
    assert following.pk != first.pk and following.is_open


def test_an_information_request_to_an_agency_names_no_team(now, open_deadline, council_child):
    nhs = Agency.objects.get(code="kestrelford-nhs")
    deadline = open_deadline(council_child, "information_request_amber", owner_agency=nhs)
    assert deadline.owner_team is None and deadline.owner_label == nhs.name
    assert deadline.due_at == NOW + dt.timedelta(hours=6)


# ---------------------------------------------------------------- meeting and cancelling
def test_meeting_records_when_and_whether_late(now, open_deadline, council_child, mash_worker):
    started = NOW - dt.timedelta(days=3)
    deadline = open_deadline(council_child, starts_at=started)
    met = deadline_meet(
        actor=mash_worker, subject=deadline.subject, rule="referral_decision", met_at=NOW
    )
    assert met.pk == deadline.pk and met.met_at == NOW and not met.is_open
    assert met.status_at(NOW) == "met_late"
    event = last_event("deadline.meet")
    assert event.detail["late"] is True and event.actor_id == mash_worker.pk
    again = deadline_meet(
        actor=mash_worker, subject=deadline.subject, rule="referral_decision", met_at=NOW
    )
    assert again is None


def test_meeting_refuses_a_time_in_the_future_or_before_the_start(
    now, open_deadline, council_child, mash_worker
):
    deadline = open_deadline(council_child, starts_at=NOW - dt.timedelta(hours=1))
    for met_at, words in [
        (NOW + dt.timedelta(minutes=5), "cannot be in the future"),
        (NOW - dt.timedelta(hours=2), "same as or after when the step started"),
    ]:
        with pytest.raises(ValidationError, match=words) as refused:
            deadline_meet(
                actor=mash_worker, subject=deadline.subject, rule="referral_decision", met_at=met_at
            )
        assert refused_field(refused) == {"met_at"}
    deadline.refresh_from_db()
    assert deadline.is_open


def test_a_misspelt_rule_is_refused_not_taken_for_nothing_open(now, council_child, mash_worker):
    subject = council_child.source_records.first()
    with pytest.raises(ValidationError, match="no timescale rule"):
        deadline_meet(actor=mash_worker, subject=subject, rule="referal_decision", met_at=NOW)
    assert deadline_meet(actor=mash_worker, subject=subject, rule="assessment", met_at=NOW) is None


def test_cancelling_needs_a_reason(now, open_deadline, council_child, mash_worker):
    deadline = open_deadline(council_child, "assessment")
    with pytest.raises(ValidationError) as refused:
        deadline_cancel(actor=mash_worker, subject=deadline.subject, rule="assessment", reason=" ")
    assert refused_field(refused) == {"reason"}
    cancelled = deadline_cancel(
        actor=mash_worker,
        subject=deadline.subject,
        rule="assessment",
        reason="The family moved to another area; case transferred",
    )
    assert cancelled.cancelled_at == NOW and cancelled.status_at(NOW) == "cancelled"
    assert last_event("deadline.cancel").purpose.startswith("The family moved")
    assert (
        deadline_cancel(actor=mash_worker, subject=deadline.subject, rule="assessment", reason="x")
        is None
    )


# ---------------------------------------------------------------- escalation
def overdue(open_deadline, person, **owners) -> Deadline:
    return open_deadline(person, starts_at=NOW - dt.timedelta(days=5), **owners)


def test_overdue_deadlines_are_escalated_once_to_the_team_manager(
    now, open_deadline, council_child, team_manager
):
    late = overdue(open_deadline, council_child)
    not_yet = open_deadline(council_child, "assessment")
    assert deadlines_escalate() == 1
    late.refresh_from_db()
    not_yet.refresh_from_db()
    assert late.escalated_at == NOW and not_yet.escalated_at is None
    note = Notification.objects.get(recipient=team_manager, kind="deadline_overdue")
    assert note.person == council_child
    assert council_child.reference in note.message and "Referral decision" in note.message
    event = last_event("deadline.escalate")
    assert event.actor_id is None
    assert ("people.person", str(council_child.pk)) in subjects_of(event)
    told = Notification.objects.filter(kind="deadline_overdue").count()
    assert deadlines_escalate() == 0
    assert Notification.objects.filter(kind="deadline_overdue").count() == told


def test_met_and_cancelled_deadlines_are_never_escalated(
    now, open_deadline, council_child, mash_worker
):
    late = overdue(open_deadline, council_child)
    deadline_meet(actor=mash_worker, subject=late.subject, rule="referral_decision", met_at=NOW)
    assert deadlines_escalate() == 0


def test_a_manager_is_not_told_about_someone_they_may_not_see(
    now, open_deadline, police_only_person, team_manager
):
    late = overdue(open_deadline, police_only_person)
    assert deadlines_escalate() == 1
    late.refresh_from_db()
    assert late.escalated_at == NOW
    assert not Notification.objects.filter(recipient=team_manager, person=police_only_person)
    assert last_event("deadline.escalate").detail["told_no_one"] == [late.pk]


def test_without_a_manager_in_the_team_the_agencys_managers_are_told(
    now, open_deadline, council_child, team_manager
):
    exploitation = Team.objects.get(code="exploitation", agency__code=team_manager.agency.code)
    overdue(open_deadline, council_child, owner_team=exploitation)
    assert deadlines_escalate(now=NOW) == 1
    assert Notification.objects.filter(recipient=team_manager, kind="deadline_overdue").exists()


def test_a_manager_who_has_moved_team_is_told_no_more(
    now, open_deadline, council_child, team_manager, front_door
):
    from lantern.partners.models import StaffMembership

    old = team_manager.membership
    StaffMembership.objects.filter(pk=old.pk).update(ended_on=NOW.date())
    StaffMembership.objects.create(
        user=team_manager,
        agency=old.agency,
        team=Team.objects.get(code="assessment", agency=old.agency),
        role=old.role,
        started_on=NOW.date(),
    )
    overdue(open_deadline, council_child, owner_team=front_door)
    assert deadlines_escalate() == 1
    told = Notification.objects.filter(kind="deadline_overdue")
    assert told.exists()
    assert not told.filter(recipient=team_manager).exists()


def test_the_command_for_cron(now, open_deadline, council_child, capsys):
    overdue(open_deadline, council_child)
    call_command("deadlines_escalate")
    assert "1 overdue deadline escalated" in capsys.readouterr().out
    call_command("deadlines_escalate")
    assert "0 overdue deadlines escalated" in capsys.readouterr().out


def test_escalation_uses_the_clock_it_is_given(open_deadline, council_child):
    with clock.frozen_at(NOW):
        overdue(open_deadline, council_child)
    assert deadlines_escalate(now=NOW - dt.timedelta(days=10)) == 0
    assert deadlines_escalate(now=NOW) == 1
