"""`lantern link` on the test borough: people joined, households kept apart, all audited."""

import pytest
from django.core.management import call_command

from lantern.audit.models import AuditEvent
from lantern.linkage.models import LinkChange, LinkRun, ReviewPair, ReviewStatus
from lantern.linkage.services import link_records
from lantern.people.models import Person, SourceRecord
from lantern.synth.models import TrueIdentity


def truth():
    return {
        r: (i, h)
        for r, i, h in TrueIdentity.objects.values_list(
            "source_record_id", "individual", "household"
        )
    }


@pytest.mark.django_db
def test_linking_joins_records_of_one_individual_and_never_two_in_one_household():
    before = (
        Person.objects.filter(merged_into=None, source_records__isnull=False).distinct().count()
    )
    run = link_records()
    assert run.finished_at is not None and run.links_made > 0
    assert run.people_after < before
    known = truth()
    by_person: dict[int, set] = {}
    for record_id, person_id in SourceRecord.objects.filter(is_current=True).values_list(
        "pk", "person_id"
    ):
        by_person.setdefault(person_id, set()).add(known[record_id])
    merged_household = [
        p
        for p, members in by_person.items()
        if len({i for i, _ in members}) > 1 and len({h for _, h in members}) == 1
    ]
    assert merged_household == []
    wrong = [p for p, members in by_person.items() if len({i for i, _ in members}) > 1]
    assert len(wrong) <= 0.01 * len(by_person)
    # Every move is on record and the run is audited as a combination.
    assert LinkChange.objects.filter(run=run).count() == run.links_made
    event = AuditEvent.objects.get(operation="linkage.run")
    assert event.action == "combination" and event.detail["moved"] == run.links_made
    # The event names every person the run changed: each record's old and new person.
    changed = set()
    for old, new in LinkChange.objects.filter(run=run).values_list("from_person", "to_person"):
        changed |= {old, new}
    named = {s.person_id for s in event.subjects.all()}
    assert named == changed
    assert run.people_after == run.people_before - len(
        set(LinkChange.objects.filter(run=run).values_list("from_person", flat=True))
    )
    # A person emptied by the run points at the person who took their records.
    emptied = Person.objects.exclude(merged_into=None)
    assert emptied.exists()
    assert not SourceRecord.objects.filter(person__in=emptied).exists()


@pytest.mark.django_db
def test_a_second_run_changes_nothing_and_keeps_decisions():
    link_records()
    pair = ReviewPair.objects.filter(status=ReviewStatus.PENDING).first()
    assert pair is not None, "the borough should leave some pairs for a human"
    ReviewPair.objects.filter(pk=pair.pk).update(status=ReviewStatus.DIFFERENT, reason="twins")
    second = link_records()
    assert second.links_made == 0
    a = SourceRecord.objects.get(pk=pair.record_a_id)
    b = SourceRecord.objects.get(pk=pair.record_b_id)
    assert a.person_id != b.person_id
    assert ReviewPair.objects.filter(record_a=a, record_b=b).count() == 1


@pytest.mark.django_db
def test_new_records_link_to_people_already_known(police):
    from lantern.people.services import SourceRecordIn, source_record_receive

    link_records()
    known = (
        SourceRecord.objects.filter(is_current=True, agency__code="kestrelford-nhs")
        .exclude(date_of_birth=None)
        .exclude(postcode="")
        .first()
    )
    if known is None:
        known = SourceRecord.objects.exclude(date_of_birth=None).exclude(postcode="").first()
    nhs = known.identifiers.filter(scheme="nhs_number", is_valid=True).first()
    record = source_record_receive(
        actor=None,
        agency=police,
        record=SourceRecordIn(
            local_id="NEW-1",
            given_name=known.given_name,
            family_name=known.family_name,
            date_of_birth=known.date_of_birth,
            identifiers={"nhs_number": nhs.value} if nhs else {},
        ),
    )
    assert record.person_id != known.person_id
    run = link_records(new_only=True)
    assert run.records == 1
    record.refresh_from_db()
    assert record.person_id == known.person_id


@pytest.mark.django_db
def test_the_command_prints_a_summary(capsys):
    call_command("link", no_progress=True)
    out = capsys.readouterr().out
    assert "Linked" in out and "pairs sent to review" in out
    assert LinkRun.objects.count() == 1
