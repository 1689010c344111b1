"""Safe-contact fixtures: a fictional girl at risk from someone who may seek her, known to
the council, the police, the NHS, her school and a survivors' service, with every kind of
record a page or an export can show about her, and safe-contact settings that hide her
address from everyone but her lead worker (Aisha Rahman, Harbour Survivors).

Her addresses are spelt out where agencies really write them: on each agency's record, in
the postcode it sent, in the place and summary of an event at her home, in the address a
referrer typed, in a worker's notes, in an intelligence report and the place it links her
to, in her abuser's bail conditions. Every one must stay off every page and export for
anyone but her lead worker.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from contextlib import suppress
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model

from lantern.alerts import facts as fact_source
from lantern.alerts import services as alerts
from lantern.alerts.engine import Firing
from lantern.alerts.models import Alert
from lantern.alerts.rules import Condition, Rule
from lantern.casework import services as casework
from lantern.casework.models import Attendance, Case, Meeting
from lantern.casework.services import ActionIn, AgencyAtMeeting
from lantern.core import clock
from lantern.frontdoor import services as frontdoor
from lantern.frontdoor.models import InformationRequest, Referral
from lantern.frontdoor.services import ReferralIn
from lantern.justice import services as justice
from lantern.justice.models import CourtCase, Investigation
from lantern.linkage.models import ReviewPair
from lantern.network import services as network
from lantern.network.models import Entity, IntelligenceReport
from lantern.partners.models import Agency
from lantern.people.models import Event, Person, SourceRecord
from lantern.people.services import AddressIn, SourceRecordIn, event_record, source_record_receive
from lantern.support import services as support
from lantern.support.models import SafeContact, SupportPlan

from ..conftest import _persona

# A Tuesday in November (GMT), clear of bank holidays.
NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
COUNCIL, POLICE, NHS = "kestrelford-childrens-services", "northmoor-police", "kestrelford-nhs"
SUPPORT = "harbour-survivors"

# Her addresses, in an area the synthetic borough never uses, so a page that shows one
# can only be showing hers.
HOME_LINE = "27 Wrenhollow Close"
HOME_POSTCODE = "RH17 3UZ"
OLD_LINE = "3 Saltmarsh Yard"
OLD_POSTCODE = "RH16 8NW"
SAFE_PHONE = "07700 900417"  # the one number to use, shown to anyone who may contact her

support_worker = _persona("support.worker")
team_manager = _persona("team.manager")
police_analyst = _persona("police.analyst")


@pytest.fixture(autouse=True)
def now(db):
    with clock.frozen_at(NOW):
        yield NOW


def at(moment: dt.datetime):
    return clock.frozen_at(moment)


def her_words() -> list[str]:
    """Every way her addresses could appear, for the walker to look for."""
    return [HOME_LINE, OLD_LINE, HOME_POSTCODE, OLD_POSTCODE]


def leaks(text: str) -> list[str]:
    """Her addresses found in the text: however they are spaced, cased or wrapped (a PDF
    breaks a line where it likes), and a postcode with or without its space."""
    found = []
    flat = " ".join(text.split())
    for word in her_words():
        parts = [re.escape(p) for p in word.split()]
        if re.search(r"\s*".join(parts), flat, re.IGNORECASE):
            found.append(word)
    return found


def pdf_text(data: bytes) -> str:
    """The text an fpdf2 file shows, from its (deflated) content streams: each string shown
    with Tj, unescaped, joined with spaces. Enough for our own PDFs, no library needed."""
    shown = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        body = match.group(1)
        with suppress(zlib.error):
            body = zlib.decompress(body)
        for text in re.finditer(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", body):
            shown.append(re.sub(rb"\\(.)", rb"\1", text.group(1)).decode("cp1252", "replace"))
    return " ".join(shown)


def body_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        return pdf_text(content)
    return content.decode("utf-8", "replace")


@dataclass
class Survivor:
    person: Person
    records: list[SourceRecord]
    home_event: Event
    referral: Referral
    request: InformationRequest
    case: Case
    meeting: Meeting
    alert: Alert
    report: IntelligenceReport
    home_place: Entity
    investigation: Investigation
    court_case: CourtCase
    plan: SupportPlan
    safe_contact: SafeContact
    abuser: Person
    pair: ReviewPair


def _record(agency: str, local_id: str, person: Person | None) -> SourceRecord:
    return source_record_receive(
        actor=None,
        agency=agency,
        record=SourceRecordIn(
            local_id=local_id,
            given_name="Linnea",
            family_name="Farrowdale",
            date_of_birth=dt.date(2010, 5, 2),
            sex="F",
            addresses=[
                AddressIn(
                    OLD_LINE,
                    "Kestrelford",
                    OLD_POSTCODE,
                    valid_from=dt.date(2015, 1, 1),
                    valid_to=dt.date(2025, 6, 30),
                ),
                AddressIn(HOME_LINE, "Kestrelford", HOME_POSTCODE, valid_from=dt.date(2025, 7, 1)),
            ],
        ),
        person=person,
    )


def _alert_rule() -> Rule:
    return Rule(
        code="safe_contact_test_rule",
        version=1,
        name="Domestic abuse at home (a rule made for a test)",
        description="A rule made for a test: one domestic abuse incident in 30 days.",
        status="on",
        severity="high",
        route="exploitation_alert",
        subject="person",
        about="anyone",
        window_days=30,
        repeat_after_days=90,
        when=(Condition(kind="domestic_incident", at_least=1, within_days=30),),
        tasks=(),
        notify=(),
        notify_by="now",
    )


@pytest.fixture
def survivor(mash_worker, social_worker, police_officer, nhs_nurse, school_dsl, support_worker):
    council, police, nhs = (Agency.objects.get(code=c) for c in (COUNCIL, POLICE, NHS))
    school = school_dsl.agency
    first = _record(COUNCIL, "SC-LF-1", None)
    person = first.person
    records = [first] + [
        _record(code, f"SC-LF-{n}", person)
        for n, code in enumerate((POLICE, NHS, school.code, SUPPORT), start=2)
    ]
    police_record = records[1]
    with at(NOW - dt.timedelta(days=20)):
        home_event = event_record(
            actor=None,
            source=police_record,
            event_type="domestic_incident",
            occurred_at=NOW - dt.timedelta(days=20),
            summary=f"Officers called to {HOME_LINE}, {HOME_POSTCODE} after neighbours heard "
            "shouting; her stepfather had found where she lives.",
            postcode=HOME_POSTCODE,
            place=HOME_LINE,
        )
    firing = Firing(
        "safe_contact_test_rule",
        1,
        person.pk,
        home_event.occurred_at,
        tuple(fact_source.from_events([home_event])),
    )
    with at(NOW - dt.timedelta(days=19)):
        alert = alerts.alert_raise(firing, rule=_alert_rule())

    # A referral from the school, typed with her address, open at the front door.
    with at(NOW - dt.timedelta(days=3)):
        referral = frontdoor.referral_make(
            actor=school_dsl,
            data=ReferralIn(
                given_name="Linnea",
                family_name="Farrowdale",
                date_of_birth=dt.date(2010, 5, 2),
                sex="F",
                address_line1=HOME_LINE,
                town="Kestrelford",
                postcode=HOME_POSTCODE,
                concern=f"Linnea says a man waits outside {HOME_LINE} after school.",
                categories=["criminal_exploitation"],
                consent=True,
                referrer_name="Orla Penhallow",
                referrer_phone="01632 960123",
            ),
        )
    with at(NOW - dt.timedelta(days=3) + dt.timedelta(minutes=30)):
        frontdoor.referral_match(actor=mash_worker, referral=referral, person=person)
        frontdoor.referral_rate(
            actor=mash_worker, referral=referral, rag="red", reason=f"Found at {HOME_LINE}"
        )
        request = frontdoor.information_request_send(
            actor=mash_worker, referral=referral, agency=nhs, question="Any recent attendances?"
        )

    # Her case, with a meeting whose notes name the house.
    with at(NOW - dt.timedelta(days=2)):
        case = casework.case_open(
            actor=social_worker,
            person=person,
            reason=f"Known to us at {OLD_LINE}",
            started_at=NOW - dt.timedelta(days=2),
        )
    held = NOW - dt.timedelta(days=1)
    with at(held + dt.timedelta(hours=1)):
        meeting = casework.strategy_discussion_record(
            actor=social_worker,
            person=person,
            held_at=held,
            chair=social_worker,
            agencies=[
                AgencyAtMeeting(council, Attendance.ATTENDED, "Social worker"),
                AgencyAtMeeting(police, Attendance.ATTENDED, "Detective constable"),
                AgencyAtMeeting(nhs, Attendance.ATTENDED, "Named nurse"),
            ],
            summary=f"She has moved from {OLD_LINE} to {HOME_LINE} ({HOME_POSTCODE}).",
            decisions=[f"Police to patrol {HOME_LINE} at night"],
            start_section_47=False,
            criminal_investigation="single",
            actions=[ActionIn(police, f"Fit a panic alarm at {HOME_LINE}", TODAY)],
        )

    # The police: an adult who seeks her, intelligence placing her at her home, an
    # investigation with her as its victim, his bail keeping him away from her street.
    abuser = source_record_receive(
        actor=None,
        agency=POLICE,
        record=SourceRecordIn(
            local_id="SC-AB-1",
            given_name="Corwin",
            family_name="Ashgrave",
            date_of_birth=dt.date(1984, 2, 9),
            sex="M",
        ),
    ).person
    with at(NOW - dt.timedelta(days=5)):
        report = network.report_submit(
            actor=police_officer,
            data=network.ReportInput(
                observed_on=TODAY - dt.timedelta(days=6),
                source_description="Neighbour",
                source_evaluation="B",
                intelligence_assessment="2",
                handling_code="P",
                text=f"Ashgrave seen outside {HOME_LINE} asking for Linnea.",
                entities=[
                    network.EntityInput("her", kind="person", person_reference=person.reference),
                    network.EntityInput("him", kind="person", person_reference=abuser.reference),
                    network.EntityInput(
                        "home",
                        kind="location",
                        value=HOME_LINE,
                        postcode=HOME_POSTCODE,
                        place_type="address",
                    ),
                ],
                links=[
                    network.LinkInput("her", "home", "lives_at"),
                    network.LinkInput("him", "home", "at_location"),
                    network.LinkInput("him", "her", "seen_with"),
                ],
            ),
        )
    home_place = Entity.objects.get(kind="location", label__startswith=HOME_LINE)
    with at(NOW - dt.timedelta(days=4)):
        operation = justice.operation_create(
            actor=police_officer,
            code="op-wrenhollow",
            name="Operation Wrenhollow",
            started_on=TODAY - dt.timedelta(days=4),
        )
        investigation = justice.investigation_open(
            actor=police_officer,
            operation=operation,
            reference_="WH-2026-001",
            title="Stalking of a girl in Kestrelford",
            opened_on=TODAY - dt.timedelta(days=4),
            team=police_officer.membership.team,
        )
        suspect = justice.suspect_add(
            actor=police_officer,
            investigation=investigation,
            person=abuser,
            added_on=TODAY - dt.timedelta(days=4),
        )
        justice.victim_add(
            actor=police_officer,
            investigation=investigation,
            person=person,
            identified_on=TODAY - dt.timedelta(days=4),
            enhanced_rights=True,
            engaged_on=TODAY - dt.timedelta(days=4),
        )
        justice.arrest_record(
            actor=police_officer,
            suspect=suspect,
            arrested_on=TODAY - dt.timedelta(days=4),
            offences=["stalking_fear_of_violence"],
        )
        court_case = justice.court_case_open(
            actor=police_officer,
            defendant=suspect,
            reference_="T20267777",
            court="Kestrelford Magistrates' Court",
        )
        justice.bail_set(
            actor=police_officer,
            suspect=suspect,
            conditions=f"Not to enter Wrenhollow Close; not to go within 100 metres of {HOME_LINE}",
            starts_on=TODAY - dt.timedelta(days=4),
            shared_with=[council],
        )

    # Her support: Aisha Rahman leads it, and her safe-contact settings hide her address.
    with at(NOW - dt.timedelta(days=1)):
        plan = support.plan_open(
            actor=support_worker,
            person=person,
            lead_worker=support_worker,
            summary="Support while the case against Ashgrave goes on",
        )
    with at(NOW - dt.timedelta(hours=20)):
        settings = support.safe_contact_set(
            actor=support_worker,
            person=person,
            phone=SAFE_PHONE,
            times="Weekdays 4pm to 6pm",
            may_call=True,
            may_text=True,
            may_leave_message=False,
            may_post=False,
            notes="Say you are calling from the school nurse",
            hide_address=True,
            hide_reason="Her stepfather is looking for her",
        )
    # Two of her records waiting for a person to say whether they are one girl.
    a, b = sorted([records[0], records[2]], key=lambda r: r.pk)
    pair = ReviewPair.objects.create(
        record_a=a,
        record_b=b,
        match_weight=3.2,
        match_probability=0.9,
        evidence=[],
        why=ReviewPair.Why.HOUSEHOLD,
        created_at=NOW - dt.timedelta(days=1),
    )
    return Survivor(
        person=person,
        records=records,
        home_event=home_event,
        referral=referral,
        request=request,
        case=case,
        meeting=meeting,
        alert=alert,
        report=report,
        home_place=home_place,
        investigation=investigation,
        court_case=court_case,
        plan=plan,
        safe_contact=settings,
        abuser=abuser,
        pair=pair,
    )


def user(username: str):
    return get_user_model().objects.get(username=username)
