"""Writing audit events: numbered, chained, complete, and bad input refused."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from lantern.audit.chain import (
    CHAINS,
    GENESIS_HASH,
    HASHED_FIELDS,
    assemble,
    canonical_document,
    document_pieces,
    event_hash,
)
from lantern.audit.context import audit_context
from lantern.audit.middleware import AuditContextMiddleware
from lantern.audit.models import (
    S62_ACTIONS,
    Action,
    AuditChainHead,
    AuditEvent,
    AuditSubject,
)
from lantern.audit.services import Subject, audit_record
from lantern.audit.testing import on_chain
from lantern.audit.verify import verify_audit_log
from lantern.core import clock
from lantern.people.models import Person, SourceRecord

pytestmark = pytest.mark.django_db


def view(actor, **changes) -> AuditEvent:
    values = dict(
        actor=actor,
        action="consultation",
        operation="person.view",
        purpose="Front-door enquiry about a referral",
    )
    values.update(changes)
    return audit_record(**values)


def stored_hash(event: AuditEvent) -> str:
    row = AuditEvent.objects.filter(pk=event.pk).values(*HASHED_FIELDS).get()
    subjects = AuditSubject.objects.filter(event=event).values_list(
        "record_type", "record_id", "person_id"
    )
    return event_hash(row, subjects)


def test_events_are_numbered_without_gaps_and_chained(mash_worker, police_officer):
    start = AuditEvent.objects.count()
    first = view(mash_worker)
    second = view(police_officer, subjects=[Subject("people.person", 4, 4)])
    third = view(None, action="collection", operation="source_record.receive")
    assert [first.seq, second.seq, third.seq] == [start + 1, start + 2, start + 3]
    assert second.previous_hash == first.hash
    assert third.previous_hash == second.hash
    if first.seq == 1:
        assert first.previous_hash == GENESIS_HASH
    for event in (first, second, third):
        assert len(event.hash) == 64
        assert stored_hash(event) == event.hash, "the stored row must hash to the stored hash"
    assert {first.chain, second.chain, third.chain} == {1}  # one writer: chain 1
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_seq, head.last_hash) == (third.seq, third.hash)
    assert verify_audit_log().ok


def test_each_chain_is_numbered_and_chained_on_its_own(mash_worker):
    before = {c: AuditChainHead.objects.get(pk=c).last_seq for c in (1, 2, 8)}
    with on_chain(2):
        a = view(mash_worker)
    b = view(mash_worker)
    with on_chain(8):
        c = view(mash_worker)
    with on_chain(2):
        d = view(mash_worker)
    assert [(e.chain, e.seq) for e in (a, b, c, d)] == [
        (2, before[2] + 1),
        (1, before[1] + 1),
        (8, before[8] + 1),
        (2, before[2] + 2),
    ]
    assert d.previous_hash == a.hash
    if a.seq == 1:
        assert a.previous_hash == GENESIS_HASH
    for event in (a, b, c, d):
        assert stored_hash(event) == event.hash
        head = AuditChainHead.objects.get(pk=event.chain)
        assert head.last_seq >= event.seq
    assert AuditChainHead.objects.get(pk=2).last_hash == d.hash
    assert verify_audit_log().ok


def test_the_chain_is_in_the_hash_except_chain_1s_which_is_the_old_format(mash_worker):
    """Chain 1 hashes exactly as the single chain did before there were chains, so a log
    written then still verifies; every other chain's hash covers its number."""
    fields = {
        "seq": 42,
        "occurred_at": dt.datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=dt.UTC),
        "actor_id": 7,
        "actor_username": "mash.worker",
        "actor_agency": "Kestrelford Council",
        "action": "consultation",
        "operation": "person.view",
        "purpose": "Front-door enquiry",
        "outcome": "allowed",
        "recipient": "",
        "request_path": "/people/12/",
        "request_method": "GET",
        "ip_address": "192.0.2.7",
        "user_agent": "Firefox",
        "request_id": "abc123",
        "detail": {"page": 2, "ratio": 0.5},
        "previous_hash": "ab" * 32,
    }
    subjects = [("people.person", "12", 12), ("people.sourcerecord", "8", 12)]
    # Worked out by the single-chain code (format 1), before the log was striped.
    single_chain = "f0e20179efd07e700bcd46107b641077ae09e8b119a7cfc489596b9f013af1cb"
    assert event_hash(fields, subjects) == single_chain
    assert event_hash({**fields, "chain": 1}, subjects) == single_chain
    others = {event_hash({**fields, "chain": c}, subjects) for c in range(2, CHAINS + 1)}
    assert len(others) == CHAINS - 1 and single_chain not in others
    assert b'"chain":5' in canonical_document({**fields, "chain": 5}, subjects)
    assert b'"format":2' in canonical_document({**fields, "chain": 5}, subjects)


@pytest.mark.parametrize("chain", [0, CHAINS + 1, "2", True])
def test_only_a_real_chain_can_be_chosen(chain):
    with pytest.raises(ValueError, match=f"chains 1 to {CHAINS}"), on_chain(chain):
        pass


def test_the_hash_covers_every_field_and_the_subjects(mash_worker):
    event = view(mash_worker, subjects=[Subject("people.person", 1, 1)])
    row = AuditEvent.objects.filter(pk=event.pk).values(*HASHED_FIELDS).get()
    subjects = [("people.person", "1", 1)]
    assert event_hash(row, subjects) == event.hash
    for name in HASHED_FIELDS:
        changed = dict(row, **{name: "something else"})
        assert event_hash(changed, subjects) != event.hash, name
    assert event_hash(row, []) != event.hash
    assert event_hash(row, [("people.person", "1", 2)]) != event.hash
    # The order subjects are given in does not matter.
    two = [("people.person", "1", 1), ("people.event", "9", 1)]
    assert event_hash(row, two) == event_hash(row, list(reversed(two)))


@pytest.mark.parametrize("action", sorted(S62_ACTIONS | {Action.SECURITY}))
def test_every_s62_action_is_accepted(mash_worker, action):
    recipient = "DC Tom Whitcombe, Northmoor Police" if action == "disclosure" else ""
    event = view(mash_worker, action=action, recipient=recipient)
    assert AuditEvent.objects.get(pk=event.pk).action == action


def test_the_six_s62_actions_are_the_ones_in_the_act():
    assert {a.value for a in S62_ACTIONS} == {
        "collection",
        "alteration",
        "consultation",
        "disclosure",
        "combination",
        "erasure",
    }


def test_a_disclosure_records_who_received_it(mash_worker):
    event = view(
        mash_worker,
        action="disclosure",
        operation="person.share",
        recipient="Helen Marsh, Kestrelford Hospitals NHS Trust",
    )
    assert AuditEvent.objects.get(pk=event.pk).recipient.startswith("Helen Marsh")


def _unsaved_user():
    return get_user_model()(username="not.saved")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"action": "read"}, "action 'read' is not one of"),
        ({"action": "CONSULTATION"}, "is not one of"),
        ({"purpose": ""}, "purpose is required"),
        ({"purpose": "   \n"}, "purpose is required"),
        ({"purpose": None}, "purpose must be text"),
        ({"purpose": "x" * 2001}, "longer than 2000"),
        ({"purpose": "a\x00b"}, "NUL"),
        ({"operation": "Person View"}, "operation must be lower-case dotted"),
        ({"operation": ""}, "operation must be"),
        ({"outcome": "maybe"}, "outcome must be allowed or refused"),
        ({"action": "disclosure"}, "must name its recipient"),
        ({"actor": AnonymousUser()}, "actor must be a saved User or None"),
        ({"actor": "mash.worker"}, "actor must be a saved User or None"),
        ({"actor": _unsaved_user}, "saved user, not an unsaved one"),
        ({"subjects": ["people.person:1"]}, "must be Subject values"),
        ({"subjects": "people.person"}, "not text"),
        ({"detail": ["a list"]}, "detail must be a dict"),
        ({"detail": {"when": {1, 2}}}, "not JSON"),
        ({"detail": {"x": float("nan")}}, "cannot keep exactly"),
        ({"detail": {1: "x"}}, "keys must be text"),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_nothing_written(mash_worker, changes, words):
    changes = dict(changes)
    actor = changes.pop("actor", mash_worker)
    actor = actor() if callable(actor) else actor
    before = AuditEvent.objects.count()
    with pytest.raises(ValueError, match=words):
        view(actor, **changes)
    assert AuditEvent.objects.count() == before


def test_the_actor_is_kept_with_their_name_and_agency_as_they_were(police_officer):
    event = AuditEvent.objects.get(pk=view(police_officer).pk)
    assert event.actor == police_officer
    assert event.actor_username == "police.officer"
    assert event.actor_agency == police_officer.agency.name


def test_lantern_itself_acts_as_no_one(db):
    event = view(None, action="collection", operation="extract.load")
    assert (event.actor_id, event.actor_username, event.actor_agency) == (None, "", "")


def test_the_time_comes_from_lanterns_clock(mash_worker):
    moment = dt.datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=dt.UTC)
    with clock.frozen_at(moment):
        event = view(mash_worker)
    assert AuditEvent.objects.get(pk=event.pk).occurred_at == moment


def test_subjects_name_records_and_their_person(mash_worker, police, police_officer):
    source = SourceRecord.objects.filter(person__isnull=False).first()
    person = source.person
    assert Subject.person(person) == Subject("people.person", str(person.pk), person.pk)
    assert Subject.of(person) == Subject.person(person)
    assert Subject.of(source) == Subject("people.sourcerecord", str(source.pk), person.pk)
    assert Subject.of(source, person_id=7).person_id == 7
    assert Subject("people.person", 12).record_id == "12"
    event = view(mash_worker, subjects=[Subject.person(person), Subject.of(source)])
    stored = set(event.subjects.values_list("record_type", "record_id", "person_id"))
    assert stored == {
        ("people.person", str(person.pk), person.pk),
        ("people.sourcerecord", str(source.pk), person.pk),
    }


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("Person", 1), "app label and model name"),
        (("people.person", ""), "1 to 100 characters"),
        (("people.person", None), "text or a whole number"),
        (("people.person", True), "text or a whole number"),
        (("people.person", 1, "1"), "person_id must be a whole number"),
    ],
)
def test_a_malformed_subject_is_refused(args, words):
    with pytest.raises(ValueError, match=words):
        Subject(*args)


def test_an_unsaved_record_cannot_be_a_subject(db):
    with pytest.raises(ValueError, match="unsaved"):
        Subject.of(Person(given_name="A", family_name="B"))


def test_an_export_can_name_thousands_of_records_in_batches(
    mash_worker, django_assert_max_num_queries
):
    subjects = [Subject("people.person", n, n) for n in range(1, 5001)]
    mash_worker.agency  # noqa: B018 - the membership is read once per user, not per event
    with django_assert_max_num_queries(8):
        event = view(mash_worker, action="disclosure", operation="people.export", recipient="x")
    assert event.subjects.count() == 0
    # Subjects go in batches (SQLite takes about 250 rows a statement, PostgreSQL 2,000).
    with django_assert_max_num_queries(8 + 5000 // 240):
        event = view(
            mash_worker,
            action="disclosure",
            operation="people.export",
            recipient="Kestrelford Council performance team",
            subjects=subjects,
        )
    assert event.subjects.count() == 5000
    assert verify_audit_log().ok


def test_detail_is_kept_as_the_database_gives_it_back(mash_worker):
    event = view(
        mash_worker,
        detail={
            "filters": {"postcode": "KF3", "age_from": 11.0},
            "ratio": 0.1,
            "shown": 25,
            "on": dt.date(2026, 11, 2),
            "amount": decimal.Decimal("1.50"),
            "nothing": None,
        },
    )
    stored = AuditEvent.objects.get(pk=event.pk).detail
    assert stored["filters"] == {"postcode": "KF3", "age_from": 11}
    assert stored["on"] == "2026-11-02"
    assert stored["amount"] == "1.50"
    assert stored_hash(event) == event.hash
    assert verify_audit_log().ok


def test_the_request_context_is_recorded(mash_worker):
    with audit_context(
        path="/people/12/",
        method="get",
        ip="::ffff:192.0.2.7",
        user_agent="Firefox",
        request_id="abc123",
    ):
        event = view(mash_worker)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.request_path == "/people/12/"
    assert stored.request_method == "GET"
    assert stored.ip_address == "192.0.2.7"  # one spelling for an IPv4 address
    assert stored.user_agent == "Firefox"
    assert stored.request_id == "abc123"
    assert stored_hash(stored) == stored.hash


def test_outside_a_request_events_have_an_empty_context_and_a_request_id(mash_worker):
    event = view(mash_worker)
    assert (event.request_path, event.request_method, event.ip_address) == ("", "", None)
    assert len(event.request_id) == 32


def test_an_unreadable_address_and_long_values_are_kept_safely(mash_worker):
    with audit_context(ip="not-an-address", path="/" + "p" * 900, user_agent="u" * 900):
        event = view(mash_worker)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.ip_address is None
    assert len(stored.request_path) == 500
    assert len(stored.user_agent) == 300


def _through_middleware(mash_worker, **meta):
    seen = {}

    def the_view(request):
        seen["event"] = view(mash_worker)
        return HttpResponse("ok")

    request = RequestFactory().get("/people/?name=Ashworth", **meta)
    response = AuditContextMiddleware(the_view)(request)
    return AuditEvent.objects.get(pk=seen["event"].pk), response


def test_the_middleware_gives_events_the_requests_context(mash_worker, settings):
    settings.AUDIT_TRUST_FORWARDED_FOR = False
    event, response = _through_middleware(
        mash_worker,
        REMOTE_ADDR="198.51.100.4",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        HTTP_USER_AGENT="Lantern test",
        HTTP_X_REQUEST_ID="from-the-client",
    )
    assert event.request_path == "/people/"  # never the query string: it may name people
    assert event.request_method == "GET"
    assert event.ip_address == "198.51.100.4"  # X-Forwarded-For is not trusted by default
    assert event.user_agent == "Lantern test"
    assert event.request_id != "from-the-client"
    assert response["X-Request-ID"] == event.request_id
    # After the request the context is gone.
    assert view(mash_worker).request_path == ""


def test_behind_a_trusted_proxy_the_address_it_saw_is_recorded(mash_worker, settings):
    settings.AUDIT_TRUST_FORWARDED_FOR = True
    event, response = _through_middleware(
        mash_worker,
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9",  # the client wrote the first
        HTTP_X_REQUEST_ID="proxy-req-42",
    )
    assert event.ip_address == "203.0.113.9"
    assert event.request_id == "proxy-req-42"
    assert response["X-Request-ID"] == "proxy-req-42"
    event, _ = _through_middleware(mash_worker, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="junk")
    assert event.ip_address == "10.0.0.2"


_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
# Text that looks like the document's own keys and the marks it is cut at, as values and
# as keys of the detail: the detail can hold `,"format":0,` itself.
_tricky = st.sampled_from(
    [
        *('"chain":1,"format":2', '","seq":', '"previous_hash":"', "\\u0000", ',"seq":0,'),
        *("chain", "detail", "format", "ip_address", "previous_hash", "purpose", "seq", "subjects"),
    ]
)
_marks = st.fixed_dictionaries(
    {},
    optional={
        key: st.sampled_from([0, ""])
        for key in ("a", "chain", "detail", "format", "ip_address", "previous_hash", "seq")
    },
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    chain=st.integers(1, CHAINS),
    seq=st.integers(1, 10**12),
    previous=st.text("0123456789abcdef", min_size=64, max_size=64),
    occurred_at=st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2100, 1, 1),
        timezones=st.just(dt.UTC),
    ),
    actor_id=st.none() | st.integers(1, 10**9),
    words=st.lists(_text | _tricky, min_size=8, max_size=8),
    ip=st.sampled_from([None, "10.0.0.2", "::ffff:10.0.0.3", "2001:db8::1"]),
    detail=st.dictionaries(_text | _tricky, _json, max_size=4) | _marks,
    subjects=st.lists(
        st.tuples(
            st.just("people.person"), _text.filter(str.strip), st.none() | st.integers(1, 99)
        ),
        max_size=4,
    ),
)
def test_the_pieces_the_database_fills_in_make_the_hashed_document(
    chain, seq, previous, occurred_at, actor_id, words, ip, detail, subjects
):
    """On PostgreSQL the database puts the chain, seq and previous hash into the document
    Python prepared in pieces; the result must be the document `verify` hashes."""
    fields = {
        "occurred_at": occurred_at,
        "actor_id": actor_id,
        "actor_username": words[0],
        "actor_agency": words[1],
        "action": "consultation",
        "operation": "person.view",
        "purpose": words[2],
        "outcome": "allowed",
        "recipient": words[3],
        "request_path": words[4],
        "request_method": words[5],
        "ip_address": ip,
        "user_agent": words[6],
        "request_id": words[7],
        "detail": detail,
    }
    made = assemble(document_pieces(fields, subjects), chain, seq, previous)
    whole = {**fields, "chain": chain, "seq": seq, "previous_hash": previous}
    assert made.encode("utf-8") == canonical_document(whole, subjects)


def test_any_text_hashes_the_same_in_the_database_as_in_python(mash_worker):
    odd = 'Zoë 😀 “quoted” "quoted" back\\slash \u2028 tab\t ñ 中文 \U0001f9d1\u200d\U0001f37c'
    for chain in (1, 3):
        with on_chain(chain), audit_context(path="/people/Zoë/", user_agent=odd):
            event = view(
                mash_worker,
                purpose=odd,
                detail={odd: [odd, 1.5, None, {"ü": True}], "n": 10**12},
                subjects=[Subject("people.person", odd[:20], 5)],
            )
        assert stored_hash(event) == event.hash
    assert verify_audit_log().ok
