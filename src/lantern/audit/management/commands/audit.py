"""`lantern audit anchor` and `lantern audit verify`.

lantern audit anchor    sign the heads of the log's chains and append them to the
                        anchor file (run from a timer every minute)
lantern audit verify    check every chain and every anchor; exit status 1,
                        naming the first broken link, if anything is wrong
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from lantern.audit.anchors import anchor_dir, audit_anchor
from lantern.audit.verify import BATCH_SIZE, MAX_PROBLEMS, verify_audit_log

SHOWN_PROBLEMS = 20


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _chains(tops: dict[int, int]) -> str:
    """e.g. "chain 1, unbroken from event 1 to event 40", or for several chains
    "3 chains, each unbroken from event 1: chain 1 to event 40, chain 2 to event 12, ..."."""
    if len(tops) == 1:
        ((chain, top),) = tops.items()
        return f"chain {chain}, unbroken from event 1 to event {top:,}"
    ends = ", ".join(f"chain {chain} to event {top:,}" for chain, top in tops.items())
    return f"{len(tops)} chains, each unbroken from event 1: {ends}"


class Command(BaseCommand):
    help = "Anchor the audit log outside the database, or verify its chain and anchors."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(
            dest="subcommand", required=True, metavar="{anchor,verify}"
        )
        commands.add_parser(
            "anchor", help="Sign the chains' current heads and append them to the anchor file."
        )
        verify = commands.add_parser(
            "verify", help="Check every event and anchor; exit 1 naming the first broken link."
        )
        verify.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"Events per query ({BATCH_SIZE})."
        )
        verify.add_argument(
            "--show",
            type=int,
            default=SHOWN_PROBLEMS,
            help=f"How many problems to list ({SHOWN_PROBLEMS}).",
        )

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "anchor":
            return self.anchor()
        return self.verify(batch_size=options["batch_size"], show=options["show"])

    def anchor(self) -> None:
        try:
            anchor = audit_anchor()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"The anchor could not be written to {anchor_dir()}: {exc}") from exc
        self.stdout.write(
            f"Anchored the audit log's {_n(len(anchor.heads), 'chain')} "
            f"({_n(anchor.events, 'event')}: {anchor.described()}) in {anchor.path}."
        )

    def verify(self, *, batch_size: int, show: int) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        result = verify_audit_log(batch_size=batch_size, max_problems=max(MAX_PROBLEMS, show))
        if result.ok:
            anchors = _n(result.anchors_checked, "anchor")
            if result.events_checked == 0:
                message = f"The audit log holds no events yet; {anchors} checked."
            else:
                message = (
                    f"The audit log is intact: {_n(result.events_checked, 'event')} checked "
                    f"({_chains(result.chains)}) and {anchors} checked."
                )
            self.stdout.write(self.style.SUCCESS(message))
            return
        count = result.problem_count
        first = result.first
        self.stderr.write(
            f"The audit log failed verification: {_n(count, 'problem')} found in "
            f"{_n(result.events_checked, 'event')} and {_n(result.anchors_checked, 'anchor')}."
        )
        for problem in result.problems[:show]:
            self.stderr.write(f"  - {problem.message}")
        if count > show:
            self.stderr.write(f"  ... and {count - show:,} more.")
        where = f" at {first.place}" if first.place else ""
        raise CommandError(f"The first broken link is{where}: {first.message}", returncode=1)
