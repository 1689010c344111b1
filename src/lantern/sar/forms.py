"""Subject access forms. They read what was typed; the services check everything else and
name the field when they refuse, and the views put each refusal beside that field (or
above the form when the field is not on it: the request's status, who checked it)."""

from __future__ import annotations

from django import forms

from lantern.web.fields import parse_day

from . import exemptions
from .models import Disclosure, IdentityCheck, Requester


class ServiceForm(forms.Form):
    def refused(self, exc) -> None:
        """A service's refusal beside the field it names, or above the form."""
        for key, errors in exc.message_dict.items():
            target = key if key in self.fields else None
            for error in errors:
                self.add_error(target, error)


class LogForm(ServiceForm):
    person = forms.CharField(
        label="The person's Lantern reference",
        help_text="It starts P- and is on the person's page: find them with the people search",
        max_length=20,
    )
    received_on = forms.CharField(
        label="The day the request was received",
        help_text="By any partner agency, in any form (letter, email, in person). "
        "For example, 27 11 2026",
    )
    requester = forms.ChoiceField(
        label="Who asked", choices=Requester.choices, widget=forms.RadioSelect, required=False
    )
    representative_name = forms.CharField(
        label="The representative's name (if a representative asked)",
        required=False,
        max_length=200,
    )
    representative_authority = forms.CharField(
        label="What gives the representative authority",
        help_text="A signed consent, a power of attorney, parental responsibility for a child "
        "who cannot decide for themselves",
        required=False,
        widget=forms.Textarea,
    )
    identity_check = forms.ChoiceField(
        label="How identity was checked",
        choices=IdentityCheck.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    identity_note = forms.CharField(label="Notes on the check", required=False, max_length=500)

    def clean_received_on(self):
        return parse_day(self.cleaned_data.get("received_on"), "The day the request was received")


class ExtendForm(ServiceForm):
    extension_reason = forms.CharField(
        label="Why it needs two more months",
        help_text="The request is complex, or one of several from the same person. Tell the "
        "requester within the first month.",
        widget=forms.Textarea,
        required=False,
    )


class RedactForm(ServiceForm):
    phrase = forms.CharField(
        label="Words to redact",
        help_text="Every place they appear in the pack's text is redacted",
        max_length=300,
        required=False,
    )
    kind = forms.CharField(
        label="What kind of information it is",
        help_text="Shown to the requester, so never the information itself: for example, "
        "the name of a worker at risk",
        max_length=100,
        required=False,
    )
    exemption = forms.ChoiceField(label="Exemption", choices=exemptions.CHOICES)
    reason = forms.CharField(label="Why it is withheld", widget=forms.Textarea, required=False)


class LiftForm(ServiceForm):
    number = forms.CharField(label="Redaction", max_length=10)
    reason = forms.CharField(
        label="Why it is lifted",
        help_text="The other person agreed, or releasing it without their agreement is "
        "reasonable (they are a professional acting in their role, or it is already known "
        "to the requester)",
        widget=forms.Textarea,
        required=False,
    )


class CheckForm(ServiceForm):
    note = forms.CharField(label="Notes on the check", widget=forms.Textarea, required=False)
    own_check_reason = forms.CharField(
        label="If you prepared the pack yourself: why no other data protection officer can "
        "check it",
        widget=forms.Textarea,
        required=False,
    )


class ReleaseForm(ServiceForm):
    disclosure = forms.ChoiceField(
        label="What is released",
        choices=Disclosure.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    withheld_reason = forms.CharField(
        label="Why some of the person's own information is withheld",
        help_text="Told to the requester with the pack",
        widget=forms.Textarea,
        required=False,
    )
