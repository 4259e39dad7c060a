from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "jingzhun.screening"
    label = "screening"
    verbose_name = _("Screening")

    def ready(self) -> None:
        # The catalogue declares its thresholds as policy parameters; after migrate their national
        # rows are written (policy.registry), so the admin shows them and regions can override them.
        from jingzhun.policy.registry import ensure_registered_defaults
        from jingzhun.screening import catalogue  # noqa: F401  (registers the thresholds)

        post_migrate.connect(ensure_registered_defaults, sender=self, dispatch_uid="screening-thresholds")
