"""The rules files: the shipped rules load and say what they should; a broken file is
refused with the file, the rule and the field named, so a typo never becomes a rule that
silently fires for nobody."""

from __future__ import annotations

import pytest

from lantern.alerts import rules
from lantern.alerts.rules import RuleFileError
from lantern.casework import responsibilities

GOOD = """
[[rule]]
code = "twice_missing"
version = 1
name = "Missing twice"
description = "Missing twice in 30 days."
status = "on"
severity = "high"
route = "exploitation_alert"
about = "children"
window_days = 30

[[rule.when]]
kind = "missing_episode"
at_least = 2

[[rule.tasks]]
agency_kind = "childrens_services"
text = "Look at it."
due_working_days = 1
"""


def write(tmp_path, text: str, name: str = "mine.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path, text: str) -> str:
    with pytest.raises(RuleFileError) as caught:
        rules.load(write(tmp_path, text))
    return str(caught.value)


def test_a_good_file_loads_with_its_defaults(tmp_path):
    (rule,) = rules.load(write(tmp_path, GOOD))
    assert rule.code == "twice_missing"
    assert rule.subject == "person"
    assert rule.repeat_after_days == 90
    assert rule.notify == () and rule.notify_by == "now"
    assert rule.watches == {"missing_episode"}
    (condition,) = rule.when
    assert (condition.kind, condition.at_least, condition.within_days) == ("missing_episode", 2, 30)
    assert rule.tasks[0].agency_kind == "childrens_services"
    assert rule.file == "mine.toml"


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        (
            'kind = "missing_episode"',
            'kind = "missing_episod"',
            "when[1].kind",
            "unknown event type",
        ),
        ("at_least = 2", "at_least = 0", "when[1].at_least", "outside 1"),
        ("at_least = 2", 'at_least = "2"', "when[1].at_least", "whole number"),
        ("at_least = 2", "at_least = true", "when[1].at_least", "whole number"),
        ("at_least = 2", "at_least = 2.5", "when[1].at_least", "whole number"),
        (
            "at_least = 2",
            "at_least = 2\nwithin_days = 31",
            "when[1].within_days",
            "31 is more than the rule's window_days (30)",
        ),
        ("window_days = 30", "window_days = 0", "window_days", "outside 1"),
        ("version = 1", "version = -1", "version", "outside 1"),
        ("version = 1\n", "", "version", "missing"),
        ("at_least = 2", "at_least = 2\nhow_often = 3", "when[1].how_often", "unknown field"),
        ('severity = "high"', 'severity = "high"\ncolour = "red"', "colour", "unknown field"),
        ("due_working_days = 1", "due_working_days = 1\nowner = 2", "tasks[1].owner", "unknown"),
        ("due_working_days = 1", "due_working_days = -1", "tasks[1].due_working_days", "outside"),
        (
            'agency_kind = "childrens_services"',
            'agency_kind = "council"',
            "tasks[1].agency_kind",
            "",
        ),
        ('route = "exploitation_alert"', 'route = "exploitation"', "route", "not a step"),
        ('status = "on"', 'status = "yes"', "status", "not one of"),
        ('severity = "high"', 'severity = "urgent"', "severity", "not one of"),
        ('about = "children"', 'about = "teenagers"', "about", "not one of"),
        ('about = "children"', 'about = "children"\nnotify = ["head_teacher"]', "notify", "role"),
        ('about = "children"', 'about = "children"\nnotify_by = "soon"', "notify_by", ""),
        ('description = "Missing twice in 30 days."', 'description = ""', "description", "empty"),
        ('code = "twice_missing"', 'code = "Twice Missing"', "code", "lower case"),
        ("at_least = 2", 'at_least = 2\nwhere = "high"', "when[1].where", "table"),
        (
            "at_least = 2",
            "at_least = 2\nwhere = { risk_grade = {} }",
            "when[1].where.risk_grade",
            "",
        ),
        ("at_least = 2", "at_least = 2\nshared_by = [3]", "when[1].shared_by", "details key"),
        ("at_least = 2", 'at_least = 2\nshared_by = "postcode"', "when[1].shared_by", "field"),
        ("at_least = 2", "at_least = 2\npeople_at_least = 3", "when[1].people_at_least", "only"),
        (
            "at_least = 2",
            'at_least = 2\nshared_by = "adult"\npeople_at_least = 1',
            "when[1].people_at_least",
            "outside 2",
        ),
    ],
)
def test_each_mistake_is_refused_naming_file_rule_and_field(tmp_path, old, new, field, problem):
    assert old in GOOD
    message = refused(tmp_path, GOOD.replace(old, new, 1))
    rule = "rule Twice Missing" if "Twice" in new else "rule twice_missing"
    assert message.startswith(f"mine.toml: {rule}: {field}: "), message
    assert problem in message


def test_a_rule_without_conditions_is_refused(tmp_path):
    text = GOOD.split("[[rule.when]]")[0]
    assert refused(tmp_path, text) == (
        "mine.toml: rule twice_missing: when: a rule needs at least one [[rule.when]] condition"
    )


def test_the_children_at_an_address_cannot_share_by_a_key(tmp_path):
    text = GOOD.replace('about = "children"', 'subject = "children_at_address"').replace(
        "at_least = 2", 'at_least = 2\nshared_by = "adult"'
    )
    assert "when.shared_by" in refused(tmp_path, text)


def test_a_code_used_twice_is_refused_in_one_file_and_across_files(tmp_path):
    assert refused(tmp_path, GOOD + GOOD).startswith(
        "mine.toml: rule twice_missing: code: already used in mine.toml"
    )
    folder = tmp_path / "rules"
    folder.mkdir()
    write(folder, GOOD, "a.toml")
    write(folder, GOOD, "b.toml")
    with pytest.raises(
        RuleFileError, match=r"b\.toml: rule twice_missing: code: already used in a"
    ):
        rules.load(folder)


def test_a_rule_without_a_code_is_named_by_its_place(tmp_path):
    message = refused(tmp_path, GOOD.replace('code = "twice_missing"\n', ""))
    assert message == "mine.toml: rule 1 (no code): code: missing"


def test_files_that_are_not_rules_are_refused(tmp_path):
    assert "cannot be read" in refused(tmp_path, "[[rule]\ncode=")
    assert "has no [[rule]] entries" in refused(tmp_path, "# nothing yet\n")
    assert "unknown table 'rules'" in refused(tmp_path, "[[rules]]\ncode = 'x'\n")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RuleFileError, match="no rules files"):
        rules.load(tmp_path / "empty")


def test_a_risk_tool_and_where_filters_and_shared_keys_load(tmp_path):
    text = GOOD.replace('kind = "missing_episode"', 'kind = "risk_assessment"').replace(
        "at_least = 2",
        'at_least = 1\nwhere = { tool = ["domestic_abuse_risk"], level = "high" }\n'
        'shared_by = ["adult + adult_dob", "vehicle"]\npeople_at_least = 3',
    )
    (rule,) = rules.load(write(tmp_path, text))
    (condition,) = rule.when
    assert condition.where == (("level", ("high",)), ("tool", ("domestic_abuse_risk",)))
    assert condition.shared_by == (("adult", "adult_dob"), ("vehicle",))
    assert condition.people_at_least == 3


# ---------------------------------------------------------------------- the shipped rules

SHIPPED = {
    "missing_with_school_absence",
    "missing_three_times_in_30_days",
    "found_with_adult_seen_with_other_children",
    "repeated_emergency_attendances",
    "domestic_incident_where_children_live",
    "high_risk_domestic_abuse",
    "high_risk_domestic_abuse_children_at_address",
    "repeat_domestic_incidents",
    "dangerous_perpetrator_indicators",
    "linked_to_adult_around_children_at_risk",
}


def test_the_shipped_rules_load_and_are_on():
    shipped = rules.load()
    assert {r.code for r in shipped} == SHIPPED
    assert {r.code for r in rules.active()} == SHIPPED
    steps = responsibilities.responsibilities().steps
    for rule in shipped:
        assert rule.route in steps
        assert len(rule.description) > 80, rule.code  # plain English, not a label
        assert rule.tasks, rule.code


def test_each_shipped_rule_goes_where_the_issue_says():
    route = {r.code: r.route for r in rules.shipped()}
    assert route["missing_with_school_absence"] == "exploitation_alert"
    assert route["found_with_adult_seen_with_other_children"] == "exploitation_alert"
    assert route["repeated_emergency_attendances"] == "health_alert"
    assert route["domestic_incident_where_children_live"] == "domestic_abuse_alert"
    assert route["high_risk_domestic_abuse"] == "marac_referral"


def test_a_domestic_incident_tells_the_schools_before_the_next_school_day():
    rule = rules.rule("domestic_incident_where_children_live")
    assert rule.subject == "children_at_address"
    assert rule.notify == ("school_safeguarding_lead",)
    assert rule.notify_by == "before_next_school_day"


def test_a_high_risk_assessment_asks_each_agency_for_a_safety_plan_and_a_marac_referral():
    rule = rules.rule("high_risk_domestic_abuse")
    kinds = [t.agency_kind for t in rule.tasks]
    assert {"police", "childrens_services", "nhs"} <= set(kinds)
    assert any("MARAC" in t.text for t in rule.tasks if t.agency_kind == "police")
    for kind in ("police", "childrens_services", "nhs"):
        assert any("Safety plan" in t.text for t in rule.tasks if t.agency_kind == kind), kind


def test_an_unknown_rule_code_is_refused():
    with pytest.raises(LookupError, match="no rule with the code 'nope'"):
        rules.rule("nope")
