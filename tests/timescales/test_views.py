"""The worklist pages: /deadlines/ and /deadlines/team/, and the home page's panel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from lantern.timescales.selectors import WorklistCounts

from .conftest import NOW

pytestmark = pytest.mark.django_db


def test_my_deadlines_page(client_for, now, open_deadline, council_child, mash_worker):
    open_deadline(council_child, starts_at=NOW - dt.timedelta(days=4), owner_user=mash_worker)
    open_deadline(council_child, "assessment", owner_user=mash_worker)
    response = client_for(mash_worker).get(reverse("timescales:mine"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "My deadlines" in page
    assert reverse("web:person", args=[council_child.reference]) in page
    assert council_child.full_name in page
    assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in page
    assert "Referral decision" in page and "Child and family assessment" in page
    assert "9 Nov 2026, 12:00" in page  # due: one working day after Friday 6 November
    assert page.index("Referral decision") < page.index("Child and family assessment")
    assert "<strong>1</strong> overdue" in page


def test_a_hidden_persons_deadline_is_not_on_the_page(
    client_for, now, open_deadline, police_only_person, mash_worker
):
    open_deadline(police_only_person, owner_user=mash_worker)
    page = client_for(mash_worker).get(reverse("timescales:mine")).content.decode()
    assert police_only_person.reference not in page
    assert police_only_person.family_name not in page
    assert "You have no open deadlines" in page


def test_the_teams_page_shows_a_colleagues_deadline_and_who_owns_it(
    client_for, now, open_deadline, council_child, mash_worker, team_manager
):
    open_deadline(council_child, "initial_conference", owner_user=mash_worker)
    response = client_for(team_manager).get(reverse("timescales:team"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Your team's deadlines" in page
    assert "Initial child protection conference" in page
    assert mash_worker.get_full_name() in page
    assert '<strong class="govuk-tag govuk-tag--blue">Upcoming</strong>' in page


@pytest.mark.parametrize("name", ["timescales:mine", "timescales:team"])
def test_roles_without_case_data_get_not_found(client_for, now, scrutineer, sysadmin, name):
    for user in (scrutineer, sysadmin):
        assert client_for(user).get(reverse(name)).status_code == 404


def test_signing_in_comes_first(client, now):
    response = client.get(reverse("timescales:mine"))
    assert response.status_code == 302
    assert reverse("accounts:sign-in") in response["Location"]


def test_the_home_panel():
    html = render_to_string(
        "timescales/_home_panel.html", {"deadline_counts": WorklistCounts(overdue=2, due_today=1)}
    )
    assert "deadlines overdue" in html and "govuk-tag--red" in html
    assert "1 due later today" in html
    assert reverse("timescales:mine") in html
    quiet = render_to_string(
        "timescales/_home_panel.html", {"deadline_counts": WorklistCounts(overdue=0, due_today=0)}
    )
    assert "govuk-tag--red" not in quiet


def test_a_casework_deadline_leads_to_the_childs_casework(
    client_for, now, open_deadline, council_child, mash_worker
):
    """A row says where the work is done: a casework step links to the child's casework;
    a front-door step (worked on the referral) does not."""
    open_deadline(council_child, "initial_conference", owner_user=mash_worker)
    open_deadline(council_child, starts_at=NOW, owner_user=mash_worker)
    page = client_for(mash_worker).get(reverse("timescales:mine")).content.decode()
    casework = reverse("casework:person", args=[council_child.reference])
    assert f'<a class="govuk-link" href="{casework}">Initial child protection conference</a>' in (
        page
    )
    assert f'href="{casework}">Referral decision' not in page


def test_a_long_worklist_is_paged_with_counts_over_every_page(
    client_for, now, open_deadline, mash_worker, monkeypatch
):
    from lantern.people.models import Person
    from lantern.timescales import selectors

    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    people = list(
        Person.objects.filter(
            sensitivity="normal",
            source_records__agency=mash_worker.agency,
            source_records__is_current=True,
            merged_into__isnull=True,
        )
        .distinct()
        .order_by("pk")[:5]
    )
    for n, person in enumerate(people):
        open_deadline(person, starts_at=NOW - dt.timedelta(days=8 - n), owner_user=mash_worker)
    client = client_for(mash_worker)
    page = client.get(reverse("timescales:mine")).content.decode()
    assert "<strong>5</strong> overdue" in page
    assert "Showing 1 to 2 of 5" in page
    assert 'class="govuk-pagination"' in page and 'href="?page=2" rel="next"' in page
    assert people[0].reference in page and people[2].reference not in page
    second = client.get(reverse("timescales:mine"), {"page": 2}).content.decode()
    assert people[2].reference in second and people[0].reference not in second
    assert 'href="?page=1" rel="prev"' in second
