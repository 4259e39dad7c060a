from django.contrib import admin
from django.urls import include, path

from jingzhun.api.urls import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("imports/", include("jingzhun.imports.urls")),
    path("procedures/", include("jingzhun.workflow.urls")),
    path("notices/", include("jingzhun.workflow.public_urls")),
    path("assistance/", include("jingzhun.assistance.urls")),
    path("", include("jingzhun.web.urls")),
]
