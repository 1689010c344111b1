"""Tampering with the log in the database is found by `verify`, at the right event.

Each example writes a fresh log of 5 to 60 events (0 to 5 subjects each, spread
over several chains) inside a savepoint, changes it as someone with direct
database access could, runs verify (with a small, drawn batch size, so batch
edges are crossed), and rolls back. The first problem named must be at the event
that was touched: its chain and its place in that chain.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lantern.audit.anchors import audit_anchor
from lantern.audit.chain import CHAINS, GENESIS_HASH, HASHED_FIELDS, event_hash
from lantern.audit.context import audit_context
from lantern.audit.models import Action, AuditEvent
from lantern.audit.services import Subject, audit_record
from lantern.audit.testing import on_chain
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
        # Chain 8 stays empty, for the tests that move an event to an empty chain.
        "chain": st.sampled_from([1, 1, 2, 3, 7]),
    }
)
SPARE_CHAIN = CHAINS
logs = st.lists(events, min_size=5, max_size=60)
batch_sizes = st.integers(1, 25)


@pytest.fixture
def actors(mash_worker, police_officer, dpo):
    return [mash_worker, police_officer, dpo, None]


def write(log: list[dict], actors, anchor_after: int | None = None) -> list[tuple[int, int]]:
    """Write the events; return their places (chain, seq). Anchor after the given index."""
    places = []
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
        with on_chain(spec["chain"]):
            if spec["context"] is None:
                event = audit_record(**call)
            else:
                with audit_context(**spec["context"]):
                    event = audit_record(**call)
        places.append((event.chain, event.seq))
        if index == anchor_after:
            audit_anchor()
    return places


def last_of_its_chain(place, places) -> bool:
    return place == max(p for p in places if p[0] == place[0])


def at(problem) -> tuple:
    return (problem.chain, problem.seq)


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


# A place (chain and seq) is not a field one changes alone: see the tests that move events.
EVENT_COLUMNS = [f for f in HASHED_FIELDS if f not in {"chain", "seq"}] + ["hash"]


@EXAMPLES
@given(log=logs, batch_size=batch_sizes)
def test_an_untouched_log_verifies(tamper, actors, log, batch_size):
    with tamper.sandbox():
        start = {chain: tamper.last_seq(chain) for chain in range(1, CHAINS + 1)}
        places = write(log, actors, anchor_after=len(log) // 2)
        for chain in {spec["chain"] for spec in log}:
            seqs = [seq for c, seq in places if c == chain]
            assert seqs == list(range(start[chain] + 1, start[chain] + len(seqs) + 1))
        result = verify_audit_log(batch_size=batch_size)
        assert result.ok, result.problems
        assert (result.events_checked, result.anchors_checked) == (AuditEvent.objects.count(), 1)
        assert {c for c, _ in places} <= set(result.chains)


@EXAMPLES
@given(log=logs, data=st.data(), batch_size=batch_sizes)
def test_changing_any_field_of_any_event_is_found(tamper, actors, log, data, batch_size):
    with tamper.sandbox():
        places = write(log, actors)
        place = data.draw(st.sampled_from(places), label="event")
        name = data.draw(st.sampled_from(EVENT_COLUMNS), label="field")
        tamper.set_field(place, name, changed(name, tamper.row(place)[name], actors))
        problem = first_problem(batch_size)
        assert (at(problem), problem.kind) == (place, "hash"), problem


@EXAMPLES
@given(log=logs, data=st.data(), batch_size=batch_sizes)
def test_changing_removing_or_adding_a_subject_is_found(tamper, actors, log, data, batch_size):
    with tamper.sandbox():
        places = write(log, actors)
        place = data.draw(st.sampled_from(places), label="event")
        rows = tamper.subjects(place)
        how = data.draw(
            st.sampled_from(["type", "id", "person", "delete", "add"] if rows else ["add"]),
            label="how",
        )
        if how == "add":
            tamper.insert_subject(place, "people.person", "424242", 424242)
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
        assert (at(problem), problem.kind) == (place, "hash"), problem


@EXAMPLES
@given(log=logs, data=st.data(), batch_size=batch_sizes)
def test_a_subject_naming_no_event_is_found(tamper, actors, log, data, batch_size):
    """The database keeps no foreign key from a subject to its event (ADR 11)."""
    with tamper.sandbox():
        places = write(log, actors)
        top = max(tamper.row(place)["id"] for place in places)
        missing = data.draw(st.integers(top + 1, top + 10**6), label="event id")
        tamper.insert_orphan_subject(missing)
        problems = verify_audit_log(batch_size=batch_size).problems
        assert [p.kind for p in problems] == ["orphan"], problems
        assert str(missing) in problems[0].message


@EXAMPLES
@given(log=logs, data=st.data(), batch_size=batch_sizes)
def test_deleting_an_event_is_found(tamper, actors, log, data, batch_size):
    with tamper.sandbox():
        places = write(log, actors)
        place = data.draw(st.sampled_from(places), label="event")
        tamper.delete_event(place)
        problem = first_problem(batch_size)
        # In the middle it leaves a gap; at the end the chain's head still names it.
        expected = "truncated" if last_of_its_chain(place, places) else "gap"
        assert (at(problem), problem.kind) == (place, expected), problem


@EXAMPLES
@given(log=logs, data=st.data(), batch_size=batch_sizes)
def test_swapping_two_events_is_found(tamper, actors, log, data, batch_size):
    """Two events trade places, in one chain or across two."""
    with tamper.sandbox():
        places = write(log, actors)
        first, second = sorted(
            data.draw(
                st.lists(st.sampled_from(places), min_size=2, max_size=2, unique=True), label="pair"
            )
        )
        tamper.swap(first, second)
        problem = first_problem(batch_size)
        assert (at(problem), problem.kind) == (first, "hash"), problem


@EXAMPLES
@given(log=logs, data=st.data(), batch_size=batch_sizes)
def test_moving_an_event_to_another_chain_is_found(tamper, actors, log, data, batch_size):
    """Moved to a chain that is empty, or to one that does not exist: the hole it leaves
    is found where it was, and the event itself where it went."""
    with tamper.sandbox():
        places = write(log, actors)
        place = data.draw(st.sampled_from(places), label="event")
        chain = data.draw(st.sampled_from([SPARE_CHAIN, CHAINS + 1]), label="moved to")
        tamper.move(place, (chain, place[1]))
        result = verify_audit_log(batch_size=batch_size)
        expected = "truncated" if last_of_its_chain(place, places) else "gap"
        assert (at(result.first), result.first.kind) == (place, expected), result.first
        found_there = {p.kind for p in result.problems if p.chain == chain}
        if chain > CHAINS:
            assert found_there == {"out_of_place"}
        else:  # its hash names its old chain (and it leaves a gap before it, unless first)
            assert found_there & {"hash", "gap"}, result.problems


def forged_fields(place, previous_hash: str, actors) -> dict:
    chain, seq = place
    return {
        "chain": chain,
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
        places = write(log, actors)
        where = data.draw(st.sampled_from(["end", "middle", "middle-hashed"]), label="where")
        if where == "end":
            # Added after the last event of a chain, with a made-up hash.
            chain = data.draw(st.sampled_from(sorted({c for c, _ in places})), label="chain")
            last = (chain, tamper.last_seq(chain))
            place = (chain, last[1] + 1)
            tamper.insert_event(forged_fields(place, tamper.row(last)["hash"], actors), "f" * 64)
            expected = place
        else:
            # Slipped in before an event, moving the rest of its chain up one place.
            place = data.draw(st.sampled_from(places), label="event")
            chain, seq = place
            previous = tamper.row((chain, seq - 1))["hash"] if seq > 1 else GENESIS_HASH
            tamper.shift_up(place)
            fields = forged_fields(place, previous, actors)
            if where == "middle":
                tamper.insert_event(fields, "f" * 64)
                expected = place
            else:
                # The forger computed a correct hash for their row, so the row itself
                # checks out: the first event that no longer fits is the one after it,
                # unless the forged row took the last place, which the head still names.
                tamper.insert_event(fields, event_hash(fields, []))
                expected = place if last_of_its_chain(place, places) else (chain, seq + 1)
        problem = first_problem(batch_size)
        assert at(problem) == expected, problem
        assert problem.kind in {"hash", "link", "head"}, problem


@EXAMPLES
@given(log=logs, data=st.data(), batch_size=batch_sizes)
def test_cutting_a_chain_after_an_anchor_is_found(tamper, actors, log, data, batch_size):
    with tamper.sandbox():
        index = data.draw(st.integers(0, len(log) - 1), label="anchored after")
        places = write(log, actors, anchor_after=index)
        cut = data.draw(st.sampled_from(places[: index + 1]), label="first event cut")
        chain = cut[0]
        anchored = max(p for p in places[: index + 1] if p[0] == chain)
        for place in sorted((p for p in places if p[0] == chain and p >= cut), reverse=True):
            tamper.delete_event(place)
        if data.draw(st.booleans(), label="the head is wound back too"):
            tamper.set_head(chain, cut[1] - 1)
        result = verify_audit_log(batch_size=batch_size)
        assert (at(result.first), result.first.kind) == (cut, "truncated"), result.first
        assert f"event {anchored[1]} existed" in " ".join(
            p.message for p in result.problems if p.chain == chain
        )


@EXAMPLES
@given(log=logs, data=st.data(), batch_size=batch_sizes)
def test_a_consistently_rewritten_chain_is_caught_by_its_anchor(
    tamper, actors, log, data, batch_size
):
    """A forger who recomputes every later hash of a chain and its head leaves a whole
    chain: only an anchor, which they cannot sign, shows it was rewritten."""
    with tamper.sandbox():
        index = data.draw(st.integers(0, len(log) - 1), label="anchored after")
        places = write(log, actors, anchor_after=index)
        place = data.draw(st.sampled_from(places[: index + 1]), label="event rewritten")
        anchored = max(p for p in places[: index + 1] if p[0] == place[0])
        tamper.set_field(place, "purpose", tamper.row(place)["purpose"] + " (edited)")
        tamper.rechain(place)
        problem = first_problem(batch_size)
        assert (at(problem), problem.kind) == (anchored, "anchor"), problem
