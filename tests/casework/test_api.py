"""The casework API: a child's casework, my agency's actions, completing one; hidden
children answer 404 and their actions never appear."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lantern.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_read_a_childs_casework(client_for, social_worker, discussion, child):
    reply = client_for(social_worker).get(reverse("api:person-casework", args=[child.reference]))
    assert reply.status_code == 200
    data = reply.json()
    assert data["person"] == child.reference and data["case_open"]
    assert [s["title"] for s in data["steps"]] == ["Case opened", "Strategy discussion"]
    assert data["next_step"]["step"] == "section_47_enquiry"
    assert {"agency_kind": "Council children's services", "part": "RA"} in data["next_step"][
        "responsibilities"
    ]
    assert data["actions"][0]["owner_agency"] == "northmoor-police"
    assert AuditEvent.objects.filter(operation="api.casework").exists()


def test_list_and_complete_my_agencys_actions(client_for, police_officer, nhs_nurse, discussion):
    action = discussion.actions.get()
    police = client_for(police_officer)
    listed = police.get(reverse("api:actions")).json()
    assert [a["id"] for a in listed] == [action.pk]
    bad = police.post(reverse("api:action-complete", args=[action.pk]), {"note": ""})
    assert bad.status_code == 400 and "note" in bad.json()
    done = police.post(reverse("api:action-complete", args=[action.pk]), {"note": "Done"})
    assert done.status_code == 200 and done.json()["completed_at"]
    assert police.get(reverse("api:actions")).json() == []


def test_another_agency_sees_none_and_cannot_complete(client_for, nhs_nurse, discussion):
    action = discussion.actions.get()
    nurse = client_for(nhs_nurse)
    assert nurse.get(reverse("api:actions")).json() == []
    refused = nurse.post(reverse("api:action-complete", args=[action.pk]), {"note": "x"})
    assert refused.status_code == 400 and "actor" in refused.json()


def test_a_hidden_childs_action_is_404(client_for, nhs_nurse, council_only_child, discussion):
    """The police's action about a child only the council knows: the NHS, which takes
    no part in that child's casework, neither sees it nor learns it exists."""
    from lantern.casework.models import Action

    action = discussion.actions.get()
    Action.objects.filter(pk=action.pk).update(person=council_only_child)
    nurse = client_for(nhs_nurse)
    assert nurse.get(reverse("api:actions")).json() == []
    reply = nurse.post(reverse("api:action-complete", args=[action.pk]), {"note": "x"})
    assert reply.status_code == 404


def test_an_agency_owning_an_action_sees_the_child_it_holds_no_record_of(
    client_for, police_officer, council_only_child, discussion
):
    """The police hold nothing on this child, but own an open action in its casework:
    the policy's involved_agency relationship lets them see the child to do it, and
    no more once it is done."""
    from lantern.casework.models import Action

    action = discussion.actions.get()
    Action.objects.filter(pk=action.pk).update(person=council_only_child)
    police = client_for(police_officer)
    assert [a["id"] for a in police.get(reverse("api:actions")).json()] == [action.pk]
    done = police.post(reverse("api:action-complete", args=[action.pk]), {"note": "Done"})
    assert done.status_code == 200
    assert police.get(reverse("api:actions")).json() == []
