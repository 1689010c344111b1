"""Linkage on the person page: the history, split and undo, and merged references."""

import pytest
from tests.linkage.helpers import pair_of, two_people

from lantern.linkage import services
from lantern.linkage.models import LinkChange
from lantern.people.models import Person, SourceRecord


@pytest.fixture
def merged(mash_worker, open_referral):
    """Two people, both referred to the front door, merged by a reviewer."""
    (p1, r1), (p2, r2) = two_people()
    open_referral(p1)
    open_referral(p2)
    pair = pair_of(r1, r2)
    services.review_decide(actor=mash_worker, pair=pair, same=True, reason="Same NHS number")
    into = Person.objects.get(pk=SourceRecord.objects.get(pk=pair.record_a_id).person_id)
    gone = Person.objects.get(pk=LinkChange.objects.get().from_person_id)
    return into, gone, SourceRecord.objects.get(pk=pair.record_b_id)


@pytest.mark.django_db
def test_the_person_page_shows_how_the_records_came_together(client_for, mash_worker, merged):
    into, _, moved = merged
    page = client_for(mash_worker).get(f"/people/{into.reference}/").content.decode()
    assert "How these records came together" in page
    assert "Same NHS number" in page
    assert f"/linkage/records/{moved.pk}/split/" in page
    assert f"/linkage/changes/{LinkChange.objects.get().pk}/undo/" in page


@pytest.mark.django_db
def test_an_old_reference_leads_to_the_person_it_became(client_for, mash_worker, merged):
    into, gone, _ = merged
    response = client_for(mash_worker).get(f"/people/{gone.reference}/")
    assert response.status_code == 302
    assert response["Location"] == f"/people/{into.reference}/"


@pytest.mark.django_db
def test_an_old_reference_to_a_hidden_person_answers_404(client_for, school_dsl, merged):
    _, gone, _ = merged
    response = client_for(school_dsl).get(f"/people/{gone.reference}/")
    assert response.status_code == 404
    assert "Location" not in response


@pytest.mark.django_db
def test_split_and_undo_through_the_pages(client_for, mash_worker, merged, open_referral):
    into, _, moved = merged
    client = client_for(mash_worker)
    refused = client.post(f"/linkage/records/{moved.pk}/split/", {"reason": ""})
    assert "Enter the reason" in refused.content.decode()
    done = client.post(f"/linkage/records/{moved.pk}/split/", {"reason": "Different child"})
    assert done.status_code == 302
    moved.refresh_from_db()
    assert moved.person_id != into.pk
    split = LinkChange.objects.get(kind="split")
    # The split-off person brings no one's access with them: the reviewer needs a reason
    # of their own (here a referral) to see them again and undo the split.
    assert client.get(f"/linkage/changes/{split.pk}/undo/").status_code == 404
    open_referral(moved.person)
    undone = client.post(f"/linkage/changes/{split.pk}/undo/", {"reason": "Split in error"})
    assert undone.status_code == 302
    moved.refresh_from_db()
    assert moved.person_id == into.pk


@pytest.mark.django_db
def test_split_and_undo_answer_404_to_those_who_may_not(client_for, police_officer, merged):
    _, _, moved = merged
    client = client_for(police_officer)
    assert client.get(f"/linkage/records/{moved.pk}/split/").status_code == 404
    change = LinkChange.objects.get()
    assert client.get(f"/linkage/changes/{change.pk}/undo/").status_code == 404
