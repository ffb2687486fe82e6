"""Shelf plans of a store: list, one plan with its change list, the SVG planogram, and the
owner's record of a fixture's current layout. Owners and clerks read; owners write."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lst.api.lists import ListAPIView
from lst.api.nested_errors import flatten_errors
from lst.api.openapi import STORE_ID, error_responses
from lst.api.params import query_params
from stores.models import Fixture
from stores.selectors import fixture_get, store_get_for_user

from ..explain import shelf_change_text
from ..models import ShelfPlan
from ..selectors import (
    shelf_layout_get,
    shelf_plan_items,
    shelf_plan_recommended_get,
    shelf_plans_recommended,
)
from ..services import shelf
from .serializers_shelf import (
    ShelfLayoutInputSerializer,
    ShelfLayoutItemInputSerializer,
    ShelfLayoutSerializer,
    ShelfPlanDetailSerializer,
    ShelfPlanQuerySerializer,
    ShelfPlanSummarySerializer,
)

FIXTURE_ID = OpenApiParameter("fixture_id", int, OpenApiParameter.PATH, description="Fixture id.")
ACCEPT_LANGUAGE = OpenApiParameter(
    "Accept-Language",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="zh-hans (default) or en: language of names and instructions.",
)


def _lang() -> str:
    return get_language() or "zh-hans"


def _item_rows(placements: list[Any], products: dict[int, Any], lang: str) -> list[dict[str, Any]]:
    rows = []
    for p in placements:
        product = products[p.product_id]
        rows.append(
            {
                "product_id": p.product_id,
                "product_name": shelf.product_label(product, lang),
                "sku": product.sku,
                "category_id": product.category_id,
                "level": p.level,
                "position": p.position,
                "facings": p.facings,
                "x_cm": round(p.x_cm, 1),
                "width_cm": round(p.width_cm, 1),
                "expected_daily_profit": f"{p.expected_daily_profit:.2f}",
            }
        )
    return rows


def _layout_errors(fixture: Fixture, body: Any, errors: Any) -> dict[str, list[str]]:
    """The serializer's errors, and the fixture's checks (levels, widths, unknown or repeated
    products) of the items that passed it: one answer names every bad field."""
    fields = flatten_errors(errors)
    raw = body.get("items") if isinstance(body, dict) else None
    if not isinstance(raw, list) or "items" in fields:
        return fields
    indices, items = [], []
    for k, item in enumerate(raw):
        one = ShelfLayoutItemInputSerializer(data=item)
        if one.is_valid():
            v = one.validated_data
            indices.append(k)
            items.append(
                shelf.LayoutItem(v["product"], v["level"], v["facings"], v.get("position"))
            )
    more, _products = shelf.shelf_layout_errors(fixture, items, indices=indices)
    for key, messages in more.items():
        fields.setdefault(key, messages)
    return dict(sorted(fields.items(), key=lambda kv: _item_index(kv[0])))


def _item_index(key: str) -> int:
    return int(key.split("[", 1)[1].split("]", 1)[0]) if key.startswith("items[") else -1


def plan_detail(view: shelf.PlanView, request: Request) -> dict[str, Any]:
    lang = _lang()
    plan = view.plan
    names: dict[int | str, str] = {
        pid: shelf.product_label(p, lang) for pid, p in view.products.items()
    }
    unplaced_ids = [int(u["product_id"]) for u in plan.unplaced or []]
    unplaced_names = shelf.product_names(unplaced_ids, lang)
    return {
        "id": plan.pk,
        "fixture": plan.fixture,
        "created_at": plan.created_at,
        "expected_daily_profit": plan.expected_daily_profit,
        "current_daily_profit": plan.current_daily_profit,
        "daily_profit_change": plan.daily_profit_change,
        "upper_bound": plan.upper_bound,
        "has_current_layout": bool(view.current),
        "items": _item_rows(view.placements, view.products, lang),
        "current_items": _item_rows(view.current, view.products, lang),
        "changes": [
            {
                "action": c.action,
                "product_id": c.product_id,
                "product_name": names.get(c.product_id, str(c.product_id)),
                "from_level": c.from_level,
                "to_level": c.to_level,
                "from_facings": c.from_facings,
                "to_facings": c.to_facings,
                "daily_profit_change": c.daily_profit_change,
                "text": shelf_change_text(
                    c, name=names.get(c.product_id, str(c.product_id)), language=lang
                ),
            }
            for c in view.diff.instructions
        ],
        "unplaced": [
            {
                "product_id": int(u["product_id"]),
                "product_name": unplaced_names.get(int(u["product_id"]), str(u["product_id"])),
                "reason": u["reason"],
            }
            for u in plan.unplaced or []
        ],
        "dos_shortfall": [int(p) for p in plan.dos_shortfall or []],
        "planogram_url": request.build_absolute_uri(
            reverse(
                "shelf-plan-svg",
                kwargs={"store_id": plan.store_id, "fixture_id": plan.fixture_id},
            )
        ),
    }


class ShelfPlanListView(ListAPIView):
    @extend_schema(
        operation_id="stores_shelf_plans_list",
        tags=["shelf plans"],
        parameters=[STORE_ID, ShelfPlanQuerySerializer],
        responses={200: ShelfPlanSummarySerializer(many=True), **error_responses(400, 401, 404)},
        description=(
            "The recommended plan of each fixture of the store (the weekly run's), with its "
            "expected gross profit a day against the current layout's. Owners and clerks."
        ),
    )
    def get(self, request: Request, store_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id)
        params = query_params(ShelfPlanQuerySerializer, request)
        plans = shelf_plans_recommended(store=store, kind=params.get("kind") or None)
        return self.paginated(request, plans, ShelfPlanSummarySerializer)


class ShelfPlanDetailView(APIView):
    @extend_schema(
        operation_id="stores_shelf_plans_retrieve",
        tags=["shelf plans"],
        parameters=[STORE_ID, FIXTURE_ID, ACCEPT_LANGUAGE],
        responses={200: ShelfPlanDetailSerializer, **error_responses(401, 404)},
        description=(
            "The fixture's recommended plan: products with level, position and facings, the "
            "current layout, and the change list (short instructions in the request language, "
            "each with its expected change in gross profit a day). Owners and clerks."
        ),
    )
    def get(self, request: Request, store_id: int, fixture_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id)
        plan = shelf_plan_recommended_get(store=store, fixture_id=fixture_id)
        body = plan_detail(shelf.plan_view(plan), request)
        return Response(ShelfPlanDetailSerializer(body).data)


class SVGRenderer(BaseRenderer):
    media_type = "image/svg+xml"
    format = "svg"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        return data.encode("utf-8") if isinstance(data, str) else data


class ShelfPlanogramView(APIView):
    renderer_classes = [SVGRenderer, JSONRenderer]

    @extend_schema(
        operation_id="stores_shelf_plans_planogram",
        tags=["shelf plans"],
        parameters=[STORE_ID, FIXTURE_ID, ACCEPT_LANGUAGE],
        responses={
            (200, "image/svg+xml"): OpenApiResponse(
                OpenApiTypes.STR,
                description="The planogram: levels, one block per product (category colour, "
                "name, ×facings), the eye level shaded.",
            ),
            # Errors are JSON whatever was asked for (finalize_response below).
            **{(code, "application/json"): r for code, r in error_responses(401, 404).items()},
        },
    )
    def get(self, request: Request, store_id: int, fixture_id: int) -> HttpResponse:
        store = store_get_for_user(user=request.user, store_id=store_id)
        plan = shelf_plan_recommended_get(store=store, fixture_id=fixture_id)
        svg = shelf.planogram_svg(shelf.plan_view(plan), lang=_lang())
        return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(response, Response):  # errors always speak JSON
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        return super().perform_content_negotiation(request, force=True)


def layout_body(plan: ShelfPlan) -> dict[str, Any]:
    items = shelf_plan_items(plan)
    placements = shelf.placements_from_items(items)
    products = {i.product_id: i.product for i in items}
    return {
        "id": plan.pk,
        "fixture_id": plan.fixture_id,
        "created_at": plan.created_at,
        "items": _item_rows(placements, products, _lang()),
    }


class ShelfLayoutView(APIView):
    @extend_schema(
        operation_id="stores_shelf_layout_retrieve",
        tags=["shelf plans"],
        parameters=[STORE_ID, FIXTURE_ID, ACCEPT_LANGUAGE],
        responses={200: ShelfLayoutSerializer, **error_responses(401, 404)},
        description="The fixture's current layout as last recorded. Owners and clerks.",
    )
    def get(self, request: Request, store_id: int, fixture_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id)
        fixture = fixture_get(store=store, fixture_id=fixture_id)
        plan = shelf_layout_get(fixture=fixture)
        return Response(ShelfLayoutSerializer(layout_body(plan)).data)

    @extend_schema(
        operation_id="stores_shelf_layout_update",
        tags=["shelf plans"],
        parameters=[STORE_ID, FIXTURE_ID, ACCEPT_LANGUAGE],
        request=ShelfLayoutInputSerializer,
        responses={200: ShelfLayoutSerializer, **error_responses(400, 401, 403, 404)},
        description=(
            "Record what the fixture looks like today (every product on it: level, facings, "
            "position). Replaces the previous record (kept as history for the space-response "
            "estimate); the plan's change list is then computed against it. Owner only."
        ),
    )
    def put(self, request: Request, store_id: int, fixture_id: int) -> Response:
        store = store_get_for_user(user=request.user, store_id=store_id, owner_only=True)
        fixture = fixture_get(store=store, fixture_id=fixture_id)
        data = ShelfLayoutInputSerializer(data=request.data)
        if not data.is_valid():
            raise shelf.shelf_layout_invalid(_layout_errors(fixture, request.data, data.errors))
        items = [
            shelf.LayoutItem(i["product"], i["level"], i["facings"], i.get("position"))
            for i in data.validated_data["items"]
        ]
        plan = shelf.shelf_layout_record(
            store=store, fixture=fixture, items=items, user=request.user
        )
        return Response(ShelfLayoutSerializer(layout_body(plan)).data)
