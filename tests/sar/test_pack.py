"""The pack: everything Lantern holds about her, and nothing that identifies her abuser or
the other child, in the stored snapshot, in the page's text and in the released PDF; each
redaction listed with what kind of data it was, its exemption and why; a snapshot that
later records do not change."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from lantern.people.services import event_record
from lantern.sar import pack as packs
from lantern.sar.exemptions import CRIME, THIRD_PARTY
from lantern.sar.redaction import NAME, Redactor

from .conftest import ABUSER, OTHER_CHILD, SUBJECT, TODAY, at, on, pdf_text, rendered_text

pytestmark = pytest.mark.django_db


def _present(text: str, forbidden: list[str]) -> list[str]:
    lowered = text.lower()
    return [f for f in forbidden if f.lower() in lowered]


def test_the_pack_holds_her_own_record_from_every_agency(prepared, scenario):
    text = rendered_text(prepared)
    assert "Ellie Marsden" in text
    assert "14 May 2010" in text
    assert SUBJECT["nhs"] in text  # her own identifier, even in free text
    assert SUBJECT["line1"] in text  # her own address
    for agency in ("Northmoor Police", "Kestrelford Council", "Kestrelford Hospitals"):
        assert agency in text
    for event in ("Child found with an adult of concern", "Missing episode"):
        assert event in text
    assert "Investigation SAR-INV-1" in text
    assert "Who has looked at your record" in text
    assert "Tom Whitcombe" in text  # the officer who recorded her as a victim: a professional


def test_nothing_identifies_her_abuser_or_the_other_child_in_the_stored_pack(prepared, scenario):
    assert not _present(rendered_text(prepared), scenario["forbidden"])
    # The snapshot keeps pointers, not the covered text: only the redaction rows hold it.
    assert not _present(json.dumps(prepared.pack.content), scenario["forbidden"])


def test_nor_anywhere_in_the_released_pdf(checked, scenario):
    data = bytes(checked.pack.pdf)
    text = pdf_text(data)
    assert "Ellie Marsden" in text  # the extractor reads the file
    assert "[redacted R1]" in text
    found = _present(text, scenario["forbidden"])
    # Each name alone too: a full name may be wrapped across two lines.
    names = [ABUSER["given"], ABUSER["family"], OTHER_CHILD["given"], OTHER_CHILD["family"]]
    found += [w for w in names if re.search(rf"(?i)\b{re.escape(w)}\b", text)]
    assert not found, found
    assert not _present(data.decode("latin-1"), scenario["forbidden"])


def test_each_redaction_is_listed_with_its_kind_exemption_and_why(checked, scenario):
    pack = checked.pack
    pointed = set()
    for section in pack.content["sections"]:
        for item in section["items"]:
            for parts in [item["heading"], *(f["parts"] for f in item["fields"])]:
                pointed |= {p["r"] for p in parts if isinstance(p, dict)}
    redactions = {r.number: r for r in pack.redactions.all()}
    assert pointed == set(redactions)
    assert len(redactions) >= 15
    text = pdf_text(bytes(pack.pdf))
    listed = " ".join(text.split("What was withheld, and why", 1)[1].split())
    for number, redaction in redactions.items():
        assert f"R{number}" in listed
        assert redaction.kind and redaction.why
        assert redaction.original.lower() not in redaction.kind.lower()
        assert redaction.original.lower() not in redaction.why.lower()
    assert "DPA 2018 Sch 2 Part 3 para 16" in listed
    assert "DPA 2018 Sch 2 Part 1 para 2" in listed  # the intelligence withheld
    names = [r for r in redactions.values() if r.kind == NAME]
    assert {r.exemption for r in names} == {THIRD_PARTY}
    assert any(r.original == "Dariusz Halloran" for r in names)
    assert any(r.original.lower() == "kayleigh" for r in names)


def test_structured_fields_naming_others_are_withheld_wherever_they_are(prepared):
    by_where = {}
    for r in prepared.pack.redactions.all():
        by_where.setdefault(r.where.rsplit(" > ", 1)[-1], []).append(r)
    assert by_where["Adult"][0].kind == NAME
    assert by_where["Adult's date of birth"][0].original == "1988-02-03"
    assert by_where["Vehicle"][0].original == "KF12 XYZ"
    assert by_where["Suspect 1"][0].original == "Dariusz Halloran"
    network = [r for r in prepared.pack.redactions.all() if r.exemption == CRIME]
    assert network, "the police intelligence is withheld under the crime exemption"


def test_free_text_matching_is_whole_words_and_ignores_case(scenario):
    redactor = Redactor(scenario["ellie"], [scenario["abuser"], scenario["kayleigh"]])
    pieces = redactor.scan("HALLORAN's car; Hallorans Lane; dariusz halloran; Ellie Marsden")
    withheld = [p.text for p in pieces if not isinstance(p, str)]
    assert withheld == ["HALLORAN", "dariusz halloran"]
    assert "Hallorans Lane" in "".join(p for p in pieces if isinstance(p, str))
    assert "Ellie Marsden" in "".join(p for p in pieces if isinstance(p, str))


def test_the_pack_is_a_snapshot_and_the_release_is_what_was_checked(checked, scenario, dpo):
    with on(TODAY + dt.timedelta(days=1)):
        event_record(
            actor=None,
            source=scenario["events"][0].source_record,
            event_type="missing_episode",
            occurred_at=at(TODAY),
            summary="A later episode, after the pack was prepared",
        )
    assert "A later episode" not in rendered_text(checked)
    assert "A later episode" not in pdf_text(bytes(checked.pack.pdf))
    rebuilt = packs.gather(scenario["ellie"])
    assert "A later episode" in json.dumps(rebuilt.content)


def test_police_data_adds_the_part_3_right_to_the_lawful_basis(prepared):
    from lantern.sar.services import lawful_basis

    assert prepared.pack.police_held
    assert lawful_basis(prepared.pack) == "UK GDPR Art 15; DPA 2018 s45 (police-held data)"
