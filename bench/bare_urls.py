"""Bench-only URLconf: the project's routes plus one bare view, the floor the real purchase
suggestions endpoint is measured against (bench/api_ratio.py). Selected by
bench/bare_settings.py; never part of the production URLconf.

The bare view builds the same JSON as `GET /api/v1/stores/<id>/suggestions/` from one indexed
query (suggestions of the latest pending day joined with their products, the store's warehouse
and its budget), with plain Django: no REST framework, no authentication, no serializers, no ORM.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone

from lst.urls import urlpatterns as project_urlpatterns
from recommendations.explain import purchase_reason_text
from recommendations.reasons import PurchaseReason
from replenishment.delivery import promised_delivery_date

# Uses the (store, for_date, status) index twice: the latest pending day, then its rows.
SQL = """
SELECT s.id, s.kind, s.quantity, s.case_pack, s.unit_cost, s.on_hand, s.on_order,
       s.forecast_daily, s.days_until_stockout, s.next_delivery_date, s.status, s.reason,
       s.for_date, p.id, p.sku, p.barcode, p.name, p.name_en, p.case_pack,
       st.timezone, w.id, w.min_order_value, w.cutoff_time, w.lead_time_days,
       w.delivery_weekdays, ps.budget, sl.on_hand
FROM recommendations_purchasesuggestion s
JOIN catalog_product p ON p.id = s.product_id
JOIN stores_store st ON st.id = s.store_id
LEFT JOIN replenishment_warehouse w ON w.id = st.warehouse_id
LEFT JOIN recommendations_purchasesettings ps ON ps.store_id = s.store_id
LEFT JOIN stores_stocklevel sl ON sl.store_id = s.store_id AND sl.product_id = s.product_id
WHERE s.store_id = %s AND s.status = 'pending' AND s.for_date = (
    SELECT max(for_date) FROM recommendations_purchasesuggestion
    WHERE store_id = %s AND status = 'pending')
ORDER BY s.days_until_stockout ASC NULLS LAST, s.kind, s.product_id
"""

CENT = Decimal("0.01")


def _money(x: Decimal | None) -> str | None:
    return None if x is None else f"{x.quantize(CENT):f}"


def _day(x: dt.date | None) -> str | None:
    return None if x is None else x.isoformat()


def _reason(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "weekly_units": float(r["weekly_units"]),
        "on_hand": int(r["on_hand"]),
        "on_order": int(r["on_order"]),
        "next_delivery": r["next_delivery"],
        "runs_out_on": r["runs_out_on"],
        "protection_days": int(r["protection_days"]),
        "order_up_to": int(r["order_up_to"]),
        "service_level": float(r["service_level"]),
        "limited_by": str(r["limited_by"]),
        "budget_trimmed": bool(r["budget_trimmed"]),
    }


def bare_suggestions(request: HttpRequest, store_id: int) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(SQL, [store_id, store_id])
        rows = cursor.fetchall()
    lines, total, top_up = [], Decimal("0"), Decimal("0")
    for (
        sid, kind, qty, pack, cost, on_hand, on_order, daily, days_left, next_delivery, status,
        reason, for_date, pid, sku, barcode, name, name_en, product_pack, *_store,
    ) in rows:  # fmt: skip
        reason = json.loads(reason)  # Django leaves jsonb undecoded on a raw cursor
        typed = PurchaseReason.from_json(reason)  # what the sentence is written from
        line_total = cost * qty
        if kind == "order":
            total += line_total
        else:
            top_up += line_total
        on_hand_now = _store[-1]  # the stock level's on hand now (NULL: none kept)
        text = purchase_reason_text(
            SimpleNamespace(reason=typed, for_date=for_date, kind=kind),  # type: ignore[arg-type]
            on_hand_now=on_hand_now,
        )
        lines.append(
            {
                "id": sid,
                "product": {
                    "id": pid,
                    "sku": sku,
                    "barcode": barcode,
                    "name": name,
                    "name_en": name_en,
                    "case_pack": product_pack,
                },
                "kind": kind,
                "quantity": qty,
                "cases": qty // max(pack, 1),
                "unit_cost": _money(cost),
                "line_total": str(line_total),
                "on_hand": on_hand,
                "on_hand_now": on_hand_now,
                "on_order": on_order,
                "forecast_daily": f"{daily:f}",
                "days_until_stockout": None if days_left is None else f"{days_left:f}",
                "next_delivery_date": _day(next_delivery),
                "status": status,
                "reason": _reason(reason),
                "reason_text": text,
            }
        )
    promised, mov, budget = None, Decimal("0"), None
    if rows:
        tz, wh_id, wh_mov, cutoff, lead, weekdays, budget = rows[0][19:26]
        if wh_id is not None:
            mov = wh_mov
            promised = promised_delivery_date(
                timezone.now(), tz, cutoff, lead, json.loads(weekdays)
            )
    basket = {
        "for_date": _day(rows[0][12]) if rows else None,
        "lines": len(rows),
        "total": _money(total),
        "top_up_total": _money(top_up),
        "min_order_value": _money(mov),
        "meets_minimum": total >= mov,
        "shortfall": _money(max(mov - total, Decimal("0"))),
        "budget": _money(budget),
        "promised_delivery_date": _day(promised),
    }
    body = json.dumps({"basket": basket, "lines": lines}, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body.encode(), content_type="application/json")


urlpatterns = [
    *project_urlpatterns,
    path("bench/bare/stores/<int:store_id>/suggestions/", bare_suggestions),
]
