from django.urls import path

from jingzhun.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("template.xlsx", views.template, name="template"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/confirm", views.confirm, name="confirm"),
    path("<int:pk>/report.xlsx", views.report, name="report"),
]
