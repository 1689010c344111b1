"""The authorisation matrix, generated from the policy table and run through HTTP.

For every role (one persona each), every relationship a user can have to a person
(none, their agency holds a record, allocated to them, allocated to their team, an
open referral at the front door, a grant, emergency access, their agency takes part in
the child's casework) and every sensitivity
(normal, restricted, sealed), a person is made with records and events from other
agencies at every sensitivity (and, where the relationship is 'holds_record', from
the persona's own agency too). Then each persona views, searches, exports and reads
through the API every person, and every record and event on each page is checked
against what the table says, worked out here independently of access/policy.py.

The expected answers come from reading the CSV here, not from the policy module,
so removing any clause from the policy code makes this test fail.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools

import pytest
from django.contrib.auth import get_user_model
from tests.accounts.helpers import sign_in_verified

from lantern.access.models import AccessBasis
from lantern.access.policy import POLICY_FILE
from lantern.core import clock
from lantern.partners.models import Agency, Team
from lantern.people.models import Event, EventType, Person, SourceRecord

pytestmark = pytest.mark.django_db

PERSONAS = [
    "mash.worker",
    "social.worker",
    "team.manager",
    "police.officer",
    "police.analyst",
    "nhs.nurse",
    "school.dsl",
    "support.worker",
    "partnership.manager",
    "scrutineer",
    "dpo",
    "admin",
    # a team manager outside the front door: front-door rows must not reach them
    "kestrelford-childrens-services.assessment.4",
]
RELATIONSHIPS = [
    "none",
    "holds_record",
    "allocated_worker",
    "allocated_team",
    "front_door",
    "grant",
    "break_glass",
    "involved_agency",
]
SENSITIVITIES = ["normal", "restricted", "sealed"]
OTHER_AGENCIES = {
    "kestrelford-youth": "youth_service_session",
    "national-exploitation-unit": "police_incident",
    "primary-1": "school_concern",
}


def read_table() -> dict[tuple[str, str, str, str], set[str]]:
    lines = [
        line
        for line in POLICY_FILE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    table = {}
    for row in csv.DictReader(lines):
        for sensitivity in SENSITIVITIES:
            table[(row["role"], row["relationship"], row["record"], sensitivity)] = set(
                (row[sensitivity] or "").split()
            )
    return table


TABLE = read_table()


def allowed(role, relationships, record_type, sensitivity, action) -> bool:
    return any(
        action in TABLE.get((role, rel, record_type, sensitivity), set()) for rel in relationships
    )


def has_relationship(user, relationship: str) -> bool:
    """Whether a basis of this kind, made for this user as below, gives the relationship."""
    team = user.membership.team if user.membership else None
    if relationship == "front_door":
        return bool(team and team.is_front_door)
    if relationship == "allocated_team":
        return team is not None
    if relationship == "involved_agency":
        return user.agency is not None
    return relationship != "none"


def build(user, number: int) -> list[dict]:
    """Persons for one persona: every relationship x sensitivity, with their records."""
    now = clock.now()
    made = []
    own_type = {
        "childrens_services": "contact_with_social_care",
        "police": "police_incident",
        "nhs": "ed_attendance",
        "school": "school_concern",
        "voluntary": "support_session",
    }
    front_door = Team.objects.get(code="front-door")
    agencies = {a.code: a for a in Agency.objects.filter(code__in=OTHER_AGENCIES)}
    types = {t.code: t for t in EventType.objects.all()}
    for index, (relationship, sensitivity) in enumerate(
        itertools.product(RELATIONSHIPS, SENSITIVITIES)
    ):
        family = f"Matrix{number:02d}x{index:02d}"
        person = Person.objects.create(
            given_name="Sam", family_name=family, sensitivity=sensitivity, created_at=now
        )
        holders = [(a, OTHER_AGENCIES[a.code]) for a in agencies.values()]
        if relationship == "holds_record" and user.agency is not None:
            holders.append((user.agency, own_type.get(user.agency.kind, "police_incident")))
        records, events = [], []
        for agency, event_type in holders:
            for record_sensitivity in SENSITIVITIES:
                local_id = f"M{number:02d}-{index:02d}-{agency.pk}-{record_sensitivity}"
                record = SourceRecord.objects.create(
                    agency=agency,
                    local_id=local_id,
                    person=person,
                    given_name="Sam",
                    family_name=family,
                    sensitivity=record_sensitivity,
                    received_at=now,
                )
                event = Event.objects.create(
                    source_record=record,
                    event_type=types[event_type],
                    occurred_at=now - dt.timedelta(days=3),
                    recorded_at=now,
                    summary=f"Event {local_id}",
                    sensitivity=record_sensitivity,
                )
                records.append(record)
                events.append(event)
        team = user.membership.team if user.membership else None
        kind_targets = {
            "allocated_worker": {"user": user},
            "grant": {"user": user},
            "break_glass": {"user": user},
            "front_door": {"team": front_door},
            "allocated_team": {"team": team} if team else None,
        }
        target = kind_targets.get(relationship)
        if relationship == "none":
            decoys(person, user, front_door, now)
        if relationship == "involved_agency" and user.agency is not None:
            _meeting(person, user.agency, held_at=now - dt.timedelta(days=2))
        if target:
            AccessBasis.objects.create(
                person=person,
                kind=relationship,
                reason="matrix",
                starts_at=now,
                ends_at=now + dt.timedelta(hours=1) if relationship == "break_glass" else None,
                **target,
            )
        made.append(
            {"person": person, "relationship": relationship, "records": records, "events": events}
        )
    return made


def _meeting(person, agency, *, held_at) -> None:
    """A MACE about the person that the agency attended (no case: it counts for a year)."""
    from lantern.casework.models import Meeting, MeetingAgency

    chair = get_user_model().objects.get(username="social.worker")
    meeting = Meeting.objects.create(
        kind="mace",
        person=person,
        held_at=held_at,
        chair=chair,
        recorded_at=held_at,
        recorded_by=chair,
    )
    MeetingAgency.objects.create(meeting=meeting, agency=agency, attendance="attended")


def decoys(person, user, front_door, now) -> None:
    """Bases that must give this user nothing: someone else's, another team's, the
    user's own that ended yesterday, and a MACE the user's agency attended over a
    year ago."""
    if user.agency is not None:
        _meeting(person, user.agency, held_at=now - dt.timedelta(days=400))
    someone_else = get_user_model().objects.get(username="admin")
    other_team = (
        Team.objects.exclude(pk=getattr(user.membership, "team_id", None))
        .exclude(is_front_door=True)
        .order_by("pk")
        .first()
    )
    yesterday = now - dt.timedelta(days=1)
    for kind in ("allocated_worker", "grant", "break_glass"):
        AccessBasis.objects.create(
            person=person, kind=kind, user=someone_else, reason="decoy", starts_at=now
        )
        AccessBasis.objects.create(
            person=person,
            kind=kind,
            user=user,
            reason="decoy",
            starts_at=yesterday - dt.timedelta(days=1),
            ends_at=yesterday,
        )
    AccessBasis.objects.create(
        person=person, kind="allocated_team", team=other_team, reason="decoy", starts_at=now
    )
    AccessBasis.objects.create(
        person=person,
        kind="front_door",
        team=front_door,
        reason="decoy",
        starts_at=yesterday - dt.timedelta(days=1),
        ends_at=yesterday,
    )


def hub_for(user, number: int, items: list[dict]) -> Person | None:
    """A person the user's own agency holds, related to every matrix person: their page
    lists the related people the user may 'list'."""
    from lantern.people.models import Relationship

    if user.agency is None:
        return None
    now = clock.now()
    hub = Person.objects.create(given_name="Hub", family_name=f"Hub{number:02d}", created_at=now)
    SourceRecord.objects.create(
        agency=user.agency,
        local_id=f"HUB-{number}",
        person=hub,
        given_name="Hub",
        family_name=hub.family_name,
        received_at=now,
    )
    for item in items:
        Relationship.objects.create(
            person=hub, related=item["person"], kind="sibling", recorded_by=user.agency
        )
    return hub


def test_the_authorisation_matrix(client):
    users = get_user_model().objects.in_bulk(PERSONAS, field_name="username")
    plans = {name: build(users[name], number) for number, name in enumerate(PERSONAS)}
    hubs = {name: hub_for(users[name], number, plans[name]) for number, name in enumerate(PERSONAS)}
    checks, wrong = 0, []

    def check(expected: bool, actual: bool, what: str) -> None:
        nonlocal checks
        checks += 1
        if expected != actual:
            wrong.append(f"{what}: expected {'shown' if expected else 'hidden'}")

    for name in PERSONAS:
        user = users[name]
        role = user.role.code
        sign_in_verified(client, user)
        hub = hubs[name]
        hub_page = client.get(f"/people/{hub.reference}/") if hub else None
        hub_html = hub_page.content.decode() if hub_page and hub_page.status_code == 200 else ""
        for item in plans[name]:
            # list: the related people on a page the user may view
            rels_now = (
                {item["relationship"]} if has_relationship(user, item["relationship"]) else set()
            )
            check(
                bool(hub_html)
                and allowed(role, rels_now, "person", item["person"].sensitivity, "list"),
                item["person"].reference in hub_html,
                f"{name} / {item['relationship']} / {item['person'].sensitivity}: list",
            )
        for item in plans[name]:
            person, relationship = item["person"], item["relationship"]
            rels = {relationship} if has_relationship(user, relationship) else set()
            where = f"{name} / {relationship} / {person.sensitivity}"

            def record_rels(record, rels=rels, user=user):
                found = rels - {"holds_record"}
                if user.agency is not None and record.agency_id == user.agency.pk:
                    found.add("holds_record")
                return found

            # view: the person page, and every record and event on it
            page = client.get(f"/people/{person.reference}/")
            can_view = allowed(role, rels, "person", person.sensitivity, "view")
            check(can_view, page.status_code == 200, f"{where}: person page")
            html = page.content.decode() if page.status_code == 200 else ""
            for record, event in zip(item["records"], item["events"], strict=True):
                see = can_view and allowed(
                    role, record_rels(record), "source_record", record.sensitivity, "view"
                )
                check(see, record.local_id in html, f"{where}: record {record.local_id}")
                see = can_view and allowed(
                    role, record_rels(record), "event", event.sensitivity, "view"
                )
                check(see, event.summary in html, f"{where}: event {event.summary}")

            # edit: the correction form for each record (POSTs go through the same check)
            if relationship in ("none", "holds_record", "allocated_worker", "break_glass"):
                for record in item["records"]:
                    form = client.get(f"/people/{person.reference}/records/{record.pk}/correct/")
                    may_edit = can_view and allowed(
                        role, record_rels(record), "source_record", record.sensitivity, "edit"
                    )
                    check(may_edit, form.status_code == 200, f"{where}: edit {record.local_id}")

            # search: found only through a record the user may read
            readable = any(
                allowed(role, record_rels(r), "source_record", r.sensitivity, "view")
                for r in item["records"]
            )
            found = (
                person.reference
                in client.get("/people/", {"name": person.family_name}).content.decode()
            )
            check(
                allowed(role, rels, "person", person.sensitivity, "search") and readable,
                found,
                f"{where}: search",
            )

            # export
            exported = client.get("/people/export.csv", {"name": person.family_name})
            in_export = (
                exported.status_code == 200 and person.reference in exported.content.decode()
            )
            check(
                allowed(role, rels, "person", person.sensitivity, "export") and readable,
                in_export,
                f"{where}: export",
            )

            # api: the person, and every record and event in the answer
            answer = client.get(f"/api/v1/people/{person.reference}/")
            can_api = allowed(role, rels, "person", person.sensitivity, "api")
            check(can_api, answer.status_code == 200, f"{where}: api person")
            body = answer.content.decode() if answer.status_code == 200 else ""
            for record, event in zip(item["records"], item["events"], strict=True):
                see = can_api and allowed(
                    role, record_rels(record), "source_record", record.sensitivity, "api"
                )
                check(see, record.local_id in body, f"{where}: api record {record.local_id}")
                see = can_api and allowed(
                    role, record_rels(record), "event", event.sensitivity, "api"
                )
                check(see, event.summary in body, f"{where}: api event {event.summary}")
            found = (
                person.reference
                in client.get("/api/v1/people/", {"name": person.family_name}).content.decode()
            )
            check(
                allowed(role, rels, "person", person.sensitivity, "api") and readable,
                found,
                f"{where}: api search",
            )
        client.logout()

    print(f"authorisation matrix: {checks} checks, {len(wrong)} wrong")
    assert not wrong, f"{len(wrong)} of {checks} checks wrong:\n" + "\n".join(wrong[:40])
    assert checks >= 10_000


# ---------------------------------------------------------------- referrals
REFERRAL_RELATIONSHIPS = ["none", "holds_record", "front_door", "information_request"]


def has_referral_relationship(user, relationship: str) -> bool:
    """Whether a referral built as below gives this user the relationship."""
    team = user.membership.team if user.membership else None
    if relationship == "front_door":
        return bool(team and team.is_front_door)
    if relationship in ("holds_record", "information_request"):
        return user.agency is not None
    return False


def build_referrals(user, number: int) -> list[dict]:
    """A referral for every relationship x sensitivity, with decoy requests that must give
    nothing: another agency's open request, and the user's agency's answered and closed
    ones."""
    from lantern.frontdoor.models import InformationRequest, Referral

    now = clock.now()
    front_door = Team.objects.get(code="front-door")
    elsewhere = Team.objects.exclude(is_front_door=True).order_by("pk").first()
    stranger = Agency.objects.get(code="kestrelford-youth")
    if user.agency is not None and user.agency.pk == stranger.pk:
        stranger = Agency.objects.get(code="harbour-survivors")
    asker = get_user_model().objects.get(username="mash.worker")
    made = []
    for index, (relationship, sensitivity) in enumerate(
        itertools.product(REFERRAL_RELATIONSHIPS, SENSITIVITIES)
    ):
        family = f"Refmatrix{number:02d}x{index:02d}"
        ours = relationship == "holds_record" and user.agency is not None
        referral = Referral.objects.create(
            agency=user.agency if ours else stranger,
            team=front_door if relationship == "front_door" else elsewhere,
            referrer_name="Matrix",
            channel="form",
            received_at=now - dt.timedelta(hours=1),
            recorded_at=now,
            given_name="Sam",
            family_name=family,
            concern="Matrix concern",
            categories=["neglect"],
            consent=True,
            sensitivity=sensitivity,
            decision_due_at=now + dt.timedelta(hours=20),
        )
        asks = [(stranger, "open")]
        if user.agency is not None:
            asks.append(
                (user.agency, "open" if relationship == "information_request" else "closed")
            )
            asks.append((user.agency, "answered"))
        for agency, status in asks:
            InformationRequest.objects.create(
                referral=referral,
                agency=agency,
                question="?",
                rag="amber",
                asked_by=asker,
                asked_at=now,
                due_at=now + dt.timedelta(hours=6),
                status=status,
            )
        made.append({"referral": referral, "relationship": relationship})
    return made


def test_the_referral_matrix(client):
    """Every persona x relationship to a referral x sensitivity: the referral page, the
    API, the lists (queue, the agency's referrals, the agency's requests) and triage
    answer exactly as the table's `referral` rows say."""
    users = get_user_model().objects.in_bulk(PERSONAS, field_name="username")
    plans = {name: build_referrals(users[name], number) for number, name in enumerate(PERSONAS)}
    checks, wrong = 0, []

    def check(expected: bool, actual: bool, what: str) -> None:
        nonlocal checks
        checks += 1
        if expected != actual:
            wrong.append(f"{what}: expected {'yes' if expected else 'no'}")

    for name in PERSONAS:
        user = users[name]
        role = user.role.code
        sign_in_verified(client, user)
        lists = ""
        for url in ("/front-door/", "/front-door/referrals/", "/front-door/requests/"):
            page = client.get(url)
            lists += page.content.decode() if page.status_code == 200 else ""
        for item in plans[name]:
            referral, relationship = item["referral"], item["relationship"]
            rels = {relationship} if has_referral_relationship(user, relationship) else set()
            where = f"{name} / {relationship} / {referral.sensitivity}"

            def may(action, rels=rels, referral=referral, role=role):
                return allowed(role, rels, "referral", referral.sensitivity, action)

            url = f"/front-door/referrals/{referral.reference}/"
            check(may("view"), client.get(url).status_code == 200, f"{where}: page")
            check(may("list"), referral.family_name in lists, f"{where}: list")
            api = client.get(f"/api/v1/referrals/{referral.reference}/")
            check(may("api"), api.status_code == 200, f"{where}: api")
            rated = client.post(url + "rate/", {"rag": "green", "reason": "matrix"})
            check(may("edit"), rated.status_code == 302, f"{where}: triage")
        client.logout()

    print(f"referral matrix: {checks} checks, {len(wrong)} wrong")
    assert not wrong, f"{len(wrong)} of {checks} checks wrong:\n" + "\n".join(wrong[:40])
    assert checks >= 500
