"""The "Who has looked at your record" section of her pack speaks plain words: each
event is headed by what happened, in a sentence she understands, never by the audit
log's internal code ("sar.view", "access.allocated_worker.open") nor by the Data
Protection Act's name for the action ("Consultation:")."""

from __future__ import annotations

import re

import pytest

from lantern.access.services import allocation_open
from lantern.audit.models import Action
from lantern.people import selectors as people_selectors
from lantern.people.models import Person
from lantern.sar import services
from lantern.sar.contributors import audit_words

from .conftest import TODAY, on

pytestmark = pytest.mark.django_db

CODE = re.compile(r"_|[a-z]\.[a-z]")  # an underscore, or a dotted code such as sar.view
ACTION_LABELS = [label for _, label in Action.choices]


def access_log_headings(request) -> list[str]:
    (section,) = [s for s in request.pack.content["sections"] if s["key"] == "access_log"]
    return [
        "".join(p if isinstance(p, str) else f"[R{p['r']}]" for p in item["heading"])
        for item in section["items"]
    ]


@pytest.fixture
def many_kinds(scenario, dpo, police_officer, social_worker, school_dsl):
    """Her record as Lantern received it (automatic collection), a police officer adding
    her as a victim (in the scenario), a worker allocated to her and reading her file, a
    school refused a look, and her request logged and prepared."""
    ellie = scenario["ellie"]
    with on(TODAY):
        allocation_open(
            actor=police_officer, person=ellie, user=social_worker, reason="Allocated to help"
        )
        people_selectors.person_file(user=social_worker, person=ellie)
        with pytest.raises(Person.DoesNotExist):
            people_selectors.person_get(user=school_dsl, reference=ellie.reference)
        sar = services.sar_log(
            actor=dpo,
            person=ellie,
            received_on=TODAY,
            requester="subject",
            identity_check="documents",
        )
        services.sar_prepare(actor=dpo, request=sar)
    sar.refresh_from_db()
    return sar


def test_no_heading_is_a_code_for_many_kinds_of_event(many_kinds):
    headings = access_log_headings(many_kinds)
    operations = set(_operations_named(many_kinds.person_id))  # the codes behind them
    assert len(operations) >= 6, operations
    for heading in headings:
        assert not CODE.search(heading), heading
        assert not any(heading.startswith(f"{label}:") for label in ACTION_LABELS), heading
        for operation in operations:
            spaced = re.sub(r"[._]", " ", operation)
            assert spaced not in heading, (operation, heading)


def test_each_kind_of_event_reads_as_what_happened(many_kinds):
    headings = set(access_log_headings(many_kinds))
    for expected in (
        "An agency sent Lantern its record of you",
        "You were recorded as a victim in a police investigation",
        "A worker was allocated to you",
        "A worker looked at your record",
        "A worker tried to look at your record, and was not allowed",
        "Your subject access request was logged",
    ):
        assert expected in headings, (expected, sorted(headings))


def _operations_named(person_id: int) -> list[str]:
    from lantern.audit.models import AuditEvent

    return list(
        AuditEvent.objects.filter(subjects__person_id=person_id)
        .values_list("operation", flat=True)
        .distinct()
    )


# ---------------------------------------------------------------- every phrase, every fallback
KNOWN = [
    *audit_words.PHRASES,
    "access.allocated_worker.end",
    "access.break_glass.end",
    "api.people.search",
    "api.risk.assessment.approve",
    "risk.history.view",
    "voice.feedback.list",
    "deadlines.team_worklist",
    "people.export",
    "referral.view",
    "conference.view",
    "support.person.view",
    "network.summary.list",
    "something.nobody.wrote_words_for",
    "",
]


@pytest.mark.parametrize("operation", KNOWN)
def test_every_heading_is_plain_words_whatever_the_action_and_outcome(operation):
    for action in [*Action.values, "unknown_action"]:
        for refused in (False, True):
            for automatic in (False, True):
                words = audit_words.heading(operation, action, refused=refused, automatic=automatic)
                assert words and words[0].isupper(), (operation, words)
                assert not CODE.search(words), (operation, action, words)
                assert "{" not in words and "}" not in words, words


def test_the_fallback_is_built_from_the_s62_action_and_the_area():
    heading = audit_words.heading
    assert heading("support.person.view", "consultation") == "A worker looked at your support"
    assert heading("referral.edit", "alteration") == "A worker changed a referral about you"
    assert heading("people.share", "disclosure") == "A worker shared your record"
    assert heading("mystery.thing", "erasure", automatic=True) == (
        "Lantern erased information from your record"
    )
    assert heading("network.summary.list", "consultation") == (
        "Your name was shown in a list a worker looked at"
    )
    # A refused attempt reads as one, even where the operation has its own words.
    assert heading("sar.view", "consultation", refused=True) == (
        "A worker tried to look at your subject access request, and was not allowed"
    )
    # The most specific words win; "*" stands for any kind of access.
    assert heading("access.grant.end", "alteration") == (
        "A worker's or team's access to your record ended"
    )
    assert heading("api.risk.assessment.approve", "alteration") == (
        "A manager approved a risk assessment about you"
    )
