"""The demo's sign-ins: one for every role, each placed where that role works."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from lantern.partners.models import Agency, AgencyKind, Role, StaffMembership, Team

DEMO_PASSWORD = "lantern-demo-only"  # noqa: S105 - printed for the demo; never in production


@dataclass(frozen=True)
class DemoSignIn:
    username: str
    name: str
    role: str
    agency: str
    team: str


# username, given name, family name, role code, agency code (or a kind), team code
DEMO_USERS = [
    (
        "mash.worker",
        "Priya",
        "Okonjo",
        "front_door_social_worker",
        "kestrelford-childrens-services",
        "front-door",
    ),
    (
        "social.worker",
        "Daniel",
        "Hartley",
        "social_worker",
        "kestrelford-childrens-services",
        "exploitation",
    ),
    (
        "team.manager",
        "Grace",
        "Adebayo",
        "team_manager",
        "kestrelford-childrens-services",
        "front-door",
    ),
    (
        "police.officer",
        "Tom",
        "Whitcombe",
        "police_officer",
        "northmoor-police",
        "child-exploitation",
    ),
    ("police.analyst", "Nadia", "Farrant", "police_analyst", "northmoor-police", "intelligence"),
    ("nhs.nurse", "Helen", "Marsh", "nhs_safeguarding_nurse", "kestrelford-nhs", "safeguarding"),
    (
        "school.dsl",
        "Marcus",
        "Leland",
        "school_safeguarding_lead",
        AgencyKind.SCHOOL,
        "school-safeguarding",
    ),
    ("support.worker", "Aisha", "Rahman", "support_worker", "harbour-survivors", "support"),
    (
        "partnership.manager",
        "Jonathan",
        "Reeve",
        "partnership_manager",
        "kestrelford-childrens-services",
        "partnership",
    ),
    (
        "scrutineer",
        "Ruth",
        "Calder",
        "independent_scrutineer",
        "kestrelford-childrens-services",
        "partnership",
    ),
    (
        "dpo",
        "Samuel",
        "Ogden",
        "data_protection_officer",
        "kestrelford-childrens-services",
        "partnership",
    ),
    (
        "admin",
        "Kim",
        "Barlow",
        "system_administrator",
        "kestrelford-childrens-services",
        "partnership",
    ),
]


def _agency_for(where: str) -> Agency:
    if where == AgencyKind.SCHOOL:
        # The secondary school with the most pupils on roll is the demo's school.
        from django.db.models import Count

        return (
            Agency.objects.filter(kind=AgencyKind.SCHOOL, code__startswith="secondary-")
            .annotate(pupils=Count("source_records"))
            .order_by("-pupils", "code")
            .first()
        ) or Agency.objects.filter(kind=AgencyKind.SCHOOL).order_by("code").first()
    return Agency.objects.get(code=where)


def _demo_second_factor_ensure(user) -> None:
    """Enrol a demo user in the one-time code step, with a fixed secret for the demo.

    The code page shows demo users their current code (only while LANTERN_DEMO is on),
    and the same secret can be typed into a real authenticator app to try one.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from lantern.accounts.otp import demo_key

    key = demo_key(user.username)
    device = TOTPDevice.objects.filter(user=user, key=key).first()
    if device is None:
        TOTPDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.create(user=user, name="Demo authenticator", key=key, confirmed=True)
    elif not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])


@transaction.atomic
def demo_users_ensure(*, today: dt.date) -> list[DemoSignIn]:
    """Create (or refresh) the demo sign-ins. Safe to run again."""
    user_model = get_user_model()
    sign_ins = []
    for username, given, family, role_code, where, team_code in DEMO_USERS:
        agency = _agency_for(where)
        team = Team.objects.get(agency=agency, code=team_code)
        role = Role.objects.get(code=role_code)
        user, _ = user_model.objects.get_or_create(
            username=username,
            defaults={
                "first_name": given,
                "last_name": family,
                "job_title": role.name,
                "email": f"{username}@demo.lantern.example",
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.is_active = True
        user.save()
        _demo_second_factor_ensure(user)
        StaffMembership.objects.filter(user=user, ended_on__isnull=True).exclude(
            agency=agency, team=team, role=role
        ).update(ended_on=today)
        StaffMembership.objects.get_or_create(
            user=user,
            agency=agency,
            team=team,
            role=role,
            ended_on=None,
            defaults={"started_on": today},
        )
        sign_ins.append(
            DemoSignIn(username, f"{given} {family}", role.name, agency.name, team.name)
        )
    return sign_ins
