"""Survivor support pages. Thin: read through the selectors (which apply the access policy
and audit what they show), write through the services (which check everything and name
the field they refuse), render.

- Support plans are their lead agency's: anyone else gets 404.
- The plan page opens with her safe-contact settings, then what she needs, her goals, the
  services she was referred to and how long she waited, contacts, reviews, and the spells
  of support. Each step posts to its own address; a refusal shows the page again with the
  refusal beside the field it names, and nothing saved.
- The directory of services is counts: everyone signed in reads it; the system
  administrator or the provider's own agency changes it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lantern.access import policy
from lantern.accounts.decorators import verified_required
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.partners.models import Agency
from lantern.people.models import Person

from . import forms, selectors, services
from .models import (
    Goal,
    GoalStatus,
    Need,
    Provider,
    ReferralStatus,
    Service,
    ServiceCategory,
    ServiceReferral,
    SupportPlan,
)


# ---------------------------------------------------------------- small helpers
def _done(request, message: str, url: str):
    messages.success(request, message)
    return redirect(url)


def _today_text() -> str:
    return forms.day_text(clock.today())


def _now_text() -> str:
    return f"{timezone.localtime(clock.now()):%-d %-m %Y %H:%M}"


def _user(pk: str):
    if not (pk or "").isdigit():
        return None
    return get_user_model().objects.filter(pk=int(pk)).first()


def _person(reference: str) -> Person | None:
    """The person a typed reference names; the service says whether the user may choose
    them (the same words whether or not they exist)."""
    return Person.objects.filter(reference=(reference or "").strip().upper()).first()


def _shown_person(user, person: Person, purpose: str) -> None:
    audit_record(
        actor=user,
        action="consultation",
        operation="support.person.view",
        purpose=purpose,
        subjects=[Subject.person(person)],
    )


def _person_for_support(request, reference: str) -> Person:
    """The person, for whoever may contact her (views her, or holds a plan of hers);
    404 for anyone else. Audited."""
    try:
        return selectors.person_for_support(user=request.user, reference=reference)
    except Person.DoesNotExist:
        raise Http404 from None


# ---------------------------------------------------------------- the list
@verified_required
@require_GET
def plans(request):
    """Support plans: my survivors, the agency's open plans, and ended plans that can be
    re-engaged."""
    show = request.GET.get("show") or "mine"
    if show not in selectors.SHOWS:
        show = "mine"
    rows, counts = selectors.plan_list(user=request.user, show=show)
    context = {
        "rows": rows,
        "counts": counts,
        "show": show,
        "tabs": [(key, label, counts[key]) for key, label in selectors.SHOWS.items()],
        "holds_plans": policy.holds_any(request.user, "list", "support_plan"),
        "may_open": policy.holds_any(request.user, "edit", "support_plan"),
        "today": clock.today(),
    }
    return render(request, "support/plans.html", context)


# ---------------------------------------------------------------- opening a plan
def _cases_of(user, person: Person | None) -> list[tuple[str, str]]:
    if person is None or not policy.can(user, "view", person):
        return []
    from lantern.casework.models import Case

    return [
        (
            str(c.pk),
            f"Case opened {timezone.localdate(c.opened_at):%-d %B %Y}"
            + (" (open)" if c.is_open else f", closed {timezone.localdate(c.closed_at):%-d %B %Y}"),
        )
        for c in Case.objects.filter(person=person).order_by("-opened_at")[:20]
    ]


@verified_required
@require_http_methods(["GET", "POST"])
def plan_open(request):
    user = request.user
    if not policy.holds_any(user, "edit", "support_plan"):
        raise Http404
    staff = forms.staff_who_may_lead(user.agency)
    reference = request.POST.get("person") or request.GET.get("person") or ""
    person = _person(reference)
    visible = person is not None and policy.can(user, "view", person)
    cases = _cases_of(user, person)
    if request.method == "POST":
        form = forms.PlanOpenForm(request.POST, staff=staff, cases=cases)
        if form.is_valid():
            data = form.cleaned_data
            case = None
            if data["case"]:
                from lantern.casework.models import Case

                case = Case.objects.filter(pk=int(data["case"]), person=person).first()
            try:
                plan = services.plan_open(
                    actor=user,
                    person=person,
                    lead_worker=_user(data["lead_worker"]),
                    summary=data["summary"],
                    case=case,
                    review_every_months=int(data["review_every_months"] or 3),
                )
            except ValidationError as exc:
                form.refused(exc)
            else:
                return _done(
                    request,
                    "Support plan opened. The lead worker is now her allocated worker.",
                    reverse("support:plan", args=[plan.pk]),
                )
    else:
        form = forms.PlanOpenForm(
            initial={"person": reference, "lead_worker": str(user.pk), "review_every_months": "3"},
            staff=staff,
            cases=cases,
        )
    if visible:
        _shown_person(user, person, "Opening a support plan")
    context = {"form": form, "person": person if visible else None}
    return render(request, "support/plan_open.html", context, status=400 if form.errors else 200)


# ---------------------------------------------------------------- a plan
def _plan_view(request, pk) -> selectors.PlanView:
    try:
        return selectors.plan_view(user=request.user, pk=pk)
    except SupportPlan.DoesNotExist:
        raise Http404 from None


def _referral_forms(row, today: str, given: dict) -> dict:
    referral, pk = row.referral, row.referral.pk
    made = {}
    if referral.status == ReferralStatus.SENT:
        made["answer"] = forms.AnswerForm(id_prefix=f"answer-{pk}")
    if referral.status == ReferralStatus.ACCEPTED:
        initial = {"started_on": today}
        made["start"] = forms.StartForm(id_prefix=f"start-{pk}", initial=initial)
    if referral.status in (ReferralStatus.SENT, ReferralStatus.ACCEPTED):
        made["withdraw"] = forms.WithdrawForm(id_prefix=f"withdraw-{pk}")
    if referral.status == ReferralStatus.STARTED:
        made["end"] = forms.EndForm(id_prefix=f"end-{pk}", initial={"ended_on": today})
    for key in made:
        if (key, pk) in given:
            made[key] = given[(key, pk)]
    return made


def _plan_page(request, view: selectors.PlanView, status: int = 200, given=None, error=""):
    given = given or {}
    plan = view.plan
    today = _today_text()
    staff = forms.staff_who_may_lead(plan.agency)
    made = {
        "need_form": forms.NeedForm(),
        "goal_form": forms.GoalForm(),
        "contact_form": forms.ContactForm(initial={"happened_at": _now_text()}),
        "review_form": forms.ReviewForm(initial={"held_on": today}),
        "referral_form": forms.ReferralForm(services=forms.service_choices(view.age.adult)),
        "end_form": forms.PlanEndForm(),
        "reengage_form": forms.ReengageForm(staff=staff),
        "lead_form": forms.LeadWorkerForm(
            staff=[s for s in staff if s[0] != str(plan.lead_worker_id)]
        ),
    }
    made.update({k: v for k, v in given.items() if isinstance(k, str)})
    for row in view.referrals:
        row.forms = _referral_forms(row, today, given) if view.may_edit else {}
    goals = [
        (
            goal,
            given.get(("goal", goal.pk))
            or forms.GoalCloseForm(id_prefix=f"goal-{goal.pk}", initial={"closed_on": today})
            if goal.status == GoalStatus.OPEN and view.may_edit and plan.is_open
            else None,
        )
        for goal in view.goals
    ]
    context = {
        "view": view,
        "plan": plan,
        "person": view.person,
        "goals": goals,
        "page_error": error,
        "today": clock.today(),
        **made,
    }
    return render(request, "support/plan.html", context, status=status)


@verified_required
@require_GET
def plan(request, pk: int):
    return _plan_page(request, _plan_view(request, pk))


def _may_change(view: selectors.PlanView) -> None:
    """Those who may read a plan but not change it are refused outright: no form is
    offered to them, so there is nowhere to show a refusal."""
    if not view.may_edit:
        raise PermissionDenied


def _step(request, view: selectors.PlanView, key, form, act, done: str, anchor: str = ""):
    _may_change(view)
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as exc:
            form.refused(exc)
        else:
            url = reverse("support:plan", args=[view.plan.pk]) + (f"#{anchor}" if anchor else "")
            return _done(request, done, url)
    return _plan_page(request, view, status=400, given={key: form})


@verified_required
@require_POST
def need_add(request, pk: int):
    view = _plan_view(request, pk)
    form = forms.NeedForm(request.POST)
    return _step(
        request,
        view,
        "need_form",
        form,
        lambda d: services.need_add(
            actor=request.user,
            plan=view.plan,
            area=d["area"],
            description=d["description"],
            in_her_words=d["in_her_words"],
        ),
        "Need recorded.",
        "needs",
    )


def _item(request, model, pk: int):
    """A need or a goal of a plan the user may see, with the plan's page view; 404
    otherwise."""
    found = (
        model.objects.filter(pk=pk, plan__in=selectors.plans_visible_to(request.user, "view"))
        .select_related("plan")
        .first()
    )
    if found is None:
        raise Http404
    return found, _plan_view(request, found.plan_id)


@verified_required
@require_POST
def need_met(request, pk: int):
    need, view = _item(request, Need, pk)
    _may_change(view)
    try:
        services.need_met(actor=request.user, need=need)
    except ValidationError as exc:
        return _plan_page(request, view, status=400, error=" ".join(exc.messages))
    return _done(request, "Need marked as met.", reverse("support:plan", args=[view.plan.pk]))


@verified_required
@require_POST
def goal_set(request, pk: int):
    view = _plan_view(request, pk)
    form = forms.GoalForm(request.POST)
    return _step(
        request,
        view,
        "goal_form",
        form,
        lambda d: services.goal_set(
            actor=request.user,
            plan=view.plan,
            description=d["description"],
            target_on=d["target_on"],
        ),
        "Goal set.",
        "goals",
    )


@verified_required
@require_POST
def goal_close(request, pk: int):
    goal, view = _item(request, Goal, pk)
    form = forms.GoalCloseForm(request.POST, id_prefix=f"goal-{goal.pk}")
    return _step(
        request,
        view,
        ("goal", goal.pk),
        form,
        lambda d: services.goal_close(
            actor=request.user, goal=goal, status=d["status"], closed_on=d["closed_on"]
        ),
        "Goal closed.",
        "goals",
    )


@verified_required
@require_POST
def contact_record(request, pk: int):
    view = _plan_view(request, pk)
    form = forms.ContactForm(request.POST)
    return _step(
        request,
        view,
        "contact_form",
        form,
        lambda d: services.contact_record(
            actor=request.user,
            plan=view.plan,
            happened_at=d["happened_at"],
            method=d["method"],
            summary=d["summary"],
        ),
        "Contact recorded.",
        "contacts",
    )


@verified_required
@require_POST
def review_record(request, pk: int):
    view = _plan_view(request, pk)
    form = forms.ReviewForm(request.POST)
    return _step(
        request,
        view,
        "review_form",
        form,
        lambda d: services.review_record(
            actor=request.user,
            plan=view.plan,
            held_on=d["held_on"],
            summary=d["summary"],
            her_view=d["her_view"],
            next_review_on=d["next_review_on"],
        ),
        "Review recorded.",
        "reviews",
    )


@verified_required
@require_POST
def referral_send(request, pk: int):
    view = _plan_view(request, pk)
    form = forms.ReferralForm(request.POST, services=forms.service_choices(view.age.adult))
    return _step(
        request,
        view,
        "referral_form",
        form,
        lambda d: services.referral_send(
            actor=request.user,
            plan=view.plan,
            service=Service.objects.filter(code=d["service"]).first(),
            reason=d["reason"],
        ),
        "Referral sent. Lantern chases it if the service does not answer in time.",
        "services",
    )


def _referral_step(request, pk: int, key: str, form_class, act, done: str):
    referral = (
        ServiceReferral.objects.filter(
            pk=pk, plan__in=selectors.plans_visible_to(request.user, "view")
        )
        .select_related("plan", "service")
        .first()
    )
    if referral is None:
        raise Http404
    view = _plan_view(request, referral.plan_id)
    form = form_class(request.POST, id_prefix=f"{key}-{referral.pk}")
    return _step(
        request,
        view,
        (key, referral.pk),
        form,
        lambda d: act(referral, d),
        done,
        "services",
    )


@verified_required
@require_POST
def referral_answer(request, pk: int):
    return _referral_step(
        request,
        pk,
        "answer",
        forms.AnswerForm,
        lambda r, d: services.referral_answer(
            actor=request.user,
            referral=r,
            accepted=d["answer"] == "accepted",
            expected_start_on=d["expected_start_on"],
            declined_reason=d["declined_reason"],
        ),
        "The service's answer is recorded.",
    )


@verified_required
@require_POST
def referral_start(request, pk: int):
    return _referral_step(
        request,
        pk,
        "start",
        forms.StartForm,
        lambda r, d: services.referral_start(
            actor=request.user, referral=r, started_on=d["started_on"]
        ),
        "Start recorded.",
    )


@verified_required
@require_POST
def referral_end(request, pk: int):
    return _referral_step(
        request,
        pk,
        "end",
        forms.EndForm,
        lambda r, d: services.referral_end(
            actor=request.user, referral=r, ended_on=d["ended_on"], reason=d["end_reason"]
        ),
        "End of the service recorded.",
    )


@verified_required
@require_POST
def referral_withdraw(request, pk: int):
    return _referral_step(
        request,
        pk,
        "withdraw",
        forms.WithdrawForm,
        lambda r, d: services.referral_withdraw(
            actor=request.user, referral=r, reason=d["end_reason"]
        ),
        "Referral withdrawn.",
    )


@verified_required
@require_POST
def plan_end(request, pk: int):
    view = _plan_view(request, pk)
    form = forms.PlanEndForm(request.POST)
    return _step(
        request,
        view,
        "end_form",
        form,
        lambda d: services.plan_end(actor=request.user, plan=view.plan, reason=d["reason"]),
        "Support ended. Her last lead worker can re-engage her on this plan at any time.",
    )


@verified_required
@require_POST
def plan_reengage(request, pk: int):
    view = _plan_view(request, pk)
    staff = forms.staff_who_may_lead(view.plan.agency)
    form = forms.ReengageForm(request.POST, staff=staff)
    return _step(
        request,
        view,
        "reengage_form",
        form,
        lambda d: services.plan_reengage(
            actor=request.user,
            plan=view.plan,
            reason=d["reason"],
            lead_worker=_user(d["lead_worker"]) if d["lead_worker"] else None,
        ),
        "Support started again on her plan, with no new referral.",
    )


@verified_required
@require_POST
def lead_worker_change(request, pk: int):
    view = _plan_view(request, pk)
    staff = forms.staff_who_may_lead(view.plan.agency)
    form = forms.LeadWorkerForm(request.POST, staff=staff)
    return _step(
        request,
        view,
        "lead_form",
        form,
        lambda d: services.lead_worker_change(
            actor=request.user,
            plan=view.plan,
            lead_worker=_user(d["lead_worker"]),
            reason=d["reason"],
        ),
        "Lead worker changed.",
    )


# ---------------------------------------------------------------- a person's support
@verified_required
@require_GET
def person(request, reference: str):
    """A person's support, for whoever may contact her: her safe-contact settings, the
    plans the reader's agency holds, and what the reader may do next."""
    found = _person_for_support(request, reference)
    user = request.user
    held = selectors.person_plans(user=user, person=found)
    sees_person = policy.can(user, "view", found)
    context = {
        "person": found,
        "plans": held,
        "sees_person": sees_person,
        "may_open": sees_person
        and policy.holds_any(user, "edit", "support_plan")
        and not any(p.is_open for p in held)
        and not any(p.agency_id == getattr(user.agency, "pk", None) for p in held),
    }
    return render(request, "support/person.html", context)


@verified_required
@require_http_methods(["GET", "POST"])
def safe_contact(request, reference: str):
    """Her safe-contact settings: the one number, the safe times, whether a message or a
    letter may be left, and whether her address is hidden. Anyone who may view her
    records them; a change is a new version, and the earlier ones stay."""
    found = _person_for_support(request, reference)
    user = request.user
    may_change = policy.can(user, "view", found)
    current = selectors.safe_contact_for(user=user, person=found)
    form = None
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        form = forms.SafeContactForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.safe_contact_set(actor=user, person=found, **data)
            except ValidationError as exc:
                form.refused(exc)
            else:
                return _done(
                    request,
                    "Safe-contact settings recorded. Everyone who may contact her now sees them.",
                    reverse("support:person", args=[found.reference]),
                )
    elif may_change:
        s = current.settings if current else None
        initial = (
            {
                f: getattr(s, f)
                for f in (
                    "phone",
                    "times",
                    "may_call",
                    "may_text",
                    "may_leave_message",
                    "may_post",
                    "may_email",
                    "email",
                    "notes",
                    "hide_address",
                    "hide_reason",
                )
            }
            if s
            else {"may_call": True, "may_text": True}
        )
        form = forms.SafeContactForm(initial=initial)
    context = {
        "person": found,
        "safe_contact": current,
        "form": form,
        "history": selectors.safe_contact_history(user=user, person=found),
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "support/safe_contact.html", context, status=status)


# ---------------------------------------------------------------- the directory
@verified_required
@require_GET
def directory(request):
    """The directory of services: capacity in use, who is waiting and how long people wait.
    Counts only: no one is named."""
    category = request.GET.get("category", "")
    if category not in ServiceCategory.values:
        category = ""
    audience = request.GET.get("for", "")
    if audience not in ("children", "adults"):
        audience = ""
    accepting = request.GET.get("accepting") == "yes"
    rows = selectors.directory(category=category, audience=audience, accepting_only=accepting)
    context = {
        "rows": rows,
        "categories": ServiceCategory.choices,
        "category": category,
        "audience": audience,
        "accepting": accepting,
        "may_add_service": services.may_manage_directory(request.user),
        "may_add_provider": services._is_administrator(request.user)
        or (
            request.user.agency is not None
            and not Provider.objects.filter(agency=request.user.agency).exists()
        ),
    }
    return render(request, "support/directory.html", context)


def _service_page(request, code: str, status: int = 200, form=None):
    try:
        view = selectors.service_view(user=request.user, code=code)
    except Service.DoesNotExist:
        raise Http404 from None
    service = view.row.service
    may_manage = services.may_manage_directory(request.user, service.provider)
    if form is None and may_manage:
        form = forms.ServiceUpdateForm(
            initial={
                "capacity": service.capacity,
                "typical_wait_weeks": service.typical_wait_weeks,
                "answer_within_days": service.answer_within_days,
                "accepting": "yes" if service.accepting else "no",
                "description": service.description,
            }
        )
    context = {"view": view, "service": service, "may_manage": may_manage, "form": form}
    return render(request, "support/service.html", context, status=status)


@verified_required
@require_GET
def service(request, code: str):
    return _service_page(request, code)


@verified_required
@require_POST
def service_update(request, code: str):
    found = Service.objects.select_related("provider").filter(code=code).first()
    if found is None:
        raise Http404
    if not services.may_manage_directory(request.user, found.provider):
        raise PermissionDenied
    form = forms.ServiceUpdateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.service_update(
                actor=request.user,
                service=found,
                capacity=data["capacity"],
                typical_wait_weeks=data["typical_wait_weeks"],
                answer_within_days=data["answer_within_days"],
                accepting=data["accepting"] == "yes",
                description=data["description"],
            )
        except ValidationError as exc:
            form.refused(exc)
        else:
            return _done(request, "Service updated.", reverse("support:service", args=[code]))
    return _service_page(request, code, status=400, form=form)


def _providers_for(user) -> list[tuple[str, str]]:
    found = Provider.objects.filter(is_active=True)
    if not services._is_administrator(user):
        found = found.filter(agency=user.agency) if user.agency else found.none()
    return [(p.code, p.name) for p in found.order_by("name")]


@verified_required
@require_http_methods(["GET", "POST"])
def service_create(request):
    providers = _providers_for(request.user)
    if not providers:
        raise Http404
    if request.method == "POST":
        form = forms.ServiceForm(request.POST, providers=providers)
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = services.service_create(
                    actor=request.user,
                    provider=Provider.objects.filter(code=data["provider"]).first(),
                    code=data["code"],
                    name=data["name"],
                    category=data["category"],
                    description=data["description"],
                    for_children=data["for_children"],
                    for_adults=data["for_adults"],
                    capacity=data["capacity"],
                    typical_wait_weeks=data["typical_wait_weeks"] or 0,
                    answer_within_days=data["answer_within_days"] or 10,
                    accepting=data["accepting"],
                )
            except ValidationError as exc:
                form.refused(exc)
            else:
                return _done(
                    request, "Service added.", reverse("support:service", args=[made.code])
                )
    else:
        form = forms.ServiceForm(
            providers=providers,
            initial={
                "for_children": True,
                "for_adults": True,
                "accepting": True,
                "answer_within_days": "10",
            },
        )
    status = 400 if form.errors else 200
    return render(
        request,
        "support/directory_form.html",
        {"form": form, "title": "Add a service", "button": "Add the service"},
        status=status,
    )


@verified_required
@require_http_methods(["GET", "POST"])
def provider_create(request):
    user = request.user
    administrator = services._is_administrator(user)
    if not administrator and (
        user.agency is None or Provider.objects.filter(agency=user.agency).exists()
    ):
        raise Http404
    agencies = [
        (a.code, a.name)
        for a in (Agency.objects.filter(active=True) if administrator else [user.agency])
    ]
    if request.method == "POST":
        form = forms.ProviderForm(request.POST, agencies=agencies)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.provider_create(
                    actor=user,
                    code=data["code"],
                    name=data["name"],
                    kind=data["kind"],
                    agency=Agency.objects.filter(code=data["agency"]).first()
                    if data["agency"]
                    else None,
                    phone=data["phone"],
                    email=data["email"],
                    website=data["website"],
                    description=data["description"],
                )
            except ValidationError as exc:
                form.refused(exc)
            else:
                return _done(
                    request, "Provider added: now add its services.", reverse("support:directory")
                )
    else:
        initial = {} if administrator else {"agency": user.agency.code, "name": user.agency.name}
        form = forms.ProviderForm(agencies=agencies, initial=initial)
    status = 400 if form.errors else 200
    return render(
        request,
        "support/directory_form.html",
        {"form": form, "title": "Add a provider", "button": "Add the provider"},
        status=status,
    )
