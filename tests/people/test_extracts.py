"""Agency extracts: good rows load, every bad row is named with its reason, nothing half-saved."""

import pytest
from django.core.management import call_command

from lantern.audit.models import AuditEvent
from lantern.people.extracts import ExtractError, extract_load
from lantern.people.models import Identifier, SourceRecord

HEADER = (
    "local_id,given_name,family_name,date_of_birth,sex,address_line1,town,postcode,nhs_number\n"
)
GOOD = "X1,Amara,Okafor,2012-03-04,F,12 Heron Way,Kestrelford,KF1 2AB,9434765919\n"


def load(data: bytes, **kwargs):
    return extract_load(actor=None, agency="northmoor-police", data=data, **kwargs)


@pytest.mark.django_db
def test_good_rows_load_and_bad_rows_are_reported_with_their_reasons():
    before = SourceRecord.objects.count()
    data = (
        HEADER
        + GOOD
        + "X2,Ben,Hale,2011-02-30,M,,,,\n"  # impossible date
        + "X3,Cara,Lund,2999-01-01,F,,,,\n"  # future date
        + "X4,,Moss,2010-01-01,F,,,,\n"  # no given name
        + "X5,Dan,Reed,01/02/2013,M,4 Mill Lane,Kestrelford,KF2 9ZZ,9434765918\n"  # bad NHS
        + "X6,Eve,Shaw,2012-01-01,F,1 Quay St,Kestrelford,NOT A PC,\n"  # bad postcode
        + "X7,Finn,Tate\n"  # too few values
    ).encode()
    report = load(data)
    assert report.rows == 7
    assert report.loaded == 2
    reasons = {(p.row, p.column): p.message for p in report.refused}
    assert "not a real date" in reasons[(3, "date_of_birth")]
    assert "future" in reasons[(4, "date_of_birth")]
    assert reasons[(5, "given_name")] == "Enter a given name"
    assert "postcode" in reasons[(7, "addresses.0.postcode")].lower()
    assert "has 3 values but the header names 9" in reasons[(8, "row")]
    assert SourceRecord.objects.count() == before + 2
    # The bad NHS number is kept with its problem, never trusted for linking.
    dan = SourceRecord.objects.get(local_id="X5", agency__code="northmoor-police")
    assert dan.date_of_birth.isoformat() == "2013-02-01"  # read as DD/MM/YYYY
    nhs = Identifier.objects.get(source_record=dan)
    assert not nhs.is_valid and nhs.problem
    assert [w.row for w in report.warnings] == [6]


@pytest.mark.django_db
def test_a_row_in_another_encoding_spoils_only_that_row():
    data = HEADER.encode() + GOOD.encode() + "X9,Zoë,Ward,,F,,,,\n".encode("cp1252")
    report = load(data)
    assert report.loaded == 1
    [problem] = report.refused
    assert problem.row == 3 and "not UTF-8" in problem.message


@pytest.mark.django_db
def test_a_file_missing_a_required_column_is_refused_whole():
    with pytest.raises(ExtractError, match="no family_name column"):
        load(b"local_id,given_name\nX1,Amara\n")
    with pytest.raises(ExtractError, match="empty"):
        load(b"")


@pytest.mark.django_db
def test_a_dry_run_checks_every_row_and_leaves_nothing_behind():
    records, events = SourceRecord.objects.count(), AuditEvent.objects.count()
    report = load((HEADER + GOOD).encode(), dry_run=True)
    assert report.loaded == 1 and not report.refused
    assert SourceRecord.objects.count() == records
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_each_loaded_record_is_audited_as_collected():
    report = load((HEADER + GOOD).encode())
    [record_id] = report.record_ids
    assert AuditEvent.objects.filter(
        operation="source_record.receive", subjects__record_id=str(record_id)
    ).exists()


@pytest.mark.django_db
def test_the_command_prints_the_report(tmp_path, capsys):
    path = tmp_path / "extract.csv"
    path.write_bytes((HEADER + GOOD + "X2,Ben,Hale,2011-02-30,M,,,,\n").encode())
    call_command("load_extract", str(path), agency="northmoor-police", no_progress=True)
    out = capsys.readouterr().out
    assert "Refused: Row 3, date_of_birth" in out
    assert "2 rows: loaded 1, refused 1" in out
