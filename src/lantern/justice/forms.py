"""Justice forms. They read what was typed (a day, a number, a choice); the services check
everything else and name the field when they refuse, and the views put each refusal
beside the field it names (`field_for`).

Several forms share the investigation and case pages, so each carries its own id prefix:
every label, hint and error link reaches its own field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django import forms

from lantern.web.fields import DayField, MomentField

from . import reference
from .models import CourtOrder, HearingKind, InvestigationStatus, SentenceKind

LONDON = ZoneInfo("Europe/London")
COUNT_ROWS = 6
ITEM = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?$")


# ---------------------------------------------------------------- typed days and moments
class WholeNumberField(forms.CharField):
    """A whole number, or nothing; the service says whether it is in range."""

    def __init__(self, *, label: str, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"govuk_width": "4"}))
        super().__init__(max_length=6, label=label, required=False, **kwargs)

    def clean(self, value):
        raw = (super().clean(value) or "").strip()
        if not raw:
            return None
        if not raw.isdigit():
            raise forms.ValidationError(f"{self.label}: enter a whole number, like 12")
        return int(raw)


class PrefixedIds(forms.Form):
    id_prefix = ""

    def __init__(self, *args, **kwargs):
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)

    def row_of(self, field: str) -> str:
        """For a field in a row of several (a count, a sentence), the row's name, so that
        the error summary says which row; otherwise nothing."""
        return ""

    def field_for(self, key: str) -> str | None:
        """The form field a service's refusal names ("on", "sentences[2].kind"), or None
        (then it goes above the form)."""
        if key in self.fields:
            return key
        match = ITEM.match(key)
        if match and match.group(1) in self.fields:
            return match.group(1)  # offences[2]: beside the offences
        return None


YES_NO = [("yes", "Yes"), ("no", "No")]


def _offence_choices(blank: str | None = None) -> list[tuple[str, str]]:
    found = sorted(((o.code, o.title) for o in reference.offences().values()), key=lambda c: c[1])
    return ([("", blank)] if blank is not None else []) + found


# ---------------------------------------------------------------- the operations list
class AsAtForm(forms.Form):
    as_at = forms.DateField(
        required=False,
        label="Totals as at",
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y"],
        help_text="A day, like 2026-11-27: the totals as they stood at the end of it",
        error_messages={"invalid": "Totals as at must be a real day, like 2026-11-27"},
        widget=forms.TextInput(attrs={"govuk_width": "10"}),
    )

    def clean_as_at(self):
        value = self.cleaned_data.get("as_at")
        if value is not None and value.year < 1960:
            raise forms.ValidationError("Totals as at must be after 1960")
        return value


# ---------------------------------------------------------------- an investigation
class SuspectForm(PrefixedIds):
    id_prefix = "suspect"
    person = forms.CharField(
        max_length=20,
        label="Person reference",
        help_text="Their Lantern reference, shown on their page: find them with Find a person",
        error_messages={"required": "Enter the person's reference"},
        widget=forms.TextInput(attrs={"govuk_width": "10"}),
    )
    added_on = DayField(label="The day they became a suspect")


class VictimForm(PrefixedIds):
    id_prefix = "victim"
    person = forms.CharField(
        max_length=20,
        label="Person reference",
        help_text="Their Lantern reference, shown on their page: find them with Find a person",
        error_messages={"required": "Enter the person's reference"},
        widget=forms.TextInput(attrs={"govuk_width": "10"}),
    )
    identified_on = DayField(label="The day they were identified")
    enhanced_rights = forms.ChoiceField(
        choices=YES_NO,
        widget=forms.RadioSelect,
        label="Entitled to the enhanced service?",
        help_text="A child, a victim of the most serious crime, persistently targeted, "
        "vulnerable or intimidated: told of each step sooner",
        error_messages={"required": "Say whether they are entitled to the enhanced service"},
    )
    engaged_on = DayField(
        label="The day they chose to take part",
        help_text="Leave empty if they have not (yet). Day, month and year, like 27 11 2026",
    )


class ArrestForm(PrefixedIds):
    id_prefix = "arrest"
    suspect = forms.ChoiceField(
        label="Who was arrested",
        error_messages={
            "required": "Choose the suspect who was arrested",
            "invalid_choice": "Choose one of this investigation's suspects",
        },
    )
    arrested_on = DayField(label="The day of the arrest")
    offences = forms.MultipleChoiceField(
        label="Offences suspected",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "%(value)s is not an offence in the list"},
    )

    def __init__(self, *args, suspects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suspect"].choices = [("", "Choose a suspect")] + [
            (str(s.pk), f"{s.person.full_name} ({s.person.reference})") for s in suspects
        ]
        self.fields["offences"].choices = _offence_choices()


class CaseOpenForm(PrefixedIds):
    id_prefix = "case"
    defendant = forms.ChoiceField(
        label="Defendant",
        error_messages={
            "required": "Choose the defendant",
            "invalid_choice": "Choose one of this investigation's suspects",
        },
    )
    reference = forms.CharField(
        max_length=40,
        label="Court case reference",
        help_text="The court's number for the case, like T20267014",
        required=False,
        widget=forms.TextInput(attrs={"govuk_width": "10"}),
    )
    court = forms.CharField(max_length=200, label="Court", required=False)

    def __init__(self, *args, suspects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["defendant"].choices = [("", "Choose a suspect")] + [
            (str(s.pk), f"{s.person.full_name} ({s.person.reference})") for s in suspects
        ]


class CloseForm(PrefixedIds):
    id_prefix = "close"
    status = forms.ChoiceField(
        choices=[
            (InvestigationStatus.CLOSED, "Closed"),
            (InvestigationStatus.NO_FURTHER_ACTION, "No further action"),
        ],
        widget=forms.RadioSelect,
        label="How it closes",
        help_text="No further action tells each victim of the decision not to charge",
        error_messages={"required": "Choose closed, or no further action"},
    )
    closed_on = DayField(label="The day it closed")
    closed_reason = forms.CharField(
        max_length=500, widget=forms.Textarea, label="Why", required=False
    )


# ---------------------------------------------------------------- a court case
@dataclass(frozen=True)
class Row:
    """One row of a form that gives several items at once (counts, sentences)."""

    key: str
    label: str
    fields: list


class CountsForm(PrefixedIds):
    """A charging decision: the day, and up to six numbered counts."""

    id_prefix = "counts"
    charged_on = DayField(label="The day of the charge")

    def __init__(self, *args, first_number: int = 1, victims=(), **kwargs):
        super().__init__(*args, **kwargs)
        victim_choices = [("", "No one named")] + [(str(v.pk), v.person.full_name) for v in victims]
        self.victims = {str(v.pk): v for v in victims}
        for row in range(1, COUNT_ROWS + 1):
            self.fields[f"c{row}_number"] = WholeNumberField(
                label="Count", initial=str(first_number + row - 1)
            )
            self.fields[f"c{row}_offence"] = forms.ChoiceField(
                label="Offence", choices=_offence_choices("Choose"), required=False
            )
            self.fields[f"c{row}_particulars"] = forms.CharField(
                label="Particulars", max_length=500, required=False
            )
            self.fields[f"c{row}_victim"] = forms.ChoiceField(
                label="Victim", choices=victim_choices, required=False
            )
        self.used: list[int] = []

    def rows(self) -> list[Row]:
        return [
            Row(
                str(row),
                f"Row {row}",
                [self[f"c{row}_{name}"] for name in ("number", "offence", "particulars", "victim")],
            )
            for row in range(1, COUNT_ROWS + 1)
        ]

    def row_of(self, field: str) -> str:
        match = re.match(r"^c(\d+)_", field or "")
        return f"Row {match.group(1)}" if match else ""

    def counts(self) -> list[dict]:
        """The rows given (an offence or particulars), in order, for the service."""
        found, self.used = [], []
        for row in range(1, COUNT_ROWS + 1):
            data = {
                name: self.cleaned_data.get(f"c{row}_{name}")
                for name in ("number", "offence", "particulars", "victim")
            }
            if not data["offence"] and not data["particulars"]:
                continue
            self.used.append(row)
            found.append(
                {
                    "number": data["number"],
                    "offence": data["offence"] or "",
                    "particulars": data["particulars"] or "",
                    "victim": self.victims.get(data["victim"] or ""),
                }
            )
        return found

    def field_for(self, key: str) -> str | None:
        match = ITEM.match(key)
        if match and match.group(1) == "counts":
            index, name = int(match.group(2)), match.group(3) or "offence"
            if 1 <= index <= len(self.used):
                return f"c{self.used[index - 1]}_{name}"
        if key == "counts":
            return "c1_offence"
        return super().field_for(key)


class HearingForm(PrefixedIds):
    id_prefix = "hearing"
    kind = forms.ChoiceField(
        choices=HearingKind.choices,
        widget=forms.RadioSelect,
        label="Kind of hearing",
        error_messages={"required": "Choose the kind of hearing"},
    )
    on = DayField(label="The day of the hearing")
    court = forms.CharField(
        max_length=200,
        label="Court",
        required=False,
        help_text="Leave empty for the court the case is in",
    )
    note = forms.CharField(max_length=500, label="Note", required=False)


class PleaForm(PrefixedIds):
    id_prefix = "plea"
    count = forms.ChoiceField(
        label="Count",
        error_messages={"required": "Choose the count", "invalid_choice": "Choose a count"},
    )
    plea = forms.ChoiceField(
        choices=[("guilty", "Guilty"), ("not_guilty", "Not guilty")],
        widget=forms.RadioSelect,
        label="Plea",
        error_messages={"required": "Choose guilty or not guilty"},
    )
    on = DayField(label="The day of the plea")

    def __init__(self, *args, counts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["count"].choices = [("", "Choose a count")] + [
            (str(c.charge.number), f"Count {c.charge.number}: {c.offence}") for c in counts
        ]


class VerdictForm(PrefixedIds):
    id_prefix = "verdict"
    count = forms.ChoiceField(
        label="Count",
        error_messages={"required": "Choose the count", "invalid_choice": "Choose a count"},
    )
    verdict = forms.ChoiceField(
        choices=[
            ("guilty", "Guilty"),
            ("not_guilty", "Not guilty"),
            ("no_verdict", "No verdict (the jury could not agree)"),
        ],
        widget=forms.RadioSelect,
        label="Verdict",
        error_messages={"required": "Choose the verdict"},
    )
    on = DayField(label="The day of the verdict")
    unanimous = forms.ChoiceField(
        choices=[("yes", "Unanimous"), ("no", "By a majority")],
        widget=forms.RadioSelect,
        label="Unanimous or by a majority?",
        required=False,
    )
    majority = forms.CharField(
        max_length=5,
        label="Majority",
        required=False,
        help_text="Jurors for and against, like 10-2",
        widget=forms.TextInput(attrs={"govuk_width": "4"}),
    )

    def __init__(self, *args, counts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["count"].choices = [("", "Choose a count")] + [
            (str(c.charge.number), f"Count {c.charge.number}: {c.offence}") for c in counts
        ]

    def unanimous_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("unanimous") or "")


class SentencesForm(PrefixedIds):
    """The sentences passed on one day: a row for each count not yet sentenced; a row with
    no kind chosen is left out."""

    id_prefix = "sentence"
    sentenced_on = DayField(label="The day of sentence")

    def __init__(self, *args, counts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.numbers = [c.charge.number for c in counts if not c.sentence]
        self.labels = {c.charge.number: f"Count {c.charge.number}: {c.offence}" for c in counts}
        self.outcomes = {c.charge.number: c.outcome for c in counts}
        after = [("", "Concurrent")] + [
            (str(c.charge.number), f"Count {c.charge.number}") for c in counts
        ]
        for n in self.numbers:
            self.fields[f"s{n}_kind"] = forms.ChoiceField(
                label="Sentence",
                choices=[("", "Not sentenced now"), *list(SentenceKind.choices)],
                required=False,
            )
            self.fields[f"s{n}_term_months"] = WholeNumberField(label="Term (months)")
            self.fields[f"s{n}_minimum_term_months"] = WholeNumberField(
                label="Minimum term (months)"
            )
            self.fields[f"s{n}_consecutive_to"] = forms.ChoiceField(
                label="Runs", choices=after, required=False
            )
            self.fields[f"s{n}_description"] = forms.CharField(
                label="Description", max_length=500, required=False
            )
        self.used: list[int] = []

    def rows(self) -> list[Row]:
        names = ("kind", "term_months", "minimum_term_months", "consecutive_to", "description")
        return [
            Row(str(n), self.labels[n], [self[f"s{n}_{name}"] for name in names])
            for n in self.numbers
        ]

    def row_of(self, field: str) -> str:
        match = re.match(r"^s(\d+)_", field or "")
        return f"Count {match.group(1)}" if match else ""

    def sentences(self) -> list[dict]:
        found, self.used = [], []
        for n in self.numbers:
            kind = self.cleaned_data.get(f"s{n}_kind")
            if not kind:
                continue
            after = self.cleaned_data.get(f"s{n}_consecutive_to")
            self.used.append(n)
            found.append(
                {
                    "number": n,
                    "kind": kind,
                    "term_months": self.cleaned_data.get(f"s{n}_term_months"),
                    "minimum_term_months": self.cleaned_data.get(f"s{n}_minimum_term_months"),
                    "consecutive_to": int(after) if after else None,
                    "description": self.cleaned_data.get(f"s{n}_description") or "",
                }
            )
        return found

    def field_for(self, key: str) -> str | None:
        match = ITEM.match(key)
        if match and match.group(1) == "sentences":
            index, name = int(match.group(2)), match.group(3) or "kind"
            if name == "number":
                name = "kind"
            if 1 <= index <= len(self.used):
                return f"s{self.used[index - 1]}_{name}"
        if key == "sentences" and self.numbers:
            return f"s{self.numbers[0]}_kind"
        return super().field_for(key)


class BailForm(PrefixedIds):
    id_prefix = "bail"
    conditions = forms.CharField(
        widget=forms.Textarea,
        label="Bail conditions",
        required=False,
        help_text="As the court or custody officer set them: where to live, who not to "
        "contact, where not to go",
    )
    starts_on = DayField(label="The day bail started")
    expires_on = DayField(
        label="The day bail ends",
        help_text="Leave empty if no end is set. Day, month and year, like 27 11 2026",
    )
    shared_with = forms.MultipleChoiceField(
        label="Share the conditions with",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="An agency that needs them to protect a child (the child's social worker "
        "reads them on the person's bail page)",
        error_messages={"invalid_choice": "%(value)s is not an agency in the partnership"},
    )

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = {a.code: a for a in agencies}
        self.fields["shared_with"].choices = [(a.code, a.name) for a in agencies]

    def agencies_chosen(self) -> list:
        return [self.agencies[c] for c in self.cleaned_data.get("shared_with") or []]


class OrderForm(PrefixedIds):
    id_prefix = "order"
    kind = forms.ChoiceField(
        choices=[("", "Choose"), *list(CourtOrder.Kind.choices)],
        label="Kind of order",
        error_messages={"required": "Choose the kind of order"},
    )
    made_on = DayField(label="The day the order was made")
    expires_on = DayField(
        label="The day the order ends",
        help_text="Leave empty if it runs until further order. Day, month and year",
    )
    terms = forms.CharField(
        widget=forms.Textarea, label="What the order forbids or requires", required=False
    )


class DutyDoneForm(PrefixedIds):
    done_at = MomentField(label="When the victim was told")
    how = forms.CharField(
        max_length=300,
        label="How they were told",
        required=False,
        help_text="A visit, a telephone call, a letter: and by whom",
    )
    back = forms.CharField(
        required=False,
        max_length=30,
        widget=forms.HiddenInput,
        help_text="Where to go after: the duties list, or case-<id>",
    )

    def __init__(self, *args, duty=None, **kwargs):
        if duty is not None:
            self.id_prefix = f"duty-{duty.pk}"
        super().__init__(*args, **kwargs)
