from django.conf import settings


def lantern(request):
    from lantern.alerts.selectors import may_read_rules_report

    user = getattr(request, "user", None)
    return {
        "service_name": settings.LANTERN_SERVICE_NAME,
        "is_demo": settings.LANTERN_DEMO,
        "reads_alert_rules": bool(user and user.is_authenticated and may_read_rules_report(user)),
    }
