"""Alert pages. Thin: authorise, call a selector or a service, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from lantern.access import policy
from lantern.accounts.decorators import verified_required
from lantern.core import clock

from . import chart, selectors, services
from .forms import ActForm, DismissForm, ReportForm, TaskDoneForm
from .models import Alert, AlertTask


def _errors_to_form(form, exc: ValidationError, fallback: str) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else fallback, error)


def _alert_or_404(request, pk: int) -> Alert:
    try:
        return selectors.alert_get(user=request.user, pk=pk)
    except Alert.DoesNotExist:
        raise Http404 from None


@verified_required
@require_GET
def inbox(request):
    if not policy.sees_case_data(request.user):
        raise Http404
    found = selectors.inbox(
        user=request.user, show=request.GET.get("show", "open"), page=request.GET.get("page")
    )
    return render(request, "alerts/inbox.html", {"inbox": found})


def _detail(request, alert: Alert, *, status: int = 200, **forms):
    view = selectors.alert_view(user=request.user, alert=alert)
    context = {
        "view": view,
        "alert": alert,
        "act_form": forms.get("act_form") or ActForm(),
        "dismiss_form": forms.get("dismiss_form") or DismissForm(),
        "task_form": forms.get("task_form"),
        "task_form_pk": forms.get("task_form_pk"),
        "decision_error": forms.get("decision_error"),
    }
    return render(request, "alerts/alert.html", context, status=status)


@verified_required
@require_GET
def alert_detail(request, pk: int):
    return _detail(request, _alert_or_404(request, pk))


def _after(request, alert: Alert, said: str):
    """Back to the alert, or to the inbox once the alert (now closed) is no longer the
    team's to see."""
    messages.success(request, said)
    if selectors.may_see(request.user, alert):
        return redirect(reverse("alerts:alert", args=[alert.pk]))
    return redirect(reverse("alerts:inbox"))


@verified_required
@require_POST
def alert_acknowledge(request, pk: int):
    alert = _alert_or_404(request, pk)
    try:
        services.alert_acknowledge(actor=request.user, alert=alert)
    except ValidationError as exc:
        error = " ".join(m for ms in exc.message_dict.values() for m in ms)
        return _detail(request, alert, status=400, decision_error=error)
    return _after(request, alert, "Acknowledged: your team can see you are looking at it.")


@verified_required
@require_POST
def alert_act(request, pk: int):
    alert = _alert_or_404(request, pk)
    form = ActForm(request.POST)
    if form.is_valid():
        try:
            services.alert_act(actor=request.user, alert=alert, action=form.cleaned_data["action"])
        except ValidationError as exc:
            _errors_to_form(form, exc, fallback="action")
        else:
            return _after(request, alert, "Recorded what was done. The alert is closed.")
    return _detail(request, alert, status=400, act_form=form)


@verified_required
@require_POST
def alert_dismiss(request, pk: int):
    alert = _alert_or_404(request, pk)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            services.alert_dismiss(
                actor=request.user, alert=alert, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _errors_to_form(form, exc, fallback="reason")
        else:
            return _after(request, alert, "Dismissed, with your reason. The alert is closed.")
    return _detail(request, alert, status=400, dismiss_form=form)


@verified_required
@require_POST
def task_done(request, pk: int):
    task = AlertTask.objects.filter(pk=pk).select_related("alert").first()
    if task is None:
        raise Http404
    alert = _alert_or_404(request, task.alert_id)
    form = TaskDoneForm(request.POST)
    if form.is_valid():
        try:
            services.alert_task_complete(
                actor=request.user, task=task, note=form.cleaned_data["note"]
            )
        except AlertTask.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            _errors_to_form(form, exc, fallback="note")
        else:
            return _after(request, alert, "Task recorded as done.")
    return _detail(request, alert, status=400, task_form=form, task_form_pk=task.pk)


# ---------------------------------------------------------------- the back-test report
def _month_label(month: str) -> tuple[str, str]:
    day = dt.date.fromisoformat(f"{month}-01")
    return f"{day:%b %y}", f"{day:%B %Y}"


@verified_required
@require_GET
def rules_report(request, code: str | None = None):
    if not selectors.may_read_rules_report(request.user):
        raise Http404
    form = ReportForm(request.GET or None)
    until = clock.today()
    since = until - dt.timedelta(days=365)
    if form.is_bound and form.is_valid():
        since = form.cleaned_data["since"] or since
        until = form.cleaned_data["until"] or until
    elif form.is_bound:
        return render(request, "alerts/rules.html", {"form": form, "code": code}, status=400)
    try:
        found = selectors.rules_report(user=request.user, since=since, until=until, code=code)
    except LookupError:
        raise Http404 from None
    bars = []
    for month, count in found.months:
        short, long = _month_label(month)
        bars.append(chart.Bar(short, count, f"{long}: {count} alert{'s' if count != 1 else ''}"))
    what = found.rules[0].name if code else "the rules"
    svg = chart.bar_chart(
        bars,
        title=f"Alerts per month that {what} would have raised",
        description=f"{found.report.total} alerts from {since:%-d %B %Y} to {until:%-d %B %Y}; "
        "the table beside the chart gives each month's number.",
        chart_id="per-month",
    )
    context = {
        "form": form,
        "code": code,
        "found": found,
        "report": found.report,
        "chart": svg,
        "months": [(_month_label(m)[1], n) for m, n in found.months],
        "since": since,
        "until": until,
    }
    return render(request, "alerts/rules.html", context)
