from django.urls import include, path

urlpatterns = [
    path("api/v1/", include(("lantern.api.urls", "api"), namespace="api")),
    path("", include(("lantern.accounts.urls", "accounts"), namespace="accounts")),
    path("linkage/", include(("lantern.linkage.urls", "linkage"), namespace="linkage")),
    path("", include(("lantern.web.urls", "web"), namespace="web")),
]

handler404 = "lantern.web.views.not_found"
handler403 = "lantern.web.views.forbidden"
handler500 = "lantern.web.views.server_error"
