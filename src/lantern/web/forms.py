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
