"""Standard forms: typography must not decide whether two records are one person.

Pure Python and pandas: no database.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lantern.linkage.prepare import (
    PREPARED_COLUMNS,
    address_key,
    canonical_given,
    checked_identifiers,
    dob_parts,
    given_forms,
    name_key,
    postcode_district,
    prepare_frame,
    prepare_record,
    standard_date,
    standard_name,
    standard_postcode,
)
from lantern.people.identifiers import (
    IdentifierError,
    make_pnc_id,
    make_upn,
    validate_nhs_number,
    validate_pnc_id,
    validate_upn,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Smith-Jones", "smith jones"),
        ("  SMITH   jones ", "smith jones"),
        ("O'Neil", "oneil"),
        ("O\u2019Neil", "oneil"),
        ("Zo\u00eb", "zoe"),
        ("Mrs Zo\u00eb O'Neil-Smith", "zoe oneil smith"),
        ("Dr. Amira", "amira"),
        ("Miss", "miss"),  # a lone word is a name, not a title
        ("", None),
        ("  - ", None),
        (None, None),
    ],
)
def test_standard_name(raw, expected):
    assert standard_name(raw) == expected


def test_spellings_of_one_name_share_a_key():
    assert name_key("Smith-Jones") == name_key("smith jones") == name_key("SMITHJONES")
    assert name_key("O'Neil") == name_key("ONeil") == name_key("oneil")
    assert name_key("Zoë") == name_key("ZOE")
    assert name_key("Smith") != name_key("Smyth")


def test_nicknames_resolve_to_their_formal_name():
    assert canonical_given("Bill") == "william"
    assert canonical_given("Liz") == "elizabeth"
    assert canonical_given("william") == "william"
    assert canonical_given("Ethan") == "ethan"  # not in the table: itself


def test_a_short_form_two_formal_names_share_is_settled_only_by_sex():
    assert canonical_given("Alex") == "alex"
    assert canonical_given("Alex", "F") == "alexandra"
    assert canonical_given("Alex", "M") == "alexander"
    assert canonical_given("Sam", "F") == "samantha"
    # Edward and Theodore are both male: sex settles nothing, so no guess.
    assert canonical_given("Ted", "M") == "ted"
    # Harry is a formal name in its own right, though also short for Henry.
    assert canonical_given("Harry") == "harry"


def test_given_forms_let_nicknames_meet_without_joining_different_names():
    def meet(a, b):
        return bool(set(given_forms(a)) & set(given_forms(b)))

    assert meet("Harry", "Henry")
    assert meet("Hal", "Harry")
    assert meet("Bill", "William")
    assert meet("Alex", "Alexandra")
    assert meet("Alex", "Alexander")
    assert not meet("Alexander", "Alexandra")
    assert not meet("Oliver", "Olivia")
    assert given_forms(None) == ()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("kf8 2qh", "KF8 2QH"),
        ("KF82QH", "KF8 2QH"),
        ("sw1a 1aa", "SW1A 1AA"),
        ("2119", "2119"),  # not a UK postcode: compared as given
        ("", None),
        (None, None),
    ],
)
def test_standard_postcode(raw, expected):
    assert standard_postcode(raw) == expected


def test_postcode_district_only_for_uk_postcodes():
    assert postcode_district("KF8 2QH") == "KF8"
    assert postcode_district("2119") is None
    assert postcode_district(None) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2015-03-04", "2015-03-04"),
        ("20150304", "2015-03-04"),
        ("2015-02-30", None),
        ("04/03/2015", None),
        ("", None),
        (None, None),
    ],
)
def test_standard_date(raw, expected):
    assert standard_date(raw) == expected


def test_dob_parts_offer_the_day_and_month_swapped():
    assert dob_parts("2015-03-04") == {
        "date_of_birth": "2015-03-04",
        "dob_swapped": "2015-04-03",
        "dob_year": "2015",
    }
    assert dob_parts("2015-03-25")["dob_swapped"] is None  # no 25th month
    assert dob_parts("2015-03-03")["dob_swapped"] is None  # the same date
    assert dob_parts(None)["dob_year"] is None


def test_address_key_expands_street_abbreviations():
    assert address_key("Flat 1, 100 Hawthorn Gr.") == "flat 1 100 hawthorn grove"
    assert address_key("12 Mill Rd") == address_key("12 MILL ROAD")
    assert address_key(None) is None


RAW = {
    "unique_id": "1",
    "source_dataset": "kestrelford-nhs",
    "given_name": "Bill",
    "family_name": "O'Neil-Smith",
    "date_of_birth": "2015-03-04",
    "sex": "M",
    "postcode": "kf8 2qh",
    "address": "12 Mill Rd",
    "nhs_number": "9434765919",
    "upn": "",
    "pnc_id": None,
}


def test_prepare_frame_gives_the_model_columns():
    prepared = prepare_frame(pd.DataFrame([RAW]))
    assert list(prepared.columns) == list(PREPARED_COLUMNS)
    row = prepared.iloc[0]
    assert row["given_name"] == "bill"
    assert row["given_canonical"] == "william"
    assert row["family_name"] == "oneilsmith"
    assert row["dob_swapped"] == "2015-04-03"
    assert row["postcode"] == "KF8 2QH"
    assert row["postcode_district"] == "KF8"
    assert row["address_key"] == "12 mill road"
    assert row["nhs_number"] == "9434765919"
    assert row["upn"] is None  # a blank is no identifier


def test_prepare_frame_tolerates_missing_optional_columns_and_keeps_integer_ids():
    frame = pd.DataFrame(
        {"unique_id": [5, 6], "given_name": ["A", None], "family_name": ["B", "C"]}
    )
    prepared = prepare_frame(frame)
    assert prepared["unique_id"].tolist() == [5, 6]
    assert prepared["nhs_number"].isna().all()
    assert prepared.loc[1, "given_name"] is None


def test_prepare_frame_refuses_duplicate_ids_and_frames_without_names():
    with pytest.raises(ValueError, match="unique"):
        prepare_frame(pd.DataFrame([RAW, RAW]))
    with pytest.raises(ValueError, match="given_name"):
        prepare_frame(pd.DataFrame({"unique_id": ["1"], "family_name": ["x"]}))


def test_sex_other_than_m_or_f_is_unknown():
    frame = pd.DataFrame([{**RAW, "sex": "U"}, {**RAW, "unique_id": "2", "sex": "f"}])
    assert prepare_frame(frame)["sex"].tolist() == [None, "F"]


text = st.one_of(st.none(), st.text(max_size=12))
records = st.fixed_dictionaries(
    {
        "unique_id": st.just("q"),
        "source_dataset": st.sampled_from(["a", "b"]),
        "given_name": st.one_of(text, st.sampled_from(["Alex", "Bill", "Harry", "Zoë"])),
        "family_name": text,
        "date_of_birth": st.one_of(text, st.dates().map(lambda d: d.isoformat())),
        "sex": st.sampled_from(["M", "F", "U", None, "m"]),
        "postcode": st.one_of(text, st.just("kf8 2qh")),
        "address": text,
        "nhs_number": st.one_of(st.none(), st.sampled_from(["9434765919", "", " 943 "])),
        "upn": st.none(),
        "pnc_id": st.none(),
    }
)


@settings(max_examples=60, deadline=None)
@given(records)
def test_one_record_prepares_as_it_would_in_a_frame(record):
    """The front door prepares single records without pandas; it must agree."""
    expected = prepare_frame(pd.DataFrame([record])).iloc[0].to_dict()
    assert prepare_record(record) == expected


def _passes(validator, value: str) -> bool:
    try:
        return validator(value) == value
    except IdentifierError:
        return False


nhs_like = st.one_of(
    st.text(alphabet="0123456789", min_size=10, max_size=10),
    st.text(alphabet="0123456789 x\u0663", min_size=8, max_size=11),
)
upn_like = st.one_of(
    st.builds(
        make_upn, st.integers(0, 999), st.integers(0, 9999), st.integers(0, 99), st.integers(0, 999)
    ),
    st.text(alphabet="ABCIOSZ0123456789", min_size=13, max_size=13),
)
pnc_like = st.one_of(
    st.builds(make_pnc_id, st.integers(0, 99), st.integers(0, 9_999_999)),
    st.text(alphabet="0123456789/AZ", min_size=9, max_size=11),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(nhs_like, upn_like, pnc_like), min_size=1, max_size=30))
def test_checked_identifiers_agree_with_the_validators(values):
    """The column-wise checks must accept exactly what people.identifiers accepts."""
    prepared = pd.DataFrame(values, columns=["nhs_number", "upn", "pnc_id"])
    checked = checked_identifiers(prepared)
    for row, out in zip(values, checked.itertuples(index=False), strict=True):
        assert (out.nhs_number is not None) == _passes(validate_nhs_number, row[0]), row[0]
        assert (out.upn is not None) == _passes(validate_upn, row[1]), row[1]
        assert (out.pnc_id is not None) == _passes(validate_pnc_id, row[2]), row[2]


def test_checked_identifiers_drop_only_failing_values():
    prepared = pd.DataFrame(
        {
            "nhs_number": ["9434765919", "9434765918", "4086030", None],
            "upn": [make_upn(931, 2000, 15, 1), None, "A12345678901B", None],
            "pnc_id": [make_pnc_id(19, 12345), "19/0012345Q", None, None],
        }
    )
    checked = checked_identifiers(prepared)
    assert checked["nhs_number"].tolist() == ["9434765919", None, None, None]
    assert checked["upn"].tolist()[0] == make_upn(931, 2000, 15, 1)
    assert checked["upn"].tolist()[2] is None
    assert checked["pnc_id"].tolist()[0] == make_pnc_id(19, 12345)
