from django.conf import settings


def lantern(request):
    return {
        "service_name": settings.LANTERN_SERVICE_NAME,
        "is_demo": settings.LANTERN_DEMO,
    }
