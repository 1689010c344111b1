"""Voice pages. Thin: read through the selectors (which apply access.py and audit what they
show), write through the services (which check everything and name the field they
refuse), render.

- Feedback (the list, a piece of it, recording, tagging, consent, quotes, linking) is for
  its agency's workers who record feedback; anyone else gets 404.
- The partnership view and "you said, we did" are for the partnership manager, the
  scrutineer and every worker who records feedback: counts without names, quotes without
  names; the agency that holds the feedback behind an action sees the pieces themselves.

Each form posts to its own address; a refusal shows the page again with the refusal
beside the field it names (status 400), and nothing saved."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lantern.accounts.decorators import verified_required
from lantern.core import clock
from lantern.partners.models import Agency
from lantern.people.models import Person

from . import access, aggregate, forms, selectors, services
from .models import ActionStatus, Feedback, GiverKind, PartnershipAction, Quote, Use
from .suppression import MARK, THRESHOLD
from .themes import themes as theme_set

PERSON_UNSEEN = "Choose a person you can see: find them with the people search first"


# ---------------------------------------------------------------- helpers
def _recorder(request) -> None:
    if not access.records_feedback(request.user):
        raise Http404


def _viewer(request) -> None:
    if not access.sees_partnership_view(request.user):
        raise Http404


def _refused(form, exc: ValidationError) -> None:
    """A service's refusal beside the field it names, or above the form."""
    for key, errors in exc.message_dict.items():
        target = form.field_for(key)
        if target is not None and form.has_error(target):
            continue
        for error in errors:
            if target is None and key not in ("__all__", "detail"):
                error = f"{key.replace('_', ' ').capitalize()}: {error}"
            form.add_error(target, error)


def _done(request, message: str, url: str):
    messages.success(request, message)
    return redirect(url)


def _today() -> str:
    return f"{clock.today():%-d %-m %Y}"


def _person(reference: str) -> Person | None:
    return Person.objects.filter(reference=(reference or "").strip().upper()).first()


# ---------------------------------------------------------------- start
@verified_required
@require_GET
def start(request):
    _viewer(request)
    return render(
        request,
        "voice/start.html",
        {"records": access.records_feedback(request.user), "threshold": THRESHOLD},
    )


# ---------------------------------------------------------------- feedback
@verified_required
@require_GET
def feedback_list(request):
    _recorder(request)
    known = theme_set().themes
    filters = selectors.FeedbackFilters(
        theme=request.GET.get("theme", "") if request.GET.get("theme") in known else "",
        giver_kind=request.GET.get("giver_kind", "")
        if request.GET.get("giver_kind") in GiverKind.values
        else "",
        use=request.GET.get("use", "") if request.GET.get("use") in Use.values else "",
        untagged=request.GET.get("untagged") == "yes",
    )
    page, items, total = selectors.feedback_page(
        user=request.user, filters=filters, page=request.GET.get("page") or 1
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "items": items,
        "total": total,
        "filters": filters,
        "themes": forms.theme_choices(include_retired=True),
        "kinds": GiverKind.choices,
        "uses": Use.choices,
        "query": query.urlencode(),
    }
    return render(request, "voice/feedback_list.html", context)


@verified_required
@require_http_methods(["GET", "POST"])
def feedback_new(request):
    _recorder(request)
    if request.method == "GET":
        form = forms.FeedbackForm(initial={"given_on": _today()})
        return render(request, "voice/feedback_new.html", {"form": form})
    form = forms.FeedbackForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        person = _person(data["person"]) if data["person"].strip() else None
        if data["person"].strip() and person is None:
            form.add_error("person", PERSON_UNSEEN)
        else:
            try:
                made = services.feedback_record(
                    actor=request.user,
                    words=data["words"],
                    given_on=data["given_on"],
                    channel=data["channel"],
                    giver_kind=data["giver_kind"],
                    consent=data["consent"],
                    person=person,
                    themes=data["themes"],
                    sentiment=data["sentiment"],
                    consent_note=data["consent_note"],
                )
            except ValidationError as exc:
                _refused(form, exc)
            else:
                return _done(
                    request, "Feedback recorded.", reverse("voice:feedback", args=[made.pk])
                )
    return render(request, "voice/feedback_new.html", {"form": form}, status=400)


def _feedback(request, pk: int) -> Feedback:
    _recorder(request)
    try:
        return selectors.feedback_get(user=request.user, pk=pk)
    except Feedback.DoesNotExist:
        raise Http404 from None


def _link_actions(found: Feedback):
    if not found.consent_partnership:
        return []
    linked = {a.pk for a in found.action_list}
    return [
        a
        for a in PartnershipAction.objects.exclude(status=ActionStatus.STOPPED).order_by(
            "-agreed_on"
        )
        if a.pk not in linked
    ]


def _feedback_page(request, found: Feedback, status: int = 200, **given):
    actions = _link_actions(found)
    context = {
        "feedback": found,
        "tag_form": given.get("tag_form")
        or forms.TagForm(
            carried=found.theme_codes,
            initial={"themes": found.theme_codes, "sentiment": found.sentiment},
        ),
        "consent_form": given.get("consent_form") or forms.ConsentForm(initial={"on": _today()}),
        "quote_form": given.get("quote_form") or forms.QuoteForm(),
        "link_form": given.get("link_form") or forms.LinkForm(actions=actions),
        "may_quote": found.consent_quote,
        "may_link": found.consent_partnership and bool(actions),
        "use_names": dict(Use.choices),
        "quarter": aggregate.quarter_label_of(found.given_on),
    }
    return render(request, "voice/feedback.html", context, status=status)


@verified_required
@require_GET
def feedback(request, pk: int):
    return _feedback_page(request, _feedback(request, pk))


def _feedback_step(request, pk: int, name: str, form, act, done: str):
    found = _feedback(request, pk)
    if form.is_valid():
        try:
            act(found, form.cleaned_data)
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _done(request, done, reverse("voice:feedback", args=[found.pk]))
    return _feedback_page(request, found, status=400, **{name: form})


@verified_required
@require_POST
def feedback_tag(request, pk: int):
    return _feedback_step(
        request,
        pk,
        "tag_form",
        forms.TagForm(request.POST, carried=list(theme_set().themes)),
        lambda found, data: services.feedback_tag(
            actor=request.user, feedback=found, themes=data["themes"], sentiment=data["sentiment"]
        ),
        "Themes saved.",
    )


@verified_required
@require_POST
def feedback_consent(request, pk: int):
    def act(found, data):
        change = (
            services.feedback_consent_withdraw
            if data["change"] == "withdraw"
            else services.feedback_consent_give
        )
        change(
            actor=request.user,
            feedback=found,
            uses=data["consent"],
            on=data["on"],
            note=data["note"],
        )

    return _feedback_step(
        request,
        pk,
        "consent_form",
        forms.ConsentForm(request.POST),
        act,
        "Consent change recorded.",
    )


@verified_required
@require_POST
def feedback_quote(request, pk: int):
    return _feedback_step(
        request,
        pk,
        "quote_form",
        forms.QuoteForm(request.POST),
        lambda found, data: services.quote_choose(
            actor=request.user, feedback=found, text=data["text"]
        ),
        "Quote chosen: the partnership may show it, without a name.",
    )


@verified_required
@require_POST
def feedback_link(request, pk: int):
    found = _feedback(request, pk)
    form = forms.LinkForm(request.POST, actions=PartnershipAction.objects.all())

    def act(found, data):
        action = PartnershipAction.objects.get(pk=int(data["action"]))
        services.action_link(actor=request.user, action=action, feedback=found)

    if form.is_valid():
        try:
            act(found, form.cleaned_data)
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _done(
                request, "Feedback put behind the action.", reverse("voice:feedback", args=[pk])
            )
    return _feedback_page(request, found, status=400, link_form=form)


@verified_required
@require_POST
def quote_remove(request, pk: int):
    _recorder(request)
    try:
        quote = selectors.quote_get(user=request.user, pk=pk)
    except Quote.DoesNotExist:
        raise Http404 from None
    form = forms.QuoteRemoveForm(request.POST)
    if form.is_valid():
        try:
            services.quote_remove(
                actor=request.user, quote=quote, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
        else:
            messages.success(request, "Quote taken down.")
    return redirect("voice:feedback", pk=quote.feedback_id)


# ---------------------------------------------------------------- the partnership view
def _year(request) -> int | None:
    raw = request.GET.get("year", "")
    if not raw:
        return aggregate.financial_year(clock.today())
    if raw.isdigit() and 1990 <= int(raw) <= clock.today().year + 1:
        return int(raw)
    return None


@verified_required
@require_GET
def partnership(request):
    _viewer(request)
    year = _year(request)
    if year is None:
        raise Http404
    found = selectors.partnership_view(user=request.user, year=year)
    context = {
        "found": found,
        "view": found.view,
        "quote_groups": [
            (code, name, found.quotes[code])
            for code, name, _ in found.theme_rows
            if code in found.quotes
        ],
        "year": year,
        "mark": MARK,
        "threshold": THRESHOLD,
        "actions": selectors.actions_list(user=request.user)[:5],
    }
    return render(request, "voice/partnership.html", context)


# ---------------------------------------------------------------- you said, we did
@verified_required
@require_GET
def actions(request):
    _viewer(request)
    status = request.GET.get("status", "")
    status = status if status in ActionStatus.values else ""
    context = {
        "rows": selectors.actions_list(user=request.user, status=status),
        "status": status,
        "statuses": ActionStatus.choices,
        "may_record": access.may_record_action(request.user),
        "mark": MARK,
        "threshold": THRESHOLD,
    }
    return render(request, "voice/actions.html", context)


def _action_form(request, data=None):
    return forms.ActionForm(
        data,
        user=request.user,
        manager=access.manages_actions(request.user),
        initial=None if data else {"agreed_on": _today()},
    )


def _behind(request, source) -> list[Feedback]:
    ids = [i for i in source.getlist("feedback") if i.isdigit()]
    return selectors.feedback_among(user=request.user, ids=ids) if ids else []


@verified_required
@require_http_methods(["GET", "POST"])
def action_new(request):
    _viewer(request)
    if not access.may_record_action(request.user):
        raise Http404
    if request.method == "GET":
        behind = _behind(request, request.GET)
        return render(
            request, "voice/action_new.html", {"form": _action_form(request), "behind": behind}
        )
    form = _action_form(request, request.POST)
    behind = _behind(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        lead = None
        if data["lead_agency"]:
            lead = Agency.objects.filter(pk=int(data["lead_agency"])).first()
        try:
            made = services.action_create(
                actor=request.user,
                title=data["title"],
                you_said=data["you_said"],
                we_did=data["we_did"],
                agreed_on=data["agreed_on"],
                lead_agency=lead,
                lead_body=data.get("lead_body", ""),
                themes=data["themes"],
                feedback=behind,
                status=data["status"],
                done_on=data["done_on"],
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _done(request, "Action recorded.", reverse("voice:action", args=[made.pk]))
    return render(request, "voice/action_new.html", {"form": form, "behind": behind}, status=400)


def _action_page(request, pk: int, status: int = 200, status_form=None):
    _viewer(request)
    try:
        found = selectors.action_get(user=request.user, pk=pk)
    except PartnershipAction.DoesNotExist:
        raise Http404 from None
    context = {
        "found": found,
        "action": found.action,
        "status_form": status_form or forms.StatusForm(initial={"done_on": ""}),
        "mark": MARK,
        "threshold": THRESHOLD,
        "records": access.records_feedback(request.user),
    }
    return render(request, "voice/action.html", context, status=status)


@verified_required
@require_GET
def action(request, pk: int):
    return _action_page(request, pk)


@verified_required
@require_POST
def action_status(request, pk: int):
    _viewer(request)
    found = PartnershipAction.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    if not access.may_change_action(request.user, found):
        raise PermissionDenied
    form = forms.StatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.action_status(
                actor=request.user,
                action=found,
                status=data["status"],
                done_on=data["done_on"],
                note=data["note"],
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _done(request, "Action updated.", reverse("voice:action", args=[pk]))
    return _action_page(request, pk, status=400, status_form=form)
