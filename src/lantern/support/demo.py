"""Survivor support for the demo, made through the services (so it is checked, audited and
gives the lead workers their access like any other):

- the directory of services in Kestrelford, from data/directory.toml (fictional);
- the demo support worker's survivors: the adult survivor of the borough's planted
  domestic-abuse escalation (her address hidden: he has been looking for her), and
  children of a planted exploitation group, referred to her by the council's children's
  services (a team manager gives her access to each child for the referral; opening the
  plan makes her the child's allocated worker). One child's support ended last month and
  can be re-engaged; one child's referral to counselling has had no answer and is due a
  chase.

Run after the borough, the demo sign-ins and their allocations exist
(synth.demo.demo_users_ensure, synth.demo_access.demo_allocations_ensure). Safe to run
again: the directory is completed by code, and once a support plan exists no plan is made.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from lantern.access import services as access_services
from lantern.core import clock
from lantern.core.datafiles import DataFileError, Field, load_entries
from lantern.partners.models import Agency
from lantern.people.models import Person, SourceRecord
from lantern.synth.models import Scenario, ScenarioMember, TrueIdentity
from lantern.timescales.rules import LONDON

from . import services
from .models import (
    ContactMethod,
    GoalStatus,
    NeedArea,
    Provider,
    ProviderKind,
    Service,
    ServiceCategory,
    SupportPlan,
)

DIRECTORY_FILE = Path(__file__).parent / "data" / "directory.toml"
COUNCIL = "kestrelford-childrens-services"
SURVIVORS = "harbour-survivors"
PROVIDER_FIELDS = {
    "code": Field(str),
    "name": Field(str),
    "kind": Field(str, choices=frozenset(ProviderKind.values)),
    "agency": Field(str, required=False, default=""),
    "phone": Field(str, required=False, default=""),
    "email": Field(str, required=False, default=""),
    "website": Field(str, required=False, default=""),
    "description": Field(str, required=False, default=""),
    "service": Field(list, required=False, default=[]),
}
SERVICE_FIELDS = {
    "code": Field(str),
    "name": Field(str),
    "category": Field(str, choices=frozenset(ServiceCategory.values)),
    "for_children": Field(bool),
    "for_adults": Field(bool),
    "capacity": Field(int),
    "typical_wait_weeks": Field(int),
    "answer_within_days": Field(int),
    "accepting": Field(bool, required=False, default=True),
    "description": Field(str, required=False, default=""),
}


def load_directory(path: Path = DIRECTORY_FILE) -> list[dict]:
    """The providers in the file, each with its services, checked: an unknown or missing
    key, a wrong type or an unknown kind stops the load, naming the entry."""
    providers = load_entries(path, "provider", PROVIDER_FIELDS)
    seen: set[str] = set()
    for provider in providers:
        checked = []
        for number, entry in enumerate(provider["service"], start=1):
            where = f"{path.name}: provider {provider['code']}, service {number}"
            if not isinstance(entry, dict):
                raise DataFileError(f"{where}: is not a table")
            unknown = set(entry) - set(SERVICE_FIELDS)
            if unknown:
                raise DataFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
            row = {}
            for name, spec in SERVICE_FIELDS.items():
                if name not in entry:
                    if spec.required:
                        raise DataFileError(f"{where}: missing {name}")
                    row[name] = spec.default
                    continue
                value = entry[name]
                if not isinstance(value, spec.type) or (
                    spec.type is int and isinstance(value, bool)
                ):
                    raise DataFileError(f"{where}: {name} has the wrong type")
                if spec.choices is not None and value not in spec.choices:
                    raise DataFileError(f"{where}: {name} {value!r} is not known")
                row[name] = value
            if row["code"] in seen:
                raise DataFileError(f"{where}: code {row['code']!r} appears twice")
            seen.add(row["code"])
            checked.append(row)
        provider["service"] = checked
    return providers


def directory_ensure(*, actor) -> int:
    """Add the file's providers and services that are not in the directory yet, as the
    system administrator. Returns how many services were added."""
    added = 0
    for entry in load_directory():
        provider = Provider.objects.filter(code=entry["code"]).first()
        if provider is None:
            agency = (
                Agency.objects.filter(code=entry["agency"]).first() if entry["agency"] else None
            )
            provider = services.provider_create(
                actor=actor,
                code=entry["code"],
                name=entry["name"],
                kind=entry["kind"],
                agency=agency,
                phone=entry["phone"],
                email=entry["email"],
                website=entry["website"],
                description=entry["description"],
            )
        for row in entry["service"]:
            if Service.objects.filter(code=row["code"]).exists():
                continue
            services.service_create(actor=actor, provider=provider, **row)
            added += 1
    return added


def _at(day: dt.date, hour: int = 11):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON))


def _moment(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


def _held_by(individuals, agency_code: str) -> list[Person]:
    records = TrueIdentity.objects.filter(individual__in=list(individuals)).values("source_record")
    ids = (
        SourceRecord.objects.filter(pk__in=records, agency__code=agency_code, is_current=True)
        .values_list("person", flat=True)
        .distinct()
    )
    return list(Person.objects.filter(pk__in=list(ids), merged_into__isnull=True).order_by("pk"))


def _survivor() -> Person | None:
    """The adult survivor of the first planted domestic-abuse escalation, as Harbour holds
    her."""
    individuals = ScenarioMember.objects.filter(
        scenario__code="domestic-abuse-1", role="victim"
    ).values_list("individual", flat=True)
    found = _held_by(individuals, SURVIVORS)
    return found[0] if found else None


def _children(limit: int) -> list[Person]:
    """Children of the first planted exploitation group, as the council knows them, without
    a support plan: the oldest first (so that one may have turned 18 since)."""
    group = Scenario.objects.filter(kind=Scenario.Kind.EXPLOITATION_GROUP).order_by("code").first()
    if group is None:
        return []
    individuals = group.members.filter(role="child").values_list("individual", flat=True)
    planned = set(SupportPlan.objects.values_list("person", flat=True))
    found = [
        p
        for p in _held_by(individuals, COUNCIL)
        if p.date_of_birth is not None and p.pk not in planned
    ]
    return sorted(found, key=lambda p: (p.date_of_birth, p.pk))[:limit]


@transaction.atomic
def support_demo_ensure(today: dt.date) -> int:
    """The demo's directory and support plans as of `today`. Returns how many plans were
    made (0 when they exist already, or the demo's people are missing)."""
    users = get_user_model().objects.in_bulk(
        ["admin", "support.worker", "team.manager"], field_name="username"
    )
    admin, worker, manager = (
        users.get("admin"),
        users.get("support.worker"),
        users.get("team.manager"),
    )
    if admin is None or worker is None:
        return 0
    with _at(today - dt.timedelta(days=400), 9):
        directory_ensure(actor=admin)
    if SupportPlan.objects.exists():
        return 0
    made = 0
    survivor = _survivor()
    if survivor is not None:
        _adult_survivor(worker, survivor, today)
        made += 1
    if manager is not None:
        stories = [_child_in_support, _child_support_ended, _child_waiting_for_counselling]
        for child, story in zip(_children(len(stories)), stories, strict=False):
            story(worker, manager, child, today)
            made += 1
    return made


def _service(code: str) -> Service:
    return Service.objects.get(code=code)


def _adult_survivor(worker, person: Person, today: dt.date) -> None:
    opened = today - dt.timedelta(days=75)
    with _at(opened, 10):
        services.safe_contact_set(
            actor=worker,
            person=person,
            phone="07700 900461",
            times="weekdays 10:00-14:00, while her children are at school",
            may_call=True,
            may_text=False,
            may_leave_message=False,
            may_post=False,
            notes="Say you are calling from the surgery. If a man answers, hang up.",
            hide_address=True,
            hide_reason="Her former partner has been asking neighbours and family for her new "
            "address; his bail forbids contact.",
        )
        plan = services.plan_open(
            actor=worker,
            person=person,
            lead_worker=worker,
            summary="Left a violent relationship this year and moved with her children. Wants "
            "help to feel safe at home, to go through with the prosecution, and to sleep again.",
            review_every_months=3,
        )
        services.need_add(
            actor=worker,
            plan=plan,
            area=NeedArea.SAFETY,
            description="Safety at the new address: locks, an alarm, a plan if he finds her.",
            in_her_words="I still check the window every time a car stops.",
        )
        services.need_add(
            actor=worker,
            plan=plan,
            area=NeedArea.JUSTICE,
            description="Support through the police investigation and the trial.",
        )
        services.need_add(
            actor=worker,
            plan=plan,
            area=NeedArea.EMOTIONAL,
            description="Counselling for the years of abuse.",
            in_her_words="I want to stop feeling it was my fault.",
        )
        services.goal_set(
            actor=worker,
            plan=plan,
            description="Feel safe enough to walk the children to school on her own.",
            target_on=today + dt.timedelta(days=90),
        )
        isva = services.referral_send(
            actor=worker,
            plan=plan,
            service=_service("harbour-isva"),
            reason="Needs an IDVA through the investigation; court date likely next year.",
        )
        sanctuary = services.referral_send(
            actor=worker,
            plan=plan,
            service=_service("housing-safe-move"),
            reason="Sanctuary measures at her new home: he is looking for the address.",
        )
    with _at(opened + dt.timedelta(days=2), 15):
        services.referral_answer(actor=worker, referral=isva, accepted=True)
        services.referral_answer(
            actor=worker,
            referral=sanctuary,
            accepted=True,
            expected_start_on=opened + dt.timedelta(days=20),
        )
        services.contact_record(
            actor=worker,
            plan=plan,
            happened_at=_moment(opened + dt.timedelta(days=2), 11),
            method=ContactMethod.PHONE,
            summary="Talked through the safety plan. She has a code word with her sister.",
        )
    with _at(opened + dt.timedelta(days=8), 12):
        services.referral_start(
            actor=worker, referral=isva, started_on=opened + dt.timedelta(days=7)
        )
    with _at(opened + dt.timedelta(days=22), 12):
        services.referral_start(
            actor=worker, referral=sanctuary, started_on=opened + dt.timedelta(days=21)
        )
        services.referral_end(
            actor=worker,
            referral=sanctuary,
            ended_on=opened + dt.timedelta(days=21),
            reason="Locks changed, alarm fitted, a fireproof letterbox.",
        )
        counselling = services.referral_send(
            actor=worker,
            plan=plan,
            service=_service("krc-counselling-adults"),
            reason="Asked for counselling now that the house feels safer.",
        )
    with _at(opened + dt.timedelta(days=30), 12):
        services.referral_answer(
            actor=worker,
            referral=counselling,
            accepted=True,
            expected_start_on=today + dt.timedelta(days=40),
        )
    with _at(today - dt.timedelta(days=6), 14):
        services.contact_record(
            actor=worker,
            plan=plan,
            happened_at=_moment(today - dt.timedelta(days=6), 13),
            method=ContactMethod.IN_PERSON,
            summary="Met at the family centre. Sleeping better; the IDVA has explained what "
            "happens at the first hearing.",
        )
        services.review_record(
            actor=worker,
            plan=plan,
            held_on=today - dt.timedelta(days=6),
            summary="The house is secure and the IDVA is in place. Counselling starts in about "
            "six weeks.",
            her_view="Having one person who knows everything has made the difference.",
        )


def _referred_by_council(manager, worker, child: Person, day: dt.date) -> None:
    """The council refers the child to Harbour: its team manager gives the support worker
    access to the child for the referral (the plan then makes her the allocated worker)."""
    with _at(day, 9):
        access_services.grant_open(
            actor=manager,
            person=child,
            user=worker,
            reason="Referred to Harbour Survivors' Service for specialist support",
            ends_at=clock.now() + dt.timedelta(days=30),
        )


def _child_plan(worker, child: Person, day: dt.date, summary: str) -> SupportPlan:
    with _at(day, 11):
        plan = services.plan_open(
            actor=worker,
            person=child,
            lead_worker=worker,
            summary=summary,
            review_every_months=2,
        )
        services.safe_contact_set(
            actor=worker,
            person=child,
            phone="07700 900" + f"{child.pk % 1000:03d}",
            times="after school, 16:00-19:00; never during lessons",
            may_call=True,
            may_text=True,
            may_leave_message=False,
            may_post=False,
            notes="Her own phone. Give your first name only.",
        )
    return plan


def _child_in_support(worker, manager, child: Person, today: dt.date) -> None:
    opened = today - dt.timedelta(days=200)
    _referred_by_council(manager, worker, child, opened)
    plan = _child_plan(
        worker,
        child,
        opened,
        "Exploited by the men of the group the police are investigating. Wants to finish "
        "college and to stop being afraid of cars slowing down.",
    )
    with _at(opened, 14):
        services.need_add(
            actor=worker,
            plan=plan,
            area=NeedArea.EDUCATION_WORK,
            description="Back into college after months of missed days.",
            in_her_words="I was good at art before all this.",
        )
        goal = services.goal_set(
            actor=worker,
            plan=plan,
            description="Enrol on the art foundation course in September.",
        )
        pathways = services.referral_send(
            actor=worker,
            plan=plan,
            service=_service("fresh-start-pathways"),
            reason="A mentor to get her back into learning.",
        )
    with _at(opened + dt.timedelta(days=5), 12):
        services.referral_answer(actor=worker, referral=pathways, accepted=True)
        services.referral_start(
            actor=worker, referral=pathways, started_on=opened + dt.timedelta(days=5)
        )
    with _at(opened + dt.timedelta(days=120), 12):
        services.goal_close(actor=worker, goal=goal, status=GoalStatus.ACHIEVED)
        services.review_record(
            actor=worker,
            plan=plan,
            held_on=opened + dt.timedelta(days=120),
            summary="Back in college three days a week with her mentor. No missing episodes "
            "since the spring.",
            her_view="I like that I can text you and you actually answer.",
            next_review_on=today + dt.timedelta(days=20),
        )
        services.contact_record(
            actor=worker,
            plan=plan,
            happened_at=_moment(opened + dt.timedelta(days=120), 10),
            method=ContactMethod.TEXT,
            summary="She got her place on the course. Asked to keep in touch weekly.",
        )


def _child_support_ended(worker, manager, child: Person, today: dt.date) -> None:
    opened = today - dt.timedelta(days=160)
    _referred_by_council(manager, worker, child, opened)
    plan = _child_plan(
        worker,
        child,
        opened,
        "Exploited through a phone an older man gave her. Wanted someone outside the family "
        "to talk to.",
    )
    with _at(today - dt.timedelta(days=30), 15):
        services.contact_record(
            actor=worker,
            plan=plan,
            happened_at=_moment(today - dt.timedelta(days=30), 14),
            method=ContactMethod.IN_PERSON,
            summary="Says she is doing well and wants a break from support. Knows she can "
            "come back at any time.",
        )
        services.plan_end(
            actor=worker,
            plan=plan,
            reason="She asked for a break from support; she knows she can come back.",
        )


def _child_waiting_for_counselling(worker, manager, child: Person, today: dt.date) -> None:
    opened = today - dt.timedelta(days=45)
    _referred_by_council(manager, worker, child, opened)
    plan = _child_plan(
        worker,
        child,
        opened,
        "Went missing three times this spring; the police found her with adults from the "
        "group. Her mother asked for help.",
    )
    with _at(today - dt.timedelta(days=21), 10):
        services.need_add(
            actor=worker,
            plan=plan,
            area=NeedArea.EMOTIONAL,
            description="Nightmares and panic attacks since the last time she went missing.",
        )
        services.referral_send(
            actor=worker,
            plan=plan,
            service=_service("krc-young-people"),
            reason="Counselling with someone who understands exploitation.",
        )
