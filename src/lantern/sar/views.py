"""Subject access pages. Thin: read through the selectors (which apply lantern.sar.access
and audit what they show), write through the services (which check everything and name
the field they refuse), render.

- The list: the DPO sees every request; a worker, the requests about people they may
  view (status only).
- Log a request: the DPO, or a worker for a person they may view (anyone else: 404).
- A request's page: its steps, due date and, for the DPO, the forms for each step.
- The pack (the DPO, while in progress): as the requester will read it, each redaction
  highlighted with the text it covers beside it for the DPO, the list of redactions, and
  the forms to redact more or lift one.
- The PDF: the DPO, once checked.

A request or pack the user may not see answers 404. Each form posts to its own address;
a refusal shows the page again with the refusal beside the field it names, nothing saved.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lantern.accounts.decorators import verified_required
from lantern.audit.services import Subject, audit_refusal
from lantern.core import clock
from lantern.people.models import Person

from . import access, exemptions, forms, selectors, services
from .models import STATUS_TAGS, STEPS, Requester, Status, SubjectAccessRequest


def _user_may_use(request) -> None:
    if not access.may_use(request.user):
        raise Http404


def _get(request, reference: str) -> SubjectAccessRequest:
    try:
        return selectors.request_get(user=request.user, reference=reference)
    except SubjectAccessRequest.DoesNotExist:
        raise Http404 from None


def _dpo(request) -> None:
    if not access.is_dpo(request.user):
        raise Http404


@verified_required
@require_GET
def requests_list(request):
    _user_may_use(request)
    status = request.GET.get("status", "")
    found = selectors.requests_list(user=request.user, status=status)
    today = clock.today()
    return render(
        request,
        "sar/list.html",
        {
            "rows": [(r, STATUS_TAGS[r.status], _overdue(r, today)) for r in found],
            "statuses": Status.choices,
            "status": status if status in Status.values else "",
            "is_dpo": access.is_dpo(request.user),
        },
    )


def _overdue(sar: SubjectAccessRequest, today) -> bool:
    return sar.status != Status.RELEASED and today > sar.due


@verified_required
@require_http_methods(["GET", "POST"])
def request_log(request):
    _user_may_use(request)
    initial = {}
    if request.method == "GET" and request.GET.get("person"):  # from her page
        try:
            found = selectors.person_for_form(user=request.user, reference=request.GET["person"])
        except Person.DoesNotExist:
            raise Http404 from None
        initial["person"] = found.reference
    form = forms.LogForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = selectors.person_for_request(user=request.user, reference=data["person"])
        except Person.DoesNotExist:
            raise Http404 from None
        try:
            sar = services.sar_log(
                actor=request.user,
                person=person,
                received_on=data["received_on"],
                requester=data["requester"],
                identity_check=data["identity_check"],
                identity_note=data["identity_note"],
                representative_name=data["representative_name"],
                representative_authority=data["representative_authority"],
            )
        except Person.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            form.refused(exc)
            audit_refusal(
                actor=request.user,
                action="collection",
                operation="sar.log",
                purpose="Subject access request refused: " + "; ".join(exc.messages)[:500],
                subjects=[Subject.person(person)],
            )
        else:
            messages.success(request, f"Request {sar.reference} logged: due {sar.due:%-d %B %Y}")
            return redirect("sar:request", sar.reference)
    return render(request, "sar/log.html", {"form": form})


def _request_page(request, sar: SubjectAccessRequest, status: int = 200, **bound):
    is_dpo = access.is_dpo(request.user)
    page_forms = {
        "extend_form": forms.ExtendForm(),
        "check_form": forms.CheckForm(),
        "release_form": forms.ReleaseForm(),
        "step_errors": [],
    }
    page_forms.update(bound)
    today = clock.today()
    index = sar.step_index()
    tally_words = ""
    if is_dpo and sar.status in (Status.PREPARED, Status.CHECKED):
        tally_words = redactions_in_words(
            exemptions.tally(sar.pack.redactions.all()), sar.person.full_name, "in place"
        )
    steps = [
        {
            "label": Status(step).label,
            "done": i <= index,
            "current": i == index + 1,
            "when": {
                Status.RECEIVED: sar.received_on,
                Status.PREPARED: sar.prepared_at,
                Status.CHECKED: sar.checked_at,
                Status.RELEASED: sar.released_at,
            }[step],
            "by": {
                Status.RECEIVED: sar.logged_by,
                Status.PREPARED: sar.prepared_by,
                Status.CHECKED: sar.checked_by,
                Status.RELEASED: sar.released_by,
            }[step],
            # Received on one day (by any agency), logged perhaps later by someone else:
            # the first step shows both, so no one reads the logger as the receiver.
            "logged_at": sar.logged_at if step == Status.RECEIVED else None,
        }
        for i, step in enumerate(STEPS)
    ]
    return render(
        request,
        "sar/request.html",
        {
            "sar": sar,
            "tag": STATUS_TAGS[sar.status],
            "steps": steps,
            "overdue": _overdue(sar, today),
            "is_dpo": is_dpo,
            "may_read_pack": access.may_read_pack(request.user, sar),
            "may_download": access.may_download_pdf(request.user, sar),
            "may_extend": is_dpo and sar.status != Status.RELEASED and not sar.extended_due_on,
            "representative": sar.requester == Requester.REPRESENTATIVE,
            "tally_words": tally_words,
            **page_forms,
        },
        status=status,
    )


@verified_required
@require_GET
def request_detail(request, reference: str):
    _user_may_use(request)
    return _request_page(request, _get(request, reference))


def _step(request, reference: str, form_class, form_key: str, run):
    """A DPO's step on the request page: run it, or show the page again with the refusal."""
    _dpo(request)
    sar = _get(request, reference)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        return _request_page(request, sar, status=400, **{form_key: form})
    try:
        done = run(sar, form.cleaned_data if form is not None else {})
    except ValidationError as exc:
        # Beside the field it names; a refusal about the request itself (its status, its
        # check) also at the top, as the step's form may not be on the page at this step.
        fields = form.fields if form is not None else {}
        elsewhere = [m for key, found in exc.message_dict.items() if key not in fields
                     for m in found]  # fmt: skip
        bound = {"step_errors": elsewhere}
        if form is not None:
            form.refused(exc)
            bound[form_key] = form
        return _request_page(request, _get(request, reference), status=400, **bound)
    messages.success(request, done)
    return redirect("sar:request", sar.reference)


@verified_required
@require_POST
def request_extend(request, reference: str):
    def run(sar, data):
        sar = services.sar_extend(actor=request.user, request=sar, reason=data["extension_reason"])
        return f"Extended: now due {sar.extended_due_on:%-d %B %Y}. Tell the requester."

    return _step(request, reference, forms.ExtendForm, "extend_form", run)


def redactions_in_words(tally: exemptions.Tally, name: str, what: str = "to check") -> str:
    """How many redactions there are to check, and how many of them withhold the person's
    own information: while those stay, the pack can be released only "withheld in part"."""
    if not tally.total:
        return f"no redactions {what}"
    total = f"{tally.total} redaction{'' if tally.total == 1 else 's'}"
    if not tally.own:
        return f"{total} {what}, all of other people's information"
    split = f"{len(tally.own)} of {name}'s own information withheld under an exemption"
    if tally.others:
        split = f"{len(tally.others)} of other people's information, {split}"
    those = "that one stays" if len(tally.own) == 1 else f"those {len(tally.own)} stay"
    return (
        f"{total} {what}: {split}. While {those} in place, the pack can be released only "
        "as withheld in part"
    )


@verified_required
@require_POST
def request_prepare(request, reference: str):
    def run(sar, _data):
        pack = services.sar_prepare(actor=request.user, request=sar)
        return "Pack prepared, with " + redactions_in_words(
            exemptions.tally(pack.redactions.all()), sar.person.full_name
        )

    return _step(request, reference, None, "", run)


@verified_required
@require_POST
def request_check(request, reference: str):
    def run(sar, data):
        services.sar_check(
            actor=request.user,
            request=sar,
            note=data["note"],
            own_check_reason=data["own_check_reason"],
        )
        return "Checked: the PDF is ready to release"

    return _step(request, reference, forms.CheckForm, "check_form", run)


@verified_required
@require_POST
def request_release(request, reference: str):
    def run(sar, data):
        services.sar_release(
            actor=request.user,
            request=sar,
            disclosure=data["disclosure"],
            withheld_reason=data["withheld_reason"],
        )
        return "Released: download the PDF and send it to the requester"

    return _step(request, reference, forms.ReleaseForm, "release_form", run)


# ---------------------------------------------------------------- the pack
def _pack_page(request, sar: SubjectAccessRequest, status: int = 200, **bound):
    try:
        view = selectors.pack_read(user=request.user, request=sar)
    except SubjectAccessRequest.DoesNotExist:
        raise Http404 from None
    page_forms = {"redact_form": forms.RedactForm(), "lift_form": forms.LiftForm()}
    page_forms.update(bound)
    changeable = sar.status == Status.PREPARED
    tally = view.tally
    return render(
        request,
        "sar/pack.html",
        {
            "sar": sar,
            "view": view,
            "changeable": changeable,
            "tally_words": redactions_in_words(
                tally, sar.person.full_name, "to check" if changeable else "in place"
            ),
            "own_labels": {r.label for r in tally.own},
            **page_forms,
        },
        status=status,
    )


@verified_required
@require_GET
def pack(request, reference: str):
    _dpo(request)
    return _pack_page(request, _get(request, reference))


def _pack_change(request, reference: str, form_class, form_key: str, run):
    _dpo(request)
    sar = _get(request, reference)
    if not access.may_read_pack(request.user, sar):
        raise Http404
    form = form_class(request.POST)
    if form.is_valid():
        try:
            done = run(sar, form.cleaned_data)
        except ValidationError as exc:
            form.refused(exc)
        else:
            messages.success(request, done)
            return redirect(reverse("sar:pack", args=[sar.reference]) + "#redactions")
    return _pack_page(request, _get(request, reference), status=400, **{form_key: form})


@verified_required
@require_POST
def pack_redact(request, reference: str):
    def run(sar, data):
        made = services.sar_redaction_add(
            actor=request.user,
            request=sar,
            phrase=data["phrase"],
            kind=data["kind"],
            exemption=data["exemption"],
            reason=data["reason"],
        )
        return f"{len(made)} redaction{'s' if len(made) != 1 else ''} added"

    return _pack_change(request, reference, forms.RedactForm, "redact_form", run)


@verified_required
@require_POST
def pack_lift(request, reference: str):
    def run(sar, data):
        lifted = services.sar_redaction_lift(
            actor=request.user, request=sar, number=data["number"], reason=data["reason"]
        )
        return f"{lifted.label} lifted"

    return _pack_change(request, reference, forms.LiftForm, "lift_form", run)


@verified_required
@require_GET
def pack_pdf(request, reference: str):
    _dpo(request)
    sar = _get(request, reference)
    try:
        data = selectors.pack_pdf(user=request.user, request=sar)
    except SubjectAccessRequest.DoesNotExist:
        raise Http404 from None
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{sar.reference}.pdf"'
    return response
