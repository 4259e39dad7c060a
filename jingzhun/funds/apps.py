from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "jingzhun.funds"
    label = "funds"
    verbose_name = _("Projects and funds")

    def ready(self) -> None:
        # workflow runs the library procedure (入库) of a project without importing this app: the
        # project's handler is registered with it here (``workflow.subjects``).
        from jingzhun.funds import library
        from jingzhun.workflow import subjects
        from jingzhun.workflow.models import Subject

        subjects.register(Subject.PROJECT, library.HANDLER)
