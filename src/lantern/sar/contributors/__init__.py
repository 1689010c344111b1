"""Lantern's own apps' sections of a subject access pack, registered with
lantern.sar.registry (other apps join through a `sar_sections` module: see registry.py).

The order is the pack's: who the person is and which agencies hold a record of them; one
chronology of everything recorded (agency events, referrals, casework); risk assessments;
alerts; police investigations in which the person is a victim; police intelligence;
then, last, who has looked at the record."""

from __future__ import annotations

from .. import registry


def register_builtin() -> None:
    from . import alerts, audit_log, chronology, justice, network, people, risk

    registry.register(
        "people", sections=people.sections, linked_people=people.linked_people, order=100
    )
    registry.register("chronology", sections=chronology.sections, order=200)
    registry.register("risk", sections=risk.sections, order=300)
    registry.register(
        "alerts", sections=alerts.sections, linked_people=alerts.linked_people, order=400
    )
    registry.register(
        "justice", sections=justice.sections, linked_people=justice.linked_people, order=600
    )
    registry.register(
        "network", sections=network.sections, linked_people=network.linked_people, order=650
    )
    registry.register("audit", sections=audit_log.sections, order=900)
