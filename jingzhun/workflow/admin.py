"""Administrators edit procedure definitions here: a national preset (superusers) or a regional
version for their own province or county (``policy.manage``). A definition that cases have used
is frozen — add a new version (a later ``from_year`` or a region) instead, so that past cases keep
the steps they went through."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q

from jingzhun.accounts.roles import Capability, Role, can
from jingzhun.accounts.scope import area_scope_q, code_in_scope
from jingzhun.core.audit import audit_record
from jingzhun.workflow import flows
from jingzhun.workflow.models import EvidenceKind, Procedure, Step
from jingzhun.workflow.services import PROCEDURE_SAVED

STEP_FIELDS = ("position", "code", "name_zh", "name_en", "kind", "level", "role", "notice_days", "notice_days_param",
               "notice_working_days", "notice_level", "time_limit_days", "evidence", "waits_for_batch", "return_to")


FROZEN_FIELDS = ("key", "effect", "subject", "region", "from_year")


class StepFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return
        changed = any(form.has_changed() for form in self.forms)
        if changed and self.instance.pk and self.instance.cases.exists():
            raise ValidationError("这个程序已有案件办理过，环节不能再修改；请新增一个版本（较晚的起始年度或地区）。 / "
                                  "Cases went through this procedure: add a new version instead of changing its steps.")
        steps = [{k: form.cleaned_data.get(k) for k in STEP_FIELDS} for form in self.forms
                 if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        problems = flows.definition_problems(steps, roles=set(Role.values), evidence_kinds=set(EvidenceKind.values),
                                             effect=self.instance.effect)
        if problems:
            raise ValidationError(problems)


class StepInline(admin.TabularInline):
    model = Step
    formset = StepFormSet
    extra = 0
    fields = STEP_FIELDS

    # The steps belong to the procedure: whoever may edit it edits them (capability, not Django perms).
    def has_view_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return can(request.user, Capability.POLICY_MANAGE)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ("name_zh", "key", "region", "from_year", "effect", "active")
    list_filter = ("effect", "active", "subject")
    search_fields = ("name_zh", "name_en", "key")
    autocomplete_fields = ("region",)
    inlines = [StepInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(area_scope_q(request.user, "region_id") | Q(region__isnull=True))

    def has_module_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return can(request.user, Capability.POLICY_MANAGE)

    def has_view_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return self.has_module_permission(request)

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        if not self.has_module_permission(request):
            return False
        if obj is None or request.user.is_superuser:
            return True
        return obj.region_id is not None and code_in_scope(request.user, obj.region_id)

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def get_form(self, request, obj=None, **kwargs):  # type: ignore[no-untyped-def]
        form_class = super().get_form(request, obj, **kwargs)
        user = request.user

        class ScopedProcedureForm(form_class):  # type: ignore[misc, valid-type]
            def clean(self):  # type: ignore[no-untyped-def]
                data = super().clean()
                region = data.get("region")
                if region is None and not user.is_superuser:
                    raise ValidationError("全国预设只能由系统管理员修改；请选择您的省或县。 / "
                                          "Only a superuser changes the national presets: choose your region.")
                if region is not None and not (user.is_superuser or code_in_scope(user, region.code)):
                    raise ValidationError("这个地区不在您的辖区内。 / This region is outside your areas.")
                frozen = [f for f in FROZEN_FIELDS if f in self.changed_data]
                if frozen and self.instance.pk and self.instance.cases.exists():
                    raise ValidationError("这个程序已有案件办理过，其代码、效果、对象、地区和起始年度不能再修改；请新增一个版本。 / "
                                          "Cases went through this procedure: its key, effect, subject, region and "
                                          "first year cannot change; add a new version.")
                return data

        return ScopedProcedureForm

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        procedure = form.instance
        audit_record(actor=request.user, action=PROCEDURE_SAVED, target_type="workflow.procedure",
                     target_id=procedure.pk, area_code=procedure.region_id or "",
                     after={"key": procedure.key, "from_year": procedure.from_year, "active": procedure.active,
                            "steps": list(procedure.steps.order_by("position").values(*STEP_FIELDS))})
