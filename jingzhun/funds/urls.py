"""Pages of projects (/projects/) and funds (/funds/); included at the site root."""

from django.urls import path

from jingzhun.funds import views

app_name = "funds"
urlpatterns = [
    path("projects/", views.project_list, name="project_list"),
    path("projects/export.<str:fmt>", views.project_export, name="project_export"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/beneficiaries/", views.project_beneficiaries, name="project_beneficiaries"),
    path("projects/households/<int:pk>/", views.household_projects, name="household_projects"),
    path("funds/", views.ledger, name="ledger"),
    path("funds/<int:pk>/", views.fund_detail, name="fund_detail"),
]
