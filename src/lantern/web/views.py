"""Pages. Thin: authorise, call a selector or a service, render."""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from lantern.access import policy
from lantern.access import selectors as access_selectors
from lantern.access import services as access_services
from lantern.access.models import BreakGlassRequest
from lantern.accounts.decorators import verified_required
from lantern.alerts import selectors as alerts_selectors
from lantern.audit import selectors as audit_selectors
from lantern.audit.models import AuditSubject
from lantern.casework import selectors as casework_selectors
from lantern.core import clock
from lantern.frontdoor import selectors as frontdoor_selectors
from lantern.linkage import selectors as linkage_selectors
from lantern.linkage.matching import MatchQuery
from lantern.people import safety, selectors
from lantern.people import services as people_services
from lantern.people.models import Person, SourceRecord
from lantern.timescales import selectors as timescales_selectors

from .forms import AuditSearchForm, BreakGlassForm, CorrectionForm, PeopleSearchForm

PAGE_SIZE = 25


@verified_required
@require_GET
def home(request):
    user = request.user
    notifications, emergency = access_selectors.home_alerts(user=user)
    context = {
        "membership": user.membership,
        "notifications": notifications,
        "emergency": emergency,
    }
    if policy.sees_case_data(user):
        context["front_door"] = selectors.front_door_open(user=user)
        context["recent_events"] = selectors.recent_events(user=user)
        context["people_known"] = selectors.people_known_count(user=user)
        context["deadline_counts"] = timescales_selectors.worklist_counts(user=user)
        context["frontdoor_panel"] = frontdoor_selectors.home_panel(user=user)
        context["casework_actions"] = casework_selectors.home_actions(user=user)
        context["mask"] = safety.address_mask(
            user=user, person_ids={a.person_id for a in context["casework_actions"].actions}
        )
        context["alerts_panel"] = alerts_selectors.home_alerts(user)
    else:
        year_ago = clock.today() - dt.timedelta(days=365)
        context["holdings"] = selectors.holdings_totals(since=year_ago)
    return render(request, "web/home.html", context)


@verified_required
@require_GET
def people_search(request):
    if not policy.sees_case_data(request.user):
        raise Http404
    form = PeopleSearchForm(request.GET if request.GET else None)
    page = matches = None
    plain = request.GET.get("plain") == "1"
    if form.is_bound and form.is_valid():
        query = _search_query(form)
        details = _match_query(query)
        if details is not None and not plain:
            matches = linkage_selectors.people_matching_details(user=request.user, query=details)
            selectors.attach_holdings([m.person for m in matches], user=request.user)
        else:
            page = selectors.people_search_page(
                user=request.user,
                query=query,
                page=request.GET.get("page"),
                page_size=PAGE_SIZE,
                operation="people.search",
            )
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("plain", None)
    return render(
        request,
        "web/people_search.html",
        {
            "form": form,
            "page": page,
            "matches": matches,
            "plain": plain,
            "query_string": params.urlencode(),
        },
    )


def _match_query(query: selectors.PeopleQuery) -> MatchQuery | None:
    """Details to rank likely matches by: two names with a date of birth or a postcode,
    or a valid identifier. None for a plain search (part of a name, say)."""
    names = query.name.split()
    details = MatchQuery.typed(
        given_name=names[0] if len(names) >= 2 else "",
        family_name=names[-1] if len(names) >= 2 else "",
        date_of_birth=query.date_of_birth,
        postcode=query.postcode,
        identifier=query.identifier,
    )
    if details.identifiers or (details.given_name and (details.date_of_birth or details.postcode)):
        return details
    return None


def _search_query(form: PeopleSearchForm) -> selectors.PeopleQuery:
    return selectors.PeopleQuery(
        name=form.cleaned_data["name"],
        date_of_birth=form.cleaned_data["date_of_birth"],
        postcode=form.cleaned_data["postcode"],
        identifier=form.cleaned_data["identifier"],
    )


@verified_required
@require_GET
def people_export(request):
    """The search's matches as CSV (reference, names, date of birth), for those allowed."""
    if not policy.sees_case_data(request.user):
        raise Http404
    form = PeopleSearchForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(
            "; ".join(e for errors in form.errors.values() for e in errors),
            content_type="text/plain",
        )
    people = selectors.people_export(user=request.user, query=_search_query(form))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lantern-people.csv"'
    writer = csv.writer(response)
    writer.writerow(["reference", "given_name", "family_name", "date_of_birth"])
    for person in people:
        writer.writerow(
            [
                person.reference,
                person.given_name,
                person.family_name,
                person.date_of_birth.isoformat() if person.date_of_birth else "",
            ]
        )
    return response


@verified_required
@require_GET
def person_detail(request, reference: str):
    merged_into = selectors.merged_reference(user=request.user, reference=reference)
    if merged_into:
        messages.info(request, f"Person {reference} was found to be this person, and merged.")
        return redirect(reverse("web:person", args=[merged_into]))
    try:
        person = selectors.person_get(user=request.user, reference=reference)
    except Person.DoesNotExist:
        raise Http404 from None
    file = selectors.person_file(user=request.user, person=person)
    shown = {record.pk for record in file.source_records}
    return render(
        request,
        "web/person_detail.html",
        {
            "file": file,
            "person": person,
            "safe_contact": safety.safe_contact_for(user=request.user, person=person),
            "can_read_log": audit_selectors.may_read_log_of(request.user, person, file.access),
            "decides_linkage": linkage_selectors.decides_linkage(request.user),
            "link_changes": linkage_selectors.link_changes_for(person=person, record_ids=shown),
        },
    )


@verified_required
@require_http_methods(["GET", "POST"])
def emergency_access(request, reference: str):
    """Break-glass: emergency access for at most an hour, with a reason and the code again."""
    if not policy.sees_case_data(request.user):
        raise Http404
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            opened = access_services.break_glass(
                actor=request.user,
                reference=reference,
                reason=form.cleaned_data["reason"],
                token=form.cleaned_data["token"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except Person.DoesNotExist:
            raise Http404 from None
        else:
            if isinstance(opened, BreakGlassRequest):
                messages.success(
                    request,
                    "Your request for emergency access has been sent. "
                    "A second person must approve it.",
                )
                return redirect(reverse("web:home"))
            messages.warning(
                request,
                "Emergency access is open for one hour. The record's "
                "owners and the data protection officer have been told.",
            )
            return redirect(reverse("web:person", args=[reference]))
    return render(request, "web/emergency_access.html", {"form": form, "reference": reference})


@verified_required
@require_GET
def person_access_log(request, reference: str):
    """Who has looked: every recorded look at and change to a person."""
    person = Person.objects.filter(reference=reference).first()
    if person is None or not audit_selectors.may_read_log_of(request.user, person):
        raise Http404
    page = audit_selectors.person_access_log(
        user=request.user, person=person, page=request.GET.get("page")
    )
    mask = safety.address_mask(user=request.user, person_ids=[person.pk])
    return render(
        request,
        "web/access_log.html",
        {"person": person, "page": page, "query_string": "", "mask": mask},
    )


@verified_required
@require_GET
def audit_search(request):
    """The data protection officer's search over the whole audit log."""
    role = request.user.role
    if role is None or not role.sees_audit:
        raise Http404
    form = AuditSearchForm(request.GET)
    page, person = None, None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["reference"]:
            person = Person.objects.filter(reference=data["reference"].strip().upper()).first()
            if person is None:
                form.add_error("reference", "There is no person with that reference")
        if not form.errors:
            query = audit_selectors.AuditQuery(
                person_id=person.pk if person else None,
                username=data["username"],
                operation=data["operation"],
                outcome=data["outcome"],
                date_from=data["date_from"],
                date_to=data["date_to"],
            )
            page = audit_selectors.audit_search(
                user=request.user, query=query, page=request.GET.get("page")
            )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "web/audit_search.html",
        {
            "form": form,
            "page": page,
            "person": person,
            "query_string": params.urlencode(),
            "mask": _audit_mask(request.user, page),
        },
    )


def _audit_mask(user, page):
    """What the log says (a search's postcode, a reason typed with an address) without the
    address of anyone whose addresses are hidden from the reader."""
    if page is None:
        return safety.NO_MASK
    people = AuditSubject.objects.filter(
        event_id__in=[e.pk for e in page.object_list], person_id__isnull=False
    ).values_list("person_id", flat=True)
    return safety.address_mask(user=user, person_ids=set(people))


@verified_required
@require_http_methods(["GET", "POST"])
def record_correct(request, reference: str, record_id: int):
    """Correct one agency's record: a new version with a reason; the old one is kept."""
    try:
        person = selectors.person_get(user=request.user, reference=reference)
        source = selectors.source_record_for_edit(
            user=request.user, person=person, record_id=record_id
        )
    except (Person.DoesNotExist, SourceRecord.DoesNotExist):
        raise Http404 from None
    initial = {
        "given_name": source.given_name,
        "family_name": source.family_name,
        "date_of_birth": source.date_of_birth,
    }
    form = CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            people_services.source_record_correct(
                actor=request.user,
                source=source,
                reason=data["reason"],
                record=people_services.source_record_as_input(
                    source,
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    date_of_birth=data["date_of_birth"],
                ),
            )
        except SourceRecord.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"{source.agency.name} record {source.local_id} corrected.")
            return redirect(reverse("web:person", args=[reference]) + "#records")
    return render(
        request, "web/record_correct.html", {"form": form, "person": person, "source": source}
    )


def not_found(request, exception=None):
    return render(request, "web/404.html", status=404)


def forbidden(request, exception=None):
    return render(request, "web/404.html", status=404)


def server_error(request):
    return render(request, "web/500.html", status=500)
