"""Pages. Thin: authorise, call a selector or a service, render."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lantern.access import policy
from lantern.core import clock
from lantern.people import selectors
from lantern.people.models import Person

from .forms import PeopleSearchForm

PAGE_SIZE = 25


@login_required
@require_GET
def home(request):
    user = request.user
    context = {"membership": user.membership}
    if policy.sees_case_data(user):
        context["recent_events"] = selectors.recent_events(user=user)
        context["people_known"] = selectors.people_known_count(user=user)
        context["search_form"] = PeopleSearchForm()
    else:
        year_ago = clock.today() - dt.timedelta(days=365)
        context["holdings"] = selectors.holdings_totals(since=year_ago)
    return render(request, "web/home.html", context)


@login_required
@require_GET
def people_search(request):
    if not policy.sees_case_data(request.user):
        raise Http404
    form = PeopleSearchForm(request.GET if request.GET else None)
    page = None
    if form.is_bound and form.is_valid():
        query = selectors.PeopleQuery(
            name=form.cleaned_data["name"],
            date_of_birth=form.cleaned_data["date_of_birth"],
            postcode=form.cleaned_data["postcode"],
            identifier=form.cleaned_data["identifier"],
        )
        results = selectors.people_search(user=request.user, query=query)
        page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
        selectors.people_with_holdings(page.object_list, user=request.user)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "web/people_search.html",
        {"form": form, "page": page, "query_string": params.urlencode()},
    )


@login_required
@require_GET
def person_detail(request, reference: str):
    try:
        person = selectors.person_get(user=request.user, reference=reference)
    except Person.DoesNotExist:
        raise Http404 from None
    file = selectors.person_file(user=request.user, person=person)
    return render(request, "web/person_detail.html", {"file": file, "person": person})


def not_found(request, exception=None):
    return render(request, "web/404.html", status=404)


def forbidden(request, exception=None):
    return render(request, "web/404.html", status=404)


def server_error(request):
    return render(request, "web/500.html", status=500)
