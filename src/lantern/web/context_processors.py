from django.conf import settings


def lantern(request):
    from lantern.access import policy
    from lantern.alerts.selectors import may_read_rules_report
    from lantern.sar.access import is_dpo

    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "service_name": settings.LANTERN_SERVICE_NAME,
        "is_demo": settings.LANTERN_DEMO,
        "reads_alert_rules": signed_in and may_read_rules_report(user),
        "sees_support": signed_in and policy.holds_any(user, "list", "support_plan"),
        "handles_subject_access": signed_in and is_dpo(user),
    }
