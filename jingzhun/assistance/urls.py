from django.urls import path

from jingzhun.assistance import views

app_name = "assistance"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("villages/<str:code>/", views.village, name="village"),
    path("villages/<str:code>/pairings/", views.village_pair, name="village_pair"),
    path("households/<int:pk>/pairing/", views.household_pair, name="household_pair"),
    path("cadres/", views.cadres, name="cadres"),
    path("units/", views.units, name="units"),
    path("teams/new/", views.team_new, name="team_new"),
    path("reports/", views.reports, name="reports"),
]
