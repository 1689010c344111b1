"""`lantern rules_backtest`: what alert rules would have raised over the recorded history.

    lantern rules_backtest                         the rules that are on
    lantern rules_backtest --rule CODE [--rule CODE]   chosen shipped rules, on or off
    lantern rules_backtest --rules-file PATH       a new rules file (or directory), before it
                                                   is switched on
    --since DATE --until DATE                      the stretch to replay (default: from the
                                                   first fact to today)
    --csv PATH                                     also write every alert, one a row
    --summary                                      totals only, not each alert

It replays the facts through the same engine that runs live and prints each alert it
would have raised (the rule, the day, the person's Lantern reference and the facts behind
it: kind, day, agency and record, never their content), the totals per rule and per
month, and the alerts per 1,000 children per month. It writes nothing to the database.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lantern.alerts import facts as fact_source
from lantern.alerts import rules as rule_files
from lantern.alerts.engine import Report, backtest_report


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"{text!r} is not a date: write it as YYYY-MM-DD") from exc


def choose_rules(codes: list[str], rules_file: Path | None) -> list:
    """The rules to replay: the named ones (on or off) from the file or the shipped rules;
    with no names, every rule in the file, or the shipped rules that are on."""
    try:
        source = rule_files.load(rules_file) if rules_file else list(rule_files.shipped())
    except rule_files.RuleFileError as exc:
        raise CommandError(str(exc)) from exc
    if not codes:
        return source if rules_file else [r for r in source if r.is_on]
    chosen = []
    for code in dict.fromkeys(codes):
        try:
            chosen.append(rule_files.rule(code, source))
        except LookupError as exc:
            known = ", ".join(r.code for r in source)
            raise CommandError(f"{exc}. Known rules: {known}") from exc
    return chosen


def references(person_ids) -> dict[int, str]:
    from lantern.people.models import Person

    ids = sorted(set(person_ids))
    found: dict[int, str] = {}
    for start in range(0, len(ids), 5000):
        found.update(
            Person.objects.filter(pk__in=ids[start : start + 5000]).values_list("id", "reference")
        )
    return found


def agency_names() -> dict[int, str]:
    from lantern.partners.models import Agency

    return dict(Agency.objects.values_list("id", "name"))


def fact_line(fact, agencies: dict[int, str]) -> str:
    label, pk = fact.source
    day = fact_source.local_day(fact.at).isoformat()
    return f"{day} {fact.kind} ({agencies.get(fact.agency_id, 'unknown agency')}, {label} {pk})"


class Command(BaseCommand):
    help = (
        "Replay the recorded history through alert rules and print what they would have "
        "raised, for whom and when, with totals per rule and per month. Writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rule", action="append", default=[], metavar="CODE", help="A rule's code."
        )
        parser.add_argument(
            "--rules-file", type=Path, help="A rules file or directory instead of the shipped."
        )
        parser.add_argument("--since", type=_date, help="First day (YYYY-MM-DD).")
        parser.add_argument("--until", type=_date, help="Last day (YYYY-MM-DD); default today.")
        parser.add_argument(
            "--csv",
            dest="csv_path",
            metavar="PATH",
            type=Path,
            help="Also write every alert to this CSV file.",
        )
        parser.add_argument("--summary", action="store_true", help="Totals only.")

    def handle(self, *args, rule, rules_file, since, until, csv_path, summary, **options):
        chosen = choose_rules(rule, rules_file)
        if not chosen:
            raise CommandError("No rules to replay: none is on. Name one with --rule.")
        if since and until and since > until:
            raise CommandError("--since is after --until")
        report = backtest_report(chosen, since=since, until=until)
        people = references(f.person_id for f in report.firings)
        agencies = agency_names()
        self._print(report, people, agencies, summary)
        if csv_path:
            self._csv(csv_path, report, people, agencies)
            self.stdout.write(f"Wrote {report.total:,} alerts to {csv_path}.")

    def _print(self, report: Report, people, agencies, summary: bool) -> None:
        out = self.stdout.write
        out(
            f"Back-test of {len(report.rules)} rule(s) from {report.since} to {report.until} "
            f"({report.month_count:.1f} months): {report.facts_read:,} facts read in "
            f"{report.seconds:.1f} s; {report.children:,} children in the borough."
        )
        for rule in report.rules:
            total = report.totals[rule.code]
            out("")
            out(
                self.style.MIGRATE_HEADING(
                    f"{rule.code} v{rule.version} ({rule.status}): {rule.name}"
                )
            )
            out(
                f"  {total.firings:,} alerts about {total.people:,} people; "
                f"{total.per_1000_children_per_month:.2f} per 1,000 children per month"
            )
            if summary:
                continue
            for firing in (f for f in report.firings if f.rule == rule.code):
                day = fact_source.local_day(firing.at)
                who = people.get(firing.person_id, f"person {firing.person_id}")
                out(f"  {day} {who}")
                for fact in firing.facts:
                    out(f"      {fact_line(fact, agencies)}")
        out("")
        out(self.style.MIGRATE_HEADING("Alerts per month"))
        codes = [r.code for r in report.rules]
        for number, code in enumerate(codes, start=1):
            out(f"  [{number}] {code}")
        widest = max([len(f"{n:,}") for n in report.all_per_month] + [len(str(len(codes))) + 2])
        width = max(5, widest)
        heads = [f"[{n}]" for n in range(1, len(codes) + 1)]
        out(
            f"  {'month':<8}"
            + "".join(f"{h:>{width + 1}}" for h in heads)
            + f"{'all':>{width + 1}}"
        )
        for index, month in enumerate(report.months):
            counts = [report.per_month[c][index] for c in codes]
            cells = "".join(f"{n:>{width + 1},}" for n in [*counts, sum(counts)])
            out(f"  {month:<8}{cells}")
        out("")
        out(
            self.style.SUCCESS(
                f"In all: {report.total:,} alerts about "
                f"{len({f.person_id for f in report.firings}):,} people; "
                f"{report.per_1000_children_per_month:.2f} alerts per 1,000 children per month. "
                "Nothing was written."
            )
        )

    def _csv(self, path: Path, report: Report, people, agencies) -> None:
        try:
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["rule", "version", "person", "fired_on", "facts"])
                for firing in report.firings:
                    writer.writerow(
                        [
                            firing.rule,
                            firing.version,
                            people.get(firing.person_id, firing.person_id),
                            fact_source.local_day(firing.at).isoformat(),
                            "; ".join(fact_line(f, agencies) for f in firing.facts),
                        ]
                    )
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}") from exc
