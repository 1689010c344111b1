"""The front door's statutory clocks, through the timescales app.

Kept in one place so the services read as the steps they are: `due` for a time the
referral itself keeps (the queue shows the decision due before the child is matched),
and open, meet and cancel for the deadlines the worklists show, which need a person.
"""

from __future__ import annotations

import datetime as dt

from lantern.timescales import rules
from lantern.timescales import services as timescales


def due(code: str, start: dt.datetime) -> dt.datetime:
    return rules.due(code, start)


def open_(*, actor, rule: str, starts_at: dt.datetime, person, subject, owner_agency, owner_team):
    return timescales.deadline_open(
        actor=actor,
        rule=rule,
        starts_at=starts_at,
        person=person,
        subject=subject,
        owner_agency=owner_agency,
        owner_team=owner_team,
    )


def meet(*, actor, subject, rule: str, met_at: dt.datetime):
    return timescales.deadline_meet(actor=actor, subject=subject, rule=rule, met_at=met_at)


def cancel(*, actor, subject, rule: str, reason: str):
    return timescales.deadline_cancel(actor=actor, subject=subject, rule=rule, reason=reason)
