"""Shelf plans: output serializers (render) and the layout input serializer (validate)."""

from __future__ import annotations

from rest_framework import serializers

from lst.api.fields import IdField
from recommendations.models import ShelfPlan
from stores.models import Fixture

from ..services.shelf import MAX_FACINGS_RECORDED, MAX_LAYOUT_ITEMS


class ShelfPlanFixtureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fixture
        fields = ["id", "name", "kind", "width_cm", "depth_cm", "levels", "eye_level"]


class ShelfPlanSummarySerializer(serializers.ModelSerializer):
    fixture = ShelfPlanFixtureSerializer(read_only=True)
    items_count = serializers.IntegerField(read_only=True, help_text="Products placed.")
    unplaced_count = serializers.SerializerMethodField()
    daily_profit_change = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        read_only=True,
        help_text="Expected gross profit a day of the plan minus that of the current layout.",
    )

    class Meta:
        model = ShelfPlan
        fields = [
            "id",
            "fixture",
            "created_at",
            "expected_daily_profit",
            "current_daily_profit",
            "daily_profit_change",
            "upper_bound",
            "items_count",
            "unplaced_count",
        ]

    def get_unplaced_count(self, plan: ShelfPlan) -> int:
        return len(plan.unplaced or [])


class ShelfPlanItemSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    product_name = serializers.CharField(help_text="In the request language.")
    sku = serializers.CharField()
    category_id = serializers.IntegerField()
    level = serializers.IntegerField(help_text="1 = bottom.")
    position = serializers.IntegerField(help_text="1 = leftmost on the level.")
    facings = serializers.IntegerField()
    x_cm = serializers.FloatField(help_text="Left edge on the level.")
    width_cm = serializers.FloatField()
    expected_daily_profit = serializers.DecimalField(max_digits=12, decimal_places=2)


class ShelfChangeSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=["remove", "move", "facings", "add"],
        help_text="remove (off this fixture), move (level), facings (same level), add.",
    )
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    from_level = serializers.IntegerField(allow_null=True)
    to_level = serializers.IntegerField(allow_null=True)
    from_facings = serializers.IntegerField(allow_null=True)
    to_facings = serializers.IntegerField(allow_null=True)
    daily_profit_change = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="This product's expected gross profit a day after the change minus before.",
    )
    text = serializers.CharField(help_text="The instruction in the request language.")


class ShelfUnplacedSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    reason = serializers.CharField(
        help_text=(
            "requires_chilling, too_wide, no_space, no_cooler, no_fixture or no_gain (a new "
            "product whose addition would gain nothing)."
        ),
    )


class ShelfPlanDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    fixture = ShelfPlanFixtureSerializer()
    created_at = serializers.DateTimeField()
    expected_daily_profit = serializers.DecimalField(max_digits=12, decimal_places=2)
    current_daily_profit = serializers.DecimalField(max_digits=12, decimal_places=2)
    daily_profit_change = serializers.DecimalField(max_digits=12, decimal_places=2)
    upper_bound = serializers.DecimalField(max_digits=12, decimal_places=2)
    has_current_layout = serializers.BooleanField()
    items = ShelfPlanItemSerializer(many=True)
    current_items = ShelfPlanItemSerializer(many=True)
    changes = ShelfChangeSerializer(many=True)
    unplaced = ShelfUnplacedSerializer(many=True)
    dos_shortfall = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Placed with fewer facings than the days until the next delivery need.",
    )
    planogram_url = serializers.CharField()


class ShelfLayoutItemInputSerializer(serializers.Serializer):
    product = IdField()
    level = serializers.IntegerField(min_value=1, max_value=50, help_text="1 = bottom.")
    facings = serializers.IntegerField(min_value=1, max_value=MAX_FACINGS_RECORDED)
    position = serializers.IntegerField(
        min_value=1,
        max_value=500,
        required=False,
        help_text="Left-to-right order on the level; default: the order of the list.",
    )


class ShelfLayoutInputSerializer(serializers.Serializer):
    # DRF passes max_length on to the ListSerializer that many=True builds
    # (LIST_SERIALIZER_KWARGS); the stubs' BaseSerializer.__init__ omits it.
    items = ShelfLayoutItemInputSerializer(many=True, max_length=MAX_LAYOUT_ITEMS)  # type: ignore[call-arg]


class ShelfLayoutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    fixture_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    items = ShelfPlanItemSerializer(many=True)


class ShelfPlanQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=Fixture.Kind.choices, required=False, help_text="Only fixtures of this kind."
    )
