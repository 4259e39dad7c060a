"""Public notice pages: no login, reached by the notice's unguessable link (or its QR code)."""

from django.urls import path

from jingzhun.workflow import views

app_name = "notices"
urlpatterns = [
    path("<str:token>/", views.public_notice, name="public"),
    path("<str:token>/notice.pdf", views.public_notice_pdf, name="public_pdf"),
]
