"""Risk tool forms. The questionnaire is made from the tool's file; the form only reads
what was typed (a number, a date), and the service checks every answer against the tool
and names the question when one is wrong."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms

from .tools import TEXT_LIMIT, Question, Tool

PREFIX = "q_"


def field_name(code: str) -> str:
    return PREFIX + code


class OpenChoiceField(forms.ChoiceField):
    """Radios whose value the service checks (so a refusal names the question)."""

    def valid_value(self, value) -> bool:
        return True


def parse_day(raw: str) -> dt.date:
    """A day typed as 27 3 2026, 27/03/2026 or 2026-03-27."""
    parts = raw.replace("/", " ").replace("-", " ").replace(".", " ").split()
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise forms.ValidationError("Enter the date as day, month and year, like 27 3 2026")
    if len(parts[0]) == 4:
        parts = [parts[2], parts[1], parts[0]]
    day, month, year = (int(p) for p in parts)
    if year < 1000:
        raise forms.ValidationError("The year must have four digits")
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise forms.ValidationError("Enter a real date") from exc


@dataclass(frozen=True)
class QuestionField:
    """A question and its bound form field, for the template."""

    question: Question
    field: forms.BoundField

    @property
    def anchor(self) -> str:
        """Where the error summary links to: the first radio, or the input."""
        if self.question.type in ("yes_no", "choice"):
            return f"{self.field.auto_id}_0"
        return self.field.auto_id


class QuestionnaireForm(forms.Form):
    def __init__(self, tool: Tool, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tool = tool
        for question in tool.questions:
            self.fields[field_name(question.code)] = self._field(question)
        self.fields["level"] = OpenChoiceField(
            label="The level you judge it to be",
            choices=[("", "The level the answers give")] + [(b.level, b.label) for b in tool.bands],
            widget=forms.RadioSelect,
            required=False,
        )
        self.fields["reason"] = forms.CharField(
            label="Why",
            help_text="Needed if you choose a level other than the one the answers give. A lower "
            "level also needs a team manager's agreement before it counts.",
            widget=forms.Textarea,
            required=False,
            max_length=4000,
        )

    @staticmethod
    def _field(question: Question) -> forms.Field:
        common = {"label": question.text, "help_text": question.help, "required": False}
        if question.type in ("yes_no", "choice"):
            return OpenChoiceField(choices=question.options, widget=forms.RadioSelect, **common)
        if question.type == "text":
            return forms.CharField(widget=forms.Textarea, max_length=TEXT_LIMIT, **common)
        return forms.CharField(max_length=20, **common)

    def clean(self):
        data = super().clean()
        for question in self.tool.questions:
            name = field_name(question.code)
            raw = (self.data.get(name) or "").strip() if name not in self.errors else ""
            if not raw or question.type not in ("number", "date"):
                continue
            try:
                if question.type == "number":
                    if not raw.isdigit():
                        raise forms.ValidationError("Enter a whole number, like 3")
                    data[name] = int(raw)
                else:
                    data[name] = parse_day(raw)
            except forms.ValidationError as exc:
                self.add_error(name, exc)
        return data

    def answers(self) -> dict:
        """The answers by question code, blank ones left out: for the service."""
        found = {}
        for question in self.tool.questions:
            value = self.cleaned_data.get(field_name(question.code))
            if value is None or value == "":
                continue
            found[question.code] = value
        return found

    def questions_in(self, domain: str) -> list[QuestionField]:
        return [QuestionField(q, self[field_name(q.code)]) for q in self.tool.in_domain(domain)]

    def error_list(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary, in the page's order, each naming its
        question (beside the question, the problem alone)."""
        found = [("", e) for e in self.non_field_errors()]
        for domain in self.tool.domains:
            for item in self.questions_in(domain.code):
                named = f": “{item.question.text}”"
                found += [(item.anchor, e + named) for e in item.field.errors]
        if self["level"].errors:
            found += [(f"{self['level'].auto_id}_0", e) for e in self["level"].errors]
        found += [(self["reason"].auto_id, e) for e in self["reason"].errors]
        return found


class ChooseToolForm(forms.Form):
    tool = forms.ChoiceField(
        label="Which risk tool?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a risk tool",
            "invalid_choice": "Choose one of the risk tools listed",
        },
    )

    def __init__(self, tools: list[Tool], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tools = tools
        self.fields["tool"].choices = [(t.code, t.name) for t in tools]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Agree the lower level"), ("reject", "Refuse the lower level")],
        widget=forms.RadioSelect,
        label="Your decision",
        error_messages={"required": "Choose whether you agree or refuse the lower level"},
    )
    reason = forms.CharField(
        label="Your reason",
        help_text="Needed if you refuse. The practitioner and anyone who reads the assessment "
        "will see it.",
        widget=forms.Textarea,
        required=False,
        max_length=4000,
    )
