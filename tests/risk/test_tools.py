"""The tool files: the shipped ones load; each kind of bad file is refused naming the file,
the part and the problem; old versions stay loadable; scoring, bands and floor rules."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lantern.risk import tools
from lantern.risk.tools import ToolFileError

from .conftest import CE, DA, PI, TODAY, da_answers, lowest_answers

ROLES = ["social_worker", "police_officer"]

GOOD = """
code = "sample"
version = 1
name = "Sample tool"
purpose = "For tests."
roles = ["social_worker"]

[[domain]]
code = "main"
title = "Main"

[[question]]
code = "hurt"
domain = "main"
type = "yes_no"
weight = 5
text = "Hurt?"

[[question]]
code = "times"
domain = "main"
type = "number"
min = 0
max = 50
steps = [{ at_least = 2, points = 3 }]
text = "How many times?"

[[question]]
code = "when"
domain = "main"
type = "date"
only_if = [{ question = "hurt", is = "yes" }]
steps = [{ within_days = 30, points = 2 }]
text = "When?"

[[question]]
code = "kind"
domain = "main"
type = "choice"
text = "What kind?"
choices = [
  { value = "none", label = "None", points = 0 },
  { value = "bad", label = "Bad", points = 4 },
]

[[band]]
level = "low"
label = "Low"
min = 0
max = 4

[[band]]
level = "high"
label = "High"
min = 5

[[floor]]
code = "young"
level = "high"
reason = "Young."
when = [{ about = "age", below = 10 }]

[[route]]
code = "act"
text = "Act."
when = [{ about = "level", is = "high" }]
"""


def write(tmp_path, text: str, name: str = "sample.v1.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path, text: str, name: str = "sample.v1.toml") -> str:
    with pytest.raises(ToolFileError) as caught:
        tools.load(write(tmp_path, text, name), roles=ROLES)
    return str(caught.value)


# ---------------------------------------------------------------- the shipped tools
@pytest.mark.django_db
def test_the_shipped_tools_load():
    found = {t.code: t for t in tools.load_dir().current()}
    assert set(found) == {CE, DA, PI}
    da = found[DA]
    assert da.levels == ("standard", "medium", "high")
    assert [(b.minimum, b.maximum) for b in da.bands] == [(0, 9), (10, 13), (14, None)]
    scored = [q for q in da.questions if q.type == "yes_no" and q.weight == 1]
    assert len(scored) == 24
    assert {r.code for r in da.routes} >= {
        "marac_high_score",
        "marac_professional_judgement",
        "marac_repeat_incidents",
    }
    assert found[CE].levels == ("low", "medium", "high")
    assert {f.code for f in found[CE].floors} >= {"under_13", "learning_disability"}
    assert "separation_planning_weapons" in {f.code for f in found[PI].floors}


def test_a_good_file_loads(tmp_path):
    tool = tools.load(write(tmp_path, GOOD), roles=ROLES)
    assert (tool.code, tool.version, tool.levels) == ("sample", 1, ("low", "high"))
    assert tool.max_score == 5 + 3 + 2 + 4


# ---------------------------------------------------------------- refusals
def test_an_unknown_question_type_is_refused(tmp_path):
    message = refused(tmp_path, GOOD.replace('type = "number"', 'type = "slider"'))
    assert message.startswith("sample.v1.toml: question 'times': unknown type 'slider'")
    assert "yes_no, choice, number, date, text" in message


def test_a_duplicate_question_code_is_refused(tmp_path):
    message = refused(tmp_path, GOOD.replace('code = "times"', 'code = "hurt"'))
    assert message == "sample.v1.toml: question 'hurt': appears twice (a duplicate code)"


def test_a_gap_between_bands_is_refused(tmp_path):
    message = refused(tmp_path, GOOD.replace("min = 5", "min = 7"))
    assert message == (
        "sample.v1.toml: band 'high': leaves a gap after band 'low': no band holds the "
        "scores 5 to 6"
    )


def test_overlapping_bands_are_refused(tmp_path):
    message = refused(tmp_path, GOOD.replace("min = 5", "min = 3"))
    assert message.startswith("sample.v1.toml: band 'high': overlaps band 'low'")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("min = 0\nmax = 4", "min = 1\nmax = 4"), "band 'low': the first band must start at 0"),
        (
            ('label = "High"\nmin = 5', 'label = "High"\nmin = 5\nmax = 9'),
            "band 'high': the last band must have no max",
        ),
    ],
)
def test_bands_must_cover_every_score(tmp_path, change, problem):
    assert problem in refused(tmp_path, GOOD.replace(*change))


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        (
            '{ question = "hurt", is = "yes" }]\nsteps',
            '{ question = "harm", is = "yes" }]\nsteps',
            "question 'when', only_if 1",
        ),
        (
            '{ about = "level", is = "high" }',
            '{ question = "injury", is = "yes" }',
            "route 'act', when 1",
        ),
    ],
)
def test_a_rule_naming_an_unknown_question_is_refused(tmp_path, old, new, where):
    assert old in GOOD
    message = refused(tmp_path, GOOD.replace(old, new))
    assert message.startswith(f"sample.v1.toml: {where}: names unknown question")


def test_a_floor_naming_an_unknown_question_is_refused(tmp_path):
    message = refused(
        tmp_path, GOOD.replace('{ about = "age", below = 10 }', '{ question = "nope", is = "yes" }')
    )
    assert message == "sample.v1.toml: floor 'young', when 1: names unknown question 'nope'"


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('roles = ["social_worker"]', 'roles = ["wizard"]', "roles: unknown role 'wizard'"),
        (
            'domain = "main"\ntype = "yes_no"',
            'domain = "elsewhere"\ntype = "yes_no"',
            "question 'hurt': unknown domain 'elsewhere'",
        ),
        (
            "weight = 5",
            "weight = -1",
            "question 'hurt': weight must be a whole number of 0 or more",
        ),
        ("weight = 5", 'weight = 5\ncolour = "red"', "question 'hurt': unknown key(s) colour"),
        (
            '{ about = "level", is = "high" }',
            '{ about = "level", is = "severe" }',
            "route 'act', when 1: unknown level 'severe'",
        ),
        (
            '{ question = "hurt", is = "yes" }]\nsteps',
            '{ question = "hurt", is = "maybe" }]\nsteps',
            "unknown answer 'maybe'; expected one of yes, no",
        ),
        (
            'level = "high"\nreason',
            'level = "extreme"\nreason',
            "floor 'young': unknown level 'extreme'",
        ),
        (
            '{ about = "age", below = 10 }',
            '{ about = "level", is = "high" }',
            "floor 'young', when 1: unknown about 'level'",
        ),
        ("version = 1", "version = 2", "do not match the file name"),
        (
            'choices = [\n  { value = "none"',
            'choices = [\n  { value = "bad"',
            "value 'bad' appears twice",
        ),
    ],
)
def test_other_mistakes_are_refused_naming_the_part(tmp_path, old, new, problem):
    assert old in GOOD
    message = refused(tmp_path, GOOD.replace(old, new, 1))
    assert message.startswith("sample.v1.toml: ")
    assert problem in message


def test_a_badly_named_file_is_refused(tmp_path):
    assert "the file name must be <code>.v<version>.toml" in refused(tmp_path, GOOD, "sample.toml")


# ---------------------------------------------------------------- versions
@pytest.mark.django_db
def test_old_versions_stay_loadable(tmp_path):
    write(tmp_path, GOOD)
    write(
        tmp_path,
        GOOD.replace("version = 1", "version = 2").replace('text = "Hurt?"', 'text = "Injured?"'),
        "sample.v2.toml",
    )
    found = tools.load_dir(tmp_path)
    assert found.get("sample").version == 2
    assert found.get("sample", 1).question("hurt").text == "Hurt?"
    assert found.get("sample", 2).question("hurt").text == "Injured?"
    assert found.versions("sample") == [1, 2]
    with pytest.raises(tools.ToolNotFound):
        found.get("sample", 3)


# ---------------------------------------------------------------- scoring and bands
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("yes", "level"),
    [(0, "standard"), (9, "standard"), (10, "medium"), (13, "medium"), (14, "high"), (24, "high")],
)
def test_domestic_abuse_band_edges(yes, level):
    tool = tools.tool(DA)
    outcome = tool.evaluate(da_answers(yes), age=30, on=TODAY)
    assert outcome.score == yes
    assert outcome.score_level == level


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("score", "level"), [(0, "low"), (6, "low"), (7, "medium"), (14, "medium"), (15, "high")]
)
def test_exploitation_band_edges(score, level):
    assert tools.tool(CE).band_for(score).level == level


def _ladder(question) -> list:
    """A question's answers from fewest points to most (for yes/no and choices)."""
    if question.type == "yes_no":
        return ["no", "yes"]
    return [c.value for c in sorted(question.choices, key=lambda c: c.points)]


@pytest.mark.django_db
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.data(), code=st.sampled_from([CE, DA, PI]), age=st.one_of(st.none(), st.integers(5, 60))
)
def test_more_worrying_answers_never_give_a_lower_level(data, code, age):
    """Level is monotone in the answers' points: raise any answers, never a lower level."""
    tool = tools.tool(code)
    ladders = {q.code: _ladder(q) for q in tool.questions if q.type in ("yes_no", "choice")}
    numbers = [q for q in tool.questions if q.type == "number"]
    low, high = lowest_answers(code), {}
    for name, ladder in ladders.items():
        first = data.draw(st.integers(0, len(ladder) - 1))
        second = data.draw(st.integers(first, len(ladder) - 1))
        low[name], high[name] = ladder[first], ladder[second]
    for q in numbers:
        first = data.draw(st.integers(q.minimum, min(q.maximum, 12)))
        low[q.code], high[q.code] = first, data.draw(st.integers(first, min(q.maximum, 12)))
    day = TODAY - dt.timedelta(days=data.draw(st.integers(0, 800)))
    for q in tool.questions:
        if q.type == "date":
            low[q.code] = high[q.code] = day.isoformat()
    before = tool.evaluate(low, age=age, on=TODAY)
    after = tool.evaluate(high, age=age, on=TODAY)
    assert after.score >= before.score
    assert tool.rank(after.score_level) >= tool.rank(before.score_level)


@pytest.mark.django_db
@given(score=st.integers(0, 200), more=st.integers(0, 50))
@settings(max_examples=100, deadline=None)
def test_bands_are_monotone_in_the_score(score, more):
    for tool in tools.current():
        assert tool.rank(tool.band_for(score + more).level) >= tool.rank(tool.band_for(score).level)


@pytest.mark.django_db
def test_a_recent_separation_counts_more():
    tool = tools.tool(PI)
    base = lowest_answers(PI) | {"separated": "yes"}
    points = [
        tool.evaluate(
            base | {"separated_on": (TODAY - dt.timedelta(days=d)).isoformat()}, age=40, on=TODAY
        ).score
        for d in (30, 200, 500)
    ]
    assert points == [6, 4, 3]
    # Not asked without a separation: the date is not counted
    assert (
        tool.evaluate(
            base | {"separated": "no", "separated_on": TODAY.isoformat()}, age=40, on=TODAY
        ).score
        == 0
    )


# ---------------------------------------------------------------- floor rules
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("age", "level"), [(11, "medium"), (12, "medium"), (13, "low"), (16, "low"), (None, "low")]
)
def test_a_child_under_13_is_never_graded_low(age, level):
    tool = tools.tool(CE)
    outcome = tool.evaluate(lowest_answers(CE), age=age, on=TODAY)
    assert outcome.score == 0 and outcome.band.level == "low"
    assert outcome.score_level == level
    assert ("under_13" in {f.code for f in outcome.floors}) == (level == "medium")


@pytest.mark.django_db
def test_a_child_with_a_learning_disability_is_never_graded_low():
    tool = tools.tool(CE)
    outcome = tool.evaluate(lowest_answers(CE) | {"learning_disability": "yes"}, age=15, on=TODAY)
    assert outcome.score == 1 and outcome.score_level == "medium"
    assert [f.reason for f in outcome.floors] == [
        "A child with a learning disability is never graded low."
    ]


@pytest.mark.django_db
def test_a_floor_never_lowers_a_higher_score():
    tool = tools.tool(CE)
    answers = lowest_answers(CE) | {
        "missing_episodes": 4,
        "older_person": "known",
        "sexual_health": "yes",
    }
    outcome = tool.evaluate(answers, age=11, on=TODAY)
    assert outcome.score == 15 and outcome.score_level == "high"


@pytest.mark.django_db
def test_separation_planning_and_weapons_give_high_whatever_the_score():
    tool = tools.tool(PI)
    answers = lowest_answers(PI) | {
        "separated": "yes",
        "separated_on": (TODAY - dt.timedelta(days=400)).isoformat(),
        "planning": "yes",
        "weapons_access": "other_weapons",
    }
    outcome = tool.evaluate(answers, age=40, on=TODAY)
    assert outcome.score == 3 + 5 + 3 and outcome.band.level == "medium"
    assert outcome.score_level == "high"
    without_weapons = tool.evaluate(answers | {"weapons_access": "none_known"}, age=40, on=TODAY)
    assert without_weapons.score_level == "medium"


@pytest.mark.django_db
def test_routes_to_the_risk_conference():
    tool = tools.tool(DA)

    def routes(answers, level=None):
        outcome = tool.evaluate(answers, age=30, on=TODAY)
        found = tool.routes_for(
            answers,
            score=outcome.score,
            score_level=outcome.score_level,
            level=level or outcome.score_level,
            age=30,
            on=TODAY,
        )
        return {r.code for r in found if r.code.startswith("marac")}

    assert routes(da_answers(14)) == {"marac_high_score"}
    assert routes(da_answers(5)) == set()
    assert routes(da_answers(5), level="high") == {"marac_professional_judgement"}
    assert routes(da_answers(2, incidents_12_months=3)) == {"marac_repeat_incidents"}
    assert routes(da_answers(2, incidents_12_months=2)) == set()


def test_the_error_names_the_file_even_deep_inside(tmp_path):
    bad = GOOD.replace("steps = [{ at_least = 2, points = 3 }]", "steps = [{ at_least = 2 }]")
    message = refused(tmp_path, bad)
    assert re.match(r"sample\.v1\.toml: question 'times', step 1: a step must have", message)


@pytest.mark.django_db
def test_a_bad_shipped_file_stops_lantern_at_the_check(tmp_path, monkeypatch):
    from lantern.risk.apps import tool_files_check

    assert tool_files_check() == []
    write(tmp_path, GOOD.replace('type = "number"', 'type = "slider"'))
    monkeypatch.setattr(tools, "TOOLS_DIR", tmp_path)
    (error,) = tool_files_check()
    assert error.id == "risk.E001"
    assert error.msg.startswith("sample.v1.toml: question 'times': unknown type 'slider'")
