from django.urls import include, path

urlpatterns = [
    path("api/v1/", include(("lantern.api.urls", "api"), namespace="api")),
    path("", include(("lantern.accounts.urls", "accounts"), namespace="accounts")),
    path("linkage/", include(("lantern.linkage.urls", "linkage"), namespace="linkage")),
    path("deadlines/", include(("lantern.timescales.urls", "timescales"), namespace="timescales")),
    path("front-door/", include(("lantern.frontdoor.urls", "frontdoor"), namespace="frontdoor")),
    path("cases/", include(("lantern.casework.urls", "casework"), namespace="casework")),
    path("chronology/", include(("lantern.chronology.urls", "chronology"), namespace="chronology")),
    path("risk/", include(("lantern.risk.urls", "risk"), namespace="risk")),
    path("alerts/", include(("lantern.alerts.urls", "alerts"), namespace="alerts")),
    path("network/", include(("lantern.network.urls", "network"), namespace="network")),
    path("justice/", include(("lantern.justice.urls", "justice"), namespace="justice")),
    path("support/", include(("lantern.support.urls", "support"), namespace="support")),
    path("voice/", include(("lantern.voice.urls", "voice"), namespace="voice")),
    path("subject-access/", include(("lantern.sar.urls", "sar"), namespace="sar")),
    path("", include(("lantern.web.urls", "web"), namespace="web")),
]

handler404 = "lantern.web.views.not_found"
handler403 = "lantern.web.views.forbidden"
handler500 = "lantern.web.views.server_error"
