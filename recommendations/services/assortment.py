"""Assortment suggestions: the weekly run's Django side, and the owner's accept / dismiss.

Weekly run: `assortment_fit` (once per run, chain-wide) fits the engine on the daily sales and
the store attributes and registers the model; the chunk handler scores a chunk of stores and
replaces their pending suggestions (answered ones stay, and are not suggested again).
Hard rules, on top of the engine's: a product is suggested for adding only if the store's
warehouse has it on hand and it is active; never one the store has a stock row for.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lst.errors import Conflict, NotFound
from recommendations.engine.assortment import (
    AssortmentModel,
    AssortmentParams,
    cold_start,
    fit_assortment,
    recommend,
)
from replenishment.models import ReplenishmentOrder, WarehouseStock
from replenishment.services import order_create_draft, order_update_draft
from stores.localtime import store_local_date
from stores.models import StockLevel, Store

from .. import data
from ..models import (
    AssortmentSuggestion,
    ModelKind,
    ModelVersion,
    RunChunk,
    SuggestionFeedback,
    SuggestionStatus,
    TrainingRun,
)
from . import registry

logger = logging.getLogger(__name__)
Action = AssortmentSuggestion.Action

HISTORY_DAYS = 364  # the engine's "carried" window is 26 weeks; a year gives stable rates
ADD_K = 10
DROP_K = 5


def assortment_fit(*, run: TrainingRun, end: dt.date | None = None) -> ModelVersion:
    """Fit the assortment model on the active stores' sales and attributes and serve it."""
    end = end or timezone.localdate() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=HISTORY_DAYS - 1)
    ids = data.active_store_ids()
    sales = data.sales_frame(store_ids=ids, start=start, end=end)
    if sales.empty:
        raise ValueError("no daily sales to learn the assortment from")
    products = data.products_frame()
    params = AssortmentParams()
    model = fit_assortment(
        sales[["store_id", "product_id", "date", "units"]],
        store_attrs=data.store_attrs_frame(ids),
        products=products[["product_id", "category"]],
        params=params,
    )
    version = registry.model_register(
        kind=ModelKind.ASSORTMENT,
        model=model,
        parameters=asdict(params),
        metrics={
            "stores": len(model.store_ids),
            "products": len(model.product_ids),
            "sales_rows": len(sales),
        },
        data_start=start,
        data_end=end,
    )
    TrainingRun.objects.filter(pk=run.pk).update(model_version=version)
    return registry.model_promote(version=version, note="assortment model of the weekly run")


def _int_or_none(x: object) -> int | None:
    try:
        return int(str(x))
    except ValueError:
        return None


def _rows_for(
    model: AssortmentModel, stores: Sequence[Store], allowed: dict[str, list[int]]
) -> pd.DataFrame:
    ids = [s.pk for s in stores]
    stock = data.stock_frame(ids)
    carried = {str(sid): part["product_id"].tolist() for sid, part in stock.groupby("store_id")}
    products = data.products_frame()
    margins = {
        str(p): max(float(r) - float(c), 0.0)
        for p, r, c in products[["product_id", "retail_price", "unit_cost"]].itertuples(index=False)
    }
    known = {str(s) for s in model.store_ids}
    frames = [
        recommend(
            model,
            [s for s in ids if str(s) in known],
            ADD_K,
            allowed=allowed,
            margins=margins,
            carried=carried,
            drop_k=DROP_K,
        )
    ]
    attrs = data.store_attrs_frame(ids).set_index("store_id")
    for store in stores:
        if str(store.pk) in known:
            continue
        # A new store: stores like it by attributes. Its known range still may not be suggested.
        row = {"store_id": str(store.pk), **attrs.loc[store.pk].to_dict()}
        own = set(carried.get(str(store.pk), []))
        supply = [p for p in allowed.get(str(store.pk), []) if p not in own]
        frames.append(cold_start(model, row, ADD_K, allowed=supply, margins=margins))
    out = pd.concat([f for f in frames if not f.empty] or [frames[0]], ignore_index=True)
    out["store_id"] = out["store_id"].map(_int_or_none)
    out["product_id"] = out["product_id"].map(_int_or_none)
    out = out.dropna(subset=["store_id", "product_id"])
    # Hard rules, whatever the engine returned: adds only from the warehouse's supply and
    # never a carried product; drops only for carried products that have stock on hand (a line
    # out of stock for weeks does not sell for another reason).
    on_hand = {(int(s), int(p)): int(q) for s, p, q in stock.itertuples(index=False, name=None)}
    supplied = {(int(s), p) for s, ps in allowed.items() for p in ps}
    keep = []
    for s, p, a in out[["store_id", "product_id", "action"]].itertuples(index=False, name=None):
        key = (int(s), int(p))
        if a == Action.ADD:
            keep.append(key in supplied and key not in on_hand)
        else:
            keep.append(on_hand.get(key, 0) > 0)
    return out[np.array(keep, dtype=bool)] if len(out) else out


def _decimal(x: float, places: str = "0.01") -> Decimal | None:
    if x is None or not math.isfinite(float(x)):
        return None
    return Decimal(str(round(float(x), 4))).quantize(Decimal(places))


def assortment_score_stores(
    *, model: AssortmentModel, store_ids: Sequence[int], run: TrainingRun | None = None
) -> int:
    """Replace the stores' pending suggestions with fresh ones; returns the rows written."""
    stores = list(
        Store.objects.filter(pk__in=list(store_ids), warehouse__isnull=False).order_by("pk")
    )
    if not stores:
        return 0
    supply = data.warehouse_supply_frame([s.pk for s in stores])
    allowed = {
        str(sid): part["product_id"].astype(int).tolist()
        for sid, part in supply.groupby("store_id")
    }
    rows = _rows_for(model, stores, allowed)
    with transaction.atomic():
        answered = set(
            AssortmentSuggestion.objects.filter(store__in=stores)
            .exclude(status=SuggestionStatus.PENDING)
            .values_list("store_id", "product_id", "action")
        )
        AssortmentSuggestion.objects.filter(
            store__in=stores, status=SuggestionStatus.PENDING
        ).delete()
        fresh = []
        rank: dict[tuple[int, str], int] = {}
        for r in rows.itertuples(index=False):
            key = (int(r.store_id), int(r.product_id), str(r.action))
            if key in answered:
                continue
            n = rank[(key[0], key[2])] = rank.get((key[0], key[2]), 0) + 1
            fresh.append(
                AssortmentSuggestion(
                    store_id=key[0],
                    product_id=key[1],
                    run=run,
                    action=key[2],
                    rank=n,
                    score=float(r.score),
                    fit_probability=float(r.fit_probability),
                    expected_weekly_units=_decimal(r.expected_weekly_units) or Decimal("0"),
                    expected_weekly_profit=_decimal(r.expected_weekly_profit),
                    reason=dict(r.reason),
                )
            )
        AssortmentSuggestion.objects.bulk_create(fresh, batch_size=2000)
    return len(fresh)


def assortment_score_chunk(chunk: RunChunk, now: dt.datetime) -> None:
    version = chunk.run.model_version
    if version is None or version.status != ModelVersion.Status.ACTIVE:
        version = registry.active_model(ModelKind.ASSORTMENT)
    if version is None:
        raise RuntimeError("no active assortment model to score with")
    assortment_score_stores(
        model=registry.load_model(version), store_ids=chunk.store_ids, run=chunk.run
    )


# --- the owner's answers --------------------------------------------------------------------------


def _lock_pending(store: Store, suggestion_id: Any) -> AssortmentSuggestion:
    suggestion = (
        AssortmentSuggestion.objects.select_for_update(of=("self",))
        .select_related("product")
        .filter(store=store, pk=suggestion_id)
        .first()
    )
    if suggestion is None:
        raise NotFound(_("Suggestion not found."))
    if suggestion.status != SuggestionStatus.PENDING:
        raise Conflict(
            _("This suggestion was already answered."),
            code="suggestion_answered",
            fields={"status": [suggestion.status]},
        )
    return suggestion


@dataclass(frozen=True)
class AcceptResult:
    suggestion: AssortmentSuggestion
    order: ReplenishmentOrder | None
    quantity: int
    stock_level_created: bool


@transaction.atomic
def assortment_accept(
    *, store: Store, suggestion_id: Any, user: Any | None = None, cases: int = 1
) -> AcceptResult:
    """Add: the product joins the store's range (a stock row with 0 on hand) and `cases` case
    packs go onto the store's latest draft order (a new draft if there is none; a line already
    there is left as it is). Drop: recorded only (the owner stops reordering it)."""
    suggestion = _lock_pending(store, suggestion_id)
    product = suggestion.product
    order: ReplenishmentOrder | None = None
    quantity = 0
    created = False
    if suggestion.action == Action.ADD:
        if (
            not product.is_active
            or not WarehouseStock.objects.filter(
                # Django reads `=None` as IS NULL (no stock row: not available); the stubs
                # reject None for a non-null column.
                warehouse_id=store.warehouse_id,  # type: ignore[misc]
                product=product,
                on_hand__gt=0,
            ).exists()
        ):
            raise Conflict(
                _("Your warehouse cannot supply this product at the moment."),
                code="not_available",
            )
        _level, created = StockLevel.objects.get_or_create(
            store=store, product=product, defaults={"on_hand": 0}
        )
        quantity = cases * product.case_pack
        order = (
            ReplenishmentOrder.objects.select_for_update(of=("self",))
            .filter(store=store, status=ReplenishmentOrder.Status.DRAFT)
            .order_by("-created_at", "-pk")
            .first()
        )
        if order is None:
            order = order_create_draft(store=store, lines=[(product.pk, quantity)], user=user)
        else:
            lines = list(order.lines.order_by("pk").values_list("product_id", "quantity"))
            if all(pid != product.pk for pid, _q in lines):
                order = order_update_draft(
                    order=order, lines=[*lines, (product.pk, quantity)], user=user
                )
            else:
                quantity = next(q for pid, q in lines if pid == product.pk)
    suggestion.status = SuggestionStatus.ACCEPTED
    suggestion.answered_at = timezone.now()
    suggestion.save(update_fields=["status", "answered_at", "updated_at"])
    SuggestionFeedback.objects.create(
        source=SuggestionFeedback.Source.ASSORTMENT,
        store=store,
        product=product,
        for_date=store_local_date(store),
        action=SuggestionFeedback.Action.ACCEPTED,
        suggested_quantity=product.case_pack if suggestion.action == Action.ADD else 0,
        final_quantity=quantity,
        reason=suggestion.action,
        user=user if getattr(user, "pk", None) else None,
        order=order,
    )
    return AcceptResult(suggestion, order, quantity, created)


@transaction.atomic
def assortment_dismiss(
    *, store: Store, suggestion_id: Any, user: Any | None = None, reason: str = ""
) -> AssortmentSuggestion:
    suggestion = _lock_pending(store, suggestion_id)
    suggestion.status = SuggestionStatus.DISMISSED
    suggestion.answered_at = timezone.now()
    suggestion.save(update_fields=["status", "answered_at", "updated_at"])
    SuggestionFeedback.objects.create(
        source=SuggestionFeedback.Source.ASSORTMENT,
        store=store,
        product=suggestion.product,
        for_date=store_local_date(store),
        action=SuggestionFeedback.Action.DISMISSED,
        reason=reason[:300],
        user=user if getattr(user, "pk", None) else None,
    )
    return suggestion


def suggestions_for_store(
    *, store: Store, action: str | None = None, status: str | None = SuggestionStatus.PENDING
) -> Any:
    qs = AssortmentSuggestion.objects.filter(store=store).select_related("product")
    if action:
        qs = qs.filter(action=action)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("action", "rank", "pk")
