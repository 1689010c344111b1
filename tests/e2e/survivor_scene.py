"""The people and records behind the survivor's journey (issue 9), made through the services
as the agencies would have made them. Every name is fictional.

Callie Wrenfield is 16 when the story starts: known to the council (an open case with the
demo social worker), to Harbour Survivors' Service (a support plan led by Aisha Rahman, the
demo support worker), to the police and to the NHS. Her police and council records name
the man who exploited her, Stelian Garrow, with his identifiers, address, car and date of
birth, and another girl, Bryony Askew; a police investigation holds Callie and Bryony as
victims and him as the suspect. None of what is his or Bryony's may reach Callie's subject
access pack.

The moments of the story are here too, so that the journey reads as a calendar."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from lantern.casework import services as casework
from lantern.casework.models import Case
from lantern.core import clock
from lantern.justice import services as justice
from lantern.partners.models import Agency, Role, StaffMembership, Team
from lantern.people.models import Person
from lantern.people.services import AddressIn, SourceRecordIn, event_record, source_record_receive
from lantern.support import services as support
from lantern.support.models import SupportPlan
from lantern.timescales.rules import add_months
from lantern.voice import services as voice
from lantern.voice.models import Channel, Feedback, GiverKind, Use

POLICE = "northmoor-police"
COUNCIL = "kestrelford-childrens-services"
NHS = "kestrelford-nhs"
HARBOUR = "harbour-survivors"
DEMO_PASSWORD = "lantern-demo-only"


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment in UTC (in summer, UK time is an hour ahead)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


# ---------------------------------------------------------------- the calendar
BORN = dt.date(2010, 9, 18)
RECORDS_ARRIVE = at(2026, 9, 20)  # police, council, NHS and Harbour records of her
CASE_OPENED = at(2026, 11, 3)  # sixteen: the social worker opens her case
PLAN_OPENED = at(2026, 11, 5)  # Aisha opens her support plan, in the case
CASE_CLOSED = at(2027, 3, 1)  # the browser: the social worker closes the case
CONTACT_AFTER = at(2027, 3, 4, 16)  # the browser: Aisha sees her, and records it
EIGHTEEN = dt.date(2028, 9, 18)
NOW_ADULT = at(2028, 9, 25)  # the browser: "now an adult survivor"; support ends
A_YEAR_LATER = at(2029, 10, 1)  # the browser: she asks again; Aisha re-engages her
SAR_RECEIVED = dt.date(2029, 10, 8)  # she asks Harbour for everything held about her
SAR_LOGGED = at(2029, 10, 9)  # the browser: the DPO logs it and prepares the pack
SAR_CHECKED = at(2029, 10, 11)  # the browser: a second DPO checks it
SAR_RELEASED = at(2029, 10, 12)  # the browser: the DPO releases it
FEEDBACK_GIVEN = dt.date(2029, 11, 5)  # she tells Aisha how it has been
FEEDBACK_RECORDED = at(2029, 11, 5, 15)  # the browser: Aisha records it; the action
PARTNERSHIP_READS = at(2029, 11, 26)  # the browser: the partnership manager reads the view


# ---------------------------------------------------------------- the people
@dataclass(frozen=True)
class Someone:
    given: str
    family: str
    born: dt.date
    sex: str
    line1: str
    postcode: str
    nhs: str = ""
    pnc: str = ""
    vehicle: str = ""

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"


CALLIE = Someone("Callie", "Wrenfield", BORN, "F", "9 Larkspur Walk", "KF4 7DN", nhs="4505571009")
ABUSER = Someone(
    "Stelian",
    "Garrow",
    dt.date(1987, 2, 11),
    "M",
    "Flat 3, Sluice Court",
    "KF6 2RW",
    nhs="4857771004",
    pnc="07/0412907T",
    vehicle="KF09 WRV",
)
OTHER_CHILD = Someone(
    "Bryony", "Askew", dt.date(2010, 1, 30), "F", "41 Millrace Lane", "KF2 8HJ", nhs="7434761008"
)

# What Callie said, in her own words, and the words Aisha chooses to quote (her worker's
# name put as "[my worker]"; her own name left out).
HER_WORDS = (
    "The first time round the notes said Callie was choosing to go with them. Aisha never "
    "wrote that. When I came back after a year she remembered everything and I didn't have "
    "to tell it all again."
)
HER_QUOTE = (
    "[my worker] never wrote that. When I came back after a year she remembered everything "
    "and I didn't have to tell it all again."
)
THEMES = ["continuity_of_worker", "being_believed"]
ACTION_TITLE = "One named worker from first contact, for as long as support lasts"

# Other survivors' feedback that quarter, recorded by Harbour colleagues: enough on the same
# themes that the partnership's view shows their counts (below five is never shown).
OTHER_VOICES = [
    ("I had one worker the whole way through court. That mattered more than anything.", 2),
    ("Same worker since the summer. I don't have to start again every time.", 9),
    ("She believed me straight away, which nobody had before.", 14),
    ("Having the same person ring back is why I kept going.", 20),
    ("They listened and wrote down what I actually said.", 27),
]


@dataclass
class Scene:
    callie: Person
    abuser: Person
    other_child: Person
    case: Case
    plan: SupportPlan
    forbidden: list[str] = field(default_factory=list)


@contextmanager
def on(moment: dt.datetime):
    with clock.frozen_at(moment):
        yield


def user(username: str):
    return get_user_model().objects.get(username=username)


def _record(agency: str, local_id: str, who: Someone, identifiers: dict, person=None):
    return source_record_receive(
        actor=None,
        agency=agency,
        record=SourceRecordIn(
            local_id=local_id,
            given_name=who.given,
            family_name=who.family,
            date_of_birth=who.born,
            sex=who.sex,
            identifiers=identifiers,
            addresses=[AddressIn(line1=who.line1, town="Kestrelford", postcode=who.postcode)],
        ),
        person=person,
    )


def _events(police, council) -> None:
    """Her police and council records, naming him and Bryony in fields and in free text."""
    a, b = ABUSER, OTHER_CHILD
    event_record(
        actor=None,
        source=police,
        event_type="found_with_adult",
        occurred_at=at(2026, 9, 26, 23),
        summary=f"Found in {a.vehicle} with {a.name} behind the retail park; {b.name} was in "
        "the back seat.",
        place=a.line1,
        details={"adult": a.name, "adult_dob": a.born.isoformat(), "vehicle": a.vehicle},
    )
    event_record(
        actor=None,
        source=police,
        event_type="missing_episode",
        occurred_at=at(2026, 10, 3, 22),
        summary=f"Missing overnight with {b.given}; believed to be at {a.family.upper()}'s "
        f"flat, {a.line1}, {a.postcode}.",
        details={"risk_grade": "high"},
    )
    event_record(
        actor=None,
        source=council,
        event_type="contact_with_social_care",
        occurred_at=at(2026, 10, 8, 11),
        summary=f"Mum says {a.given} (PNC {a.pnc}, born {a.born:%d/%m/%Y}) buys Callie phones. "
        f"{b.family}, NHS {b.nhs[:3]} {b.nhs[3:6]} {b.nhs[6:]}, born {b.born:%-d %B %Y}, is "
        f"also at risk. Callie's own NHS number is {CALLIE.nhs}; she lives at {CALLIE.line1}.",
    )


def forbidden_strings(abuser: Person, other_child: Person) -> list[str]:
    """Everything of his and Bryony's that must not appear in what Callie reads."""
    a, b = ABUSER, OTHER_CHILD
    return [
        a.given,
        a.family,
        a.pnc,
        a.nhs,
        f"{a.nhs[:3]} {a.nhs[3:6]} {a.nhs[6:]}",
        a.line1,
        "Sluice Court",
        a.postcode,
        a.postcode.replace(" ", ""),
        a.vehicle,
        a.vehicle.replace(" ", ""),
        a.born.isoformat(),
        f"{a.born:%d/%m/%Y}",
        f"{a.born:%-d %B %Y}",
        b.given,
        b.family,
        b.nhs,
        f"{b.nhs[:3]} {b.nhs[3:6]} {b.nhs[6:]}",
        b.line1,
        b.postcode,
        f"{b.born:%-d %B %Y}",
        b.born.isoformat(),
        abuser.reference,
        other_child.reference,
    ]


def build() -> Scene:
    """Her records, his, Bryony's; the investigation; her open case and her support plan."""
    social_worker, officer, aisha = (
        user("social.worker"),
        user("police.officer"),
        user("support.worker"),
    )
    with on(RECORDS_ARRIVE):
        police = _record(POLICE, "SJ-CW-P", CALLIE, {})
        callie = police.person
        council = _record(COUNCIL, "SJ-CW-C", CALLIE, {}, person=callie)
        _record(NHS, "SJ-CW-N", CALLIE, {"nhs_number": CALLIE.nhs}, person=callie)
        _record(HARBOUR, "SJ-CW-H", CALLIE, {}, person=callie)
        abuser = _record(
            POLICE, "SJ-SG-P", ABUSER, {"pnc_id": ABUSER.pnc, "nhs_number": ABUSER.nhs}
        ).person
        other = _record(NHS, "SJ-BA-N", OTHER_CHILD, {"nhs_number": OTHER_CHILD.nhs}).person
        _record(POLICE, "SJ-BA-P", OTHER_CHILD, {}, person=other)
    with on(at(2026, 10, 9)):
        _events(police, council)
    with on(CASE_OPENED):
        case = casework.case_open(
            actor=social_worker,
            person=callie,
            reason="Sexual exploitation by an adult man; found in his car at night",
        )
    with on(PLAN_OPENED):
        plan = support.plan_open(
            actor=aisha,
            person=callie,
            lead_worker=aisha,
            summary="Support after exploitation: staying safe, staying in school, being heard",
            case=case,
        )
    with on(at(2026, 11, 10)):
        operation = justice.operation_create(
            actor=officer,
            code="op-sluice",
            name="Operation Sluice",
            started_on=dt.date(2026, 11, 9),
        )
        investigation = justice.investigation_open(
            actor=officer,
            operation=operation,
            reference_="SL-2026-001",
            title="Exploitation of two girls from a car and a flat",
            opened_on=dt.date(2026, 11, 10),
        )
        for girl in (callie, other):
            justice.victim_add(
                actor=officer,
                investigation=investigation,
                person=girl,
                identified_on=dt.date(2026, 11, 10),
                enhanced_rights=True,
            )
        justice.suspect_add(
            actor=officer,
            investigation=investigation,
            person=abuser,
            added_on=dt.date(2026, 11, 10),
        )
    return Scene(
        callie=callie,
        abuser=abuser,
        other_child=other,
        case=case,
        plan=plan,
        forbidden=forbidden_strings(abuser, other),
    )


def reviews_until(plan: SupportPlan, moment: dt.datetime) -> None:
    """Aisha holds each review when it falls due, up to the moment, as she would have: so
    that the plan is not overdue when the journey opens it."""
    plan.refresh_from_db()
    aisha = user("support.worker")
    while plan.is_open and plan.next_review_on and plan.next_review_on < moment.date():
        held = plan.next_review_on
        with on(dt.datetime.combine(held, dt.time(14), tzinfo=dt.UTC)):
            support.review_record(
                actor=aisha,
                plan=plan,
                held_on=held,
                summary="Reviewed with her: still engaging, no new missing episodes",
                next_review_on=add_months(held, plan.review_every_months),
            )
        plan.refresh_from_db()


def second_dpo() -> object:
    """Another data protection officer, who can sign in as the demo's users do, to check
    the pack the demo's DPO prepared (a pack is checked by someone else)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from lantern.accounts.otp import demo_key

    made, _ = get_user_model().objects.get_or_create(
        username="dpo.second",
        defaults={"first_name": "Imogen", "last_name": "Pryce", "job_title": "DPO"},
    )
    made.set_password(DEMO_PASSWORD)
    made.save()
    TOTPDevice.objects.get_or_create(
        user=made, key=demo_key(made.username), defaults={"name": "Demo", "confirmed": True}
    )
    agency = Agency.objects.get(code=COUNCIL)
    StaffMembership.objects.get_or_create(
        user=made,
        agency=agency,
        team=Team.objects.get(agency=agency, code="partnership"),
        role=Role.objects.get(code="data_protection_officer"),
        defaults={"started_on": dt.date(2025, 4, 1)},
    )
    return made


def other_voices() -> list[Feedback]:
    """Five other survivors' feedback that quarter, from Harbour colleagues: counted and
    tagged, none naming anyone, none quoted."""
    colleague = user("harbour-survivors.support.1")
    made = []
    for words, day in OTHER_VOICES:
        given = dt.date(FEEDBACK_GIVEN.year, 10, day)
        with on(dt.datetime.combine(given, dt.time(15), tzinfo=dt.UTC)):
            made.append(
                voice.feedback_record(
                    actor=colleague,
                    words=words,
                    given_on=given,
                    channel=Channel.IN_PERSON,
                    giver_kind=GiverKind.ADULT_SURVIVOR,
                    consent=[Use.SERVICE_LEARNING, Use.PARTNERSHIP_ANONYMISED],
                    themes=THEMES,
                    sentiment="positive",
                )
            )
    return made


def link_other_voices(action, feedback: list[Feedback], moment: dt.datetime) -> None:
    """Harbour's colleague puts the feedback she holds behind the action Aisha recorded."""
    colleague = user("harbour-survivors.support.1")
    with on(moment):
        for item in feedback:
            voice.action_link(actor=colleague, action=action, feedback=item)
