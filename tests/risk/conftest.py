"""Risk tool fixtures: a fixed moment, fictional people known to the council, the police
and the NHS (so their staff may see them), a person hidden from all but the police, a
second team manager, and answers to build on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from lantern.core import clock
from lantern.partners.models import Agency, Role, StaffMembership, Team
from lantern.people.models import Person
from lantern.people.services import SourceRecordIn, source_record_receive
from lantern.risk import tools

# A Tuesday in November (GMT, so London time and UTC agree).
NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
COUNCIL, POLICE, NHS = "kestrelford-childrens-services", "northmoor-police", "kestrelford-nhs"
CE, DA, PI = "child_exploitation_screening", "domestic_abuse_risk", "perpetrator_indicators"


@pytest.fixture(autouse=True)
def now(db):
    with clock.frozen_at(NOW):
        yield NOW


def user(username: str):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def team_manager(db):
    return user("team.manager")


@pytest.fixture
def other_manager(db, team_manager):
    """A second team manager in the council's front-door team."""
    other = get_user_model().objects.create_user(
        username="second.manager", first_name="Ines", last_name="Corbeau", password="x" * 20
    )
    StaffMembership.objects.create(
        user=other,
        agency=Agency.objects.get(code=COUNCIL),
        team=Team.objects.get(code="front-door"),
        role=Role.objects.get(code="team_manager"),
        started_on=TODAY - dt.timedelta(days=400),
    )
    return other


def make_person(given: str, family: str, born: dt.date | None, *codes: str) -> Person:
    """A fictional person with a current record at each agency named, already one person."""
    person = None
    for code in codes:
        source = source_record_receive(
            actor=None,
            agency=code,
            record=SourceRecordIn(
                local_id=f"RK-{code[:6]}-{given}-{family}",
                given_name=given,
                family_name=family,
                date_of_birth=born,
                sex="F",
            ),
            person=person,
        )
        person = source.person
    return person


@pytest.fixture
def child(db) -> Person:
    """Fifteen, known to the council, the police and the NHS."""
    return make_person("Tegan", "Holloway", dt.date(2011, 4, 2), COUNCIL, POLICE, NHS)


@pytest.fixture
def young_child(db) -> Person:
    """Eleven, known to the council."""
    return make_person("Milo", "Ashdown", dt.date(2015, 6, 20), COUNCIL)


@pytest.fixture
def adult(db) -> Person:
    """An adult (34) known to the council, the police and the NHS."""
    return make_person("Carys", "Wendover", dt.date(1992, 1, 15), COUNCIL, POLICE, NHS)


@pytest.fixture
def perpetrator(db) -> Person:
    """A man (41) known to the council and the police."""
    return make_person("Gareth", "Thornbury", dt.date(1985, 8, 9), COUNCIL, POLICE)


@pytest.fixture
def hidden_person(db) -> Person:
    """Only the police hold a record: hidden from the council, the NHS and schools."""
    return make_person("Oriel", "Pennock", dt.date(2010, 10, 1), POLICE)


def lowest_answers(tool_code: str) -> dict:
    """Every required question answered with its lowest-scoring answer."""
    tool = tools.tool(tool_code)
    found = {}
    for q in tool.questions:
        if not q.required or not q.asked(found, TODAY):
            continue
        if q.type == "yes_no":
            found[q.code] = "no"
        elif q.type == "choice":
            found[q.code] = min(q.choices, key=lambda c: c.points).value
        elif q.type == "number":
            found[q.code] = q.minimum
    return found


def da_answers(yes: int, **extra) -> dict:
    """The domestic-abuse checklist with the first `yes` scored questions answered yes."""
    answers = lowest_answers(DA)
    scored = [q.code for q in tools.tool(DA).questions if q.type == "yes_no" and q.weight]
    for code in scored[:yes]:
        answers[code] = "yes"
    answers.update(extra)
    return answers
