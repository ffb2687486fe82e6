"""Model registry, training runs and the suggestions the recommenders write for each store."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import MONEY
from lst.models import TimeStampedModel

from .reasons import PurchaseReasonField


class ModelKind(models.TextChoices):
    FORECAST = "forecast", _("Demand forecast")
    ASSORTMENT = "assortment", _("Assortment")
    SHELF = "shelf", _("Shelf display")


class ModelVersion(TimeStampedModel):
    """One trained model. At most one version of a kind is active; it serves until another wins
    its backtest and is promoted."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        ACTIVE = "active", pgettext_lazy("model version", "Active")
        RETIRED = "retired", _("Retired")
        REJECTED = "rejected", _("Rejected")

    kind = models.CharField(verbose_name=_("kind"), max_length=12, choices=ModelKind.choices)
    version = models.PositiveIntegerField(verbose_name=_("version"))
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=Status.choices, default=Status.CANDIDATE
    )
    trained_at = models.DateTimeField(verbose_name=_("trained at"))
    data_start = models.DateField(verbose_name=_("data start"), null=True, blank=True)
    data_end = models.DateField(verbose_name=_("data end"), null=True, blank=True)
    parameters = models.JSONField(verbose_name=_("parameters"), default=dict, blank=True)
    metrics = models.JSONField(verbose_name=_("metrics"), default=dict, blank=True)
    artifact = models.CharField(
        verbose_name=_("artifact"),
        max_length=500,
        blank=True,
        default="",
        help_text=_("Path of the pickled model."),
    )
    note = models.TextField(verbose_name=_("note"), blank=True, default="")

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="model_unique_kind_version"),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(status="active"), name="model_one_active_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version} ({self.status})"


class TrainingRun(TimeStampedModel):
    """One run of a pipeline: progress is counted here so any worker can report it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    kind = models.CharField(verbose_name=_("kind"), max_length=12, choices=ModelKind.choices)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    model_version = models.ForeignKey(
        ModelVersion,
        verbose_name=_("model version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs",
    )
    chunks_total = models.PositiveIntegerField(verbose_name=_("chunks total"), default=0)
    chunks_done = models.PositiveIntegerField(verbose_name=_("chunks done"), default=0)
    stores_total = models.PositiveIntegerField(verbose_name=_("stores total"), default=0)
    stores_done = models.PositiveIntegerField(verbose_name=_("stores done"), default=0)
    started_at = models.DateTimeField(verbose_name=_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(verbose_name=_("finished at"), null=True, blank=True)
    timings = models.JSONField(verbose_name=_("timings"), default=dict, blank=True)
    # The training's parallel parts (backtest, fit) and what they left for the run to decide on.
    parts = models.JSONField(verbose_name=_("training parts"), default=dict, blank=True)
    error = models.TextField(verbose_name=_("error"), blank=True, default="")

    class Meta:
        verbose_name = _("training run")
        verbose_name_plural = _("training runs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(chunks_done__lte=models.F("chunks_total")),
                name="run_chunks_done_lte_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} run #{self.pk} ({self.status})"


class RunChunk(TimeStampedModel):
    """A slice of a run's stores scored by one Celery task.

    Progress is the count of done chunks, so a chunk retried after a worker died mid-way (its
    writes replace the store's suggestions atomically) is never counted twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    run = models.ForeignKey(
        TrainingRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="chunks"
    )
    index = models.PositiveIntegerField(verbose_name=_("index"))
    store_ids = models.JSONField(verbose_name=_("store ids"), default=list)
    status = models.CharField(
        verbose_name=_("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(verbose_name=_("attempts"), default=0)
    finished_at = models.DateTimeField(verbose_name=_("finished at"), null=True, blank=True)
    error = models.TextField(verbose_name=_("error"), blank=True, default="")

    class Meta:
        verbose_name = _("run chunk")
        verbose_name_plural = _("run chunks")
        ordering = ["run_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="run_chunk_unique_index"),
        ]

    def __str__(self) -> str:
        return f"run {self.run_id} chunk {self.index} ({self.status})"


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DISMISSED = "dismissed", _("Dismissed")


class PurchaseSuggestion(TimeStampedModel):
    """What to order today for one product of one store, with the numbers behind the advice.

    `kind` is `order` for what the policy asks for and `top_up` for extra case packs proposed
    only to reach the warehouse's minimum order value (shown apart, never padded in silently).
    """

    class Kind(models.TextChoices):
        ORDER = "order", _("Needed")
        TOP_UP = "top_up", _("Top-up to reach the minimum order")

    store = models.ForeignKey(
        "stores.Store",
        verbose_name=_("store"),
        on_delete=models.CASCADE,
        related_name="purchase_suggestions",
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    run = models.ForeignKey(
        TrainingRun,
        verbose_name=_("run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    for_date = models.DateField(verbose_name=_("for date"))
    kind = models.CharField(
        verbose_name=_("kind"), max_length=8, choices=Kind.choices, default=Kind.ORDER
    )
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    case_pack = models.PositiveIntegerField(verbose_name=_("case pack"), default=1)
    unit_cost = models.DecimalField(verbose_name=_("unit cost"), **MONEY, default=Decimal("0"))
    service_level = models.DecimalField(
        verbose_name=_("service level"), max_digits=4, decimal_places=3, default=Decimal("0.9")
    )
    next_delivery_date = models.DateField(
        verbose_name=_("next delivery date"), null=True, blank=True
    )
    order_up_to = models.PositiveIntegerField(verbose_name=_("order up to"), default=0)
    on_hand = models.IntegerField(verbose_name=_("on hand"), default=0)
    on_order = models.PositiveIntegerField(verbose_name=_("on order"), default=0)
    forecast_daily = models.DecimalField(
        verbose_name=_("forecast daily"), max_digits=10, decimal_places=3, default=Decimal("0")
    )
    days_until_stockout = models.DecimalField(
        verbose_name=_("days until stockout"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    expected_value = models.DecimalField(
        verbose_name=_("expected value"), **MONEY, default=Decimal("0")
    )
    # A `reasons.PurchaseReason` (stored as JSON): the numbers the owner's sentence is made of.
    reason = PurchaseReasonField(verbose_name=_("reason"), default=dict, blank=True)
    status = models.CharField(
        verbose_name=_("status"),
        max_length=10,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.PENDING,
    )
    order = models.ForeignKey(
        "replenishment.ReplenishmentOrder",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("purchase suggestion")
        verbose_name_plural = _("purchase suggestions")
        ordering = ["store_id", "days_until_stockout", "product_id"]
        indexes = [models.Index(fields=["store", "for_date", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "product", "for_date", "kind"], name="purchase_suggestion_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="purchase_suggestion_quantity_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.product_id} x{self.quantity} ({self.for_date})"


class SuggestionFeedback(TimeStampedModel):
    """Every accept, edit or dismiss of a suggestion, for acceptance rates per store and product.

    It keeps the store, product and quantities itself, so the record outlives the nightly
    replacement of the suggestions.
    """

    class Action(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        EDITED = "edited", _("Accepted with another quantity")
        DISMISSED = "dismissed", _("Dismissed")

    class Source(models.TextChoices):
        PURCHASE = "purchase", _("Purchase suggestion")
        ASSORTMENT = "assortment", _("Assortment suggestion")

    source = models.CharField(
        verbose_name=_("source"), max_length=10, choices=Source.choices, default=Source.PURCHASE
    )
    store = models.ForeignKey(
        "stores.Store",
        verbose_name=_("store"),
        on_delete=models.CASCADE,
        related_name="suggestion_feedback",
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    for_date = models.DateField(verbose_name=_("for date"))
    action = models.CharField(verbose_name=_("action"), max_length=10, choices=Action.choices)
    suggested_quantity = models.PositiveIntegerField(
        verbose_name=_("suggested quantity"), default=0
    )
    final_quantity = models.PositiveIntegerField(verbose_name=_("final quantity"), default=0)
    reason = models.CharField(verbose_name=_("reason"), max_length=300, blank=True, default="")
    user = models.ForeignKey(
        "lst.User",
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    order = models.ForeignKey(
        "replenishment.ReplenishmentOrder",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("suggestion feedback")
        verbose_name_plural = _("suggestion feedbacks")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["store", "action"]), models.Index(fields=["product"])]

    def __str__(self) -> str:
        return f"{self.action} {self.product_id}@{self.store_id} ({self.for_date})"


class PurchaseSettings(TimeStampedModel):
    """The owner's optional cash budget for one order, applied to the suggestions."""

    store = models.OneToOneField(
        "stores.Store",
        verbose_name=_("store"),
        on_delete=models.CASCADE,
        related_name="purchase_settings",
    )
    budget = models.DecimalField(verbose_name=_("budget"), **MONEY, null=True, blank=True)

    class Meta:
        verbose_name = _("purchase settings")
        verbose_name_plural = _("purchase settings")
        ordering = ["store_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gt=0), name="purchase_budget_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store_id}: {self.budget}"


class AssortmentSuggestion(TimeStampedModel):
    """A product the store does not carry (add) or carries without selling (drop).

    The weekly assortment run replaces a store's pending rows; answered rows (accepted or
    dismissed) are kept, and their product is not suggested again for the same action.
    `reason` holds the engine's numbers (similar stores, carrying, weekly units there...);
    the API renders them as a sentence in the request language.
    """

    class Action(models.TextChoices):
        ADD = "add", _("Start carrying")
        DROP = "drop", _("Stop carrying")

    store = models.ForeignKey(
        "stores.Store",
        verbose_name=_("store"),
        on_delete=models.CASCADE,
        related_name="assortment_suggestions",
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    run = models.ForeignKey(
        TrainingRun,
        verbose_name=_("run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(
        verbose_name=_("action"), max_length=4, choices=Action.choices, default=Action.ADD
    )
    rank = models.PositiveIntegerField(
        verbose_name=_("rank"), default=0, help_text=_("1 = best, per store and action.")
    )
    score = models.FloatField(verbose_name=_("score"), default=0.0)
    fit_probability = models.FloatField(verbose_name=_("fit probability"), default=0.0)
    expected_weekly_units = models.DecimalField(
        verbose_name=_("expected weekly units"), max_digits=10, decimal_places=2, default=0
    )
    expected_weekly_profit = models.DecimalField(
        verbose_name=_("expected weekly profit"), **MONEY, null=True, blank=True
    )
    reason = models.JSONField(verbose_name=_("reason"), default=dict, blank=True)
    status = models.CharField(
        verbose_name=_("status"),
        max_length=10,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.PENDING,
    )
    answered_at = models.DateTimeField(verbose_name=_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assortment suggestion")
        verbose_name_plural = _("assortment suggestions")
        ordering = ["store_id", "action", "rank", "id"]
        indexes = [models.Index(fields=["store", "status", "action", "rank"])]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "product", "action"], name="assortment_suggestion_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.product_id} @ {self.store_id}"


class ShelfPlan(TimeStampedModel):
    """A layout of one fixture: the planner's recommendation or the store's current layout.

    At most one current (`is_current`) plan per fixture and source. The weekly shelf run
    replaces a store's recommended plans at once; a current layout recorded by the owner (or
    seeded) retires the previous one, which stays as history for the space-response estimate.
    `inputs` keeps what the planner was given (product specs, category response), so the change
    list against the current layout can be recomputed whenever that layout changes.
    """

    class Source(models.TextChoices):
        RECOMMENDED = "recommended", _("Recommended")
        CURRENT = "current", _("Current layout")

    store = models.ForeignKey(
        "stores.Store",
        verbose_name=_("store"),
        on_delete=models.CASCADE,
        related_name="shelf_plans",
    )
    fixture = models.ForeignKey(
        "stores.Fixture", verbose_name=_("fixture"), on_delete=models.CASCADE, related_name="plans"
    )
    run = models.ForeignKey(
        TrainingRun,
        verbose_name=_("run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(
        verbose_name=_("source"), max_length=12, choices=Source.choices, default=Source.RECOMMENDED
    )
    expected_daily_profit = models.DecimalField(
        verbose_name=_("expected daily profit"), **MONEY, default=Decimal("0")
    )
    current_daily_profit = models.DecimalField(
        verbose_name=_("current daily profit"), **MONEY, default=Decimal("0")
    )
    upper_bound = models.DecimalField(
        verbose_name=_("upper bound"),
        **MONEY,
        default=Decimal("0"),
        help_text=_("No layout can earn more per day than this."),
    )
    inputs = models.JSONField(verbose_name=_("inputs"), default=dict, blank=True)
    unplaced = models.JSONField(verbose_name=_("unplaced"), default=list, blank=True)
    dos_shortfall = models.JSONField(verbose_name=_("dos shortfall"), default=list, blank=True)
    is_current = models.BooleanField(verbose_name=_("is current"), default=True)
    created_by = models.ForeignKey(
        "lst.User",
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("shelf plan")
        verbose_name_plural = _("shelf plans")
        ordering = ["store_id", "fixture_id", "-created_at"]
        indexes = [models.Index(fields=["store", "source", "is_current"])]
        constraints = [
            models.UniqueConstraint(
                fields=["fixture", "source"],
                condition=Q(is_current=True),
                name="shelf_plan_one_current_per_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} plan of fixture {self.fixture_id}"

    @property
    def daily_profit_change(self) -> Decimal:
        """Expected gross profit a day of this plan minus that of the current layout."""
        return self.expected_daily_profit - self.current_daily_profit


class ShelfPlanItem(models.Model):
    plan = models.ForeignKey(
        ShelfPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="items"
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField(verbose_name=_("level"))
    position = models.PositiveSmallIntegerField(
        verbose_name=_("position"), help_text=_("Left-to-right order on the level.")
    )
    facings = models.PositiveSmallIntegerField(verbose_name=_("facings"))
    expected_daily_profit = models.DecimalField(
        verbose_name=_("expected daily profit"), **MONEY, default=Decimal("0")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("shelf plan item")
        verbose_name_plural = _("shelf plan items")
        ordering = ["plan_id", "level", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(facings__gte=1), name="plan_item_facings_gte_1"),
            models.UniqueConstraint(fields=["plan", "product"], name="plan_item_unique_product"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} L{self.level} x{self.facings}"
