"""When a subject access request must be answered.

UK GDPR Art 12(3): within one month of receipt, extendable by two further months for
complex or numerous requests, as long as the requester is told within the first month.
A month is a calendar month: the same day of the next month, or its last day when that
month is shorter (31 January is due 28 or 29 February), as the ICO reads it. The clock
keeps running while clarification is sought.

The periods are the timescale rules `subject_access_response` (one month) and
`subject_access_extended` (three months from receipt, in all).
"""

from __future__ import annotations

import datetime as dt

from lantern.timescales import rules as timescale_rules

RESPONSE_RULE = "subject_access_response"
EXTENDED_RULE = "subject_access_extended"


def _months(code: str) -> int:
    return timescale_rules.rule(code).amount


def response_due(received_on: dt.date) -> dt.date:
    return timescale_rules.add_months(received_on, _months(RESPONSE_RULE))


def extended_due(received_on: dt.date) -> dt.date:
    return timescale_rules.add_months(received_on, _months(EXTENDED_RULE))
