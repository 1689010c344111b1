"""The `lantern` command.

    lantern demo               set up and serve the demo on http://127.0.0.1:8000
    lantern serve              the production server (gunicorn)
    lantern seed --people N    seed the synthetic borough
    lantern <django command>   any of Django's own commands (migrate, check, shell...)

`demo` uses the demo settings; everything else uses production settings unless
DJANGO_SETTINGS_MODULE (or --settings) says otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv else "help"
    if command == "demo":
        return demo(argv[1:])
    if command == "serve":
        return serve(argv[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lantern.settings.production")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["lantern", *argv])
    return 0


def demo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="lantern demo", description="Run the demo.")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-serve", action="store_true", help="Set up, print, and stop.")
    args = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "lantern.settings.demo"
    import django

    django.setup()
    from django.core.management import call_command

    from lantern.core import clock
    from lantern.synth.demo import DEMO_PASSWORD, demo_users_ensure
    from lantern.synth.models import BoroughSeed

    call_command("migrate", verbosity=0)
    if not BoroughSeed.objects.exists():
        print(f"Seeding the synthetic borough of Kestrelford ({args.people:,} people)...")
        call_command("seed", people=args.people, seed=args.seed)
    from lantern.linkage.models import LinkRun

    if not LinkRun.objects.exists():
        print("Linking the agencies' records into people (record linkage)...")
        call_command("link")
    from lantern.network.models import IntelligenceReport

    if not IntelligenceReport.objects.exists():
        print("Taking the police's sightings and findings into the network...")
        call_command("network_ingest")
    from lantern.synth.demo_access import demo_allocations_ensure

    sign_ins = demo_users_ensure(today=clock.today())
    demo_allocations_ensure(today=clock.today())
    from lantern.casework.demo import casework_seed
    from lantern.frontdoor.demo import referrals_seed

    referrals_seed(today=clock.today())
    casework_seed(today=clock.today())
    from lantern.justice.demo import justice_seed

    justice_seed(today=clock.today())
    from lantern.support.demo import support_demo_ensure

    support_demo_ensure(today=clock.today())
    from lantern.voice.demo import voice_demo_ensure

    voice_demo_ensure(today=clock.today())
    from lantern.sar.demo import sar_demo_ensure

    sar_demo_ensure(today=clock.today())
    from lantern.alerts.models import Alert

    if not Alert.objects.exists():
        print("Running the alert rules over the last 90 days of the agencies' records...")
        call_command("alerts_raise", days=90)
    address = f"http://127.0.0.1:{args.port}/"
    print()
    print("Lantern demo: synthetic data only. Nothing here is about a real person.")
    print(f"Open {address} and sign in as any of these (password: {DEMO_PASSWORD})")
    print()
    width = max(len(s.username) for s in sign_ins)
    for s in sign_ins:
        print(f"  {s.username:<{width}}  {s.role} — {s.team}, {s.agency}")
    print()
    print("Signing in takes a password and then a one-time code. In the demo, the code page")
    print("shows each demo user's current code in a box marked 'Demo only'; a real Lantern")
    print("never does, and people read the code from an authenticator app on their phone.")
    print()
    if args.no_serve:
        return 0
    call_command("runserver", f"127.0.0.1:{args.port}", use_reloader=False)
    return 0


def serve(argv: list[str]) -> int:
    """Production: gunicorn with the production settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lantern.settings.production")
    from gunicorn.app.wsgiapp import run

    sys.argv = [
        "gunicorn",
        "--bind",
        os.environ.get("BIND", "127.0.0.1:8000"),
        "--workers",
        os.environ.get("WEB_WORKERS", "2"),
        "--access-logfile",
        "-",
        *argv,
        "lantern.wsgi:application",
    ]
    run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
