"""The demo's operation: made through the services from the borough's planted groups, with
totals that add up, and made once."""

from __future__ import annotations

import pytest

from lantern.justice import selectors
from lantern.justice.demo import justice_seed
from lantern.justice.models import Investigation, Operation, VictimDuty

from ..conftest import TEST_TODAY

pytestmark = pytest.mark.django_db


def test_the_demo_operation_is_made_once_with_totals_that_add_up():
    made = justice_seed(today=TEST_TODAY)
    assert made == 2
    assert justice_seed(today=TEST_TODAY) == 0
    operation = Operation.objects.get()
    assert Investigation.objects.filter(operation=operation).count() == 2
    totals = selectors.operation_totals(operation=operation, as_at=TEST_TODAY)
    assert totals.people_charged == 2
    # Guilty pleas to counts 1 and 4 in both cases; the jury convicted on count 2 in the
    # first and acquitted on count 3.
    assert totals.people_convicted == 2 and totals.convictions == 5
    # 96 months, then 60 consecutive, with 72 concurrent: 156 months, 13 years.
    assert totals.custodial_years == 13.0
    assert totals.active_investigations == 2
    # The victims were told of everything but the last three weeks.
    assert VictimDuty.objects.filter(done_at__isnull=True).exists()
    assert VictimDuty.objects.filter(done_at__isnull=False).exists()
