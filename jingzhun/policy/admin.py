from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from jingzhun.core.exceptions import DomainError
from jingzhun.policy.models import Certainty, PolicyParameter
from jingzhun.policy.services import policy_parameter_save


@admin.register(PolicyParameter)
class PolicyParameterAdmin(admin.ModelAdmin):
    list_display = ("kind", "area", "year", "value", "certainty_badge", "source")
    list_filter = ("kind", "certainty")
    search_fields = ("kind", "area__name", "area__code", "source")
    autocomplete_fields = ("area",)
    readonly_fields = ("updated_at", "updated_by")

    @admin.display(description=_("certainty"), ordering="certainty")
    def certainty_badge(self, obj: PolicyParameter) -> str:
        if obj.certainty == Certainty.UNCERTAIN:
            return format_html('<strong style="color:#b45309">⚠ {}</strong>', obj.get_certainty_display())
        return obj.get_certainty_display()

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        from jingzhun.accounts.scope import area_scope_q

        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(area_scope_q(request.user, "area_id"))

    def render_change_form(self, request, context, *args, **kwargs):  # type: ignore[no-untyped-def]
        obj = kwargs.get("obj")
        if obj is not None and obj.certainty == Certainty.UNCERTAIN:
            messages.warning(request, _("This value is unconfirmed in the sources; check it against your province's documents before relying on it."))
        return super().render_change_form(request, context, *args, **kwargs)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        try:
            policy_parameter_save(actor=request.user, parameter=obj)
        except DomainError as exc:
            messages.error(request, exc.text())
            raise

    def has_module_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        from jingzhun.accounts.roles import Capability, can

        return can(request.user, Capability.POLICY_MANAGE)

    has_view_permission = has_change_permission = has_add_permission = (
        lambda self, request, obj=None: self.has_module_permission(request)
    )

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
