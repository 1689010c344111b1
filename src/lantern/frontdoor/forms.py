"""Front-door forms: they read what was typed; the services decide whether it is allowed
and say why not, field by field."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.template.defaultfilters import pluralize

from lantern.casework import responsibilities
from lantern.partners.models import Agency
from lantern.people.models import Sex

from . import reference
from .models import Decision, Rag

DEFAULT_QUESTION = (
    "What does your agency know about this child and their family? Please include any "
    "recent contact, concerns, and the adults and places around them."
)


def parse_date(raw: str, label: str) -> dt.date | None:
    """A date typed as 27 3 2012, 27/03/2012 or 2012-03-27."""
    raw = raw.strip()
    if not raw:
        return None
    parts = raw.replace("/", " ").replace("-", " ").replace(".", " ").split()
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise forms.ValidationError(f"{label} must be a day, month and year, like 27 3 2012")
    if len(parts[0]) == 4:
        parts = [parts[2], parts[1], parts[0]]
    day, month, year = (int(p) for p in parts)
    if year < 100:
        raise forms.ValidationError(f"{label} must have a four-digit year")
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise forms.ValidationError(f"{label} must be a real date") from exc


class ReferralForm(forms.Form):
    given_name = forms.CharField(
        max_length=100,
        label="Given name",
        error_messages={"required": "Enter the child's given name"},
    )
    family_name = forms.CharField(
        max_length=100,
        label="Family name",
        error_messages={"required": "Enter the child's family name"},
    )
    other_names = forms.CharField(
        max_length=200,
        required=False,
        label="Other names (optional)",
        help_text="Nicknames, earlier family names, names they use online",
    )
    date_of_birth = forms.CharField(
        max_length=10,
        required=False,
        label="Date of birth (if known)",
        help_text="For example, 27 3 2012",
    )
    sex = forms.ChoiceField(
        choices=Sex.choices, initial=Sex.UNKNOWN, label="Sex", widget=forms.RadioSelect
    )
    address_line1 = forms.CharField(
        max_length=200, required=False, label="First line of address (optional)"
    )
    town = forms.CharField(max_length=100, required=False, label="Town (optional)")
    postcode = forms.CharField(max_length=10, required=False, label="Postcode (if known)")
    nhs_number = forms.CharField(max_length=20, required=False, label="NHS number (if known)")
    upn = forms.CharField(max_length=20, required=False, label="Unique pupil number (if known)")
    pnc_id = forms.CharField(max_length=20, required=False, label="PNC ID (if known)")
    concern = forms.CharField(
        widget=forms.Textarea,
        max_length=10_000,
        label="What are you worried about?",
        help_text="What you saw or were told, when, and by whom. Use the child's words "
        "where you can.",
        error_messages={"required": "Enter what you are worried about"},
    )
    categories = forms.MultipleChoiceField(
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        label="What kind of concern is it?",
        help_text="Choose all that apply",
        error_messages={"required": "Choose at least one kind of concern"},
    )
    consent = forms.ChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        label="Has the family agreed to this referral?",
        error_messages={"required": "Say whether the family agreed to this referral"},
    )
    lawful_basis = forms.ChoiceField(
        choices=(),
        required=False,
        widget=forms.RadioSelect,
        label="On what lawful basis are you sharing without their agreement?",
        help_text="You do not need the family's agreement to protect a child at risk.",
    )
    lawful_basis_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
        label="Why are you sharing without their agreement?",
        help_text="For example: asking would put the child at greater risk",
    )
    referrer_phone = forms.CharField(
        max_length=30,
        required=False,
        label="Your telephone number (optional)",
        help_text="So the front door can call you back today",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = [
            (c.code, c.name) for c in reference.active(reference.concern_categories())
        ]
        self.fields["lawful_basis"].choices = [
            (b.code, b.name) for b in reference.active(reference.lawful_bases())
        ]

    def clean_date_of_birth(self) -> dt.date | None:
        return parse_date(self.cleaned_data["date_of_birth"], "Date of birth")

    def clean_consent(self) -> bool:
        return self.cleaned_data["consent"] == "yes"


class OnTheTriagePage(forms.Form):
    """A form that shares the triage page with others: its field ids carry its own prefix,
    so each label, hint and error link reaches its own field."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class MatchForm(forms.Form):
    person = forms.CharField(max_length=12, error_messages={"required": "Choose a person"})


class RateForm(OnTheTriagePage):
    id_prefix = "rate"
    rag = forms.ChoiceField(
        choices=Rag.choices,
        widget=forms.RadioSelect,
        label="Rating",
        error_messages={"required": "Choose red, amber or green"},
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        label="Why this rating",
        error_messages={"required": "Enter the reason for the rating"},
    )


class RequestForm(OnTheTriagePage):
    id_prefix = "ask"
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        to_field_name="code",
        label="Agency to ask",
        empty_label="Choose an agency",
        error_messages={"required": "Choose the agency to ask"},
    )
    question = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        initial=DEFAULT_QUESTION,
        label="What you are asking",
        error_messages={"required": "Enter what you are asking"},
    )

    def __init__(self, *args, exclude_agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.filter(active=True).order_by("kind", "name")
        if exclude_agency is not None:
            agencies = agencies.exclude(pk=exclude_agency.pk)
        self.fields["agency"].queryset = agencies


class ConsultForm(OnTheTriagePage):
    """Ask, at once, the agencies the partnership's table says to consult that hold a
    record of the child. Each is ticked to start with."""

    id_prefix = "consult"
    agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        label="Agencies to ask",
        error_messages={"required": "Tick at least one agency to ask"},
    )
    question = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        initial=DEFAULT_QUESTION,
        label="What you are asking them",
        error_messages={"required": "Enter what you are asking"},
    )

    def __init__(self, *args, consult=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Any consulted agency is a valid answer (one offered a moment ago may have been
        # asked since: the service then says so by name); the offer is what is shown.
        kinds = responsibilities.step("referral_decision").consulted
        self.fields["agencies"].queryset = Agency.objects.filter(active=True, kind__in=kinds)
        if consult is not None:
            self.offer(consult)

    def offer(self, consult) -> None:
        """Show the agencies offered (selectors.Consult), each ticked on a fresh form."""
        self.fields["agencies"].widget.choices = [
            (c.agency.code, f"{c.agency.name}: holds {c.records} record{pluralize(c.records)}")
            for c in consult.agencies
        ]
        if not self.is_bound:
            self.initial["agencies"] = [c.agency.code for c in consult.agencies]


class DecideForm(OnTheTriagePage):
    id_prefix = "decide"
    decision = forms.ChoiceField(
        choices=Decision.choices,
        widget=forms.RadioSelect,
        label="What happens next",
        error_messages={"required": "Choose what happens next"},
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        label="Why",
        help_text="The reason is recorded and shown to whoever reads this referral later",
        error_messages={"required": "Enter the reason for the decision"},
    )


class FeedbackForm(OnTheTriagePage):
    id_prefix = "feedback"
    feedback = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="What you told the referrer",
        help_text="The referrer sees this on their referral's page",
        error_messages={"required": "Enter what you told the referrer"},
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10_000,
        label="Your agency's answer",
        help_text="What your records show, including 'nothing known' if so. The front door "
        "sees your answer; other agencies do not.",
        error_messages={"required": "Enter your agency's answer"},
    )
