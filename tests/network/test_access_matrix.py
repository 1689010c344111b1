"""Intelligence and shared summaries in the authorisation matrix, generated from the
policy table's rows for the record types `intelligence` and `intelligence_summary`.

For one persona of every role (every role the policy table names, and the roles it gives
nothing), each sensitivity, and each way a user can stand to the record:

- an intelligence report held by the persona's agency, and one held by another agency;
- a summary shared with the persona's agency, one shared by it, one shared with it but
  withdrawn, and one between two other agencies,

the actions view, list and api are checked: `policy.can` and `agency_records_visible_to`
must both give what the table says, and so must HTTP where there is a page or an endpoint
(the report's page for view; the API for api: a report answers 200 or 404, a summary is
listed or not, naming its report only to those who may read the report).
The expected answers are worked out here from the CSV, not from access/policy.py. The
last test runs the policy with one row of the table removed, and the matrix fails.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from lantern.access import policy
from lantern.access.models import InformationSharingAgreement
from lantern.access.policy import POLICY_FILE, PolicyTable
from lantern.core import clock
from lantern.network.models import Entity, IntelligenceReport, Link, SharedSummary
from lantern.partners.models import Agency
from lantern.synth.demo import DEMO_USERS
from tests.accounts.helpers import sign_in_verified

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_network")]

RECORD_TYPES = ("intelligence", "intelligence_summary")
SENSITIVITIES = ("normal", "restricted", "sealed")
ACTIONS = ("view", "list", "api")
REPORT_STANDINGS = ("holds", "other")
SUMMARY_STANDINGS = ("recipient", "sharer", "withdrawn", "other")
HOLDS = {"holds", "recipient", "sharer"}


def read_table(path: Path = POLICY_FILE) -> dict[tuple[str, str, str, str], set[str]]:
    lines = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    table = {}
    for row in csv.DictReader(lines):
        for sensitivity in SENSITIVITIES:
            key = (row["role"], row["relationship"], row["record"], sensitivity)
            table[key] = set((row[sensitivity] or "").split())
    return table


TABLE = read_table()
TABLE_ROLES = {role for role, _, _, _ in TABLE}
NETWORK_ROWS = {k for k in TABLE if k[2] in RECORD_TYPES}


def expected(role: str, standing: str, record_type: str, sensitivity: str, action: str) -> bool:
    """Only holding the record reaches these record types (the table's holds_record)."""
    if standing not in HOLDS:
        return False
    return action in TABLE.get((role, "holds_record", record_type, sensitivity), set())


def personas() -> list[str]:
    """One demo sign-in for each role."""
    chosen = {}
    for username, _given, _family, role, *_ in DEMO_USERS:
        chosen.setdefault(role, username)
    return list(chosen.values())


def test_every_role_the_table_names_has_a_persona():
    roles = {role for _, _, _, role, *_ in DEMO_USERS}
    assert roles >= TABLE_ROLES
    assert {k[0] for k in NETWORK_ROWS} <= roles
    assert len(NETWORK_ROWS) >= 10


# ---------------------------------------------------------------- the records
def _agency(code: str) -> Agency:
    return Agency.objects.create(code=code, name=f"Matrix {code}", kind="voluntary")


def _report(agency: Agency, sensitivity: str, tag: str) -> IntelligenceReport:
    now = clock.now()
    report = IntelligenceReport.objects.create(
        reference=f"MX-{tag}"[:20],
        agency=agency,
        submitted_at=now,
        observed_on=clock.today(),
        source_description="Matrix source",
        source_evaluation="B",
        intelligence_assessment="2",
        handling_code="P",
        text=f"Matrix report {tag}",
        sensitivity=sensitivity,
        origin="form",
    )
    ends = [
        Entity.objects.create(
            kind="location", key=f"matrix {tag} {end}", label=f"Place {tag} {end}", created_at=now
        )
        for end in ("a", "b")
    ]
    Link.objects.create(
        report=report,
        source=ends[0],
        target=ends[1],
        kind="seen_with",
        first_seen=report.observed_on,
        agency=agency,
        sensitivity=sensitivity,
    )
    return report


def _summary(report, sharer, recipient, sensitivity, tag, *, withdrawn=False) -> SharedSummary:
    summary = SharedSummary.objects.create(
        report=report,
        agency=sharer,
        recipient=recipient,
        agreement=InformationSharingAgreement.objects.order_by("pk").first(),
        text=f"Matrix summary {tag}",
        shared_by=get_user_model().objects.get(username="police.officer"),
        shared_at=clock.now(),
        withdrawn_at=clock.now() if withdrawn else None,
        sensitivity=sensitivity,
    )
    summary.links.set(report.links.all())
    return summary


def build(users) -> dict:
    """For each persona's agency: reports and summaries at every sensitivity and standing."""
    outside, elsewhere = _agency("matrix-outside"), _agency("matrix-elsewhere")
    made = {"report": {}, "summary": {}}
    for s in SENSITIVITIES:
        made["report"][(None, "other", s)] = _report(outside, s, f"o-{s}")
        theirs = _report(outside, s, f"so-{s}")
        made["summary"][(None, "other", s)] = _summary(theirs, outside, elsewhere, s, f"o-{s}")
    for agency in {u.agency for u in users.values() if u.agency is not None}:
        for s in SENSITIVITIES:
            tag = f"{agency.pk}-{s}"
            held = _report(agency, s, f"h{tag}")
            made["report"][(agency.pk, "holds", s)] = held
            sent = _report(outside, s, f"r{tag}")
            made["summary"][(agency.pk, "recipient", s)] = _summary(sent, outside, agency, s, tag)
            made["summary"][(agency.pk, "sharer", s)] = _summary(held, agency, elsewhere, s, tag)
            made["summary"][(agency.pk, "withdrawn", s)] = _summary(
                sent, outside, agency, s, f"w{tag}", withdrawn=True
            )
    return made


# ---------------------------------------------------------------- the matrix
def _report_page(report) -> str | None:
    try:
        return reverse("network:report", args=[report.pk])
    except NoReverseMatch:
        return None


def run_matrix(client, names) -> tuple[int, list[str]]:
    users = get_user_model().objects.in_bulk(names, field_name="username")
    made = build(users)
    checks, wrong = 0, []

    def check(want: bool, got: bool, what: str) -> None:
        nonlocal checks
        checks += 1
        if want != got:
            wrong.append(f"{what}: expected {'allowed' if want else 'refused'}")

    for name in names:
        user = users[name]
        role = user.role.code
        agency = user.agency.pk if user.agency else None
        sign_in_verified(client, user)
        listed = client.get("/api/v1/network/summaries/", {"page_size": 100})
        in_list = (
            {s["id"]: s for s in listed.json()["results"]} if listed.status_code == 200 else {}
        )
        visible = {
            (record_type, action): set(
                policy.agency_records_visible_to(user, action, record_type).values_list(
                    "pk", flat=True
                )
            )
            for record_type, action in itertools.product(RECORD_TYPES, ACTIONS)
        }
        for standing, s in itertools.product(REPORT_STANDINGS, SENSITIVITIES):
            report = made["report"][(None if standing == "other" else agency, standing, s)]
            for action in ACTIONS:
                want = expected(role, standing, "intelligence", s, action)
                where = f"{name} / report {standing} / {s} / {action}"
                check(want, policy.can(user, action, report), f"{where}: can")
                check(want, report.pk in visible[("intelligence", action)], f"{where}: visible_to")
            page = _report_page(report)
            if page is not None:  # the HTML page (views.py), where there is one
                want = expected(role, standing, "intelligence", s, "view")
                got = client.get(page).status_code == 200
                check(want, got, f"{name} / report {standing} / {s} / view: page")
            answer = client.get(f"/api/v1/network/reports/{report.pk}/")
            want = expected(role, standing, "intelligence", s, "api")
            check(want, answer.status_code == 200, f"{name} / report {standing} / {s} / api: HTTP")
            if answer.status_code not in (200, 404):
                wrong.append(f"{name} / report {standing} / {s}: answered {answer.status_code}")
        for standing, s in itertools.product(SUMMARY_STANDINGS, SENSITIVITIES):
            key = (None if standing == "other" else agency, standing, s)
            summary = made["summary"].get(key)
            if summary is None:  # a user with no agency stands to nothing but others' records
                continue
            for action in ACTIONS:
                want = expected(role, standing, "intelligence_summary", s, action)
                where = f"{name} / summary {standing} / {s} / {action}"
                check(want, policy.can(user, action, summary), f"{where}: can")
                check(
                    want,
                    summary.pk in visible[("intelligence_summary", action)],
                    f"{where}: visible_to",
                )
            want = expected(role, standing, "intelligence_summary", s, "api")
            where = f"{name} / summary {standing} / {s} / api"
            check(want, summary.pk in in_list, f"{where}: HTTP list")
            if summary.pk in in_list:
                # the report behind it is named only to whoever may read the report
                report_standing = "holds" if summary.report.agency_id == agency else "other"
                may_read = expected(role, report_standing, "intelligence", s, "api")
                shown = in_list[summary.pk]["report"] is not None
                check(may_read, shown, f"{where}: names its report")
        client.logout()
    return checks, wrong


def test_intelligence_and_summaries_answer_as_the_table_says(client):
    names = personas()
    checks, wrong = run_matrix(client, names)
    print(f"network matrix: {len(names)} personas, {checks} checks, {len(wrong)} wrong")
    assert not wrong, f"{len(wrong)} of {checks} checks wrong:\n" + "\n".join(wrong[:40])
    assert checks >= 12 * (2 * 3 * 4 + 4 * 3 * 3)


def test_the_matrix_fails_when_a_row_is_removed_from_the_policy(client, tmp_path, monkeypatch):
    """The policy run from a copy of the table without the analysts' intelligence row
    (the expectations still read the real one): the matrix must notice."""
    row = "police_analyst,holds_record,intelligence,"
    text = POLICY_FILE.read_text(encoding="utf-8")
    assert sum(line.startswith(row) for line in text.splitlines()) == 1
    cut = tmp_path / "policy.csv"
    cut.write_text(
        "\n".join(line for line in text.splitlines() if not line.startswith(row)) + "\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(policy, "table", lambda: PolicyTable.load(cut))
    _, wrong = run_matrix(client, ["police.analyst", "police.officer"])
    assert any(w.startswith("police.analyst / report holds / sealed / view: can") for w in wrong)
    assert any(w.startswith("police.analyst / report holds / normal / api: HTTP") for w in wrong)
    if _report_page(IntelligenceReport(pk=1)) is not None:
        assert any(
            w.startswith("police.analyst / report holds / sealed / view: page") for w in wrong
        )
    assert not [w for w in wrong if w.startswith("police.officer")]
