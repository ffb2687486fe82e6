from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import IdempotencyRecord, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "phone", "first_name", "last_name", "is_staff", "is_active")
    search_fields = ("username", "phone", "first_name", "last_name", "email")
    fieldsets = (*BaseUserAdmin.fieldsets, ("LST", {"fields": ("phone",)}))


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ("key", "user", "response_status", "created_at")
    search_fields = ("key", "user__username")
    list_select_related = ("user",)
    readonly_fields = ("user", "key", "request_hash", "response_status", "response_body")
