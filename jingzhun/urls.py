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
    path("", include("jingzhun.funds.urls")),  # /projects/ and /funds/
    path("assistance/", include("jingzhun.assistance.urls")),
    path("screening/", include("jingzhun.screening.urls")),
    path("m/", include("jingzhun.assistance.urls_mobile")),
    path("", include("jingzhun.web.urls")),
]
