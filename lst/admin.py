"""Admin wiring at the project level: users (scoped to the stores of the agent's territories) and
the store admin extended with what needs the upper apps (dashboards, onboarding, the pipeline
action). `stores` cannot import `recommendations` or `replenishment`; `lst` may."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from stores.admin_scoping import TerritoryScopedAdminMixin

from .models import IdempotencyRecord, User

# Registers the app admins this module extends (autodiscover imports `lst.admin` first).
from .admin_store import StoreOpsAdmin  # noqa: F401  isort: skip

# simplejwt's lists of issued and revoked refresh tokens hold live credentials: they stay out of
# the staff admin. To cut a user off, deactivate the account (refresh then answers 401).
for _model in (OutstandingToken, BlacklistedToken):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(User)
class UserAdmin(TerritoryScopedAdminMixin, BaseUserAdmin):
    """A field agent sees the owners and clerks of the stores in their territories, read-only
    where it matters: roles and permissions are for superusers."""

    territory_path = "!memberships__store__territory"
    list_display = ("username", "phone", "first_name", "last_name", "is_staff", "is_active")
    search_fields = ("username", "phone", "first_name", "last_name", "email")
    # django.contrib.auth's UserAdmin sets fieldsets (a tuple); the stubs only know ModelAdmin's
    # `fieldsets: ... | None`.
    fieldsets = (*BaseUserAdmin.fieldsets, ("LST", {"fields": ("phone",)}))  # type: ignore[misc]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return (*fields, "is_staff", "is_superuser", "groups", "user_permissions", "last_login")


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    """Superusers only (no field-agent permission): the API's replay store."""

    list_display = ("key", "user", "response_status", "created_at")
    search_fields = ("key", "user__username")
    list_select_related = ("user",)
    readonly_fields = ("user", "key", "request_hash", "response_status", "response_body")
