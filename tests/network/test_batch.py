"""Intelligence reports from a CSV file (network/batch.py): one row per link, rows grouped
into reports by report_ref, every row reported, and a report recorded only when all its
rows are good."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from lantern.network.batch import REQUIRED, BatchError, reports_load, template_csv
from lantern.network.models import Entity, IntelligenceReport, Link

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_network")]

REPORT = {
    "observed_on": "2026-10-28",
    "source_evaluation": "B",
    "intelligence_assessment": "2",
    "handling_code": "P",
    "handling_conditions": "",
    "source_description": "Patrol officer",
    "text": "Seen together outside the takeaway",
}


def row(ref, source, target, link="seen_with", *, later=False, **changes) -> dict:
    """One row: `source` and `target` are (kind, value, extra)."""
    values = {"report_ref": ref, **({c: "" for c in REPORT} if later else REPORT)}
    for side, (kind, value, extra) in (("source", source), ("target", target)):
        values |= {f"{side}_kind": kind, f"{side}_value": value, f"{side}_extra": extra}
    values |= {"link_kind": link, "first_seen": "", "last_seen": ""}
    return values | changes


def csv_of(*rows: dict, header=REQUIRED) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def child(who):
    return ("person", who.reference, "")


def car(value="QX71 LNT", extra=""):
    return ("vehicle", value, extra)


def phone(value="07700 900123"):
    return ("phone", value, "")


HOTEL = ("location", "Station Hotel, Canal Street", "postcode=KF1 2AB; place_type=hotel")


def counts():
    return (IntelligenceReport.objects.count(), Entity.objects.count(), Link.objects.count())


def test_good_reports_are_recorded_and_entities_matched_however_typed(
    police_officer, police_children
):
    a, b = police_children[:2]
    data = csv_of(
        row("R1", child(a), car("QX71LNT", "make=Ford; colour=silver"), "in_vehicle"),
        row("R1", car("qx71 lnt"), HOTEL, "at_location", later=True),
        row("R1", child(a), phone("+44 7700 900123"), "uses_phone", later=True),
        row("R2", child(b), phone("07700900123"), "uses_phone", observed_on="27/10/2026"),
        row("R2", child(b), car("QX71-LNT"), "in_vehicle", later=True, first_seen="2026-10-01"),
    )
    result = reports_load(actor=police_officer, data=data)
    assert [r.row for r in result.rows] == [2, 3, 4, 5, 6]
    assert all(r.recorded for r in result.rows), result.lines()
    assert result.recorded_reports == 2 and result.refused_reports == 0
    first, second = (IntelligenceReport.objects.get(reference=ref) for ref in result.recorded)
    assert result.lines()[0] == f"row 2: recorded as {first.reference} (report R1)"
    assert first.origin == "csv" and first.links.count() == 3
    assert second.observed_on.isoformat() == "2026-10-27" and second.links.count() == 2
    [vehicle] = Entity.objects.filter(kind="vehicle", key="QX71LNT")
    assert vehicle.details == {"make": "Ford", "colour": "silver"}
    assert Entity.objects.filter(kind="phone", key="07700900123").count() == 1
    assert Link.objects.filter(report__in=[first, second], target=vehicle).count() == 2
    hotel = Entity.objects.get(kind="location", key="station hotel canal street|KF1 2AB")
    assert hotel.label == "Station Hotel, Canal Street, KF1 2AB"
    assert hotel.details["place_type"] == "hotel"


def test_broken_rows_are_refused_row_by_row_and_their_report_is_not_half_saved(
    police_officer, police_children
):
    a, b, c = police_children[:3]
    before = counts()
    data = csv_of(
        row("GOOD", child(a), car(), "in_vehicle"),
        row("BAD", child(b), car("AB12 CD"), "in_vehicle"),  # row 3
        row("BAD", child(b), phone("07700 90012"), "uses_phone", later=True),  # row 4
        row("BAD", child(b), HOTEL, "at_location", later=True),  # row 5: good on its own
        row("BAD", ("entity", "987654321", ""), HOTEL, "at_location", later=True),  # row 6
        row("GRADE", child(c), car(), "in_vehicle", source_evaluation="D"),  # row 7
        row("KIND", child(c), car(), "teleported"),  # row 8
        row("DATES", child(c), car(), first_seen="32/10/2026", last_seen="2099-01-01"),  # row 9
    )
    result = reports_load(actor=police_officer, data=data)
    lines = result.lines()
    by_row = {r.row: r for r in result.rows}
    assert by_row[2].recorded
    assert "row 3: source_value" not in "\n".join(lines)
    assert "row 3: target_value: 'AB12 CD' is not a UK registration" in lines[1]
    assert by_row[4].reasons[0].startswith("target_value: '07700 90012' is not a UK phone number")
    assert by_row[5].reasons == [
        "not recorded: report BAD is recorded only when all its rows are good "
        "(refused: rows 3, 4, 6)"
    ]
    assert by_row[6].reasons == ["source_value: There is no entity 987654321 in Lantern"]
    assert by_row[7].reasons[0].startswith("source_evaluation: 'D' is not a source evaluation")
    assert by_row[8].reasons[0].startswith("link_kind: 'teleported' is not a kind of link")
    assert [r.split(":")[0] for r in by_row[9].reasons] == ["first_seen", "last_seen"]
    assert result.recorded_reports == 1 and result.refused_reports == 4
    assert result.refused_rows == 7
    # only the good report's link and what it named
    reports, _, links = counts()
    assert (reports, links) == (before[0] + 1, before[2] + 1)
    assert not Entity.objects.filter(
        kind="location", key__startswith="station hotel canal"
    ).exists()


def test_a_person_the_officer_may_not_see_is_refused_without_naming_them(
    police_officer, police_children, unseen_child
):
    data = csv_of(
        row("R1", child(police_children[0]), car(), "in_vehicle"),
        row("R1", child(unseen_child), car(), "in_vehicle", later=True),
    )
    before = counts()
    result = reports_load(actor=police_officer, data=data)
    assert result.rows[1].reasons == [
        "source_value: No person you can see has that reference: find them with the people "
        "search first"
    ]
    assert unseen_child.reference not in "\n".join(result.lines())
    assert counts() == before


def test_a_report_s_own_columns_must_agree_across_its_rows(police_officer, police_children):
    a = police_children[0]
    data = csv_of(
        row("R1", child(a), car(), "in_vehicle"),
        row("R1", child(a), HOTEL, "at_location", text="Something else entirely"),
        row("R1", child(a), phone(), "uses_phone", later=True, handling_code="p"),
    )
    result = reports_load(actor=police_officer, data=data)
    assert result.rows[1].reasons[0].startswith("text: Differs from row 2, where report R1")
    assert result.rows[2].good is False  # held back with its report
    assert result.rows[2].reasons[0].startswith("not recorded")
    assert not IntelligenceReport.objects.filter(origin="csv").exists()


def test_refusals_from_the_service_are_placed_on_their_row(police_officer, police_children):
    """The two ends look different in the file but are one entity: the service refuses."""
    report = reports_load(
        actor=police_officer, data=csv_of(row("R0", child(police_children[0]), car(), "in_vehicle"))
    )
    vehicle = Entity.objects.get(kind="vehicle", key="QX71LNT")
    data = csv_of(
        row("R1", child(police_children[1]), HOTEL, "at_location"),
        row("R1", ("entity", str(vehicle.pk), ""), car("qx71lnt"), "seen_with", later=True),
    )
    result = reports_load(actor=police_officer, data=data)
    assert result.rows[1].reasons == ["target_value: Both ends of this link are the same entity"]
    assert result.rows[0].reasons[0].startswith("not recorded")
    assert report.recorded_reports == 1 and result.recorded_reports == 0


def test_a_row_with_too_few_values_and_a_row_with_no_report(police_officer, police_children):
    good = csv_of(row("R1", child(police_children[0]), car(), "in_vehicle")).decode()
    data = (
        good + "R1,2026-10-28,B,2\n" + "," * 5 + "x" + "," * (len(REQUIRED) - 6) + "\n"
    ).encode()
    result = reports_load(actor=police_officer, data=data)
    assert result.rows[1].reasons == ["row: It has 4 values; the header names 17 columns"]
    assert result.rows[0].reasons[0].startswith("not recorded")
    assert result.rows[2].reasons == ["report_ref: Give the report this row belongs to"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"\n \n", "The file is empty"),
        (",".join(REQUIRED).encode() + b"\n", "a header row but no rows"),
        (b"report_ref;observed_on;text\nR1;2026-10-28;x\n", "separated by semicolons"),
        (b"report_ref,observed_on,text\nR1,2026-10-28,x\n", "it has no source_evaluation,"),
        (
            (",".join(REQUIRED) + ",colour\nR1\n").encode(),
            "it has columns we do not know: 'colour'",
        ),
        (
            (",".join(REQUIRED) + ",text\n").encode(),
            "it names text twice",
        ),
        (
            (",".join(REQUIRED) + "\nR1,2026-10-28,B,2,P,,Caf\xe9 owner\n").encode("latin-1"),
            "not UTF-8 text (line 2 is not)",
        ),
        ((",".join(REQUIRED) + '\nR1,"unclosed\n').encode() + b"\x00", "NUL"),
    ],
)
def test_a_broken_file_is_refused_as_a_whole(police_officer, data, message):
    before = counts()
    with pytest.raises(BatchError) as caught:
        reports_load(actor=police_officer, data=data)
    assert message in str(caught.value)
    assert counts() == before


def test_only_the_police_load_intelligence(social_worker, police_children):
    with pytest.raises(BatchError, match="Only the police"):
        reports_load(
            actor=social_worker,
            data=csv_of(row("R1", child(police_children[0]), car(), "in_vehicle")),
        )


def test_a_dry_run_checks_every_row_and_records_nothing(police_officer, police_children):
    before = counts()
    result = reports_load(
        actor=police_officer,
        data=csv_of(row("R1", child(police_children[0]), car(), "in_vehicle")),
        dry_run=True,
    )
    assert result.rows[0].good and not result.rows[0].recorded
    assert result.lines() == ["row 2: good (report R1 would be recorded)"]
    assert counts() == before


def test_the_example_file_loads(police_officer):
    result = reports_load(actor=police_officer, data=template_csv(), dry_run=True)
    assert all(r.good for r in result.rows), result.lines()
    assert len({r.report_ref for r in result.rows}) == 2


def test_the_command_loads_a_file_as_a_police_user(tmp_path, police_officer, police_children):
    path = tmp_path / "sightings.csv"
    path.write_bytes(
        csv_of(
            row("R1", child(police_children[0]), car(), "in_vehicle"),
            row("R2", child(police_children[1]), car("AB12 CD"), "in_vehicle"),
        )
    )
    out = io.StringIO()
    call_command("network_load", str(path), "--as", police_officer.username, stdout=out)
    text = out.getvalue()
    assert "row 2: recorded as INT-" in text
    assert "row 3: target_value: 'AB12 CD' is not a UK registration" in text
    assert "recorded 1 reports (1 rows); refused 1 reports (1 rows)" in text
    with pytest.raises(CommandError, match="No active user"):
        call_command("network_load", str(path), "--as", "nobody")
    with pytest.raises(CommandError, match="Only the police"):
        call_command("network_load", str(path), "--as", "social.worker")
