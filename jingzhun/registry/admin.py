"""Admin for code lists only: registry records are edited through the services (web UI, API)."""

from django.contrib import admin

from jingzhun.registry import codelists
from jingzhun.registry.models import CodeItem, CodeList


class CodeItemInline(admin.TabularInline):
    model = CodeItem
    extra = 0
    fields = ("code", "label_zh", "label_en", "sort_order", "active", "attributes")


@admin.register(CodeList)
class CodeListAdmin(admin.ModelAdmin):
    list_display = ("key", "name_zh", "name_en", "certainty")
    inlines = [CodeItemInline]

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        codelists.clear_cache()

    def has_module_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
