"""Seeding the synthetic borough into the database, in one transaction.

`borough_seed` refuses a database that already holds a borough (so a second
seed never duplicates anything) and writes everything or nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from lantern.core import clock
from lantern.core.bulk import BulkWriter, next_id, reset_sequences
from lantern.partners.models import Agency, AgencyKind, Role, StaffMembership, Team
from lantern.people.identifiers import IdentifierError, validate_identifier
from lantern.people.models import (
    REFERENCE_ALPHABET,
    Address,
    Event,
    EventType,
    Identifier,
    Person,
    Relationship,
    SourceRecord,
)

from . import background, names
from .borough import AgencyRecord, Borough, Individual, PlannedEvent
from .models import BoroughSeed, Scenario, TrueIdentity

BOROUGH_NAME = "Kestrelford"
MAX_PEOPLE = 5_000_000

# code: (name, kind, record prefix, teams as (code, name, purpose, front door))
AGENCIES = {
    "kestrelford-childrens-services": (
        "Kestrelford Council Children's Services",
        AgencyKind.CHILDRENS_SERVICES,
        "CS",
        [
            ("front-door", "Front door (MASH)", "Triage of contacts and referrals", True),
            ("assessment", "Assessment team", "Child and family assessments", False),
            ("child-protection", "Child protection team", "Enquiries, conferences, plans", False),
            ("exploitation", "Exploitation team", "Children at risk of exploitation", False),
            ("partnership", "Safeguarding partnership office", "The partnership's business", False),
        ],
    ),
    "northmoor-police": (
        "Northmoor Police",
        AgencyKind.POLICE,
        "NP",
        [
            (
                "public-protection",
                "Public protection unit",
                "Child abuse and domestic abuse",
                False,
            ),
            ("child-exploitation", "Child exploitation team", "Exploitation investigations", False),
            ("intelligence", "Intelligence unit", "Analysis and problem profiles", False),
            ("information-rights", "Information rights", "Data protection", False),
        ],
    ),
    "kestrelford-nhs": (
        "Kestrelford Hospitals NHS Trust",
        AgencyKind.NHS,
        "H",
        [
            ("safeguarding", "Safeguarding team", "Named nurses and doctors", False),
            ("emergency-department", "Emergency department", "Urgent and emergency care", False),
        ],
    ),
    "kestrelford-youth": (
        "Kestrelford Youth Service",
        AgencyKind.YOUTH_SERVICE,
        "Y",
        [("detached", "Detached youth work", "Youth workers on the streets", False)],
    ),
    "harbour-survivors": (
        "Harbour Survivors' Service",
        AgencyKind.VOLUNTARY,
        "HS",
        [
            ("support", "Survivor support", "Long-term support for survivors", False),
            ("advocacy", "Independent advocacy", "Domestic and sexual violence advisers", False),
        ],
    ),
    "national-exploitation-unit": (
        "National Child Exploitation Unit",
        AgencyKind.NATIONAL_POLICE_UNIT,
        "NX",
        [("historic", "Historic operations", "Long-running national operations", False)],
    ),
}

# Staff made for each team, by role code, so every page has believable people on it.
TEAM_STAFF = {
    "front-door": ["front_door_social_worker"] * 3 + ["team_manager"],
    "assessment": ["social_worker"] * 3 + ["team_manager"],
    "child-protection": ["social_worker"] * 3 + ["team_manager"],
    "exploitation": ["social_worker"] * 2 + ["support_worker"],
    "partnership": ["partnership_manager", "data_protection_officer", "system_administrator"],
    "public-protection": ["police_officer"] * 3,
    "child-exploitation": ["police_officer"] * 2,
    "intelligence": ["police_analyst"] * 2,
    "information-rights": ["data_protection_officer"],
    "safeguarding": ["nhs_safeguarding_nurse"] * 2,
    "emergency-department": [],
    "detached": ["support_worker"],
    "support": ["support_worker"] * 2,
    "advocacy": ["support_worker"],
    "historic": ["police_officer", "police_analyst"],
    "school-safeguarding": ["school_safeguarding_lead"],
}


@dataclass
class SeedSummary:
    people: int
    persons: int
    source_records: int
    events: int
    scenarios: int
    seconds: float
    network_reports: int = 0
    network_seconds: float = 0.0


def _match_keys_build() -> None:
    """The front door's index of the records just written, as if each had arrived on its
    own (people.services writes a record's keys as it receives it)."""
    from lantern.linkage.frames import source_records_frame
    from lantern.linkage.matching import keys_add

    keys_add(source_records_frame())


def borough_seed(
    *,
    people: int,
    seed: int,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> SeedSummary:
    """Seed the borough: agencies, staff, people, records, events and ground truth."""
    if not 1 <= people <= MAX_PEOPLE:
        raise ValidationError({"people": [f"People must be from 1 to {MAX_PEOPLE:,}"]})
    started = clock.now()
    today = today or clock.today()
    with transaction.atomic():
        existing = BoroughSeed.objects.select_for_update().first()
        if existing is not None:
            raise ValidationError(
                {
                    "seed": [
                        f"This database already holds the borough {existing} seeded on "
                        f"{existing.seeded_at:%d %B %Y}: seeding again would duplicate it. "
                        "Use a new database to seed another."
                    ]
                }
            )
        if Person.objects.exists() or SourceRecord.objects.exists():
            raise ValidationError(
                {
                    "seed": [
                        "This database already holds people: the synthetic borough is only "
                        "seeded into an empty database."
                    ]
                }
            )
        loader = _Loader(Borough(people=people, seed=seed, today=today), progress)
        loader.run()
        _match_keys_build()
        network = network_seed()
        access_seed(rng=loader.rng, today=today)
        from lantern.audit.services import audit_record

        audit_record(
            actor=None,
            action="collection",
            operation="synth.seed",
            purpose="The synthetic borough of Kestrelford was seeded: invented people only",
            detail={
                "people": people,
                "seed": seed,
                "source_records": loader.records_written,
                "events": loader.events.written,
            },
        )
        BoroughSeed.objects.create(
            name=BOROUGH_NAME,
            seed=seed,
            people=people,
            source_records=loader.records_written,
            events=loader.events.written,
            seeded_at=clock.now(),
            reference_date=today,
        )
    return SeedSummary(
        people=people,
        persons=loader.persons.written,
        source_records=loader.records_written,
        events=loader.events.written,
        scenarios=len(loader.scenarios),
        seconds=(clock.now() - started).total_seconds(),
        network_reports=network[0],
        network_seconds=network[1],
    )


def network_seed() -> tuple[int, float]:
    """Take the police's events into the network, as they would have been taken one by
    one had they been recorded live, then analyse its groups: (reports, seconds)."""
    from lantern.network import analysis, intake

    started = time.perf_counter()
    taken = intake.events_taken(intake.events_not_taken(), tell_alerts=False)
    analysis.recompute()
    return len(taken.reports), time.perf_counter() - started


def access_seed(*, rng: random.Random, today: dt.date) -> None:
    """The partnership's sharing agreement, allocations of the children the council works
    with, and open referrals at the front door for children contacted in the last month."""
    from lantern.access.models import AccessBasis, InformationSharingAgreement, Relationship

    agreement = InformationSharingAgreement.objects.create(
        code="kestrelford-safeguarding",
        title="Kestrelford safeguarding information sharing",
        purpose="To protect children and adults at risk of harm, including exploitation and "
        "domestic abuse, by sharing what each partner knows with those who need it.",
        lawful_basis=InformationSharingAgreement.LawfulBasis.PUBLIC_TASK,
        special_category_condition="Data Protection Act 2018, Schedule 1, paragraph 18 "
        "(safeguarding of children and of individuals at risk)",
        data_categories=sorted(set(EventType.objects.values_list("category", flat=True))),
        starts_on=today - dt.timedelta(days=3 * 365),
    )
    agreement.agencies.set(Agency.objects.all())
    council = Agency.objects.get(code="kestrelford-childrens-services")
    teams = {t.code: t for t in council.teams.all()}
    started = dt.datetime.combine(today - dt.timedelta(days=400), dt.time(9), tzinfo=dt.UTC)
    bases = []
    contacted = set(
        Event.objects.filter(
            event_type__code="contact_with_social_care",
            occurred_at__date__gte=today - dt.timedelta(days=30),
            source_record__agency=council,
        ).values_list("source_record__person", flat=True)
    )
    for person_id in sorted(contacted):
        bases.append(
            AccessBasis(
                person_id=person_id,
                kind=Relationship.FRONT_DOOR,
                team=teams["front-door"],
                reason="Contact received: referral open for triage",
                starts_at=dt.datetime.combine(
                    today - dt.timedelta(days=2), dt.time(9), tzinfo=dt.UTC
                ),
            )
        )
    children = (
        SourceRecord.objects.filter(
            agency=council, is_current=True, date_of_birth__gt=today - dt.timedelta(days=18 * 365)
        )
        .order_by("pk")
        .values_list("person", flat=True)
    )
    for person_id in children:
        team = teams[rng.choice(["assessment", "child-protection", "exploitation"])]
        bases.append(
            AccessBasis(
                person_id=person_id,
                kind=Relationship.ALLOCATED_TEAM,
                team=team,
                reason="Allocated for assessment and support",
                starts_at=started,
            )
        )
    AccessBasis.objects.bulk_create(bases, batch_size=5000)


def agencies_create(borough: Borough) -> dict[str, Agency]:
    agencies = {}
    for code, (name, kind, _prefix, teams) in AGENCIES.items():
        agency = Agency.objects.create(code=code, name=name, kind=kind)
        for team_code, team_name, purpose, front_door in teams:
            Team.objects.create(
                agency=agency,
                code=team_code,
                name=team_name,
                purpose=purpose,
                is_front_door=front_door,
            )
        agencies[code] = agency
    for code, name, _low, _high in borough.schools:
        agency = Agency.objects.create(code=code, name=name, kind=AgencyKind.SCHOOL)
        Team.objects.create(
            agency=agency,
            code="school-safeguarding",
            name="Safeguarding",
            purpose="The designated safeguarding lead and deputies",
        )
        agencies[code] = agency
    return agencies


def staff_create(rng: random.Random, today: dt.date) -> int:
    user_model = get_user_model()
    roles = {role.code: role for role in Role.objects.all()}
    made = 0
    for team in Team.objects.select_related("agency").order_by("pk"):
        for index, role_code in enumerate(TEAM_STAFF.get(team.code, [])):
            sex = rng.choice("FM")
            given = rng.choice(names.GIVEN_FEMALE if sex == "F" else names.GIVEN_MALE)
            family = rng.choice(names.FAMILY)
            user = user_model(
                username=f"{team.agency.code}.{team.code}.{index + 1}"[:150],
                first_name=given,
                last_name=family,
                job_title=roles[role_code].name,
                email=f"{given}.{family}@{team.agency.code}.example".lower(),
            )
            user.set_unusable_password()
            user.save()
            StaffMembership.objects.create(
                user=user,
                agency=team.agency,
                team=team,
                role=roles[role_code],
                started_on=today - dt.timedelta(days=rng.randrange(60, 3000)),
            )
            made += 1
    return made


def person_reference(pk: int) -> str:
    """A unique reference for a seeded person, spread so neighbours do not look alike."""
    base = len(REFERENCE_ALPHABET)
    value = (pk * 2_654_435_761) % (base**8)  # an odd multiplier: a bijection on 0..base^8-1
    chars = []
    for _ in range(8):
        value, digit = divmod(value, base)
        chars.append(REFERENCE_ALPHABET[digit])
    return "P-" + "".join(chars)


class _Loader:
    def __init__(self, borough: Borough, progress: Callable[[int], None] | None):
        self.b = borough
        self.rng = borough.rng
        self.progress = progress or (lambda n: None)
        now = clock.now()
        self.now = now
        self.agencies = agencies_create(borough)
        self.prefix = {code: spec[2] for code, spec in AGENCIES.items()}
        self.school_index = {s[0]: i for i, s in enumerate(borough.schools)}
        for code in self.school_index:
            self.prefix[code] = f"S{self.school_index[code] + 1:03d}-"
        staff_create(self.rng, borough.today)
        self.event_types = {e.code: e for e in EventType.objects.all()}
        self.persons = BulkWriter(
            Person,
            ["id", "reference", "given_name", "family_name", "date_of_birth", "sex", "created_at"],
        )
        self.records = BulkWriter(
            SourceRecord,
            [
                "id",
                "agency",
                "local_id",
                "version",
                "is_current",
                "person",
                "given_name",
                "family_name",
                "other_names",
                "date_of_birth",
                "sex",
                "postcode",
                "sensitivity",
                "received_at",
                "correction_reason",
                "raw",
            ],
        )
        self.identifiers = BulkWriter(
            Identifier, ["source_record", "scheme", "value", "is_valid", "problem"]
        )
        self.addresses = BulkWriter(
            Address,
            ["source_record", "line1", "line2", "town", "postcode", "valid_from", "valid_to"],
        )
        self.events = BulkWriter(
            Event,
            [
                "source_record",
                "event_type",
                "occurred_at",
                "ended_at",
                "postcode",
                "place",
                "summary",
                "details",
                "sensitivity",
                "recorded_at",
                "recorded_by",
            ],
        )
        self.relationships = BulkWriter(
            Relationship, ["person", "related", "kind", "recorded_by", "started_on", "ended_on"]
        )
        self.truth = BulkWriter(TrueIdentity, ["source_record", "individual", "household"])
        self.next_person = next_id(Person)
        self.next_record = next_id(SourceRecord)
        self.records_written = 0
        self.nhs_person: dict[int, int] = {}  # individual -> the person their NHS number links
        self.scenarios: list[Scenario] = []
        from .scenarios import ScenarioPlanner

        self.planner = ScenarioPlanner(self)
        self.background = background.Background(
            seed=borough.seed,
            today=borough.today,
            event=self.event,
            school_codes=self.school_index,
        )

    # ------------------------------------------------------------ the run
    def run(self) -> None:
        for household in self.b.households():
            placed = self._household(household)
            self.planner.consider(household, placed)
            self.background.household(household, placed, skip=self.planner.planted)
            self.progress(len(household))
        self.planner.finish()
        for writer in (
            self.persons,
            self.records,
            self.identifiers,
            self.addresses,
            self.events,
            self.relationships,
            self.truth,
        ):
            writer.flush()
        reset_sequences(Person, SourceRecord, Identifier, Address, Event, Relationship)

    # ------------------------------------------------------------ households
    def _household(self, household: list[Individual]) -> dict[int, dict[str, tuple[int, int]]]:
        b, rng = self.b, self.rng
        placed: dict[int, dict[str, tuple[int, int]]] = {}
        has_children = any(m.role == "child" for m in household)
        known_to_council = has_children and rng.random() < 0.10
        for person in household:
            age = person.age(b.today)
            wanted = ["kestrelford-nhs"]
            school = b.school_for(person) if person.role == "child" else None
            if school:
                wanted.append(school)
            if known_to_council:
                wanted.append("kestrelford-childrens-services")
            if (age >= 16 and rng.random() < background.POLICE_RECORD_ADULT) or (
                12 <= age < 16 and rng.random() < background.POLICE_RECORD_YOUNG_TEEN
            ):
                wanted.append("northmoor-police")
            if 11 <= age <= 19 and rng.random() < 0.05:
                wanted.append("kestrelford-youth")
            placed[person.key] = {}
            for agency in wanted:
                placed[person.key][agency] = self.record(person, agency)
        self._background_events(household, placed, known_to_council)
        self._relationships(household, placed, known_to_council)
        return placed

    def record(
        self,
        person: Individual,
        agency: str,
        *,
        sensitivity: str = "normal",
        placed: dict | None = None,
    ) -> tuple[int, int]:
        """Write the agency's record of the person; return (source record id, person id)."""
        b = self.b
        kind = self.agencies[agency].kind
        identifiers: dict[str, str] = {}
        error_rate = 0.10
        if kind == AgencyKind.NHS:
            identifiers["nhs_number"] = person.nhs
            error_rate = 0.03
        elif kind == AgencyKind.SCHOOL:
            identifiers["upn"] = b.upn_for(person, self.school_index[agency])
            if self.rng.random() < 0.6:
                identifiers["nhs_number"] = person.nhs
            error_rate = 0.08
        elif kind == AgencyKind.CHILDRENS_SERVICES:
            if self.rng.random() < 0.75:
                identifiers["nhs_number"] = person.nhs
            error_rate = 0.08
        elif kind in (AgencyKind.POLICE, AgencyKind.NATIONAL_POLICE_UNIT):
            if person.age(b.today) >= 14 and self.rng.random() < 0.5:
                identifiers["pnc_id"] = b.pnc_for(person)
            error_rate = 0.15
        else:
            error_rate = 0.12
        rec = b.garble(person, agency, error_rate=error_rate, identifiers=identifiers)
        rec.local_id = b.local_id(agency, self.prefix[agency])
        rec.sensitivity = sensitivity
        return self._write_record(rec, person, placed)

    def _write_record(
        self, rec: AgencyRecord, person: Individual, placed: dict | None
    ) -> tuple[int, int]:
        record_id = self.next_record
        self.next_record += 1
        checked = []
        trusted_nhs = False
        for scheme, value in rec.identifiers.items():
            try:
                normal, problem = validate_identifier(scheme, value), ""
            except IdentifierError as exc:
                normal, problem = value, exc.message[:200]
            checked.append((scheme, normal, not problem, problem))
            trusted_nhs = trusted_nhs or (
                scheme == "nhs_number" and not problem and normal == person.nhs
            )
        # The seed links records that carry the same valid NHS number, as a front door
        # would by hand; everything else waits for record linkage.
        person_id = None
        if trusted_nhs:
            person_id = self.nhs_person.get(person.key)
        if person_id is None:
            person_id = self.next_person
            self.next_person += 1
            self.persons.add(
                (
                    person_id,
                    person_reference(person_id),
                    rec.given,
                    rec.family,
                    rec.dob,
                    rec.sex,
                    self.now,
                )
            )
            if trusted_nhs:
                self.nhs_person[person.key] = person_id
        self.records.add(
            (
                record_id,
                self.agencies[rec.agency].pk,
                rec.local_id,
                1,
                True,
                person_id,
                rec.given,
                rec.family,
                rec.other_names,
                rec.dob,
                rec.sex,
                rec.home.postcode,
                rec.sensitivity,
                self.now,
                "",
                {
                    "local_id": rec.local_id,
                    "given_name": rec.given,
                    "family_name": rec.family,
                    "date_of_birth": rec.dob.isoformat() if rec.dob else None,
                    "sex": rec.sex,
                    "identifiers": rec.identifiers,
                    "address": rec.home.line1,
                    "postcode": rec.home.postcode,
                },
            )
        )
        self.records_written += 1
        for scheme, normal, valid, problem in checked:
            self.identifiers.add((record_id, scheme, normal, valid, problem))
        self.addresses.add(
            (
                record_id,
                rec.home.line1,
                rec.home.neighbourhood,
                names.TOWN,
                rec.home.postcode,
                rec.moved_on,
                None,
            )
        )
        if rec.previous_home is not None:
            self.addresses.add(
                (
                    record_id,
                    rec.previous_home.line1,
                    rec.previous_home.neighbourhood,
                    names.TOWN,
                    rec.previous_home.postcode,
                    None,
                    rec.moved_on,
                )
            )
        self.truth.add((record_id, person.key, person.household))
        if placed is not None:
            placed.setdefault(person.key, {})[rec.agency] = (record_id, person_id)
        return record_id, person_id

    # ------------------------------------------------------------ events
    def event(self, record_id: int, planned: PlannedEvent) -> None:
        event_type = self.event_types[planned.event_type]
        self.events.add(
            (
                record_id,
                event_type.pk,
                planned.occurred_at,
                planned.ended_at,
                planned.postcode,
                planned.place,
                planned.summary,
                planned.details,
                planned.sensitivity or event_type.default_sensitivity,
                self.now,
                None,
            )
        )

    def _background_events(self, household, placed, known_to_council) -> None:
        b, rng = self.b, self.rng
        for person in household:
            records = placed[person.key]
            age = person.age(b.today)
            nhs = records.get("kestrelford-nhs")
            if nhs and rng.random() < 0.12:
                for _ in range(rng.choice([1, 1, 1, 2, 3])):
                    self.event(
                        nhs[0],
                        PlannedEvent(
                            "",
                            "ed_attendance",
                            b.when(days_back=1500),
                            rng.choice(
                                [
                                    "Fall at home",
                                    "Sprained wrist",
                                    "Chest pain",
                                    "Asthma",
                                    "Head injury",
                                    "Fever",
                                    "Cut to hand",
                                    "Abdominal pain",
                                ]
                            ),
                            postcode=person.home.postcode,
                        ),
                    )
            school = next((v for k, v in records.items() if k in self.school_index), None)
            if school and rng.random() < 0.08:
                for _ in range(rng.choice([1, 1, 2])):
                    start = b.when(days_back=700, min_days=14)
                    days = rng.randrange(2, 9)
                    self.event(
                        school[0],
                        PlannedEvent(
                            "",
                            "school_absence_run",
                            start,
                            f"Absent without explanation for {days} school days",
                            ended_at=start + dt.timedelta(days=days),
                        ),
                    )
            police = records.get("northmoor-police")
            if police:
                for _ in range(rng.choice([1, 1, 2])):
                    self.event(
                        police[0],
                        PlannedEvent(
                            "",
                            "police_incident",
                            b.when(days_back=2000),
                            rng.choice(
                                [
                                    "Antisocial behaviour reported",
                                    "Shoplifting reported",
                                    "Witness to a road traffic collision",
                                    "Criminal damage",
                                    "Noise complaint",
                                    "Public order incident",
                                ]
                            ),
                            postcode=person.home.postcode,
                        ),
                    )
                if 12 <= age <= 17 and rng.random() < 0.15:
                    start = b.when(days_back=900, min_days=3)
                    found = self.background.found_place()  # its own generator
                    self.event(
                        police[0],
                        PlannedEvent(
                            "",
                            "missing_episode",
                            start,
                            "Reported missing by a parent; found safe",
                            ended_at=start + dt.timedelta(hours=rng.randrange(3, 30)),
                            place=found[1] if found else "",
                            details=self.background.missing_details(
                                {"risk_grade": rng.choice(["low", "low", "medium"])}, found
                            ),
                        ),
                    )
            council = records.get("kestrelford-childrens-services")
            if council and person.role == "child":
                self.event(
                    council[0],
                    PlannedEvent(
                        "",
                        "contact_with_social_care",
                        b.when(days_back=1800),
                        rng.choice(
                            [
                                "Concern about neglect from the school",
                                "Health visitor concern about home conditions",
                                "Police notification of a domestic incident",
                                "Family asked for help with parenting",
                            ]
                        ),
                    ),
                )
            youth = records.get("kestrelford-youth")
            if youth:
                self.event(
                    youth[0],
                    PlannedEvent(
                        "",
                        "youth_service_session",
                        b.when(days_back=400),
                        "Attended a youth club session",
                    ),
                )

    def _relationships(self, household, placed, known_to_council) -> None:
        nhs = self.agencies["kestrelford-nhs"].pk
        council = self.agencies["kestrelford-childrens-services"].pk
        for person in household:
            mine = placed[person.key].get("kestrelford-nhs")
            for parent in person.parents:
                theirs = placed[parent].get("kestrelford-nhs")
                if mine and theirs and mine[1] != theirs[1]:
                    self.relationships.add((mine[1], theirs[1], "parent", nhs, person.dob, None))
            if known_to_council:
                mine = placed[person.key].get("kestrelford-childrens-services")
                for other in household:
                    theirs = placed[other.key].get("kestrelford-childrens-services")
                    if not mine or not theirs or other.key <= person.key:
                        continue
                    if person.role == "child" and other.role == "child":
                        kind = "sibling"
                    elif person.partner == other.key:
                        kind = "partner"
                    else:
                        continue
                    self.relationships.add((mine[1], theirs[1], kind, council, None, None))
