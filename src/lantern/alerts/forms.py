"""Alert forms: they read what was typed; the services decide whether it is allowed and
say why not, field by field."""

from __future__ import annotations

import datetime as dt

from django import forms


class ActForm(forms.Form):
    action = forms.CharField(
        max_length=5000,
        required=False,
        label="What was done",
        help_text="For example: referral opened at the front door; strategy discussion called "
        "for tomorrow; visited the child at home with the police",
        widget=forms.Textarea,
    )


class DismissForm(forms.Form):
    reason = forms.CharField(
        max_length=5000,
        required=False,
        label="Why this alert needs no action",
        help_text="Your team reads this, and so does anyone who reviews the rule",
        widget=forms.Textarea,
    )


class TaskDoneForm(forms.Form):
    note = forms.CharField(
        max_length=5000, required=False, label="What your agency did", widget=forms.Textarea
    )


class ReportForm(forms.Form):
    since = forms.DateField(required=False, label="From")
    until = forms.DateField(required=False, label="To")

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end must be on or after the start")
        if since and until and (until - since) > dt.timedelta(days=366 * 5):
            self.add_error("since", "Back-test five years at most at a time")
        return data
