"""The cadre's phone pages at ``/m/`` (namespace ``mobile``); the photo views serve the office pages too."""

from django.urls import path

from jingzhun.assistance import views_mobile

app_name = "mobile"
urlpatterns = [
    path("", views_mobile.home, name="home"),
    path("households/<int:pk>/", views_mobile.household, name="household"),
    path("households/<int:pk>/visit/", views_mobile.visit_new, name="visit_new"),
    path("households/<int:pk>/measures/new/", views_mobile.measure_new, name="measure_new"),
    path("photos/<int:pk>/", views_mobile.photo, name="photo"),
    path("photos/<int:pk>/thumb/", views_mobile.photo_thumb, name="photo_thumb"),
]
