"""Justice fixtures: fictional people known to the police, an operation, and a clock that
the scenario moves day by day."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest

from lantern.core import clock
from lantern.justice import services
from lantern.people.models import Person
from lantern.people.services import SourceRecordIn, source_record_receive

POLICE = "northmoor-police"


@contextmanager
def on(day: dt.date, hour: int = 14):
    """Do what follows as if it were that day, in the afternoon (UTC)."""
    with clock.frozen_at(dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)):
        yield


def known_to_police(given: str, family: str, born: dt.date, sex: str = "F") -> Person:
    """A fictional person with a current police record."""
    source = source_record_receive(
        actor=None,
        agency=POLICE,
        record=SourceRecordIn(
            local_id=f"J-{given}-{family}",
            given_name=given,
            family_name=family,
            date_of_birth=born,
            sex=sex,
        ),
    )
    return source.person


@pytest.fixture
def operation(police_officer):
    with on(dt.date(2026, 1, 5)):
        return services.operation_create(
            actor=police_officer,
            code="op-lantern-test",
            name="Operation Hawthorn",
            started_on=dt.date(2026, 1, 5),
        )
