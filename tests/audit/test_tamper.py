"""Tampering with the log in the database is found by `verify`, at the right event.

Each example writes a fresh log of 5 to 60 events (0 to 5 subjects each) inside
a savepoint, changes it as someone with direct database access could, runs
verify (with a small, drawn batch size, so batch edges are crossed), and rolls
back. The first problem named must be at the event that was touched.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lantern.audit.anchors import audit_anchor
from lantern.audit.chain import GENESIS_HASH, HASHED_FIELDS, event_hash
from lantern.audit.context import audit_context
from lantern.audit.models import Action
from lantern.audit.services import Subject, audit_record
from lantern.audit.verify import verify_audit_log

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=12,
)
subjects = st.lists(
    st.builds(
        Subject,
        record_type=st.sampled_from(["people.person", "people.sourcerecord", "people.event"]),
        record_id=st.one_of(
            st.integers(1, 10**9), st.from_regex(r"[A-Z0-9-]{1,12}", fullmatch=True)
        ),
        person_id=st.one_of(st.none(), st.integers(1, 10**6)),
    ),
    max_size=5,
)
details = st.dictionaries(
    st.from_regex(r"[a-z_]{1,8}", fullmatch=True),
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**12), 10**12),
        st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False),
        text,
    ),
    max_size=3,
)
contexts = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "path": st.sampled_from(["/people/", "/people/12/", "/api/v1/people/"]),
            "method": st.sampled_from(["GET", "POST"]),
            "ip": st.sampled_from(["192.0.2.7", "2001:db8::1", "::ffff:198.51.100.3", None]),
            "user_agent": text,
        }
    ),
)
events = st.fixed_dictionaries(
    {
        "actor": st.integers(0, 3),
        "action": st.sampled_from(Action.values),
        "operation": st.sampled_from(["person.view", "people.search", "source_record.receive"]),
        "purpose": text.filter(lambda s: s.strip()),
        "outcome": st.sampled_from(["allowed", "refused"]),
        "recipient": text,
        "detail": details,
        "subjects": subjects,
        "context": contexts,
    }
)
logs = st.lists(events, min_size=5, max_size=60)
batch_sizes = st.integers(1, 25)


@pytest.fixture
def actors(mash_worker, police_officer, dpo):
    return [mash_worker, police_officer, dpo, None]


def write(log: list[dict], actors, anchor_after: int | None = None) -> list[int]:
    """Write the events; return their seqs. Anchor after the given index if asked."""
    seqs = []
    for index, spec in enumerate(log):
        recipient = spec["recipient"].strip()
        if spec["action"] == "disclosure" and not recipient:
            recipient = "Northmoor Police"
        call = dict(
            actor=actors[spec["actor"]],
            action=spec["action"],
            operation=spec["operation"],
            purpose=spec["purpose"],
            outcome=spec["outcome"],
            recipient=recipient,
            detail=spec["detail"],
            subjects=spec["subjects"],
        )
        if spec["context"] is None:
            seqs.append(audit_record(**call).seq)
        else:
            with audit_context(**spec["context"]):
                seqs.append(audit_record(**call).seq)
        if index == anchor_after:
            audit_anchor()
    return seqs


def first_problem(batch_size: int):
    result = verify_audit_log(batch_size=batch_size)
    assert not result.ok, "verify found nothing wrong"
    return result.first


def changed(field_name: str, value, actors):
    """A different value of the right type for one column."""
    if field_name == "occurred_at":
        return value + dt.timedelta(microseconds=1)
    if field_name == "actor_id":
        ids = [a.pk for a in actors if a is not None]
        return ids[0] if value != ids[0] else ids[1]
    if field_name == "action":
        return "erasure" if value != "erasure" else "consultation"
    if field_name == "outcome":
        return "refused" if value == "allowed" else "allowed"
    if field_name in {"hash", "previous_hash"}:
        return ("1" if value[0] == "0" else "0") + value[1:]
    if field_name == "ip_address":
        return "203.0.113.66" if value != "203.0.113.66" else None
    if field_name == "detail":
        return {**value, "tampered": True}
    if field_name == "request_method":
        return "PUT" if value != "PUT" else "GET"
    return (value + "x") if len(value) < 60 else value[:-1]


EVENT_COLUMNS = [f for f in HASHED_FIELDS if f != "seq"] + ["hash"]


@EXAMPLES
@given(log=logs, batch_size=batch_sizes)
def test_an_untouched_log_verifies(tamper, actors, log, batch_size):
    with tamper.sandbox():
        start = tamper.last_seq()
        seqs = write(log, actors, anchor_after=len(log) // 2)
        assert seqs == list(range(start + 1, start + len(log) + 1))
        result = verify_audit_log(batch_size=batch_size)
        assert result.ok, result.problems
        assert (result.events_checked, result.anchors_checked) == (seqs[-1], 1)


@EXAMPLES
@given(log=logs, data=st.data(), batch_size=batch_sizes)
def test_changing_any_field_of_any_event_is_found(tamper, actors, log, data, batch_size):
    with tamper.sandbox():
        seqs = write(log, actors)
        seq = data.draw(st.sampled_from(seqs), label="event")
        name = data.draw(st.sampled_from(EVENT_COLUMNS), label="field")
        tamper.set_field(seq, name, changed(name, tamper.row(seq)[name], actors))
        problem = first_problem(batch_size)
        assert (problem.seq, problem.kind) == (seq, "hash"), problem


@EXAMPLES
@given(log=logs, data=st.data(), batch_size=batch_sizes)
def test_changing_removing_or_adding_a_subject_is_found(tamper, actors, log, data, batch_size):
    with tamper.sandbox():
        seqs = write(log, actors)
        seq = data.draw(st.sampled_from(seqs), label="event")
        rows = tamper.subjects(seq)
        how = data.draw(
            st.sampled_from(["type", "id", "person", "delete", "add"] if rows else ["add"]),
            label="how",
        )
        if how == "add":
            tamper.insert_subject(seq, "people.person", "424242", 424242)
        else:
            row = data.draw(st.sampled_from(rows), label="subject")
            if how == "type":
                other = "people.event" if row["record_type"] != "people.event" else "people.person"
                tamper.set_subject(row["id"], "record_type", other)
            elif how == "id":
                tamper.set_subject(row["id"], "record_id", row["record_id"] + "0")
            elif how == "person":
                person = None if row["person_id"] is not None else 7
                tamper.set_subject(row["id"], "person_id", person)
            else:
                tamper.delete_subject(row["id"])
        problem = first_problem(batch_size)
        assert (problem.seq, problem.kind) == (seq, "hash"), problem


@EXAMPLES
@given(log=logs, data=st.data(), batch_size=batch_sizes)
def test_deleting_an_event_is_found(tamper, actors, log, data, batch_size):
    with tamper.sandbox():
        seqs = write(log, actors)
        seq = data.draw(st.sampled_from(seqs), label="event")
        tamper.delete_event(seq)
        problem = first_problem(batch_size)
        # In the middle it leaves a gap; at the end the chain head still names it.
        expected = "gap" if seq != seqs[-1] else "truncated"
        assert (problem.seq, problem.kind) == (seq, expected), problem


@EXAMPLES
@given(log=logs, data=st.data(), batch_size=batch_sizes)
def test_swapping_two_events_is_found(tamper, actors, log, data, batch_size):
    with tamper.sandbox():
        seqs = write(log, actors)
        first, second = sorted(
            data.draw(
                st.lists(st.sampled_from(seqs), min_size=2, max_size=2, unique=True), label="pair"
            )
        )
        tamper.swap(first, second)
        problem = first_problem(batch_size)
        assert (problem.seq, problem.kind) == (first, "hash"), problem


def forged_fields(seq: int, previous_hash: str, actors) -> dict:
    return {
        "seq": seq,
        "occurred_at": dt.datetime(2026, 11, 2, 3, 4, 5, tzinfo=dt.UTC),
        "actor_id": actors[0].pk,
        "actor_username": actors[0].username,
        "actor_agency": "",
        "action": "erasure",
        "operation": "person.erase",
        "purpose": "Forged",
        "outcome": "allowed",
        "recipient": "",
        "request_path": "",
        "request_method": "",
        "ip_address": None,
        "user_agent": "",
        "request_id": "forged",
        "detail": {},
        "previous_hash": previous_hash,
    }


@EXAMPLES
@given(log=logs, data=st.data(), batch_size=batch_sizes)
def test_a_forged_event_is_found(tamper, actors, log, data, batch_size):
    with tamper.sandbox():
        seqs = write(log, actors)
        where = data.draw(st.sampled_from(["end", "middle", "middle-hashed"]), label="where")
        if where == "end":
            # Added after the last event, with a made-up hash.
            seq = seqs[-1] + 1
            fields = forged_fields(seq, tamper.row(seqs[-1])["hash"], actors)
            tamper.insert_event(fields, "f" * 64)
            expected = seq
        else:
            # Slipped in before an event, moving the rest up one place.
            seq = data.draw(st.sampled_from(seqs), label="event")
            previous = tamper.row(seq - 1)["hash"] if seq > 1 else GENESIS_HASH
            tamper.shift_up(seq)
            fields = forged_fields(seq, previous, actors)
            if where == "middle":
                tamper.insert_event(fields, "f" * 64)
                expected = seq
            else:
                # The forger computed a correct hash for their row, so the row itself
                # checks out: the first event that no longer fits is the one after it,
                # unless the forged row took the last place, which the head still names.
                tamper.insert_event(fields, event_hash(fields, []))
                expected = seq if seq == seqs[-1] else seq + 1
        problem = first_problem(batch_size)
        assert problem.seq == expected, problem
        assert problem.kind in {"hash", "link", "head"}, problem


@EXAMPLES
@given(log=logs, data=st.data(), batch_size=batch_sizes)
def test_cutting_the_log_after_an_anchor_is_found(tamper, actors, log, data, batch_size):
    with tamper.sandbox():
        index = data.draw(st.integers(0, len(log) - 1), label="anchored after")
        seqs = write(log, actors, anchor_after=index)
        anchored = seqs[index]
        cut = data.draw(st.sampled_from(seqs[: index + 1]), label="first event cut")
        for seq in reversed(seqs[seqs.index(cut) :]):
            tamper.delete_event(seq)
        if data.draw(st.booleans(), label="the head is wound back too"):
            tamper.set_head(cut - 1)
        problem = first_problem(batch_size)
        assert (problem.seq, problem.kind) == (cut, "truncated"), problem
        assert f"event {anchored}" in " ".join(
            p.message for p in verify_audit_log(batch_size=batch_size).problems
        )


@EXAMPLES
@given(log=logs, data=st.data(), batch_size=batch_sizes)
def test_a_consistently_rewritten_chain_is_caught_by_its_anchor(
    tamper, actors, log, data, batch_size
):
    """A forger who recomputes every later hash and the head leaves a whole chain:
    only an anchor, which they cannot sign, shows it was rewritten."""
    with tamper.sandbox():
        index = data.draw(st.integers(0, len(log) - 1), label="anchored after")
        seqs = write(log, actors, anchor_after=index)
        anchored = seqs[index]
        seq = data.draw(st.sampled_from(seqs[: index + 1]), label="event rewritten")
        tamper.set_field(seq, "purpose", tamper.row(seq)["purpose"] + " (edited)")
        tamper.rechain(seq)
        problem = first_problem(batch_size)
        assert (problem.seq, problem.kind) == (anchored, "anchor"), problem
