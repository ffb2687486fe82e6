"""Assortment suggestions: output serializers with the reason rendered in the request language."""

from __future__ import annotations

from rest_framework import serializers

from catalog.models import Product
from recommendations.explain import assortment_reason_text
from recommendations.models import AssortmentSuggestion, SuggestionStatus


class AssortmentProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "barcode",
            "name",
            "name_en",
            "brand",
            "category_id",
            "case_pack",
            "unit_cost",
            "retail_price",
        ]


class AssortmentReasonSerializer(serializers.Serializer):
    # Defaults: a reason written without a number (an older run, a hand-made row) reads as 0
    # instead of failing the whole list.
    similar_stores = serializers.IntegerField(
        default=0, help_text="Stores most like yours considered."
    )
    carrying = serializers.IntegerField(default=0, help_text="How many of them carry the product.")
    median_weekly_units_there = serializers.FloatField(default=0.0)
    share_of_all_stores = serializers.FloatField(default=0.0)
    weekly_units_here = serializers.FloatField(required=False, help_text="Drops only.")
    units_recent = serializers.FloatField(required=False, help_text="Drops only.")
    recent_weeks = serializers.IntegerField(required=False, help_text="Drops only.")


class AssortmentSuggestionSerializer(serializers.ModelSerializer):
    product = AssortmentProductSerializer(read_only=True)
    reason = AssortmentReasonSerializer(read_only=True)
    reason_text = serializers.SerializerMethodField(help_text="In the request language.")

    class Meta:
        model = AssortmentSuggestion
        fields = [
            "id",
            "action",
            "rank",
            "status",
            "product",
            "score",
            "fit_probability",
            "expected_weekly_units",
            "expected_weekly_profit",
            "reason",
            "reason_text",
            "created_at",
            "answered_at",
        ]

    def get_reason_text(self, s: AssortmentSuggestion) -> str:
        return assortment_reason_text(s.action, s.reason or {})


class AssortmentQuerySerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=AssortmentSuggestion.Action.choices, required=False)
    status = serializers.ChoiceField(
        choices=SuggestionStatus.choices,
        required=False,
        default=SuggestionStatus.PENDING,
        help_text="Default: pending.",
    )


class AssortmentAcceptInputSerializer(serializers.Serializer):
    cases = serializers.IntegerField(
        min_value=1, max_value=99, default=1, help_text="Case packs to order (default one)."
    )


class AssortmentAcceptSerializer(serializers.Serializer):
    suggestion = AssortmentSuggestionSerializer()
    order_id = serializers.IntegerField(allow_null=True, help_text="The draft order (adds).")
    quantity = serializers.IntegerField(help_text="Units on the draft order line.")
    stock_level_created = serializers.BooleanField()


class AssortmentDismissInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="", help_text="Why not."
    )
