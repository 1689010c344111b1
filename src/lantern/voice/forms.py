"""Voice forms. They read what was typed (a day, a choice, some words); the services check
everything else and name the field when they refuse, and the views put each refusal beside
the field it names (`field_for`). Several forms share the feedback page, so each carries
its own id prefix."""

from __future__ import annotations

from django import forms

from lantern.partners.models import Agency
from lantern.web.fields import DayField

from .models import ActionStatus, Channel, GiverKind, Sentiment, Use
from .themes import themes as theme_set

NOT_YET = [("", "Not recorded yet")]


def theme_choices(include_retired: bool = False) -> list[tuple[str, str]]:
    known = theme_set().themes.values()
    return [(t.code, t.name) for t in known if include_retired or not t.retired]


class VoiceForm(forms.Form):
    id_prefix = ""
    # A service's field name -> this form's field, where they differ.
    aliases: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)

    def field_for(self, key: str) -> str | None:
        key = self.aliases.get(key, key)
        return key if key in self.fields else None


def _themes_field(label: str = "Themes") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=theme_choices,
        required=False,
        label=label,
        help_text="What it touches on: choose every theme that fits",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose themes from the list"},
    )


def _sentiment_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=NOT_YET + list(Sentiment.choices),
        required=False,
        label="How it felt to them",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose positive, mixed or negative"},
    )


def _uses_field(label: str, help_text: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=Use.choices,
        required=False,
        label=label,
        help_text=help_text,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose uses from the list"},
    )


class FeedbackForm(VoiceForm):
    id_prefix = "feedback"
    words = forms.CharField(
        required=False,
        label="What they said",
        help_text="In their own words, as near as you can",
        widget=forms.Textarea,
    )
    given_on = DayField(label="The day they said it")
    channel = forms.ChoiceField(
        choices=Channel.choices,
        label="How it was given",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how it was given"},
    )
    giver_kind = forms.ChoiceField(
        choices=GiverKind.choices,
        label="Who gave it",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who gave it"},
    )
    person = forms.CharField(
        required=False,
        max_length=20,
        label="Who it is about or from (optional)",
        help_text="Their Lantern reference, like P-ABCD2345, if you know it and may see them",
        widget=forms.TextInput(attrs={"govuk_width": "10"}),
    )
    consent = _uses_field(
        "What they agreed it may be used for",
        "Only what they agreed to: nothing is used beyond it, and they may withdraw at any time",
    )
    consent_note = forms.CharField(
        required=False,
        max_length=500,
        label="How they agreed (optional)",
        help_text="For example: signed the survey's consent box; said so to their advocate",
    )
    themes = _themes_field()
    sentiment = _sentiment_field()


class TagForm(VoiceForm):
    id_prefix = "tag"
    themes = _themes_field()
    sentiment = _sentiment_field()

    def __init__(self, *args, carried: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # A retired theme the feedback already carries may stay ticked.
        current = dict(theme_choices())
        retired = [
            (c, n) for c, n in theme_choices(True) if c in (carried or []) and c not in current
        ]
        self.fields["themes"].choices = theme_choices() + retired


class ConsentForm(VoiceForm):
    id_prefix = "consent"
    aliases = {"uses": "consent"}
    change = forms.ChoiceField(
        choices=[("withdraw", "They withdrew agreement"), ("give", "They agreed to more")],
        label="What changed",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether they withdrew or agreed"},
    )
    consent = _uses_field("To which uses", "")
    on = DayField(label="The day they said so")
    note = forms.CharField(required=False, max_length=500, label="How they said so (optional)")


class QuoteForm(VoiceForm):
    id_prefix = "quote"
    text = forms.CharField(
        required=False,
        label="Words to quote",
        help_text="Their own words, taken from above. Cut with [...] and put a name as [name] "
        "or [my worker]: a quote never names anyone",
        widget=forms.Textarea,
    )


class LinkForm(VoiceForm):
    id_prefix = "link"
    action = forms.ChoiceField(
        label="The action it is behind",
        error_messages={
            "required": "Choose an action",
            "invalid_choice": "Choose an action from the list",
        },
    )

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Choose an action")] + [
            (str(a.pk), a.title) for a in actions
        ]


class QuoteRemoveForm(VoiceForm):
    id_prefix = "remove"
    reason = forms.CharField(required=False, max_length=300, label="Why it is taken down")


class ActionForm(VoiceForm):
    id_prefix = "action"
    aliases = {"lead": "lead_agency", "feedback": "themes"}
    title = forms.CharField(required=False, max_length=200, label="What was done, in a line")
    you_said = forms.CharField(
        required=False,
        label="You said",
        help_text="What the partnership heard, in its own words: never a name",
        widget=forms.Textarea,
    )
    we_did = forms.CharField(
        required=False,
        label="We did",
        help_text="What was done, or is being done",
        widget=forms.Textarea,
    )
    agreed_on = DayField(label="The day it was agreed")
    lead_agency = forms.ChoiceField(required=False, label="The agency that leads it")
    lead_body = forms.CharField(
        required=False,
        max_length=200,
        label="Or the board or group that leads it",
        help_text="For example: the partnership board; the exploitation subgroup",
    )
    themes = _themes_field("Themes it answers")
    status = forms.ChoiceField(
        choices=ActionStatus.choices, label="Where it stands", widget=forms.RadioSelect
    )
    done_on = DayField(label="The day it was done", help_text="Only when it is done")

    def __init__(self, *args, user=None, manager: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if manager:
            agencies = [(str(a.pk), a.name) for a in Agency.objects.filter(active=True)]
            self.fields["lead_agency"].choices = [("", "A board or group (below)"), *agencies]
        else:
            own = user.agency
            self.fields["lead_agency"].choices = [(str(own.pk), own.name)]
            del self.fields["lead_body"]
        self.fields["status"].initial = ActionStatus.AGREED


class StatusForm(VoiceForm):
    id_prefix = "status"
    status = forms.ChoiceField(
        choices=ActionStatus.choices,
        label="Where it stands now",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where it stands"},
    )
    done_on = DayField(label="The day it was done", help_text="Only when it is done")
    note = forms.CharField(
        required=False, max_length=300, label="Note", help_text="Why, if it stopped"
    )
