"""A few believable cases for the demo, made through the services (so they are checked,
audited and routed like any other): a child on a child protection plan, a child in the
middle of a section 47 enquiry, and a child being assessed.

Run after the borough and the demo sign-ins exist (synth.demo.demo_users_ensure and
synth.demo_access.demo_allocations_ensure). Safe to run again: once the demo social worker
has opened a case, it does nothing.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef

from lantern.access.models import AccessBasis
from lantern.core import clock
from lantern.partners.models import Agency, AgencyKind
from lantern.people.models import Person, SourceRecord
from lantern.timescales.rules import LONDON

from . import services
from .models import Attendance, Case
from .services import ActionIn, AgencyAtMeeting, CoreGroupIn

COUNCIL = "kestrelford-childrens-services"


def _children(today: dt.date, worker, limit: int) -> list[Person]:
    """Children the council knows, without a case: the demo social worker's own first."""
    youngest = today.replace(year=today.year - 17)
    council_record = SourceRecord.objects.filter(
        person=OuterRef("pk"), agency__code=COUNCIL, is_current=True
    )
    candidates = (
        Person.objects.filter(
            Exists(council_record),
            sensitivity="normal",
            merged_into__isnull=True,
            date_of_birth__gt=youngest,
        )
        .exclude(cases__isnull=False)
        .order_by("pk")
    )
    allocated = AccessBasis.objects.filter(
        person=OuterRef("pk"), user=worker, kind="allocated_worker"
    )
    return list(candidates.filter(Exists(allocated))[:limit]) + list(
        candidates.exclude(Exists(allocated))[:limit]
    )


def _at(today: dt.date, days_ago: int, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(hour), tzinfo=LONDON)


def _agencies(person: Person) -> dict[str, Agency]:
    found = {a.kind: a for a in Agency.objects.filter(kind__in=["police", "nhs"], active=True)}
    found["childrens_services"] = Agency.objects.get(code=COUNCIL)
    school = Agency.objects.filter(
        kind=AgencyKind.SCHOOL, source_records__person=person, source_records__is_current=True
    ).first()
    if school:
        found["school"] = school
    return found


def _discussion(worker, person: Person, case: Case, held: dt.datetime, today: dt.date):
    agencies = _agencies(person)
    rows = [
        AgencyAtMeeting(
            agencies["childrens_services"],
            Attendance.ATTENDED,
            f"{worker.get_full_name()}, social worker",
            "Known since a referral last spring about missing episodes; mother asking for help.",
        ),
        AgencyAtMeeting(
            agencies["police"],
            Attendance.ATTENDED,
            "DS Carys Ebdon, child exploitation team",
            "Stopped twice in a car with two adult men on the ring road; new phone found.",
        ),
        AgencyAtMeeting(
            agencies["nhs"],
            Attendance.ATTENDED,
            "Named nurse for safeguarding",
            "Attended the emergency department at 2am with an injury; left before treatment.",
        ),
    ]
    if "school" in agencies:
        rows.append(
            AgencyAtMeeting(
                agencies["school"],
                Attendance.APOLOGIES,
                "",
                "Attendance has fallen to 61% this term; seen with older pupils at the gates.",
            )
        )
    return services.strategy_discussion_record(
        actor=worker,
        person=person,
        case=case,
        held_at=held,
        chair=worker,
        agencies=rows,
        decisions=[
            "Reasonable cause to suspect significant harm: start a section 47 enquiry",
            "Joint visit by social care and police within 24 hours",
            "Do not tell the adults in the car; speak to the mother first",
        ],
        start_section_47=True,
        criminal_investigation="joint",
        actions=[
            ActionIn(agencies["police"], "Check the car's registration and its keeper", today),
            ActionIn(
                agencies["nhs"],
                "Share the emergency department records with the enquiry",
                today + dt.timedelta(days=2),
            ),
        ],
    )


@transaction.atomic
def casework_seed(*, today: dt.date) -> int:
    """Make the demo's cases as of `today`. Returns how many were made."""
    users = get_user_model().objects.in_bulk(
        ["social.worker", "team.manager", "nhs.nurse"], field_name="username"
    )
    worker, manager = users.get("social.worker"), users.get("team.manager")
    if worker is None or manager is None or Case.objects.filter(opened_by=worker).exists():
        return 0
    made = 0
    with clock.frozen_at(dt.datetime.combine(today, dt.time(17), tzinfo=LONDON)):
        children = _children(today, worker, 3)
        plans = [_with_plan, _in_enquiry, _being_assessed]
        for child, make in zip(children, plans, strict=False):
            make(worker, manager, users.get("nhs.nurse"), child, today)
            made += 1
    return made


def _open(worker, child: Person, today: dt.date, days_ago: int) -> Case:
    return services.case_open(
        actor=worker,
        person=child,
        reason="Concerns about criminal exploitation shared by the police and the school",
        started_at=_at(today, days_ago, 9),
    )


def _with_plan(worker, manager, nurse, child: Person, today: dt.date) -> None:
    case = _open(worker, child, today, 20)
    meeting = _discussion(worker, child, case, _at(today, 18), today)
    enquiry = services.enquiry_start(actor=worker, meeting=meeting, started_at=_at(today, 18, 15))
    services.enquiry_complete(
        actor=worker,
        enquiry=enquiry,
        outcome="initial_conference",
        reason="The risk of significant harm from the men around him is likely to continue.",
        completed_at=_at(today, 9),
    )
    services.conference_initial_hold(
        actor=manager,
        case=case,
        held_at=_at(today, 5, 13),
        chair="Ruth Ellery, independent reviewing officer",
        outcome="plan",
        category="multiple",
        reasons="Criminal and sexual exploitation by adults outside the family; "
        "the mother cannot keep him safe alone.",
        dissent="The school felt a child in need plan would be enough.",
    )
    agencies = _agencies(child)
    core = [CoreGroupIn(agencies["police"], name="DS Carys Ebdon", role="Investigating officer")]
    if nurse is not None and nurse.agency is not None:
        core.append(CoreGroupIn(nurse.agency, user=nurse, role="Named nurse"))
    plan = services.plan_start(
        actor=worker, case=case, kind="child_protection", lead_worker=worker, core_group=core
    )
    for agency, what, days in [
        ("police", "Serve child abduction warning notices on the two drivers", 7),
        ("nhs", "Arrange a health assessment and sexual health advice", 10),
        ("childrens_services", "Weekly direct work on exploitation with him", 14),
    ]:
        services.plan_action_add(
            actor=worker,
            plan=plan,
            action=ActionIn(agencies[agency], what, today + dt.timedelta(days=days)),
        )


def _in_enquiry(worker, manager, nurse, child: Person, today: dt.date) -> None:
    case = _open(worker, child, today, 6)
    meeting = _discussion(worker, child, case, _at(today, 4), today)
    services.enquiry_start(actor=worker, meeting=meeting, started_at=_at(today, 4, 16))


def _being_assessed(worker, manager, nurse, child: Person, today: dt.date) -> None:
    case = _open(worker, child, today, 12)
    services.assessment_start(
        actor=worker, case=case, kind="child_in_need", started_at=_at(today, 10)
    )
