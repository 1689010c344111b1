"""Where an alert goes, who does its tasks, and when a school must know: the partnership's
roles-and-responsibilities table (casework/data/responsibilities.toml) read for alerts.

Routing. A rule names a step (`route`). The alert goes to the agency of the step's FIRST
Responsible kind, and in it to the team the step names (`team`), or, for children's
services when the step names none, to that agency's front door. Which agency of a kind:

1. the agency of that kind that recorded the newest of the alert's facts (the police
   force that attended the incident, the hospital that saw the child);
2. else an agency of that kind that holds a current record of the person (the child's
   school);
3. else the only active agency of that kind in the partnership.

A team that cannot be found (no such agency, or no team with that code) sends the alert
to the partnership's front door, and the alert's audit event says why: an alert is
never routed to nobody.

Tasks are given to agencies of their kind the same way (a task for a kind with no such
agency, say a school for a child no school knows, is not made, and the audit says so).

Before the next school day: the first 08:30 (UK time) on a working day after a moment
(weekends and bank holidays are not school days; term dates are not modelled, so a
school holiday weekday counts as a school day, which errs on the side of telling early).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from lantern.casework import responsibilities
from lantern.partners.models import Agency, AgencyKind, Team
from lantern.timescales import workdays
from lantern.timescales.rules import LONDON

SCHOOL_STARTS = dt.time(8, 30)


@dataclass(frozen=True)
class Route:
    step: responsibilities.Step
    agency: Agency
    team: Team
    fallback: str = ""  # why the alert went to the front door instead, if it did


def agency_of_kind(
    kind: str, *, person_id: int, fact_agency_ids: Sequence[int] = ()
) -> Agency | None:
    """The agency of `kind` concerned with this alert (see the module's docstring)."""
    candidates = Agency.objects.filter(kind=kind, active=True)
    if fact_agency_ids:
        found = {a.pk: a for a in candidates.filter(pk__in=set(fact_agency_ids))}
        for agency_id in reversed(list(fact_agency_ids)):  # the newest fact first
            if agency_id in found:
                return found[agency_id]
    holder = (
        candidates.filter(source_records__person_id=person_id, source_records__is_current=True)
        .order_by("pk")
        .first()
    )
    if holder is not None:
        return holder
    only = list(candidates.order_by("pk")[:2])
    return only[0] if len(only) == 1 else None


def _front_door(agency: Agency | None) -> Team | None:
    teams = Team.objects.filter(is_front_door=True).select_related("agency")
    if agency is not None:
        return teams.filter(agency=agency).order_by("pk").first()
    return teams.filter(agency__kind=AgencyKind.CHILDRENS_SERVICES).order_by("pk").first()


def route_for(step_code: str, *, person_id: int, fact_agency_ids: Sequence[int]) -> Route:
    """The team an alert by this step goes to. Refuses (ValidationError) only when the
    partnership has no front door at all to fall back on."""
    from lantern.core.validation import refuse

    step = responsibilities.step(step_code)
    kind = step.responsible[0]
    agency = agency_of_kind(kind, person_id=person_id, fact_agency_ids=fact_agency_ids)
    team, fallback = None, ""
    if agency is None:
        fallback = f"no active {kind} agency is concerned with this person"
    elif step.team:
        team = Team.objects.filter(agency=agency, code=step.team).select_related("agency").first()
        if team is None:
            fallback = f"{agency.name} has no team {step.team!r}"
    elif kind == AgencyKind.CHILDRENS_SERVICES:
        team = _front_door(agency)
        if team is None:
            fallback = f"{agency.name} has no front door"
    else:
        fallback = f"step {step.code} names no team in {agency.name}"
    if team is None:
        team = _front_door(None)
        if team is None:
            refuse("route", "The partnership has no front-door team to send alerts to")
    return Route(step=step, agency=team.agency, team=team, fallback=fallback)


def before_next_school_day(moment: dt.datetime) -> dt.datetime:
    """The first 08:30 UK time on a working day after `moment` (in UTC)."""
    local = moment.astimezone(LONDON)
    day = local.date()
    if not (workdays.is_working_day(day) and local.time() < SCHOOL_STARTS):
        day = workdays.next_working_day(day)
    return dt.datetime.combine(day, SCHOOL_STARTS, tzinfo=LONDON).astimezone(dt.UTC)


def task_due_on(moment: dt.datetime, working_days: int) -> dt.date:
    """A task's day: `working_days` working days after the day (UK) of `moment`."""
    return workdays.add_working_days(moment.astimezone(LONDON).date(), working_days)
