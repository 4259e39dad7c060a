"""Screening pages under /screening/: runs and their findings (views), measures and simulation (views_analysis)."""

from django.urls import path

from jingzhun.screening import views, views_analysis

app_name = "screening"
urlpatterns = [
    # --- runs, counts, drill-down, village tasks (views.py) ---
    path("", views.index, name="index"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/status/", views.run_status, name="run_status"),
    path("areas/<str:code>/", views.area_findings, name="area"),
    path("rules/<str:rule_id>/", views.rule_detail, name="rule"),
    path("rules/<str:rule_id>/export.<str:fmt>", views.rule_export, name="rule_export"),
    path("villages/<str:code>/", views.tasks, name="tasks"),
    path("findings/<int:pk>/fix/", views.hit_fix, name="hit_fix"),
    path("findings/<int:pk>/reopen/", views.hit_reopen, name="hit_reopen"),
    path("findings/<int:pk>/exempt/", views.hit_exempt, name="hit_exempt"),
    # --- poverty measures and policy simulation (views_analysis.py) ---
    path("measures/", views_analysis.measures, name="measures"),
    path("simulate/", views_analysis.simulate, name="simulate"),
    path("simulate/compare/", views_analysis.simulate_compare, name="simulate_compare"),
]
