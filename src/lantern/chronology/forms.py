"""The chronology's filter form: by agency and by type of entry, from GET parameters."""

from __future__ import annotations

from django import forms

from lantern.partners.models import Agency

from .selectors import KINDS, Filters


class FilterForm(forms.Form):
    agency = forms.ChoiceField(label="Agency", required=False)
    kind = forms.MultipleChoiceField(
        label="Type of entry", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, data=None):
        super().__init__(data)
        # Checked against every agency of the partnership (their names are no secret);
        # `offer` then narrows what the page offers to what the reader's chronology holds.
        self.fields["agency"].choices = [
            ("", "Every agency"),
            *Agency.objects.order_by("name").values_list("code", "name"),
        ]
        self.fields["agency"].error_messages["invalid_choice"] = (
            "Agency: %(value)s is not an agency of the partnership"
        )
        self.fields["kind"].choices = list(KINDS.items())
        self.fields["kind"].error_messages["invalid_choice"] = (
            "Type of entry: %(value)s is not a type of entry (choose from the list)"
        )

    def filters(self) -> Filters:
        if not self.is_bound or not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(agency=data["agency"] or "", kinds=frozenset(data["kind"]))

    def offer(self, *, agencies, kinds) -> None:
        """Offer only the agencies and types with an entry the reader may see (and any
        already chosen, so the form shows what is applied)."""
        chosen = self.filters()
        codes = {a.code for a in agencies}
        extra = [] if not chosen.agency or chosen.agency in codes else [chosen.agency]
        names = dict(self.fields["agency"].choices)
        self.fields["agency"].choices = [
            ("", "Every agency"),
            *(
                (code, names[code])
                for code in sorted([*codes, *extra], key=lambda c: names.get(c, c))
                if code in names
            ),
        ]
        self.fields["kind"].choices = [
            (k, label) for k, label in KINDS.items() if k in set(kinds) | chosen.kinds
        ]


def filter_form(params) -> FilterForm:
    """Bound when any filter is given, so the first look shows everything."""
    if not (params.get("agency") or params.getlist("kind")):
        return FilterForm()
    return FilterForm({"agency": params.get("agency", ""), "kind": params.getlist("kind")})
