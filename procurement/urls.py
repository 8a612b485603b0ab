from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from procurement.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
]

# Each app mounts its own URLs; an app that has none yet is simply not mounted.
for module, prefix in [
    ("workflows.urls", "workflows/"),
    ("tenders.urls", ""),
    ("bids.urls", ""),
    ("invoicing.urls", ""),
]:
    try:
        urlpatterns.append(path(prefix, include(module)))
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
