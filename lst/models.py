"""Cross-app plumbing models: idempotency records for retried writes."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """A person: shop owner or clerk (through store memberships), field agent, staff, shopper.

    `phone` is an alternative login name for the apps (mainland mobile numbers, stored in E.164 or
    as typed digits); unique when set.
    """

    phone = models.CharField(max_length=20, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=~Q(phone=""), name="user_phone_unique_when_set"
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class IdempotencyRecord(TimeStampedModel):
    """The stored answer to a write sent with an `Idempotency-Key` header.

    Scoped per user: two users may use the same key. `request_hash` covers method, path and body,
    so the same key with a different request is refused (422) instead of replayed.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
