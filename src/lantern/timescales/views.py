"""Worklist pages. Thin: authorise, call a selector, render."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from lantern.access import policy
from lantern.accounts.decorators import verified_required
from lantern.core import clock

from . import selectors

# The deadline worked on at the front door, on the referral itself; every other step is
# worked on in the child's casework.
FRONT_DOOR_RULES = ("referral_decision",)


def _with_step_links(deadlines):
    """Each deadline with the page where its step is done, so a worklist row leads to
    the work and not only to the person."""
    for deadline in deadlines:
        deadline.step_url = (
            ""
            if deadline.rule in FRONT_DOOR_RULES
            else reverse("casework:person", args=[deadline.person.reference])
        )
    return deadlines


@verified_required
@require_GET
def my_worklist(request):
    if not policy.sees_case_data(request.user):
        raise Http404
    now = clock.now()
    worklist = selectors.worklist_for_user(request.user, now=now, page=request.GET.get("page"))
    return render(
        request,
        "timescales/worklist.html",
        {
            "worklist": worklist,
            "deadlines": _with_step_links(worklist.deadlines),
            "now": now,
            "team": None,
            "show_team_link": bool(request.user.membership and request.user.membership.team),
        },
    )


@verified_required
@require_GET
def team_worklist(request):
    membership = request.user.membership
    if not policy.sees_case_data(request.user) or membership is None or membership.team is None:
        raise Http404
    now = clock.now()
    worklist = selectors.worklist_for_team(
        request.user, membership.team, now=now, page=request.GET.get("page")
    )
    return render(
        request,
        "timescales/worklist.html",
        {
            "worklist": worklist,
            "deadlines": _with_step_links(worklist.deadlines),
            "now": now,
            "team": membership.team,
        },
    )
