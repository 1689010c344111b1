from __future__ import annotations

from django import forms


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("same", "The same person"), ("different", "Not the same person")],
        label="Are these two records the same person?",
        error_messages={"required": "Choose whether these are the same person"},
    )
    reason = forms.CharField(
        max_length=500,
        label="Why",
        help_text="What convinced you, for example: same NHS number and school; or: twins, "
        "different first names",
        error_messages={"required": "Enter the reason for your decision"},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        label="Why",
        help_text="This is recorded with the change and shown on the person's page",
        error_messages={"required": "Enter the reason"},
    )
