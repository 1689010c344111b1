"""Justice pages. Thin: read through the selectors (which apply the access policy and
audit what they show), write through the services (which check everything and name the
field they refuse), render.

- Operation totals are counts, not records about anyone: the police, the partnership
  manager and the independent scrutineer see them, with no name or reference anywhere.
- An investigation, a court case and the victims' duties are the police force's: anyone
  else (and an officer of another force) gets 404.
- Bail conditions: the police's own, or shared with the reader's agency.

Each form posts to its own address; a refusal shows the page again with the refusal
beside the field it names, and nothing saved."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from lantern.access import policy
from lantern.accounts.decorators import verified_required
from lantern.core import clock
from lantern.people.models import Person
from lantern.people.safety import address_mask, safe_contacts_among
from lantern.timescales.models import STATUS_TAGS, Deadline, DeadlineStatus

from . import forms, reference, selectors, services
from .models import (
    CourtCase,
    Investigation,
    InvestigationStatus,
    VictimDuty,
)


# ---------------------------------------------------------------- who may see what
def is_police(user) -> bool:
    """Whether the user's role may read investigations at all (the police)."""
    return policy.holds_any(user, "view", "investigation")


def sees_totals(user) -> bool:
    role = getattr(user, "role", None)
    return is_police(user) or bool(role and role.sees_totals)


def operations_for(user):
    """The operations whose totals the user may read: every operation of normal
    sensitivity, and the force's own restricted or sealed ones for those of its officers
    who may read investigations at that sensitivity. That a sealed operation exists is
    not for everyone."""
    return selectors.operations_visible_to(user)


def _totals_reader(request) -> None:
    if not sees_totals(request.user):
        raise Http404


def _police_only(request) -> None:
    if not is_police(request.user):
        raise Http404


def _refused(form, exc: ValidationError) -> None:
    """A service's refusal beside the field it names, or above the form; never a second
    error beside a field that already has one."""
    for key, errors in exc.message_dict.items():
        target = form.field_for(key)
        if target is not None and form.has_error(target):
            continue
        row = form.row_of(target) if target else ""
        for error in errors:
            form.add_error(target, f"{row}: {error}" if row else error)


def _done(request, message: str, url: str):
    messages.success(request, message)
    return redirect(url)


def _today() -> str:
    return f"{clock.today():%-d %-m %Y}"


def _as_at(request) -> tuple[forms.AsAtForm, dt.date | None]:
    form = forms.AsAtForm(request.GET if request.GET.get("as_at") else None)
    if not form.is_bound:
        return form, clock.today()
    if form.is_valid():
        return form, form.cleaned_data["as_at"] or clock.today()
    return form, None


# ---------------------------------------------------------------- operations and totals
@verified_required
@require_GET
def operations(request):
    """Every operation's totals as at a day, each total with what it counts."""
    _totals_reader(request)
    form, as_at = _as_at(request)
    found = operations_for(request.user).order_by("-started_on", "name")
    rows = []
    headings = []
    if as_at is not None:
        totals = selectors.operations_totals(as_at=as_at, operations=found)
        for op in found:
            rows.append((op, totals[op.pk].rows()))
        headings = selectors.Totals(as_at=as_at).rows()
    context = {
        "form": form,
        "as_at": as_at,
        "rows": rows,
        "definitions": [(label, definition) for label, _value, definition in headings],
        "police": is_police(request.user),
    }
    return render(request, "justice/operations.html", context, status=400 if form.errors else 200)


@verified_required
@require_GET
def operation(request, code: str):
    """One operation: its totals and, for the police, the investigations they may read."""
    _totals_reader(request)
    found = operations_for(request.user).filter(code=code).first()
    if found is None:
        raise Http404
    form, as_at = _as_at(request)
    totals = selectors.operation_totals(operation=found, as_at=as_at) if as_at else None
    investigations = []
    if is_police(request.user):
        investigations = selectors.operation_investigations(user=request.user, operation=found)
    context = {
        "form": form,
        "operation": found,
        "as_at": as_at,
        "totals": totals.rows() if totals else [],
        "investigations": investigations,
        "police": is_police(request.user),
    }
    return render(request, "justice/operation.html", context, status=400 if form.errors else 200)


# ---------------------------------------------------------------- an investigation
def _investigation(request, pk: int) -> Investigation:
    _police_only(request)
    try:
        return selectors.investigation_get(user=request.user, pk=pk)
    except Investigation.DoesNotExist:
        raise Http404 from None


def _investigation_forms(found: Investigation, data=None, name: str = "") -> dict:
    today = _today()
    made = {
        "suspect_form": forms.SuspectForm(initial={"added_on": today}),
        "victim_form": forms.VictimForm(initial={"identified_on": today}),
        "arrest_form": forms.ArrestForm(
            suspects=found.suspect_list, initial={"arrested_on": today}
        ),
        "case_form": forms.CaseOpenForm(suspects=found.suspect_list),
        "close_form": forms.CloseForm(initial={"closed_on": today}),
    }
    if name:
        kwargs = {"suspects": found.suspect_list} if name in ("arrest_form", "case_form") else {}
        made[name] = type(made[name])(data, **kwargs)
    return made


def _investigation_page(request, found: Investigation, status: int = 200, **given):
    made = _investigation_forms(found)
    made.update(given)
    may_edit = policy.can(request.user, "edit", found)
    _with_safe_contact(request.user, found.victim_list)
    context = {
        "investigation": found,
        "may_edit": may_edit,
        "active": found.status == InvestigationStatus.ACTIVE,
        "offence_titles": {code: o.title for code, o in reference.offences().items()},
        "arrests": [
            (a, [reference.offence_title(c) for c in a.offences]) for a in found.arrest_list
        ],
        **made,
    }
    return render(request, "justice/investigation.html", context, status=status)


@verified_required
@require_GET
def investigation(request, pk: int):
    return _investigation_page(request, _investigation(request, pk))


def _may_change(request, investigation: Investigation) -> None:
    """Those who may read an investigation but not change it (the analyst) are refused
    outright: no form is offered to them, so there is nowhere to show a refusal."""
    if not policy.can(request.user, "edit", investigation):
        raise PermissionDenied


def _investigation_step(request, pk: int, name: str, act, done: str):
    found = _investigation(request, pk)
    _may_change(request, found)
    form = _investigation_forms(found, request.POST, name)[name]
    if form.is_valid():
        try:
            result = act(found, form.cleaned_data)
        except ValidationError as exc:
            _refused(form, exc)
        else:
            if isinstance(result, CourtCase):
                return _done(request, done, reverse("justice:case", args=[result.pk]))
            return _done(request, done, reverse("justice:investigation", args=[found.pk]))
    return _investigation_page(request, found, status=400, **{name: form})


def _person(reference_: str) -> Person | None:
    """The person a typed reference names; the service says whether the user may choose
    them (the same words whether or not they exist)."""
    return selectors.person_named(reference_)


def _suspect(found: Investigation, pk: str):
    return next((s for s in found.suspect_list if str(s.pk) == str(pk)), None)


@verified_required
@require_POST
def suspect_add(request, pk: int):
    return _investigation_step(
        request,
        pk,
        "suspect_form",
        lambda inv, data: services.suspect_add(
            actor=request.user,
            investigation=inv,
            person=_person(data["person"]),
            added_on=data["added_on"],
        ),
        "Suspect added.",
    )


@verified_required
@require_POST
def victim_add(request, pk: int):
    return _investigation_step(
        request,
        pk,
        "victim_form",
        lambda inv, data: services.victim_add(
            actor=request.user,
            investigation=inv,
            person=_person(data["person"]),
            identified_on=data["identified_on"],
            enhanced_rights=data["enhanced_rights"] == "yes",
            engaged_on=data["engaged_on"],
        ),
        "Victim added.",
    )


@verified_required
@require_POST
def arrest_record(request, pk: int):
    return _investigation_step(
        request,
        pk,
        "arrest_form",
        lambda inv, data: services.arrest_record(
            actor=request.user,
            suspect=_suspect(inv, data["suspect"]),
            arrested_on=data["arrested_on"],
            offences=data["offences"],
        ),
        "Arrest recorded. Each victim is to be told of it.",
    )


@verified_required
@require_POST
def case_open(request, pk: int):
    return _investigation_step(
        request,
        pk,
        "case_form",
        lambda inv, data: services.court_case_open(
            actor=request.user,
            defendant=_suspect(inv, data["defendant"]),
            reference_=data["reference"],
            court=data["court"],
        ),
        "Court case opened: add the counts charged.",
    )


@verified_required
@require_POST
def investigation_close(request, pk: int):
    return _investigation_step(
        request,
        pk,
        "close_form",
        lambda inv, data: services.investigation_close(
            actor=request.user,
            investigation=inv,
            status=data["status"],
            closed_on=data["closed_on"],
            reason=data["closed_reason"],
        ),
        "Investigation closed.",
    )


# ---------------------------------------------------------------- a court case
def _case_view(request, pk: int) -> selectors.CaseView:
    _police_only(request)
    try:
        return selectors.case_view(user=request.user, pk=pk)
    except CourtCase.DoesNotExist:
        raise Http404 from None


@dataclass
class DutyRow:
    duty: VictimDuty
    name: str
    deadline: Deadline | None
    status: str
    status_label: str
    tag: str
    form: forms.DutyDoneForm | None


def _with_safe_contact(user, victims) -> None:
    """Give each victim her safe-contact settings (`safe_contact`, or None) as the user
    sees them: whoever tells her of a step in her case must reach her safely."""
    victims = list(victims)
    found = safe_contacts_among(user=user, person_ids={v.person_id for v in victims})
    for victim in victims:
        victim.safe_contact = found.get(victim.person_id)


def _victims_mask(user, investigation_ids, also=()):
    """The mask for pages about an investigation's people: its victims' addresses, when
    hidden from the user, stay out of what is written there (a bail condition keeping the
    suspect from her street, how she was told of a step)."""
    victims = selectors.victim_person_ids(investigation_ids=investigation_ids)
    return address_mask(user=user, person_ids=victims | set(also))


def _duty_rows(duties, *, user, may_edit, back: str, given=None) -> list[DutyRow]:
    _with_safe_contact(user, [duty.victim for duty in duties])
    now = clock.now()
    told = f"{timezone.localtime(now):%-d %-m %Y %H:%M}"  # as the form reads it: London time
    deadlines = selectors.duty_deadlines(duties=duties)
    names = {code: d.name for code, d in reference.duties().items()}
    labels = dict(DeadlineStatus.choices)
    rows = []
    for duty in duties:
        deadline = deadlines.get(duty.pk)
        status = (
            deadline.status_at(now)
            if deadline is not None
            else (DeadlineStatus.MET if duty.done_at else "")
        )
        form = None
        if may_edit(duty) and duty.done_at is None:
            form = (given or {}).get(duty.pk) or forms.DutyDoneForm(
                duty=duty, initial={"back": back, "done_at": told}
            )
        rows.append(
            DutyRow(
                duty=duty,
                name=names.get(duty.duty, duty.duty),
                deadline=deadline,
                status=status,
                status_label=labels.get(status, ""),
                tag=STATUS_TAGS.get(status, ""),
                form=form,
            )
        )
    return rows


def _case_forms(user, view: selectors.CaseView, data=None, name: str = "") -> dict:
    case = view.case
    today = _today()
    numbers = [c.charge.number for c in view.counts]
    victims = selectors.case_victims(user=user, case=case)
    agencies = selectors.agencies_to_share_with(investigation=case.investigation)
    builders = {
        "counts_form": lambda d, i: forms.CountsForm(
            d, initial=i, first_number=max(numbers, default=0) + 1, victims=victims
        ),
        "hearing_form": lambda d, i: forms.HearingForm(d, initial=i),
        "plea_form": lambda d, i: forms.PleaForm(d, initial=i, counts=view.counts),
        "verdict_form": lambda d, i: forms.VerdictForm(d, initial=i, counts=view.counts),
        "sentence_form": lambda d, i: forms.SentencesForm(d, initial=i, counts=view.counts),
        "bail_form": lambda d, i: forms.BailForm(d, initial=i, agencies=agencies),
        "order_form": lambda d, i: forms.OrderForm(d, initial=i),
    }
    initial = {
        "counts_form": {"charged_on": today},
        "plea_form": {"on": today},
        "verdict_form": {"on": today},
        "sentence_form": {"sentenced_on": today},
        "bail_form": {"starts_on": today},
        "order_form": {"made_on": today},
    }
    made = {key: build(None, initial.get(key)) for key, build in builders.items()}
    if name:
        made[name] = builders[name](data, None)
    made["victims"] = victims
    return made


def _case_page(request, view: selectors.CaseView, status: int = 200, duty_forms=None, **given):
    case = view.case
    investigation = case.investigation
    made = _case_forms(request.user, view)
    made.update(given)
    may_edit = policy.can(request.user, "edit", investigation)
    victims = made.pop("victims")
    # The victims are shown (in the counts form) only to those who may change the case.
    details = selectors.case_details(
        user=request.user, case=case, victims_shown=victims if may_edit else ()
    )
    bail, orders = details.bail, details.orders
    duties = _duty_rows(
        view.duties,
        user=request.user,
        may_edit=lambda d: may_edit,
        back=f"case-{case.pk}",
        given=duty_forms,
    )
    today = clock.today()
    context = {
        "view": view,
        "case": case,
        "investigation": investigation,
        "defendant": case.defendant.person,
        "may_edit": may_edit,
        "bail": [(b, b.expires_on is None or b.expires_on >= today) for b in bail],
        "orders": [(o, o.expires_on is None or o.expires_on >= today) for o in orders],
        "duties": duties,
        "mask": _victims_mask(request.user, [investigation.pk]),
        "hearings": list(case.hearings.all()),
        "convicted": any(c.charge.convicted for c in view.counts),
        "unsentenced": [c for c in view.counts if not c.sentence],
        **made,
    }
    return render(request, "justice/case.html", context, status=status)


@verified_required
@require_GET
def case(request, pk: int):
    return _case_page(request, _case_view(request, pk))


def _case_step(request, pk: int, name: str, act, done: str):
    view = _case_view(request, pk)
    _may_change(request, view.case.investigation)
    form = _case_forms(request.user, view, request.POST, name)[name]
    if form.is_valid():
        try:
            act(view.case, form)
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _done(request, done, reverse("justice:case", args=[view.case.pk]))
    return _case_page(request, view, status=400, **{name: form})


@verified_required
@require_POST
def counts_add(request, pk: int):
    def act(case, form):
        return services.charges_add(
            actor=request.user,
            court_case=case,
            charged_on=form.cleaned_data["charged_on"],
            counts=[services.CountIn(**c) for c in form.counts()],
        )

    return _case_step(request, pk, "counts_form", act, "Counts added. Each victim is to be told.")


@verified_required
@require_POST
def hearing_schedule(request, pk: int):
    def act(case, form):
        data = form.cleaned_data
        return services.hearing_schedule(
            actor=request.user,
            court_case=case,
            kind=data["kind"],
            on=data["on"],
            court=data["court"],
            note=data["note"],
        )

    return _case_step(request, pk, "hearing_form", act, "Hearing listed.")


@verified_required
@require_POST
def plea_enter(request, pk: int):
    def act(case, form):
        data = form.cleaned_data
        return services.plea_enter(
            actor=request.user,
            court_case=case,
            number=data["count"],
            plea=data["plea"],
            on=data["on"],
        )

    return _case_step(request, pk, "plea_form", act, "Plea entered.")


@verified_required
@require_POST
def verdict_record(request, pk: int):
    def act(case, form):
        data = form.cleaned_data
        return services.verdict_record(
            actor=request.user,
            court_case=case,
            number=data["count"],
            verdict=data["verdict"],
            on=data["on"],
            unanimous=form.unanimous_value(),
            majority=data["majority"],
        )

    return _case_step(request, pk, "verdict_form", act, "Verdict recorded.")


@verified_required
@require_POST
def sentences_pass(request, pk: int):
    def act(case, form):
        return services.sentence_pass(
            actor=request.user,
            court_case=case,
            sentenced_on=form.cleaned_data["sentenced_on"],
            sentences=[services.SentenceIn(**s) for s in form.sentences()],
        )

    return _case_step(request, pk, "sentence_form", act, "Sentences recorded.")


@verified_required
@require_POST
def bail_set(request, pk: int):
    def act(case, form):
        data = form.cleaned_data
        return services.bail_set(
            actor=request.user,
            suspect=case.defendant,
            conditions=data["conditions"],
            starts_on=data["starts_on"],
            expires_on=data["expires_on"],
            shared_with=form.agencies_chosen(),
        )

    return _case_step(request, pk, "bail_form", act, "Bail conditions recorded.")


@verified_required
@require_POST
def order_make(request, pk: int):
    def act(case, form):
        data = form.cleaned_data
        return services.order_make(
            actor=request.user,
            suspect=case.defendant,
            kind=data["kind"],
            made_on=data["made_on"],
            expires_on=data["expires_on"],
            terms=data["terms"],
            court_case=case,
        )

    return _case_step(request, pk, "order_form", act, "Order recorded.")


# ---------------------------------------------------------------- victims' duties
def _duties_page(request, status: int = 200, duty_forms=None):
    user = request.user
    duties = selectors.duties_open(user=user)
    editable = selectors.investigations_editable(
        user=user, pks={d.victim.investigation_id for d in duties}
    )
    rows = _duty_rows(
        duties,
        user=user,
        may_edit=lambda d: d.victim.investigation_id in editable,
        back="duties",
        given=duty_forms,
    )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    rows.sort(
        key=lambda r: (
            r.status != DeadlineStatus.OVERDUE,
            r.deadline.due_at if r.deadline else far,
            r.duty.pk,
        )
    )
    cases = selectors.cases_by_investigation(
        user=user, investigation_ids={d.victim.investigation_id for d in duties}
    )
    context = {
        "rows": rows,
        "overdue": sum(1 for r in rows if r.status == DeadlineStatus.OVERDUE),
        "cases": cases,
        "mask": address_mask(user=user, person_ids={d.victim.person_id for d in duties}),
    }
    return render(request, "justice/duties.html", context, status=status)


@verified_required
@require_GET
def duties(request):
    """The Victims' Code duties still to do, overdue first."""
    _police_only(request)
    return _duties_page(request)


@verified_required
@require_POST
def duty_done(request, pk: int):
    _police_only(request)
    try:
        duty = selectors.duty_get(user=request.user, pk=pk)
    except VictimDuty.DoesNotExist:
        raise Http404 from None
    _may_change(request, duty.victim.investigation)
    form = forms.DutyDoneForm(request.POST, duty=duty)
    back = request.POST.get("back", "")
    case_pk = None
    if back.startswith("case-") and back[5:].isdigit():
        case_pk = int(back[5:])
        if not selectors.case_in_investigation(
            user=request.user, pk=case_pk, investigation_id=duty.victim.investigation_id
        ):
            case_pk = None
    if form.is_valid():
        try:
            services.duty_done(
                actor=request.user,
                duty=duty,
                done_at=form.cleaned_data["done_at"],
                how=form.cleaned_data["how"],
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            url = (
                reverse("justice:case", args=[case_pk]) + "#duties"
                if case_pk
                else reverse("justice:duties")
            )
            return _done(request, "Duty done: recorded.", url)
    if case_pk:
        return _case_page(request, _case_view(request, case_pk), 400, {duty.pk: form})
    return _duties_page(request, 400, {duty.pk: form})


# ---------------------------------------------------------------- bail, for the social worker
@verified_required
@require_GET
def person_bail(request, reference_: str):
    """A person's bail conditions that the reader's agency holds or was given: the social
    worker protecting a child reads them here. Nothing visible: 404."""
    person = _person(reference_)
    if person is None:
        raise Http404
    found = selectors.bail_for_person(user=request.user, person=person)
    if not found:
        raise Http404
    today = clock.today()
    agency = request.user.agency
    context = {
        "person": person,
        "mask": _victims_mask(request.user, {b.suspect.investigation_id for b in found}),
        "sees_person": policy.can(request.user, "view", person),
        "conditions": [
            {
                "bail": b,
                "current": b.starts_on <= today and (b.expires_on is None or b.expires_on >= today),
                "ended": b.expires_on is not None and b.expires_on < today,
                "own": agency is not None and b.agency_id == agency.pk,
                "holder": b.agency.name,
            }
            for b in found
        ],
    }
    return render(request, "justice/person_bail.html", context)
