"""The review pages: only pairs the reviewer may see both records of, decisions recorded."""

import pytest
from tests.linkage.helpers import pair_of, two_people

from lantern.audit.models import AuditEvent
from lantern.linkage.models import ReviewStatus


@pytest.fixture
def pairs(open_referral):
    """One pair the front door can see (both referred) and one it cannot."""
    people = []
    from lantern.people.models import Person

    for person in Person.objects.filter(merged_into__isnull=True).order_by("-pk"):
        records = list(person.source_records.all())
        if len(records) == 1 and records[0].sensitivity == "normal":
            people.append((person, records[0]))
        if len(people) == 2:
            break
    (p1, r1), (p2, r2) = people
    open_referral(p1)
    open_referral(p2)
    (_, h1), (_, h2) = two_people()
    return pair_of(r1, r2), pair_of(h1, h2)


@pytest.mark.django_db
def test_the_queue_lists_only_pairs_whose_records_the_reviewer_may_see(
    client_for, mash_worker, pairs
):
    seen, hidden = pairs
    client = client_for(mash_worker)
    page = client.get("/linkage/reviews/").content.decode()
    assert f"/linkage/reviews/{seen.pk}/" in page
    assert f"/linkage/reviews/{hidden.pk}/" not in page
    for record in (hidden.record_a, hidden.record_b):
        assert f"{record.given_name} {record.family_name}" not in page
    assert "1 pair waiting" in page
    assert client.get(f"/linkage/reviews/{hidden.pk}/").status_code == 404


@pytest.mark.django_db
def test_roles_that_do_not_decide_linkage_get_404(client_for, police_officer, nhs_nurse, pairs):
    seen, _ = pairs
    for user in (police_officer, nhs_nurse):
        client = client_for(user)
        assert client.get("/linkage/reviews/").status_code == 404
        assert client.get(f"/linkage/reviews/{seen.pk}/").status_code == 404


@pytest.mark.django_db
def test_deciding_on_the_page_records_the_decision(client_for, mash_worker, pairs):
    seen, _ = pairs
    client = client_for(mash_worker)
    page = client.get(f"/linkage/reviews/{seen.pk}/").content.decode()
    assert seen.record_a.given_name in page and seen.record_b.given_name in page
    assert AuditEvent.objects.filter(operation="linkage.review.view").exists()
    missing = client.post(f"/linkage/reviews/{seen.pk}/", {"decision": "different"})
    assert "Enter the reason for your decision" in missing.content.decode()
    seen.refresh_from_db()
    assert seen.status == ReviewStatus.PENDING
    done = client.post(
        f"/linkage/reviews/{seen.pk}/", {"decision": "different", "reason": "Different schools"}
    )
    assert done.status_code == 302
    seen.refresh_from_db()
    assert seen.status == ReviewStatus.DIFFERENT and seen.decided_by == mash_worker
