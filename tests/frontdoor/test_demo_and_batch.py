"""The demo's referrals, and referrals loaded from an agency's CSV file row by row."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from lantern.core import clock
from lantern.frontdoor.batch import BatchError, referrals_load
from lantern.frontdoor.demo import referrals_seed
from lantern.frontdoor.models import Referral

pytestmark = pytest.mark.django_db

HEADER = (
    "received_at,given_name,family_name,date_of_birth,nhs_number,concern,categories,consent,"
    "lawful_basis,lawful_basis_reason,referrer_name\n"
)
GOOD = (
    "2026-11-02 09:30,Ellis,Quarrendon,14/06/2013,,Seen with older men,"
    "criminal_exploitation;missing,no,law_enforcement,Investigation,PC Jo Brannigan\n"
)


def batch(*rows: str) -> bytes:
    return (HEADER + "".join(rows)).encode()


def test_good_rows_load_and_bad_rows_are_reported_with_their_reason(police):
    report = referrals_load(
        agency=police.code,
        data=batch(
            GOOD,
            "2999-01-01 09:00,Ava,Lint,,,Worry,neglect,yes,,,PC Brannigan\n",
            "2026-11-02 10:00,Ava,Lint,01/01/2999,,Worry,neglect,yes,,,PC Brannigan\n",
            "2026-11-02 10:00,Ava,Lint,,,Worry,dragons,yes,,,PC Brannigan\n",
            "2026-11-02 10:00,Ava,Lint,,,Worry,neglect,no,,,PC Brannigan\n",
            "2026-11-02 10:00,Ava,Lint,,9434765918,Worry,neglect,yes,,,PC Brannigan\n",
            "2026-11-02 10:00,Ava,Lint,,,Worry,neglect,maybe,,,PC Brannigan\n",
        ),
    )
    assert report.rows == 7 and report.loaded == 1 and report.refused_rows == 6
    refused = {o.row: o for o in report.outcomes if not o.loaded}
    assert refused[3].column == "received_at" and "future" in refused[3].message
    assert refused[4].column == "date_of_birth"
    assert refused[5].column == "categories" and "dragons" in refused[5].message
    assert refused[6].column == "lawful_basis"
    assert refused[7].column == "nhs_number"
    assert refused[8].column == "consent"
    loaded = Referral.objects.get(family_name="Quarrendon")
    assert loaded.channel == "batch" and loaded.agency == police
    assert loaded.referrer_name == "PC Jo Brannigan" and loaded.referred_by is None
    assert loaded.received_at == dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
    assert not Referral.objects.filter(family_name="Lint").exists()


def test_a_dry_run_loads_nothing(police):
    report = referrals_load(agency=police.code, data=batch(GOOD), dry_run=True)
    assert report.loaded == 1 and not Referral.objects.filter(family_name="Quarrendon").exists()


def test_a_file_without_the_required_columns_is_refused_whole(police):
    with pytest.raises(BatchError, match="referrer_name"):
        referrals_load(agency=police.code, data=b"given_name,family_name\nA,B\n")


def test_the_command_reports_row_by_row(police, tmp_path):
    path = tmp_path / "referrals.csv"
    path.write_bytes(batch(GOOD, "2026-11-02 10:00,,Lint,,,Worry,neglect,yes,,,PC B\n"))
    out = io.StringIO()
    call_command("load_referrals", str(path), agency=police.code, stdout=out)
    text = out.getvalue()
    assert "Row 2: loaded as R-" in text
    assert "Refused: Row 3, given_name: Enter the child's given name" in text
    assert "2 rows: loaded 1, refused 1." in text


def test_the_demo_seeds_open_and_decided_referrals_once():
    made = referrals_seed(today=clock.today())
    assert len(made) == 5
    assert sum(1 for r in made if r.decided_at is None) == 3
    again = [r for r in made if r.person_id == made[0].person_id and r.pk != made[0].pk]
    assert again and again[0].is_open  # a re-referral within 12 months
    assert referrals_seed(today=clock.today()) == []


def test_a_concern_over_several_lines_stays_one_row_and_later_rows_keep_their_line(police):
    report = referrals_load(
        agency=police.code,
        data=batch(
            '2026-11-02 09:30,Ellis,Quarrendon,14/06/2013,,"Seen with older men.\n'
            'Picked up from school in a grey car, twice.",criminal_exploitation,no,'
            "law_enforcement,Investigation,PC Jo Brannigan\n",
            "2026-11-02 10:00,,Lint,,,Worry,neglect,yes,,,PC Brannigan\n",
        ),
    )
    assert report.rows == 2 and report.loaded == 1
    loaded = Referral.objects.get(family_name="Quarrendon")
    assert loaded.concern.splitlines() == [
        "Seen with older men.",
        "Picked up from school in a grey car, twice.",
    ]
    refused = [o for o in report.outcomes if not o.loaded]
    assert [(o.row, o.column) for o in refused] == [(4, "given_name")]


def test_a_row_that_is_not_utf8_is_refused_and_the_others_load(police):
    data = batch(GOOD) + b"2026-11-02 10:00,Zo\xe9,Lint,,,W,neglect,yes,,,PC\n"
    report = referrals_load(agency=police.code, data=data)
    assert report.loaded == 1
    assert [(o.row, o.column, o.message) for o in report.outcomes if not o.loaded] == [
        (3, "row", "is not UTF-8 text")
    ]
