from django.contrib import admin

from jingzhun.accounts.roles import Capability, can
from jingzhun.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only view of the audit log."""

    list_display = ("seq", "created_at", "actor_username", "action", "target_type", "target_id", "area_code")
    list_filter = ("action",)
    search_fields = ("actor_username", "target_id", "area_code", "action")

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        from jingzhun.accounts.scope import area_scope_q

        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(area_scope_q(request.user, "area_code"))

    def has_module_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return can(request.user, Capability.AUDIT_VIEW)

    def has_view_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return can(request.user, Capability.AUDIT_VIEW)

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
