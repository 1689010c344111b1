from __future__ import annotations

import datetime as dt

from django import forms

from lantern.core import clock


class PeopleSearchForm(forms.Form):
    name = forms.CharField(
        required=False,
        max_length=100,
        label="Name",
        help_text="Any part of a given or family name, for example Jo Smi",
    )
    date_of_birth = forms.CharField(
        required=False,
        max_length=10,
        label="Date of birth",
        help_text="For example, 27 3 2012 or 27/03/2012",
    )
    postcode = forms.CharField(required=False, max_length=10, label="Postcode")
    identifier = forms.CharField(
        required=False,
        max_length=20,
        label="Identifier",
        help_text="NHS number, unique pupil number or PNC ID",
    )

    def clean_date_of_birth(self) -> dt.date | None:
        raw = self.cleaned_data["date_of_birth"].strip()
        if not raw:
            return None
        parts = raw.replace("/", " ").replace("-", " ").replace(".", " ").split()
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            raise forms.ValidationError(
                "Date of birth must be a day, month and year, like 27 3 2012"
            )
        if len(parts[0]) == 4:  # 2012-03-27
            parts = [parts[2], parts[1], parts[0]]
        day, month, year = (int(p) for p in parts)
        if year < 100:
            raise forms.ValidationError("Date of birth must have a four-digit year")
        try:
            value = dt.date(year, month, day)
        except ValueError as exc:
            raise forms.ValidationError("Date of birth must be a real date") from exc
        if value > clock.today():
            raise forms.ValidationError("Date of birth cannot be in the future")
        return value

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(cleaned.get(f) for f in self.fields):
            raise forms.ValidationError("Enter a name, date of birth, postcode or identifier")
        return cleaned


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        label="Why do you need emergency access?",
        help_text="Say what the emergency is. The record's owners and the data protection "
        "officer will read this.",
        error_messages={"required": "Enter why you need emergency access"},
    )
    token = forms.CharField(
        max_length=10,
        label="Code from your authenticator app",
        error_messages={"required": "Enter the code from your authenticator app"},
    )


class AuditSearchForm(forms.Form):
    reference = forms.CharField(
        required=False,
        max_length=12,
        label="Person reference",
        help_text="The P- reference on the person's page",
    )
    username = forms.CharField(required=False, max_length=150, label="Username")
    operation = forms.CharField(
        required=False,
        max_length=80,
        label="Operation",
        help_text="The start of it, for example person. or people.search",
    )
    outcome = forms.ChoiceField(
        required=False,
        label="Outcome",
        choices=[("", "Any"), ("allowed", "Allowed"), ("refused", "Refused")],
    )
    date_from = forms.DateField(
        required=False,
        label="From (YYYY-MM-DD)",
        error_messages={"invalid": "From must be a date like 2026-11-02"},
    )
    date_to = forms.DateField(
        required=False,
        label="To (YYYY-MM-DD)",
        error_messages={"invalid": "To must be a date like 2026-11-30"},
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "To must be the same as or after From")
        return cleaned


class CorrectionForm(forms.Form):
    given_name = forms.CharField(
        max_length=100, label="Given name", error_messages={"required": "Enter a given name"}
    )
    family_name = forms.CharField(
        max_length=100, label="Family name", error_messages={"required": "Enter a family name"}
    )
    date_of_birth = forms.DateField(
        required=False,
        label="Date of birth (YYYY-MM-DD)",
        error_messages={"invalid": "Date of birth must be a real date, like 2012-03-27"},
    )
    reason = forms.CharField(
        max_length=300,
        label="Why are you correcting this record?",
        help_text="For example: the day and month of birth were swapped",
        error_messages={"required": "Enter why you are correcting this record"},
    )
