"""When a subject access request must be answered.

UK GDPR Art 12(3): within one month of receipt, extendable by two further months for
complex or numerous requests, as long as the requester is told within the first month.
A month is a calendar month: the same day of the next month, or its last day when that
month is shorter (31 January is due 28 or 29 February), as the ICO reads it. The clock
keeps running while clarification is sought.

The rules are read from lantern.timescales when it has them (codes
`subject_access_response` and `subject_access_extended`, unit calendar_months); until
then the same calendar-month arithmetic is used here with 1 and 3 months, so the answer
does not change when the rules are added.
"""

from __future__ import annotations

import datetime as dt

from lantern.timescales import rules as timescale_rules

RESPONSE_RULE = "subject_access_response"
EXTENDED_RULE = "subject_access_extended"
RESPONSE_MONTHS = 1
EXTENDED_MONTHS = 3  # one month and two further months, from receipt


def _months(code: str, fallback: int) -> int:
    try:
        found = timescale_rules.rule(code)
    except timescale_rules.UnknownRule:
        return fallback
    if found.unit != timescale_rules.Unit.CALENDAR_MONTHS:
        return fallback
    return found.amount


def response_due(received_on: dt.date) -> dt.date:
    return timescale_rules.add_months(received_on, _months(RESPONSE_RULE, RESPONSE_MONTHS))


def extended_due(received_on: dt.date) -> dt.date:
    return timescale_rules.add_months(received_on, _months(EXTENDED_RULE, EXTENDED_MONTHS))
