from django.urls import path

from jingzhun.workflow import views

app_name = "workflow"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("start/", views.start, name="start"),
    path("step/<int:step_id>/<str:area_code>/<int:year>/", views.step, name="step"),
    path("cases/<int:pk>/", views.case, name="case"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("notices/", views.notices, name="notices"),
    path("notices/<int:pk>/", views.notice, name="notice"),
    path("notices/<int:pk>/notice.pdf", views.notice_pdf, name="notice_pdf"),
]
