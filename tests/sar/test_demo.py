"""The demo's subject access request: logged for the survivor Harbour supports, and its
pack prepared for the data protection officer to check; made once."""

from __future__ import annotations

import pytest

from lantern.sar.demo import sar_demo_ensure
from lantern.sar.models import Status, SubjectAccessRequest
from lantern.support.demo import support_demo_ensure

from ..conftest import TEST_TODAY
from .conftest import on

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_prepared_request_for_the_supported_survivor():
    with on(TEST_TODAY):
        support_demo_ensure(TEST_TODAY)
        made = sar_demo_ensure(TEST_TODAY)
        again = sar_demo_ensure(TEST_TODAY)
    assert made is not None and again is None
    assert SubjectAccessRequest.objects.count() == 1
    made.refresh_from_db()
    assert made.status == Status.PREPARED
    assert made.person.safe_contacts.filter(hide_address=True).exists()
