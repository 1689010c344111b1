"""Where facts enter the rule engine as they arrive: agencies' events (people.services.
event_record and bulk loads) and completed risk tools (lantern.risk). Each call evaluates
the rules that watch those kinds of fact, for the people concerned only, and raises or
adds to alerts, in the caller's transaction."""

from __future__ import annotations


def events_arrived(events) -> list:
    """Evaluate the rules over newly recorded people.Event rows. Returns the alerts raised
    or added to. (Filled in by the alerts work; until then nothing is evaluated.)"""
    return []


def assessment_completed(assessment) -> list:
    """Evaluate the rules over a newly completed risk tool (a lantern.risk assessment).
    Returns the alerts raised or added to. (Filled in by the alerts work.)"""
    return []
