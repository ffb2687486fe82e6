"""Cross-app plumbing models: idempotency records for retried writes."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(
        verbose_name=_("created at"), auto_now_add=True, db_index=True
    )
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """A person: shop owner or clerk (through store memberships), field agent, staff, shopper.

    `phone` is an alternative login name for the apps (mainland mobile numbers, stored in E.164 or
    as typed digits); unique when set.
    """

    phone = models.CharField(verbose_name=_("phone"), max_length=20, blank=True, default="")
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
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

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(verbose_name=_("key"), max_length=255)
    request_hash = models.CharField(verbose_name=_("request hash"), max_length=64)
    response_status = models.PositiveSmallIntegerField(verbose_name=_("response status"))
    response_body = models.JSONField(verbose_name=_("response body"))

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
