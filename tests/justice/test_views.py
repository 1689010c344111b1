"""The justice pages: the operations' totals that the partnership and the scrutineer read
(no name and no reference anywhere), an investigation and a court case as the police see
them, each refusal beside the field it names with nothing saved, the victims' duties
worklist overdue first, a suspect's bail conditions shared with the social worker, and
everyone else answered 404. Also the `justice_expiring` command."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from lantern.access.models import Notification
from lantern.justice import services
from lantern.justice.models import Charge, HearingKind, Sentence, Verdict, VictimDuty
from lantern.partners.models import Agency
from tests.support.audit_coverage import REFERENCE

from .conftest import known_to_police, on

pytestmark = pytest.mark.django_db

ARRESTED = dt.date(2026, 7, 10)
CHARGED = dt.date(2026, 7, 11)
FIRST_APPEARANCE = dt.date(2026, 7, 13)
PLEA_HEARING = dt.date(2026, 7, 24)
TRIAL = dt.date(2026, 10, 20)
VERDICT = dt.date(2026, 10, 28)
SENTENCING = dt.date(2026, 11, 5)
TODAY = dt.date(2026, 11, 2)  # a Monday, after the verdict, before sentence
BAIL_ENDS = dt.date(2026, 11, 12)


def text(reply) -> str:
    """What the page says, without its markup."""
    words = re.sub(r"<[^>]+>", " ", reply.content.decode())
    return re.sub(r"\s+", " ", html.unescape(words))


def analyst():
    return get_user_model().objects.get(username="police.analyst")


def partnership_manager():
    return get_user_model().objects.get(username="partnership.manager")


@pytest.fixture
def scene(police_officer, operation, council):
    return make_scene(police_officer, operation, council)


def make_scene(police_officer, operation, council) -> dict:
    """A case modelled on a real one (fictional names): six counts, guilty pleas to all but
    the rape, a jury's guilty verdict on it, sentencing listed. A second suspect on bail,
    the conditions shared with the council's children's services."""
    with on(ARRESTED):
        defendant_person = known_to_police("Garrick", "Vennard", dt.date(1998, 3, 2), "M")
        mother = known_to_police("Maureen", "Ashdown", dt.date(1964, 5, 1))
        other = known_to_police("Dorian", "Pell", dt.date(1990, 8, 19), "M")
        investigation = services.investigation_open(
            actor=police_officer,
            operation=operation,
            reference_="HW-2026-014",
            title="Three women killed at a house in Kestrelford",
            opened_on=ARRESTED,
            team=police_officer.membership.team,
        )
        defendant = services.suspect_add(
            actor=police_officer,
            investigation=investigation,
            person=defendant_person,
            added_on=ARRESTED,
        )
        accomplice = services.suspect_add(
            actor=police_officer, investigation=investigation, person=other, added_on=ARRESTED
        )
        victim = services.victim_add(
            actor=police_officer,
            investigation=investigation,
            person=mother,
            identified_on=ARRESTED,
            enhanced_rights=True,
            engaged_on=ARRESTED,
        )
        services.arrest_record(
            actor=police_officer, suspect=defendant, arrested_on=ARRESTED, offences=["murder"]
        )
        services.arrest_record(
            actor=police_officer,
            suspect=accomplice,
            arrested_on=ARRESTED,
            offences=["false_imprisonment"],
        )
    with on(CHARGED):
        case = services.court_case_open(
            actor=police_officer,
            defendant=defendant,
            reference_="T20267014",
            court="Kestrelford Crown Court",
        )
        services.charges_add(
            actor=police_officer,
            court_case=case,
            charged_on=CHARGED,
            counts=[
                services.CountIn(1, "murder", "Murder of Lorna Ashdown"),
                services.CountIn(2, "murder", "Murder of Celia Ashdown"),
                services.CountIn(3, "murder", "Murder of Hazel Ashdown"),
                services.CountIn(4, "rape", "Rape of Celia Ashdown"),
                services.CountIn(5, "false_imprisonment", "False imprisonment of Celia Ashdown"),
                services.CountIn(6, "offensive_weapon", "A crossbow, in Mill Lane"),
            ],
        )
        services.hearing_schedule(
            actor=police_officer,
            court_case=case,
            kind=HearingKind.FIRST_APPEARANCE,
            on=FIRST_APPEARANCE,
            court="Kestrelford Magistrates' Court",
        )
    with on(FIRST_APPEARANCE):
        services.bail_set(
            actor=police_officer,
            suspect=accomplice,
            conditions="Not to contact any child of Mill Lane; to live at 4 Orchard Row",
            starts_on=FIRST_APPEARANCE,
            expires_on=BAIL_ENDS,
            shared_with=[council],
        )
    with on(PLEA_HEARING):
        services.hearing_schedule(
            actor=police_officer, court_case=case, kind=HearingKind.PLEA, on=PLEA_HEARING
        )
        for number in (1, 2, 3, 5, 6):
            services.plea_enter(
                actor=police_officer, court_case=case, number=number, plea="guilty", on=PLEA_HEARING
            )
        services.plea_enter(
            actor=police_officer, court_case=case, number=4, plea="not_guilty", on=PLEA_HEARING
        )
        services.hearing_schedule(
            actor=police_officer, court_case=case, kind=HearingKind.TRIAL, on=TRIAL
        )
    with on(VERDICT):
        services.verdict_record(
            actor=police_officer,
            court_case=case,
            number=4,
            verdict="guilty",
            on=VERDICT,
            unanimous=True,
        )
        services.hearing_schedule(
            actor=police_officer, court_case=case, kind=HearingKind.SENTENCING, on=SENTENCING
        )
    return {
        "operation": operation,
        "investigation": investigation,
        "case": case,
        "defendant": defendant_person,
        "victim": victim,
        "accomplice": other,
    }


def get(client, url, day=TODAY, **params):
    with on(day):
        return client.get(url, params)


def post(client, url, data, day=TODAY):
    with on(day):
        return client.post(url, data)


def case_url(scene, name="case"):
    return reverse(f"justice:{name}", args=[scene["case"].pk])


# ---------------------------------------------------------------- totals
def test_the_scrutineer_reads_the_totals_with_their_definitions_and_no_one_named(
    client_for, scrutineer, scene
):
    client = client_for(scrutineer)
    reply = get(client, reverse("justice:operations"))
    assert reply.status_code == 200
    page = text(reply)
    assert "Totals as at 2 November 2026" in page
    assert "Operation Hawthorn" in page
    row = re.search(rb'data-operation="op-lantern-test".*?</tr>', reply.content, re.S).group(0)
    values = [
        v.decode() for v in re.findall(rb'data-total="\d+">([^<]*)</td>', row)
    ]  # arrests, charged, convicted, convictions, years, life, active, victims, engaged
    assert values == ["2", "1", "1", "6", "0.0", "0", "1", "1", "1"]
    assert "Counts on which someone was convicted on or before the day." in page
    assert "a life sentence counts its minimum term" in page
    for name in ("Vennard", "Ashdown", "Pell", "Garrick", "Maureen"):
        assert name not in page
    assert not REFERENCE.search(reply.content)
    assert "P-" not in reply.content.decode()
    assert "HW-2026-014" not in page  # an investigation's reference is the police's

    detail = get(client, reverse("justice:operation", args=["op-lantern-test"]))
    assert detail.status_code == 200
    page = text(detail)
    assert "People convicted on at least one count" in page
    assert 'id="investigation-list"' not in detail.content.decode() and "HW-2026-014" not in page
    assert "P-" not in detail.content.decode() and "Vennard" not in page


def test_the_totals_as_at_a_day_and_a_day_that_is_not_one(client_for, scene):
    client = client_for(partnership_manager())
    url = reverse("justice:operation", args=["op-lantern-test"])
    before = text(get(client, url, as_at="2026-07-12"))
    assert "Totals as at 12 July 2026" in before
    assert re.search(r"Convictions \(counts\) 0 ", before)
    assert re.search(r"People charged 1 ", before)
    after = text(get(client, url, as_at="2026-10-29"))
    assert re.search(r"Convictions \(counts\) 6 ", after)
    assert re.search(r"People convicted 1 ", after)

    bad = get(client, url, as_at="2026-13-45")
    assert bad.status_code == 400
    assert 'id="id_as_at-error"' in bad.content.decode()
    assert "Totals as at must be a real day" in text(bad)


@pytest.mark.parametrize("persona", ["social_worker", "nhs_nurse", "school_dsl", "dpo"])
def test_those_who_neither_investigate_nor_read_totals_find_no_operations(
    client_for, scene, persona, request
):
    client = client_for(request.getfixturevalue(persona))
    assert get(client, reverse("justice:operations")).status_code == 404
    url = reverse("justice:operation", args=["op-lantern-test"])
    assert get(client, url).status_code == 404
    assert get(client, reverse("justice:duties")).status_code == 404
    home = get(client, reverse("web:home")).content.decode()
    assert "Operations</a>" not in home
    assert f'href="{reverse("justice:operations")}"' not in home


def test_the_menu_offers_operations_to_the_police_and_the_scrutineer(
    client_for, police_officer, scrutineer, scene
):
    for user in (police_officer, scrutineer):
        client = client_for(user)
        home = get(client, reverse("web:home")).content.decode()
        assert f'href="{reverse("justice:operations")}"' in home
        client.logout()


def test_the_police_see_the_operations_investigations(client_for, police_officer, scene):
    reply = get(client_for(police_officer), reverse("justice:operation", args=["op-lantern-test"]))
    page = text(reply)
    assert "HW-2026-014" in page and "Three women killed" in page
    link = reverse("justice:investigation", args=[scene["investigation"].pk])
    assert f'href="{link}"' in reply.content.decode()


# ---------------------------------------------------------------- an investigation
def test_the_officer_reads_the_investigation(client_for, police_officer, scene):
    reply = get(
        client_for(police_officer),
        reverse("justice:investigation", args=[scene["investigation"].pk]),
    )
    assert reply.status_code == 200
    page = text(reply)
    assert "Garrick Vennard" in page and "Dorian Pell" in page
    assert scene["defendant"].reference in page
    assert "Maureen Ashdown" in page and "Enhanced rights" in page and "Engaged" in page
    assert "Suspected of" in page and "False imprisonment" in page
    assert "T20267014" in page
    for form in ("Add a suspect", "Add a victim", "Record an arrest", "Open a court case"):
        assert form in page


def test_a_suspect_is_added_by_reference_and_an_unknown_one_refused_beside_the_field(
    client_for, police_officer, scene
):
    client = client_for(police_officer)
    url = reverse("justice:suspect-add", args=[scene["investigation"].pk])
    reply = post(client, url, {"person": "P-AAAAAAAA", "added_on": "1 11 2026"})
    assert reply.status_code == 400
    assert 'id="suspect-person-error"' in reply.content.decode()
    assert "Choose a person you can see" in text(reply)
    # The defendant's mother is a victim: not also a suspect.
    reply = post(client, url, {"person": scene["victim"].person.reference, "added_on": "1 11 2026"})
    assert reply.status_code == 400 and "This person is a victim" in text(reply)
    with on(TODAY):
        newcomer = known_to_police("Ellis", "Brandt", dt.date(1985, 2, 2), "M")
    reply = post(client, url, {"person": newcomer.reference.lower(), "added_on": "1 11 2026"})
    assert reply.status_code == 302
    assert scene["investigation"].suspects.filter(person=newcomer).exists()


def test_the_analyst_reads_but_is_offered_no_change(client_for, scene):
    client = client_for(analyst())
    page = text(get(client, reverse("justice:investigation", args=[scene["investigation"].pk])))
    assert "Garrick Vennard" in page and "Add a suspect" not in page
    case_page = text(get(client, case_url(scene)))
    assert "Count" in case_page and "Record a verdict" not in case_page
    # A change sent anyway is refused, and nothing is saved.
    reply = post(
        client,
        case_url(scene, "plea-enter"),
        {"count": "4", "plea": "guilty", "on": "1 11 2026"},
    )
    assert reply.status_code == 404  # refused as the house refuses: not found
    assert Charge.objects.get(court_case=scene["case"], number=4).plea == "not_guilty"


@pytest.mark.parametrize("persona", ["social_worker", "scrutineer", "nhs_nurse"])
def test_an_investigation_and_its_case_are_404_to_anyone_but_the_police(
    client_for, scene, persona, request
):
    client = client_for(request.getfixturevalue(persona))
    inv = scene["investigation"].pk
    assert get(client, reverse("justice:investigation", args=[inv])).status_code == 404
    assert get(client, case_url(scene)).status_code == 404
    reply = post(client, case_url(scene, "plea-enter"), {"count": "4", "plea": "guilty"})
    assert reply.status_code == 404
    duty = VictimDuty.objects.filter(victim=scene["victim"]).first()
    reply = post(client, reverse("justice:duty-done", args=[duty.pk]), {"how": "Phoned"})
    assert reply.status_code == 404


# ---------------------------------------------------------------- a court case
def test_the_case_page_count_by_count(client_for, police_officer, scene):
    reply = get(client_for(police_officer), case_url(scene))
    assert reply.status_code == 200
    page = text(reply)
    rows = re.findall(
        rb'<tr class="govuk-table__row" data-count="(\d)">(.*?)</tr>', reply.content, re.S
    )
    assert [int(n) for n, _ in rows] == [1, 2, 3, 4, 5, 6]
    outcomes = {int(n): html.unescape(row.decode()) for n, row in rows}
    assert "Murder" in outcomes[1] and "Convicted: pleaded guilty on 24 July 2026" in outcomes[1]
    assert "Rape" in outcomes[4]
    assert "Convicted: found guilty unanimously on 28 October 2026" in outcomes[4]
    assert "Possessing an offensive weapon in a public place" in outcomes[6]
    assert "No custodial sentence yet" in page
    timeline = page[page.index("Timeline") :]
    assert timeline.index("Plea hearing at Kestrelford Crown Court") < timeline.index(
        "Pleaded guilty: counts 1, 2, 3, 5, 6"
    )
    assert "Sentencing at Kestrelford Crown Court (listed)" in timeline
    # The victim's duties: the verdict's is overdue (due the next working day, 29 October).
    duties = page[page.index("Victims' Code duties") :]
    assert "Tell the victim of the verdict" in duties
    assert re.search(r"29 Oct 2026, 14:00 Overdue", duties)
    assert "Maureen Ashdown" in duties and "enhanced rights" in duties
    for form in (
        "Add counts",
        "Enter a plea",
        "Record a verdict",
        "Pass sentence",
        "List a hearing",
        "Set bail conditions",
        "Make an order",
    ):
        assert form in page


def test_a_verdict_on_a_count_with_a_guilty_plea_is_refused_beside_the_verdict(
    client_for, police_officer, scene
):
    reply = post(
        client_for(police_officer),
        case_url(scene, "verdict-record"),
        {"count": "1", "verdict": "guilty", "on": "1 11 2026", "unanimous": "yes"},
    )
    assert reply.status_code == 400
    body = reply.content.decode()
    error = re.search(r'id="verdict-verdict-error"[^>]*>(.*?)</p>', body, re.S)
    assert error and "Count 1 has a guilty plea" in html.unescape(error.group(1))
    assert '<details class="govuk-details" open id="record-verdict">' in body
    assert Charge.objects.get(court_case=scene["case"], number=1).verdict == Verdict.NONE


def test_a_plea_to_a_count_not_in_the_case_is_refused_beside_the_count(
    client_for, police_officer, scene
):
    reply = post(
        client_for(police_officer),
        case_url(scene, "plea-enter"),
        {"count": "9", "plea": "guilty", "on": "1 11 2026"},
    )
    assert reply.status_code == 400  # not among the choices: the form says so first
    assert 'id="plea-count-error"' in reply.content.decode()


def test_sentences_refused_in_one_row_save_none_of_them(client_for, police_officer, scene):
    client = client_for(police_officer)
    data = {
        "sentenced_on": "5 11 2026",
        "s1_kind": "life",
        "s1_minimum_term_months": "360",
        "s2_kind": "custody",
        "s2_term_months": "12",
        "s2_consecutive_to": "5",  # count 5 gets no custodial sentence
        "s5_kind": "other",
    }
    reply = post(client, case_url(scene, "sentences-pass"), data, day=SENTENCING)
    assert reply.status_code == 400
    body = reply.content.decode()
    error = re.search(r'id="sentence-s2_consecutive_to-error"[^>]*>(.*?)</p>', body, re.S)
    assert error and "Count 5 has no custodial sentence to run after" in error.group(1)
    assert not Sentence.objects.filter(charge__court_case=scene["case"]).exists()

    data["s2_consecutive_to"] = "1"
    data["s3_kind"] = "custody"
    data["s3_term_months"] = "abc"
    reply = post(client, case_url(scene, "sentences-pass"), data, day=SENTENCING)
    assert reply.status_code == 400
    assert 'id="sentence-s3_term_months-error"' in reply.content.decode()
    assert not Sentence.objects.filter(charge__court_case=scene["case"]).exists()


def test_sentences_on_several_counts_at_once_and_the_effective_term(
    client_for, police_officer, scene
):
    client = client_for(police_officer)
    data = {"sentenced_on": "5 11 2026"}
    for n in (1, 2, 3):
        data |= {f"s{n}_kind": "life", f"s{n}_minimum_term_months": "360"}
    data |= {"s4_kind": "custody", "s4_term_months": "96", "s4_consecutive_to": "1"}
    data |= {"s5_kind": "custody", "s5_term_months": "48", "s6_kind": "other"}
    reply = post(client, case_url(scene, "sentences-pass"), data, day=SENTENCING)
    assert reply.status_code == 302, text(reply)
    assert Sentence.objects.filter(charge__court_case=scene["case"]).count() == 6
    page = text(get(client, case_url(scene), day=SENTENCING))
    # Life, 30 years minimum, then 8 years consecutive: 38 years before parole.
    assert "Life, with 38 years to serve before parole may be considered" in page
    assert "Custody: 8 years, consecutive to count 1" in page
    assert "Pass sentence" not in page  # every count has its sentence


def test_counts_hearings_bail_and_orders_through_their_forms(
    client_for, police_officer, council, scene
):
    client = client_for(police_officer)
    reply = post(
        client,
        case_url(scene, "counts-add"),
        {
            "charged_on": "2 11 2026",
            "c1_number": "7",
            "c1_offence": "threats_to_kill",
            "c1_particulars": "Threats to kill a witness",
            "c1_victim": str(scene["victim"].pk),
            "c2_number": "8",
        },
    )
    assert reply.status_code == 302, text(reply)
    added = Charge.objects.get(court_case=scene["case"], number=7)
    assert added.offence == "threats_to_kill" and added.victim == scene["victim"]

    # A count number already used: refused beside that row's number, nothing saved.
    reply = post(
        client,
        case_url(scene, "counts-add"),
        {
            "charged_on": "2 11 2026",
            "c1_number": "9",
            "c1_offence": "assault_abh",
            "c2_number": "4",
            "c2_offence": "assault_abh",
        },
    )
    assert reply.status_code == 400
    error = re.search(r'id="counts-c2_number-error"[^>]*>(.*?)</p>', reply.content.decode(), re.S)
    assert error and "Count 4 is already in this case" in error.group(1)
    assert not Charge.objects.filter(court_case=scene["case"], number=9).exists()

    # A hearing out of order: an appeal before the sentencing hearing.
    reply = post(client, case_url(scene, "hearing-schedule"), {"kind": "appeal", "on": "3 11 2026"})
    assert reply.status_code == 400 and 'id="hearing-on-error"' in reply.content.decode()
    assert "cannot come before the sentencing" in text(reply)

    reply = post(
        client,
        case_url(scene, "bail-set"),
        {
            "conditions": "Curfew 7pm to 7am",
            "starts_on": "2 11 2026",
            "expires_on": "1 11 2026",
            "shared_with": [council.code],
        },
    )
    assert reply.status_code == 400 and 'id="bail-expires_on-error"' in reply.content.decode()
    reply = post(
        client,
        case_url(scene, "bail-set"),
        {"conditions": "Curfew 7pm to 7am", "starts_on": "2 11 2026", "expires_on": "30 11 2026"},
    )
    assert reply.status_code == 302
    assert scene["case"].defendant.bail_conditions.get().expires_on == dt.date(2026, 11, 30)

    reply = post(
        client,
        case_url(scene, "order-make"),
        {"kind": "restraining", "made_on": "2 11 2026", "terms": ""},
    )
    assert reply.status_code == 400 and 'id="order-terms-error"' in reply.content.decode()
    reply = post(
        client,
        case_url(scene, "order-make"),
        {
            "kind": "restraining",
            "made_on": "2 11 2026",
            "expires_on": "2 11 2031",
            "terms": "Not to contact the Ashdown family",
        },
    )
    assert reply.status_code == 302
    page = text(get(client, case_url(scene)))
    assert "Restraining order, made 2 Nov 2026, until 2 Nov 2031" in page
    assert "Curfew 7pm to 7am" in page


def test_bail_shared_through_the_form(client_for, police_officer, council, scene):
    reply = post(
        client_for(police_officer),
        case_url(scene, "bail-set"),
        {
            "conditions": "Curfew 7pm to 7am",
            "starts_on": "2 11 2026",
            "shared_with": [council.code],
        },
    )
    assert reply.status_code == 302
    bail = scene["case"].defendant.bail_conditions.get()
    assert list(bail.shared_with.all()) == [council]
    page = text(get(client_for(police_officer), case_url(scene)))
    assert f"Shared with {council.name}" in page


# ---------------------------------------------------------------- victims' duties
def test_the_duties_worklist_overdue_first_and_a_duty_done(client_for, police_officer, scene):
    client = client_for(police_officer)
    reply = get(client, reverse("justice:duties"))
    assert reply.status_code == 200
    statuses = re.findall(rb'data-duty="(\d+)" data-status="(\w*)"', reply.content)
    assert statuses, "the worklist shows the open duties"
    kinds = [s.decode() for _, s in statuses]
    assert kinds == sorted(kinds, key=lambda s: s != "overdue")
    assert "overdue" in kinds
    first = VictimDuty.objects.get(pk=int(statuses[0][0]))
    assert "Maureen Ashdown" in text(reply)

    url = reverse("justice:duty-done", args=[first.pk])
    refused = post(client, url, {"done_at": "2 11 2026 09:00", "how": "", "back": "duties"})
    assert refused.status_code == 400
    assert f'id="duty-{first.pk}-how-error"' in refused.content.decode()
    future = post(client, url, {"done_at": "3 11 2026 09:00", "how": "Visit", "back": "duties"})
    assert future.status_code == 400 and "cannot be in the future" in text(future)
    done = post(
        client, url, {"done_at": "2 11 2026 09:30", "how": "Telephone call", "back": "duties"}
    )
    assert done.status_code == 302 and done["Location"] == reverse("justice:duties")
    first.refresh_from_db()
    assert first.done_at is not None and first.how == "Telephone call"
    assert str(first.pk).encode() not in re.findall(
        rb'data-duty="(\d+)"', get(client, reverse("justice:duties")).content
    )


def test_a_duty_done_from_the_case_page_goes_back_to_it(client_for, police_officer, scene):
    duty = VictimDuty.objects.filter(victim=scene["victim"], done_at__isnull=True).first()
    reply = post(
        client_for(police_officer),
        reverse("justice:duty-done", args=[duty.pk]),
        {"done_at": "2 11 2026 10:00", "how": "Visit", "back": f"case-{scene['case'].pk}"},
    )
    assert reply.status_code == 302, text(reply)
    assert reply["Location"] == case_url(scene) + "#duties"


# ---------------------------------------------------------------- bail, for the social worker
def test_the_social_worker_reads_bail_shared_with_the_council(client_for, social_worker, scene):
    client = client_for(social_worker)
    url = reverse("justice:person-bail", args=[scene["accomplice"].reference])
    reply = get(client, url)
    assert reply.status_code == 200
    page = text(reply)
    assert "Not to contact any child of Mill Lane" in page
    assert "Shared with your agency by Northmoor" in page
    assert "12 November 2026" in page and "Current" in page
    assert "HW-2026-014" not in page  # the investigation stays the police's
    # The defendant's bail: none shared with the council; an unknown reference: the same.
    defendant = reverse("justice:person-bail", args=[scene["defendant"].reference])
    assert get(client, defendant).status_code == 404
    assert get(client, reverse("justice:person-bail", args=["P-AAAAAAAA"])).status_code == 404


def test_bail_not_shared_is_404_to_an_agency_it_was_not_shared_with(
    client_for, nhs_nurse, police_officer, scene
):
    url = reverse("justice:person-bail", args=[scene["accomplice"].reference])
    assert get(client_for(nhs_nurse), url).status_code == 404
    page = text(get(client_for(police_officer), url))
    assert "Held by your agency" in page and "HW-2026-014" in page


# ---------------------------------------------------------------- the expiry command
def test_bail_and_orders_about_to_end_are_told_to_the_team_once(police_officer, scene):
    with on(dt.date(2026, 11, 2)):
        order = services.order_make(
            actor=police_officer,
            suspect=scene["case"].defendant,
            kind="restraining",
            made_on=dt.date(2026, 11, 2),
            expires_on=dt.date(2026, 11, 20),
            terms="Not to contact the Ashdown family",
        )
    sent = Notification.objects.filter(kind__startswith="justice_")
    with on(dt.date(2026, 11, 2)):
        call_command("justice_expiring", "--days", "5")
    assert not sent.exists()  # the bail ends on the 12th: more than five days away
    with on(dt.date(2026, 11, 2)):
        call_command("justice_expiring", "--days", "14")
    team = police_officer.membership.team
    bail_notes = sent.filter(kind="justice_bail_expiring")
    assert police_officer in [n.recipient for n in bail_notes]
    assert all(n.recipient.membership.team == team for n in bail_notes)
    assert "Dorian Pell" in bail_notes.first().message
    assert "12 November 2026" in bail_notes.first().message
    assert not sent.filter(kind="justice_order_expiring").exists()  # the 20th: 18 days
    first = sent.count()
    with on(dt.date(2026, 11, 3)):
        call_command("justice_expiring")
    assert sent.count() == first  # told once
    with on(dt.date(2026, 11, 8)):
        call_command("justice_expiring", "--days", "14")
    assert sent.filter(kind="justice_order_expiring", person=order.suspect.person).exists()
    assert not Notification.objects.filter(
        kind__startswith="justice_",
        recipient__memberships__agency=Agency.objects.get(code="kestrelford-childrens-services"),
    ).exists()


def test_a_sealed_operation_is_listed_only_to_those_who_may_read_it_sealed(
    client_for, police_officer, scrutineer, scene
):
    with on(TODAY):
        services.operation_create(
            actor=police_officer,
            code="op-blackthorn",
            name="Operation Blackthorn",
            started_on=TODAY,
            sensitivity="sealed",
        )
    for user, sees in ((analyst(), True), (police_officer, False), (scrutineer, False)):
        client = client_for(user)
        assert ("Operation Blackthorn" in text(get(client, reverse("justice:operations")))) is sees
        url = reverse("justice:operation", args=["op-blackthorn"])
        assert get(client, url).status_code == (200 if sees else 404)
        client.logout()


def test_an_investigation_closed_with_no_further_action(client_for, police_officer, scene):
    client = client_for(police_officer)
    url = reverse("justice:investigation-close", args=[scene["investigation"].pk])
    reply = post(client, url, {"status": "nfa", "closed_on": "2 11 2026", "closed_reason": ""})
    assert reply.status_code == 400
    assert 'id="close-closed_reason-error"' in reply.content.decode()
    scene["investigation"].refresh_from_db()
    assert scene["investigation"].status == "active"
    reply = post(
        client,
        url,
        {"status": "nfa", "closed_on": "2 11 2026", "closed_reason": "The CPS advised no charge"},
    )
    assert reply.status_code == 302
    scene["investigation"].refresh_from_db()
    assert scene["investigation"].status == "nfa"
    assert VictimDuty.objects.filter(
        victim=scene["victim"], duty="told_of_no_further_action", done_at__isnull=True
    ).exists()
    page = text(get(client, reverse("justice:investigation", args=[scene["investigation"].pk])))
    assert "No further action on 2 November 2026: The CPS advised no charge" in page
    assert "Close the investigation" not in page
