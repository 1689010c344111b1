"""Subject access fixtures: a hand-built survivor's record (fictional names) whose events
name her abuser and another child, in structured fields and in free text, with their
identifiers, address, vehicle and date of birth; a police investigation in which she is a
victim, he the suspect and the other child a second victim; and a second data protection
officer to check what the first prepared."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from contextlib import contextmanager, suppress

import pytest
from django.contrib.auth import get_user_model

from lantern.core import clock
from lantern.justice import services as justice
from lantern.partners.models import Agency, Role, StaffMembership, Team
from lantern.people.services import AddressIn, SourceRecordIn, event_record, source_record_receive

TODAY = dt.date(2026, 11, 2)
POLICE = "northmoor-police"
COUNCIL = "kestrelford-childrens-services"
NHS = "kestrelford-nhs"

# The abuser's and the other child's data: none of it may appear in her pack.
ABUSER = {
    "given": "Dariusz",
    "family": "Halloran",
    "born": dt.date(1988, 2, 3),
    "pnc": "88/0123456E",
    "nhs": "4010232137",
    "line1": "4 Canal Yard",
    "postcode": "KF3 9ZZ",
    "vehicle": "KF12 XYZ",
}
OTHER_CHILD = {
    "given": "Kayleigh",
    "family": "Brennock",
    "born": dt.date(2009, 11, 20),
    "nhs": "9434765919",
    "line1": "27 Tannery Close",
    "postcode": "KF2 4PQ",
}
SUBJECT = {
    "given": "Ellie",
    "family": "Marsden",
    "born": dt.date(2010, 5, 14),
    "nhs": "9434765870",
    "line1": "12 Orchard Row",
    "postcode": "KF1 2AB",
}


@contextmanager
def on(day: dt.date, hour: int = 14):
    with clock.frozen_at(dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)):
        yield


def at(day: dt.date, hour: int = 20) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def _record(agency: str, local_id: str, who: dict, identifiers: dict, person=None):
    return source_record_receive(
        actor=None,
        agency=agency,
        record=SourceRecordIn(
            local_id=local_id,
            given_name=who["given"],
            family_name=who["family"],
            date_of_birth=who["born"],
            sex="F" if who is not ABUSER else "M",
            identifiers=identifiers,
            addresses=[AddressIn(line1=who["line1"], town="Kestrelford", postcode=who["postcode"])],
        ),
        person=person,
    )


def make_scenario(police_officer) -> dict:
    with on(TODAY - dt.timedelta(days=40)):
        police = _record(POLICE, "SAR-T-ELLIE", SUBJECT, {})
        ellie = police.person
        council = _record(COUNCIL, "SAR-T-ELLIE-C", SUBJECT, {}, person=ellie)
        nhs = _record(NHS, "SAR-T-ELLIE-N", SUBJECT, {"nhs_number": SUBJECT["nhs"]}, person=ellie)
        abuser_rec = _record(
            POLICE, "SAR-T-DH", ABUSER, {"pnc_id": ABUSER["pnc"], "nhs_number": ABUSER["nhs"]}
        )
        abuser = abuser_rec.person
        kayleigh_rec = _record(NHS, "SAR-T-KB", OTHER_CHILD, {"nhs_number": OTHER_CHILD["nhs"]})
        kayleigh = kayleigh_rec.person
        _record(POLICE, "SAR-T-KB-P", OTHER_CHILD, {}, person=kayleigh)
    a, k = ABUSER, OTHER_CHILD
    with on(TODAY - dt.timedelta(days=12)):
        events = [
            event_record(
                actor=None,
                source=police,
                event_type="found_with_adult",
                occurred_at=at(TODAY - dt.timedelta(days=30)),
                summary=f"Found in car {a['vehicle']} with {a['given']} {a['family']} near "
                f"the canal; {k['given']} {k['family']} was with them.",
                place=a["line1"],
                details={
                    "adult": f"{a['given']} {a['family']}",
                    "adult_dob": a["born"].isoformat(),
                    "vehicle": a["vehicle"],
                    "place_type": "residential",
                },
            ),
            event_record(
                actor=None,
                source=police,
                event_type="missing_episode",
                occurred_at=at(TODAY - dt.timedelta(days=25)),
                summary=f"Missing overnight with {k['given']}; believed to be at "
                f"{a['family'].upper()}'s flat, {a['line1']}, {a['postcode']}.",
                details={"risk_grade": "high"},
            ),
            event_record(
                actor=None,
                source=council,
                event_type="contact_with_social_care",
                occurred_at=at(TODAY - dt.timedelta(days=20), 11),
                summary=f"Mum says {a['given']} gives Ellie phones and money. Police ref "
                f"{a['pnc']}. {k['family']} (NHS {k['nhs'][:3]} {k['nhs'][3:6]} "
                f"{k['nhs'][6:]}) born {k['born']:%-d %B %Y} also at risk. Ellie's own NHS "
                f"number is {SUBJECT['nhs']}.",
            ),
            event_record(
                actor=None,
                source=nhs,
                event_type="sexual_health_attendance",
                occurred_at=at(TODAY - dt.timedelta(days=15), 10),
                summary=f"Attended with a friend, {k['given'].lower()}; said an older man "
                f"(born {a['born']:%d/%m/%Y}) drives her. Ellie lives at {SUBJECT['line1']}.",
            ),
        ]
    with on(TODAY - dt.timedelta(days=10)):
        operation = justice.operation_create(
            actor=police_officer,
            code="op-sar-test",
            name="Operation Larch",
            started_on=TODAY - dt.timedelta(days=12),
        )
        investigation = justice.investigation_open(
            actor=police_officer,
            operation=operation,
            reference_="SAR-INV-1",
            title="Exploitation of two girls",
            opened_on=TODAY - dt.timedelta(days=10),
        )
        justice.victim_add(
            actor=police_officer,
            investigation=investigation,
            person=ellie,
            identified_on=TODAY - dt.timedelta(days=10),
            enhanced_rights=True,
        )
        justice.victim_add(
            actor=police_officer,
            investigation=investigation,
            person=kayleigh,
            identified_on=TODAY - dt.timedelta(days=10),
            enhanced_rights=True,
        )
        justice.suspect_add(
            actor=police_officer,
            investigation=investigation,
            person=abuser,
            added_on=TODAY - dt.timedelta(days=10),
        )
    return {
        "ellie": ellie,
        "abuser": abuser,
        "kayleigh": kayleigh,
        "events": events,
        "investigation": investigation,
        "forbidden": forbidden_strings(abuser, kayleigh),
    }


def forbidden_strings(abuser, kayleigh) -> list[str]:
    """Everything about the two others that must not appear in her pack, in any form."""
    a, k = ABUSER, OTHER_CHILD
    return [
        a["given"],
        a["family"],
        a["pnc"],
        a["nhs"],
        a["line1"],
        a["postcode"],
        a["postcode"].replace(" ", ""),
        a["vehicle"],
        a["vehicle"].replace(" ", ""),
        a["born"].isoformat(),
        f"{a['born']:%d/%m/%Y}",
        "1988",
        k["given"],
        k["family"],
        k["nhs"],
        f"{k['nhs'][:3]} {k['nhs'][3:6]} {k['nhs'][6:]}",
        k["line1"],
        k["postcode"],
        f"{k['born']:%-d %B %Y}",
        abuser.reference,
        kayleigh.reference,
    ]


@pytest.fixture
def scenario(police_officer):
    return make_scenario(police_officer)


@pytest.fixture
def second_dpo(db):
    """Another data protection officer, to check what the demo's DPO prepared."""
    user = get_user_model().objects.create_user(
        username="dpo.second", first_name="Imogen", last_name="Pryce", job_title="DPO"
    )
    agency = Agency.objects.get(code=COUNCIL)
    StaffMembership.objects.create(
        user=user,
        agency=agency,
        team=Team.objects.get(agency=agency, code="partnership"),
        role=Role.objects.get(code="data_protection_officer"),
        started_on=TODAY - dt.timedelta(days=400),
    )
    return user


# ---------------------------------------------------------------- reading a PDF
def pdf_text(data: bytes) -> str:
    """The text an fpdf2 file shows, from its (deflated) content streams: each string
    shown with Tj, unescaped, one line each. Enough for our own PDFs, no library needed."""
    lines = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        body = match.group(1)
        with suppress(zlib.error):
            body = zlib.decompress(body)
        for shown in re.finditer(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", body):
            text = re.sub(rb"\\(.)", rb"\1", shown.group(1))
            lines.append(text.decode("cp1252", "replace"))
    return "\n".join(lines)


# ---------------------------------------------------------------- a request at each step
@pytest.fixture
def logged(scenario, dpo):
    from lantern.sar import services

    with on(TODAY):
        return services.sar_log(
            actor=dpo,
            person=scenario["ellie"],
            received_on=TODAY - dt.timedelta(days=3),
            requester="subject",
            identity_check="documents",
            identity_note="Passport seen",
        )


@pytest.fixture
def prepared(logged, dpo):
    from lantern.sar import services

    with on(TODAY):
        services.sar_prepare(actor=dpo, request=logged)
    logged.refresh_from_db()
    return logged


@pytest.fixture
def checked(prepared, second_dpo):
    from lantern.sar import services

    with on(TODAY):
        services.sar_check(actor=second_dpo, request=prepared, note="Read in full")
    prepared.refresh_from_db()
    return prepared


def rendered_text(request) -> str:
    from lantern.sar import pack as packs

    pack = request.pack
    return packs.plain_text(packs.rendered(pack.content, pack.redactions.all()))
