"""The back-test: `lantern rules_backtest` and `backtest_report` replay the test borough's
history through the rules, print what they would have raised, and write nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lantern.alerts import engine, facts, rules
from lantern.alerts.engine import backtest_report
from lantern.people.models import Person

pytestmark = pytest.mark.django_db

UNTIL = dt.date(2026, 11, 2)  # the test borough's today (tests/conftest.py)
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


def run(*args) -> tuple[str, list[str]]:
    out = io.StringIO()
    with CaptureQueriesContext(connection) as queries:
        call_command("rules_backtest", *args, stdout=out)
    return out.getvalue(), [q["sql"] for q in queries if WRITES.match(q["sql"])]


def test_the_report_agrees_with_the_engine_over_the_whole_history():
    shipped = rules.active()
    report = backtest_report(shipped, until=UNTIL)
    replayed = engine.backtest(shipped, facts.history(until=UNTIL), households=facts.households())
    assert report.firings == replayed
    assert report.total == len(replayed) > 0
    assert sum(t.firings for t in report.totals.values()) == report.total
    assert sum(report.all_per_month) == report.total
    for code, counts in report.per_month.items():
        assert sum(counts) == report.totals[code].firings
    assert report.months[0] == f"{report.since:%Y-%m}" and report.months[-1] == "2026-11"
    assert report.children == facts.children_count(report.since + (UNTIL - report.since) / 2)
    expected = report.total * 1000 / report.children / report.month_count
    assert report.per_1000_children_per_month == pytest.approx(expected)


def test_planted_exploitation_and_domestic_abuse_are_found():
    report = backtest_report(rules.active(), until=UNTIL)
    raised = {code for code, total in report.totals.items() if total.firings}
    # the test borough plants exploitation groups (children found with the same adults and
    # cars) and a domestic-abuse escalation at a family's home
    assert "found_with_adult_seen_with_other_children" in raised
    assert "domestic_incident_where_children_live" in raised
    for firing in report.firings:
        assert firing.facts and firing.at == max(f.at for f in firing.facts)


def test_facts_before_since_are_primed_so_a_pattern_can_complete_on_the_first_day():
    rule = rules.rule("found_with_adult_seen_with_other_children")
    whole = backtest_report([rule], until=UNTIL)
    assert whole.firings
    since = facts.local_day(whole.firings[-1].at)
    late = backtest_report([rule], since=since, until=UNTIL)
    assert late.since == since
    assert whole.firings[-1] in late.firings
    assert all(facts.local_day(f.at) >= since for f in late.firings)


def test_the_command_prints_alerts_totals_and_months_and_writes_nothing():
    output, writes = run("--until", UNTIL.isoformat())
    assert writes == []
    report = backtest_report(rules.active(), until=UNTIL)
    assert f"Back-test of {len(rules.active())} rule(s)" in output
    for rule in rules.active():
        total = report.totals[rule.code]
        assert f"{rule.code} v{rule.version} (on): {rule.name}" in output
        assert f"{total.firings:,} alerts about {total.people:,} people" in output
    assert "Alerts per month" in output
    assert re.search(r"^  2026-11 ", output, re.MULTILINE)
    assert f"In all: {report.total:,} alerts" in output
    assert "per 1,000 children per month" in output and "Nothing was written." in output
    # each alert names the person by their Lantern reference, with the facts behind it
    firing = report.firings[0]
    reference = Person.objects.get(pk=firing.person_id).reference
    assert f"{facts.local_day(firing.at)} {reference}" in output
    label, pk = firing.facts[0].source
    assert f"{label} {pk})" in output


def test_one_rule_at_a_time_and_a_csv_of_every_alert(tmp_path):
    path = tmp_path / "alerts.csv"
    output, writes = run(
        "--rule",
        "domestic_incident_where_children_live",
        "--csv",
        str(path),
        "--until",
        "2026-11-02",
    )
    assert writes == []
    assert "domestic_incident_where_children_live v1" in output
    assert "missing_with_school_absence" not in output
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    report = backtest_report([rules.rule("domestic_incident_where_children_live")], until=UNTIL)
    assert len(rows) == report.total > 0
    assert set(rows[0]) == {"rule", "version", "person", "fired_on", "facts"}
    assert rows[0]["person"].startswith("P-")
    assert "domestic_incident" in rows[0]["facts"]


def test_a_rule_that_is_off_can_be_back_tested_from_its_own_file(tmp_path):
    text = """
[[rule]]
code = "one_missing_episode"
version = 1
name = "One missing episode"
description = "Any missing episode: a rule too eager to switch on."
status = "off"
severity = "medium"
route = "exploitation_alert"
about = "children"
window_days = 1

[[rule.when]]
kind = "missing_episode"
"""
    path = tmp_path / "draft.toml"
    path.write_text(text, encoding="utf-8")
    output, writes = run("--rules-file", str(path), "--summary", "--since", "2026-01-01")
    assert writes == []
    assert "one_missing_episode v1 (off): One missing episode" in output
    count = int(re.search(r"In all: ([\d,]+) alerts", output).group(1).replace(",", ""))
    assert count > 0
    assert "2026-01 " in output and "2025-12 " not in output


def test_the_command_refuses_what_it_cannot_do(tmp_path):
    with pytest.raises(CommandError, match=r"no rule with the code 'nope'\. Known rules: "):
        run("--rule", "nope")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\ncode = "x_y"\n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad\.toml: rule x_y: "):
        run("--rules-file", str(bad))
    with pytest.raises(CommandError, match="is not a date"):
        run("--since", "1 May")
    with pytest.raises(CommandError, match="--since is after --until"):
        run("--since", "2026-05-02", "--until", "2026-05-01")
