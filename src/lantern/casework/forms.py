"""Casework forms: they read what was typed; the services decide whether the step may
happen and say why not, field by field."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from lantern.partners.models import Agency, AgencyKind
from lantern.web.fields import parse_day, parse_moment

from . import responsibilities
from .models import (
    AssessmentKind,
    Attendance,
    Category,
    ClosureReason,
    CriminalInvestigation,
    EnquiryOutcome,
    MeetingKind,
    PlanKind,
)

ACTION_ROWS = 3
NOT_INVITED = ""
STANDING_KINDS = [
    AgencyKind.CHILDRENS_SERVICES,
    AgencyKind.POLICE,
    AgencyKind.NHS,
    AgencyKind.YOUTH_SERVICE,
    AgencyKind.VOLUNTARY,
]


class MomentField(forms.CharField):
    def __init__(self, *, label: str, **kwargs):
        example = "day, month, year and time, like 30 10 2026 14:00"
        optional = kwargs.get("required") is False
        kwargs.setdefault(
            "help_text",
            f"Leave empty for now, or give the {example}" if optional else example.capitalize(),
        )
        kwargs.setdefault("widget", forms.TextInput(attrs={"govuk_width": "20"}))
        super().__init__(max_length=30, label=label, **kwargs)

    def clean(self, value):
        return parse_moment(super().clean(value) or "", self.label)


class DayField(forms.CharField):
    def __init__(self, *, label: str, **kwargs):
        kwargs.setdefault("help_text", "Day, month and year, like 27 11 2026")
        kwargs.setdefault("widget", forms.TextInput(attrs={"govuk_width": "10"}))
        super().__init__(max_length=12, label=label, **kwargs)

    def clean(self, value):
        return parse_day(super().clean(value) or "", self.label)


class PrefixedIds(forms.Form):
    """A form that may share a page with others (the plan page has five): its field ids
    carry its own prefix, so each label, hint and error link reaches its own field."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


def staff_choices(*, kinds=None, roles=None) -> list[tuple[str, str]]:
    users = get_user_model().objects.filter(
        is_active=True, memberships__ended_on__isnull=True, memberships__role__sees_case_data=True
    )
    if kinds:
        users = users.filter(memberships__agency__kind__in=kinds)
    if roles:
        users = users.filter(memberships__role__code__in=roles)
    users = users.select_related().order_by("last_name", "first_name").distinct()
    return [("", "Choose")] + [
        (str(u.pk), f"{u.get_full_name()}, {u.agency.name if u.agency else ''}") for u in users
    ]


def staff_by_agency() -> list[tuple[str, str]]:
    """Staff who work with case data, agency by agency, so a long list can be scanned."""
    people = []
    for pk, label in staff_choices()[1:]:
        name, _, agency = label.partition(", ")
        people.append((agency, name.split(" ")[-1], pk, f"{agency}: {name}"))
    return [(pk, label) for _, _, pk, label in sorted(people)]


def meeting_agencies(person) -> list[Agency]:
    """The agencies a meeting about this child may invite: the standing partners, and
    any other agency (the child's school) that holds a record of them."""
    return list(
        Agency.objects.filter(
            Q(kind__in=STANDING_KINDS)
            | Q(source_records__person=person, source_records__is_current=True),
            active=True,
        )
        .distinct()
        .order_by("name")
    )


def agency_choices() -> list[tuple[str, str]]:
    return [("", "Choose")] + [
        (a.code, a.name) for a in Agency.objects.filter(active=True).order_by("name")
    ]


class MeetingForm(forms.Form):
    held_at = MomentField(label="When the meeting was held")
    chair = forms.ChoiceField(label="Chair")
    summary = forms.CharField(
        required=False, widget=forms.Textarea, label="Why the meeting was held (optional)"
    )
    decisions = forms.CharField(
        required=False,
        widget=forms.Textarea,
        label="Decisions",
        help_text="One decision on each line",
    )
    start_section_47 = forms.ChoiceField(
        required=False,
        label="Start a section 47 enquiry?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
    )
    criminal_investigation = forms.ChoiceField(
        required=False,
        label="Will there be a criminal investigation?",
        choices=CriminalInvestigation.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, kind: str, agencies: list[Agency], **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        # The agencies the meeting cannot happen without come first, so they are not missed.
        self.required_kinds = set(responsibilities.step(kind).must_take_part)
        self.agency_list = sorted(
            agencies, key=lambda a: (a.kind not in self.required_kinds, a.name)
        )
        self.fields["chair"].choices = staff_choices()
        if kind != MeetingKind.STRATEGY_DISCUSSION:
            del self.fields["start_section_47"]
            del self.fields["criminal_investigation"]
        attendance = [(NOT_INVITED, "Not invited"), *Attendance.choices]
        for agency in self.agency_list:
            self.fields[f"att_{agency.code}"] = forms.ChoiceField(
                required=False, choices=attendance, label="Attendance"
            )
            self.fields[f"who_{agency.code}"] = forms.CharField(
                required=False,
                max_length=500,
                label="Who came",
                help_text="Name and role",
            )
            self.fields[f"info_{agency.code}"] = forms.CharField(
                required=False, widget=forms.Textarea, label="What they shared"
            )
        codes = [("", "Choose")] + [(a.code, a.name) for a in self.agency_list]
        for n in range(ACTION_ROWS):
            self.fields[f"action_{n}_agency"] = forms.ChoiceField(
                required=False, choices=codes, label="Owned by"
            )
            self.fields[f"action_{n}_text"] = forms.CharField(
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                label="What is to be done",
            )
            self.fields[f"action_{n}_due"] = DayField(
                required=False, label="Due by", help_text="For example, 27 11 2026"
            )

    def agency_rows(self):
        return [
            (a, self[f"att_{a.code}"], self[f"who_{a.code}"], self[f"info_{a.code}"])
            for a in self.agency_list
        ]

    def action_rows(self):
        return [
            (self[f"action_{n}_agency"], self[f"action_{n}_text"], self[f"action_{n}_due"])
            for n in range(ACTION_ROWS)
        ]


class ActionForm(PrefixedIds):
    id_prefix = "action"

    agency = forms.ChoiceField(label="Owned by (agency)")
    owner_user = forms.ChoiceField(required=False, label="Named person (optional)")
    description = forms.CharField(widget=forms.Textarea, label="What is to be done")
    due_on = DayField(label="Due by")

    def __init__(self, *args, agencies: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = agencies or agency_choices()
        self.fields["owner_user"].choices = staff_choices()


class CompleteActionForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea, label="What was done")


class CaseOpenForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea, label="Why the case is opened")
    started_at = MomentField(required=False, label="When the case started (optional)")


class CaseCloseForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea, label="Why the case is closed")


class LeadWorkerMixin(forms.Form):
    lead_worker = forms.ChoiceField(label="Lead social worker")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_worker"].choices = staff_choices(
            kinds=[AgencyKind.CHILDRENS_SERVICES], roles=["social_worker", "team_manager"]
        )


class EnquiryStartForm(LeadWorkerMixin):
    started_at = MomentField(required=False, label="When the enquiry started (optional)")


class EnquiryCompleteForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=EnquiryOutcome.choices, widget=forms.RadioSelect, label="Outcome"
    )
    reason = forms.CharField(widget=forms.Textarea, label="Reasons for the outcome")
    completed_at = MomentField(required=False, label="When the enquiry finished (optional)")


class AssessmentStartForm(LeadWorkerMixin):
    kind = forms.ChoiceField(
        choices=AssessmentKind.choices, widget=forms.RadioSelect, label="Kind of assessment"
    )
    started_at = MomentField(required=False, label="When the assessment started (optional)")


class AssessmentCompleteForm(forms.Form):
    findings = forms.CharField(widget=forms.Textarea, label="What the assessment found")
    completed_at = MomentField(required=False, label="When it finished (optional)")


class ConferenceForm(PrefixedIds):
    id_prefix = "conference"

    held_at = MomentField(label="When the conference was held")
    chair = forms.CharField(max_length=200, label="Independent chair")
    outcome = forms.ChoiceField(widget=forms.RadioSelect, label="The chair's decision")
    category = forms.ChoiceField(
        required=False,
        choices=[("", "None"), *Category.choices],
        label="Category of harm",
        help_text="Only when the child needs (or keeps) a plan",
    )
    reasons = forms.CharField(widget=forms.Textarea, label="Reasons for the decision")
    dissent = forms.CharField(
        required=False,
        widget=forms.Textarea,
        label="Dissent (optional)",
        help_text="Who disagreed with the decision, and why",
    )

    def __init__(self, *args, outcomes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = outcomes


class PlanStartForm(LeadWorkerMixin):
    kind = forms.ChoiceField(
        choices=PlanKind.choices, widget=forms.RadioSelect, label="Kind of plan"
    )
    core_group = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Core group members",
        help_text="Staff from the agencies closest to the child, listed by agency; add "
        "others by name below",
    )
    others = forms.CharField(
        required=False,
        widget=forms.Textarea,
        label="Other members (optional)",
        help_text="One on each line: name, agency code, role. For example: DC Sam Corrie, "
        "northmoor-police, investigating officer",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["core_group"].choices = staff_by_agency()


class CoreGroupMeetingForm(PrefixedIds):
    id_prefix = "core"

    held_at = MomentField(label="When the core group met")
    notes = forms.CharField(widget=forms.Textarea, label="What was discussed and agreed")


class ScheduleForm(PrefixedIds):
    id_prefix = "schedule"

    on = DayField(label="Date of the next review")


class PlanCloseForm(PrefixedIds):
    id_prefix = "close"

    reason = forms.ChoiceField(
        choices=[c for c in ClosureReason.choices if c[0] != ClosureReason.REVIEW_ENDED],
        widget=forms.RadioSelect,
        label="Why the plan is closing",
    )
    note = forms.CharField(required=False, widget=forms.Textarea, label="Note")
