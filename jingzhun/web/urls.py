from django.contrib.auth import views as auth_views
from django.urls import path

from jingzhun.web import views

app_name = "web"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("areas/", views.area_index, name="area_index"),
    path("areas/<str:code>/", views.area_detail, name="area_detail"),
    path("households/", views.household_list, name="household_list"),
    path("households/export.<str:fmt>", views.household_export, name="household_export"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/new/member-row/", views.member_row, name="member_row"),
    path("households/<int:pk>/", views.household_view, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/members/new/", views.member_add, name="member_add"),
    path("households/<int:pk>/years/new/", views.year_new, name="year_new"),
    path("households/<int:pk>/years/<int:year>/edit/", views.year_edit, name="year_edit"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
]
