"""The chronology selector: every kind in one timeline, only what the reader may see,
filters, pages, and one audit event naming the child and what was shown."""

from __future__ import annotations

import datetime as dt

import pytest

from lantern.access.services import allocation_open
from lantern.audit.models import AuditEvent, AuditSubject
from lantern.chronology import selectors
from lantern.chronology.selectors import KINDS, Filters
from lantern.frontdoor import services as frontdoor
from lantern.frontdoor.services import ReferralIn

from .conftest import NHS, POLICE, REFERRED

pytestmark = pytest.mark.django_db


def _all(user, person, **kwargs):
    return selectors.chronology_page(user=user, person=person, page_size=500, **kwargs).entries


def _records(entries):
    return {(e.record._meta.label_lower, e.record.pk) for e in entries}


def _key(record):
    return (record._meta.label_lower, record.pk)


def test_every_kind_is_in_one_timeline(story, mash_worker, open_referral):
    """The front door, with a referral open about the child, may see every kind."""
    open_referral(story.child)
    entries = _all(mash_worker, story.child)
    assert {e.kind for e in entries} == set(KINDS)
    assert [e.when for e in entries] == sorted((e.when for e in entries), reverse=True)
    assert all(e.url.startswith("/") and e.title and e.agency for e in entries)
    triage = next(e for e in entries if e.kind == "triage")
    assert triage.summary == "Pattern of going missing"
    answer = next(e for e in entries if e.kind == "information")
    assert answer.agency.code == NHS and "cut hand" in answer.summary


def test_a_restricted_event_of_another_agency_never_appears(story, social_worker):
    """Allocated to the child, the social worker sees other agencies' normal events, never
    their restricted ones; the police, who hold it, do."""
    allocation_open(actor=None, person=story.child, reason="Allocated", user=social_worker)
    shown = _records(_all(social_worker, story.child))
    assert _key(story.police_event) in shown
    assert _key(story.nhs_event) in shown
    assert _key(story.restricted_event) not in shown


def test_the_holding_agency_sees_its_restricted_event(story, police_officer):
    entries = _all(police_officer, story.child)
    restricted = [e for e in entries if e.record == story.restricted_event]
    assert restricted and restricted[0].restricted


def test_a_school_sees_only_its_own_events(story, school_dsl):
    events = [e.record for e in _all(school_dsl, story.child) if e.kind == "event"]
    assert events == [story.school_event]


def test_a_referral_the_reader_may_not_see_never_appears(story, school_dsl, police_officer):
    with_school = frontdoor.referral_make(
        actor=school_dsl,
        data=ReferralIn(
            given_name="Tamsin",
            family_name="Orchardley",
            concern="Talks about an older boyfriend who collects her from school",
            categories=["sexual_exploitation"],
            consent=True,
        ),
    )
    with_school.person = story.child
    with_school.save(update_fields=["person"])
    police = _records(_all(police_officer, story.child))
    school = _records(_all(school_dsl, story.child))
    assert _key(story.referral) in police and _key(with_school) not in police
    assert _key(with_school) in school and _key(story.referral) not in school


def test_the_referrer_sees_the_outcome_not_the_triage(story, police_officer):
    entries = _all(police_officer, story.child)
    kinds = {e.kind for e in entries}
    assert {"referral", "decision"} <= kinds
    assert not kinds & {"triage", "information"}
    decision = next(e for e in entries if e.title.startswith("Front-door decision"))
    assert decision.summary == ""  # the reasons are the front door's


def test_an_asked_agency_sees_the_referral_but_not_the_concern(
    child, police_officer, mash_worker, nhs_nurse
):
    referral = frontdoor.referral_make(
        actor=police_officer,
        data=ReferralIn(
            given_name="Tamsin",
            family_name="Orchardley",
            concern="Found twice with older men in a car late at night",
            categories=["criminal_exploitation"],
            consent=True,
        ),
    )
    frontdoor.referral_match(actor=mash_worker, referral=referral, person=child)
    frontdoor.referral_rate(actor=mash_worker, referral=referral, rag="red", reason="Tonight")
    frontdoor.information_request_send(
        actor=mash_worker, referral=referral, agency=NHS, question="Anything recent?"
    )
    entries = [e for e in _all(nhs_nurse, child) if e.record == referral]
    assert len(entries) == 1
    assert "older men" not in entries[0].summary
    assert "asked your agency" in entries[0].summary


def test_an_agency_sees_its_own_answer_after_the_decision(story, nhs_nurse):
    entries = _all(nhs_nurse, story.child)
    answers = [e for e in entries if e.kind == "information"]
    assert [e.summary for e in answers] == ["One emergency visit for a cut hand"]
    assert not any(e.kind in ("referral", "triage", "decision") for e in entries)


def test_filter_by_agency(story, police_officer):
    entries = _all(police_officer, story.child, filters=Filters(agency=POLICE))
    assert entries and {e.agency.code for e in entries} == {POLICE}
    assert {"event", "referral", "action"} <= {e.kind for e in entries}


def test_filter_by_kind_and_agency_together(story, police_officer):
    plans = _all(police_officer, story.child, filters=Filters(kinds=frozenset({"plan"})))
    assert [e.title.split(":")[0] for e in plans] == [
        "Child protection plan closed",
        "Child protection plan started",
    ]
    both = _all(
        police_officer, story.child, filters=Filters(agency=POLICE, kinds=frozenset({"event"}))
    )
    assert {e.record for e in both} == {story.police_event, story.restricted_event}
    none = _all(
        police_officer, story.child, filters=Filters(agency=NHS, kinds=frozenset({"event"}))
    )
    assert none == []


def test_the_filter_offers_only_agencies_and_kinds_with_entries(story, school_dsl):
    view = selectors.chronology_page(user=school_dsl, person=story.child)
    assert POLICE in {a.code for a in view.agencies}  # the police own a casework action
    assert NHS not in {a.code for a in view.agencies}
    assert "referral" not in view.kinds and "event" in view.kinds


def test_pages_newest_first(story, police_officer):
    first = selectors.chronology_page(user=police_officer, person=story.child, page_size=5)
    second = selectors.chronology_page(user=police_officer, person=story.child, page_size=5, page=2)
    assert first.total == second.total == 18
    assert first.page.paginator.num_pages == 4
    assert len(first.entries) == len(second.entries) == 5
    assert first.entries[-1].when >= second.entries[0].when
    assert not {id(e.record) for e in first.entries} & {id(e.record) for e in second.entries}


def test_one_audit_event_names_the_child_and_the_records_shown(story, police_officer):
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    view = selectors.chronology_page(user=police_officer, person=story.child, page_size=5)
    events = AuditEvent.objects.filter(pk__gt=before)
    assert [(e.action, e.operation) for e in events] == [("consultation", "chronology.view")]
    event = events.get()
    named = set(AuditSubject.objects.filter(event=event).values_list("record_type", "record_id"))
    assert ("people.person", str(story.child.pk)) in named
    assert named - {("people.person", str(story.child.pk))} == {
        (label, str(pk)) for label, pk in _records(view.entries)
    }
    assert event.detail["count"] == 18 and event.detail["page"] == 1
    assert event.purpose.startswith("Chronology: ")


def test_another_agencys_events_shown_are_a_disclosure(story, social_worker):
    allocation_open(actor=None, person=story.child, reason="Allocated", user=social_worker)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    entries = _all(social_worker, story.child)
    disclosure = AuditEvent.objects.filter(pk__gt=before, action="disclosure").get()
    school = story.school_event.source_record.agency.code
    assert sorted(part["agency"] for part in disclosure.detail["from_agencies"]) == sorted(
        [POLICE, NHS, school]
    )
    assert social_worker.get_full_name() in disclosure.recipient
    others = {
        ("people.event", str(e.record.pk))
        for e in entries
        if e.kind == "event" and e.agency.pk != social_worker.agency.pk
    }
    assert others
    named = set(disclosure.subjects.values_list("record_type", "record_id"))
    assert named == others
    disclosed = {str(pk) for part in disclosure.detail["from_agencies"] for pk in part["events"]}
    assert disclosed == {pk for _, pk in others}


def test_one_sharing_agreement_lookup_answers_for_every_agency(story, social_worker):
    """The agreement each disclosure names is the one `agreement_between` finds."""
    from lantern.access.selectors import agreement_between
    from lantern.partners.models import Agency

    allocation_open(actor=None, person=story.child, reason="Allocated", user=social_worker)
    holders = Agency.objects.exclude(pk=social_worker.agency.pk)
    found = selectors._agreements([a.pk for a in holders], social_worker.agency)
    for agency in holders:
        expected = agreement_between(agency, social_worker.agency)
        assert found.get(agency.pk) == (expected.code if expected else None)
    assert any(found.values())


def test_the_export_names_every_record_in_it(story, police_officer):
    entries = selectors.chronology_export(user=police_officer, person=story.child)
    assert len(entries) == 18
    event = AuditEvent.objects.filter(operation="chronology.export").get()
    assert event.subjects.count() == 1 + len(_records(entries))
    assert event.detail["rows"] == 18


def test_entries_of_a_long_story_stay_in_order(child, police_officer):
    """Many events at the same moments: a stable order across pages, no entry twice."""
    from .conftest import record

    for n in range(30):
        record(
            child, POLICE, "police_incident", REFERRED - dt.timedelta(days=n // 3), f"Incident {n}"
        )
    seen = []
    for number in (1, 2, 3, 4):
        view = selectors.chronology_page(
            user=police_officer, person=child, page_size=8, page=number
        )
        seen += [e.record.pk for e in view.entries]
    assert len(seen) == len(set(seen)) == 30


@pytest.mark.parametrize("action", ["view", "api", "export"])
@pytest.mark.parametrize(
    "reader, relationship",
    [
        ("mash_worker", ""),
        ("mash_worker", "open_referral"),
        ("social_worker", ""),
        ("social_worker", "allocation"),
        ("social_worker", "grant"),
        ("police_officer", ""),
        ("nhs_nurse", ""),
        ("school_dsl", ""),
        ("scrutineer", ""),
    ],
)
def test_the_childs_events_shown_are_exactly_what_the_policy_allows(
    request, story, open_referral, reader, relationship, action
):
    """The chronology decides event visibility from the reader's relationships, read once;
    it must agree with the policy's own queryset for every reader and relationship."""
    from lantern.access import policy
    from lantern.access.services import grant_open

    user = request.getfixturevalue(reader)
    if relationship == "open_referral":
        open_referral(story.child)
    elif relationship == "allocation":
        allocation_open(actor=None, person=story.child, reason="Allocated", user=user)
    elif relationship == "grant":
        grant_open(
            actor=request.getfixturevalue("team_manager"),
            person=story.child,
            user=user,
            reason="Cover for a colleague",
            ends_at=REFERRED + dt.timedelta(days=60),
        )
    relationships = policy.person_relationships(user, story.child)
    ours = policy.person_events_visible_to(user, action, story.child, relationships)
    policys = policy.events_visible_to(user, action).filter(source_record__person=story.child)
    assert set(ours.values_list("pk", flat=True)) == set(policys.values_list("pk", flat=True))
