"""Support forms. They read what was typed (a day, a time, a choice, a number); the services
check everything else and name the field when they refuse, and the views put each refusal
beside that field (`StepForm.refused`).

The plan page holds many small forms, so each has its own id prefix (`auto_id`): every
label, hint and error link reaches its own field."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from lantern.access import policy
from lantern.web.fields import DayField, MomentField

from .models import (
    ContactMethod,
    GoalStatus,
    NeedArea,
    ProviderKind,
    Service,
    ServiceCategory,
)

REVIEW_CHOICES = [
    ("1", "Every month"),
    ("2", "Every 2 months"),
    ("3", "Every 3 months"),
    ("6", "Every 6 months"),
    ("12", "Every year"),
]


# ---------------------------------------------------------------- typed days and times
def day_text(value: dt.date) -> str:
    return f"{value.day} {value.month} {value.year}"


class NumberField(forms.CharField):
    """A whole number; left empty, None (the service says whether one was needed)."""

    def __init__(self, *, label: str, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"govuk_width": "4"}))
        super().__init__(max_length=7, label=label, **kwargs)

    def clean(self, value):
        raw = (super().clean(value) or "").strip().replace(",", "")
        if not raw:
            return None
        if not raw.isdigit():
            raise forms.ValidationError(f"{self.label}: enter a whole number, like 12")
        return int(raw)


def _text(label: str, *, required: bool = False, rows: int = 4, help_text: str = "", **kwargs):
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


def _line(label: str, *, required: bool = False, help_text: str = "", width: str = ""):
    attrs = {"govuk_width": width} if width else {}
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs),
    )


# ---------------------------------------------------------------- the base
class StepForm(forms.Form):
    """A form whose service may refuse: the refusal goes beside the field it names, or
    above the form when it names none of them. `aliases` maps a service's field name to
    this form's, where they differ."""

    id_prefix = ""
    aliases: dict[str, str] = {}

    def __init__(self, *args, id_prefix: str = "", **kwargs):
        prefix = id_prefix or self.id_prefix
        if prefix:
            kwargs.setdefault("auto_id", f"{prefix}-%s")
        super().__init__(*args, **kwargs)

    def refused(self, exc: ValidationError) -> None:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        for key, messages in errors.items():
            target = self.aliases.get(key, key)
            if target not in self.fields:
                target = None
            if target is not None and self.has_error(target):
                continue
            for message in messages:
                self.add_error(target, message)


def staff_who_may_lead(agency) -> list[tuple[str, str]]:
    """The agency's current staff whose role may lead a support plan."""
    if agency is None:
        return []
    users = (
        get_user_model()
        .objects.filter(
            is_active=True, memberships__agency=agency, memberships__ended_on__isnull=True
        )
        .distinct()
        .order_by("last_name", "first_name")
    )
    return [
        (str(u.pk), u.get_full_name() or u.username)
        for u in users
        if policy.holds_any(u, "edit", "support_plan")
    ]


# ---------------------------------------------------------------- a plan
class PlanOpenForm(StepForm):
    id_prefix = "open"
    person = _line(
        "Person's reference",
        required=True,
        help_text="From their page in Lantern, like P-ABCD2345",
        width="10",
    )
    lead_worker = forms.ChoiceField(label="Lead worker")
    summary = _text(
        "What the support is for",
        rows=5,
        help_text="In plain words: what happened, what she wants help with, what she asked us "
        "not to do",
    )
    review_every_months = forms.ChoiceField(
        label="Review the plan with her", choices=REVIEW_CHOICES, initial="3", required=False
    )
    case = forms.ChoiceField(
        label="The child's case it begins in (if any)",
        required=False,
        help_text="The plan goes on when the case closes",
    )

    def __init__(self, *args, staff=(), cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_worker"].choices = [("", "Choose the lead worker"), *staff]
        self.fields["case"].choices = [("", "Not part of a case"), *cases]


class NeedForm(StepForm):
    id_prefix = "need"
    area = forms.ChoiceField(
        label="Area", choices=[("", "Choose an area"), *NeedArea.choices], required=False
    )
    description = _text("The need", rows=3)
    in_her_words = _text(
        "In her own words (optional)", rows=3, help_text="What she said about it, as she said it"
    )


class GoalForm(StepForm):
    id_prefix = "goal"
    description = _text("The goal", rows=3, help_text="What she wants to get to")
    target_on = DayField(label="Target date (optional)")


class GoalCloseForm(StepForm):
    status = forms.ChoiceField(
        label="What happened",
        choices=[
            (GoalStatus.ACHIEVED.value, "Achieved"),
            (GoalStatus.DROPPED.value, "She no longer wants it"),
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    closed_on = DayField(label="On")


class ContactForm(StepForm):
    id_prefix = "contact"
    happened_at = MomentField(label="When", required=False)
    method = forms.ChoiceField(
        label="How", choices=[("", "Choose how"), *ContactMethod.choices], required=False
    )
    summary = _text("What happened", rows=4)


class ReviewForm(StepForm):
    id_prefix = "review"
    held_on = DayField(label="Day of the review")
    summary = _text("What the review found", rows=4)
    her_view = _text("What she said about her support", rows=3)
    next_review_on = DayField(
        label="Next review (optional)",
        help_text="Left empty: the plan's usual interval from this review",
    )


class ReferralForm(StepForm):
    id_prefix = "refer"
    service = forms.ChoiceField(label="Service", required=False)
    reason = _text("Why you are referring her", rows=4)

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", "Choose a service"), *services]


def service_choices(adult: bool | None) -> list[tuple[str, str]]:
    """The services taking referrals, for her age when it is known."""
    found = Service.objects.filter(accepting=True, provider__is_active=True).select_related(
        "provider"
    )
    if adult is True:
        found = found.filter(for_adults=True)
    elif adult is False:
        found = found.filter(for_children=True)
    return [
        (
            s.code,
            f"{s.name} ({s.provider.name}), usual wait {s.typical_wait_weeks} "
            f"week{'s' if s.typical_wait_weeks != 1 else ''}",
        )
        for s in found.order_by("category", "name")
    ]


class AnswerForm(StepForm):
    aliases = {"accepted": "answer"}
    answer = forms.ChoiceField(
        label="The service's answer",
        choices=[("accepted", "Accepted"), ("declined", "Declined")],
        widget=forms.RadioSelect,
        required=False,
    )
    expected_start_on = DayField(label="Expected start (if accepted and they said)")
    declined_reason = _line("Their reason (if declined)")

    def clean(self):
        data = super().clean()
        if not data.get("answer"):
            self.add_error("answer", "Say whether the service accepted or declined")
        return data


class StartForm(StepForm):
    started_on = DayField(label="First session on")


class EndForm(StepForm):
    aliases = {"reason": "end_reason"}
    ended_on = DayField(label="Ended on")
    end_reason = _line("Why it ended", help_text="For example: finished the sessions")


class WithdrawForm(StepForm):
    aliases = {"reason": "end_reason"}
    end_reason = _line("Why you are withdrawing it")


class PlanEndForm(StepForm):
    id_prefix = "end"
    reason = _text(
        "Why the support is ending",
        rows=3,
        help_text="She can be re-engaged on this plan at any time, without a new referral",
    )


class ReengageForm(StepForm):
    id_prefix = "reengage"
    reason = _text("Why she is being supported again", rows=3)
    lead_worker = forms.ChoiceField(label="Lead worker", required=False)

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_worker"].choices = [("", "Her last lead worker"), *staff]


class LeadWorkerForm(StepForm):
    id_prefix = "lead"
    lead_worker = forms.ChoiceField(label="New lead worker", required=False)
    reason = _line("Why")

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_worker"].choices = [("", "Choose the lead worker"), *staff]


# ---------------------------------------------------------------- safe contact
class SafeContactForm(StepForm):
    id_prefix = "safe"
    phone = _line(
        "The only number to use",
        help_text="A UK number, like 07700 900123. Never another number from her records",
        width="20",
    )
    times = _line("When it is safe", help_text="For example: weekdays 10:00-14:00", width="20")
    may_call = forms.BooleanField(label="She may be called on this number", required=False)
    may_text = forms.BooleanField(label="She may be sent texts on this number", required=False)
    may_leave_message = forms.BooleanField(
        label="A message may be left (voicemail or text that says who it is from)",
        required=False,
    )
    may_post = forms.BooleanField(label="Letters may be posted to her", required=False)
    may_email = forms.BooleanField(label="She may be emailed", required=False)
    email = _line("Email address (if she may be emailed)")
    notes = _text(
        "Anything else a worker must know",
        rows=3,
        help_text="For example: give your first name only, and say you are calling about college",
    )
    hide_address = forms.BooleanField(
        label="Hide her address from everyone but her lead worker: someone may be seeking her",
        required=False,
    )
    hide_reason = _text("Why the address is hidden", rows=2)


# ---------------------------------------------------------------- the directory
class ProviderForm(StepForm):
    id_prefix = "provider"
    code = _line("Code", help_text="Lower-case letters, numbers and dashes", width="20")
    name = _line("Name")
    kind = forms.ChoiceField(
        label="Kind", choices=[("", "Choose"), *ProviderKind.choices], required=False
    )
    agency = forms.ChoiceField(label="Partner agency that runs it (if any)", required=False)
    phone = _line("Phone for referrals", width="20")
    email = _line("Email for referrals")
    website = _line("Website")
    description = _text("What it does", rows=3)

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "Not a partner agency"), *agencies]


class ServiceForm(StepForm):
    id_prefix = "service"
    provider = forms.ChoiceField(label="Provider", required=False)
    code = _line("Code", help_text="Lower-case letters, numbers and dashes", width="20")
    name = _line("Name")
    category = forms.ChoiceField(
        label="Kind of service",
        choices=[("", "Choose"), *ServiceCategory.choices],
        required=False,
    )
    description = _text("What it offers", rows=3)
    for_children = forms.BooleanField(label="For children (under 18)", required=False)
    for_adults = forms.BooleanField(label="For adults", required=False)
    capacity = NumberField(label="How many people it supports at once")
    typical_wait_weeks = NumberField(label="Usual wait to start, in weeks")
    answer_within_days = NumberField(
        label="Working days to answer a referral", help_text="After that, Lantern chases it"
    )
    accepting = forms.BooleanField(label="Taking referrals now", required=False)

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "Choose the provider"), *providers]


class ServiceUpdateForm(StepForm):
    id_prefix = "update"
    capacity = NumberField(label="How many people it supports at once")
    typical_wait_weeks = NumberField(label="Usual wait to start, in weeks")
    answer_within_days = NumberField(label="Working days to answer a referral")
    accepting = forms.ChoiceField(
        label="Taking referrals",
        choices=[("yes", "Yes"), ("no", "No, not at the moment")],
        widget=forms.RadioSelect,
    )
    description = _text("What it offers", rows=3)
