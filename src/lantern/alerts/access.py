"""The access policy's two alert relationships (lantern/access/policy.py calls these).

- `alert`: an open alert about the person is routed to your team. The team that must
  look at an alert may see the person, as the front door sees a child with an open
  referral, for as long as the alert is open: acting on it or dismissing it ends it.
- `alert_task`: your agency has an open task from an alert about the person (a safety
  plan after a high-risk domestic abuse assessment). Like `involved_agency` for a
  casework action, it shows the person, not other agencies' records; it ends when the
  task is done or cancelled.

What each relationship allows is the policy table (access/data/policy.csv), as for every
other relationship. Both are decided from the alerts themselves, never stored, so they
cannot outlive what gave them.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from .models import OPEN_STATUSES, Alert, AlertTask, TaskStatus


def alert_q(team, person_ref: str = "pk") -> Q:
    """The people with an open alert routed to `team` (on a queryset whose `person_ref`
    leads to Person)."""
    return Q(
        Exists(
            Alert.objects.filter(team=team, status__in=OPEN_STATUSES, person=OuterRef(person_ref))
        )
    )


def alert_task_q(agency, person_ref: str = "pk") -> Q:
    """The people about whom `agency` has an open task from an alert."""
    return Q(
        Exists(
            AlertTask.objects.filter(
                agency=agency, status=TaskStatus.OPEN, alert__person=OuterRef(person_ref)
            )
        )
    )
