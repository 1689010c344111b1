"""The demo's cases are made through the services, and a second run changes nothing."""

from __future__ import annotations

import pytest
from tests.conftest import TEST_TODAY

from lantern.casework.demo import casework_seed
from lantern.casework.models import Case, Plan

pytestmark = pytest.mark.django_db


def test_the_demo_makes_three_cases_once(social_worker):
    assert casework_seed(today=TEST_TODAY) == 3
    assert Case.objects.count() == 3
    plan = Plan.objects.get()
    assert plan.actions.count() == 3 and plan.next_review_on is not None
    assert casework_seed(today=TEST_TODAY) == 0
    assert Case.objects.count() == 3
