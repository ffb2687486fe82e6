"""Assortment suggestions: output serializers with the reason rendered in the request language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import serializers

from catalog.models import Product
from recommendations.models import AssortmentSuggestion, SuggestionStatus


def reason_text(action: str, reason: dict[str, Any]) -> str:
    """The engine's numbers as a sentence ("sold by 17 of the 20 stores most like yours...")."""
    similar = int(reason.get("similar_stores") or 0)
    carrying = int(reason.get("carrying") or 0)
    there = float(reason.get("median_weekly_units_there") or 0.0)
    if action == AssortmentSuggestion.Action.DROP:
        weeks = int(reason.get("recent_weeks") or 8)
        recent = int(float(reason.get("units_recent") or 0))
        return ngettext(
            "Sold %(recent)d in the last %(weeks)d weeks here; %(carrying)d of the %(similar)d "
            "stores most like yours sell about %(there)s a week.",
            "Sold %(recent)d in the last %(weeks)d weeks here; %(carrying)d of the %(similar)d "
            "stores most like yours sell about %(there)s a week.",
            weeks,
        ) % {
            "recent": recent,
            "weeks": weeks,
            "carrying": carrying,
            "similar": similar,
            "there": f"{there:g}",
        }
    if similar == 0:
        share = float(reason.get("share_of_all_stores") or 0.0)
        return _("Carried by %(pct)d%% of the stores in the chain.") % {"pct": round(share * 100)}
    text = _(
        "Sold by %(carrying)d of the %(similar)d stores most like yours, about %(there)s a week "
        "there."
    ) % {"carrying": carrying, "similar": similar, "there": f"{there:g}"}
    if reason.get("expected_weekly_profit") is not None and reason.get("expected_weekly_units"):
        text += " " + _(
            "Expected here: about %(units)s a week, %(profit)s gross profit a week."
        ) % {
            "units": f"{float(reason['expected_weekly_units']):g}",
            "profit": f"{float(reason['expected_weekly_profit']):.2f}",
        }
    return text


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
        return reason_text(s.action, s.reason or {})


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
