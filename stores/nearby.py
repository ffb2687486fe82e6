"""Nearby availability for shoppers: which active stores near a point have a product.

A bounding box on the indexed (latitude, longitude) cuts the candidates to the stores around
the point, joined to their stock row of the product (the unique (store, product) index); the
exact great-circle distance is then computed in Python on that short list. Shoppers see an
availability level, never a count. The box does not wrap across the 180th meridian.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import F

from catalog.models import Product

from .models import StockLevel, Store

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LAT = 111.32


@dataclass(frozen=True)
class NearbyStore:
    store: Store
    distance_m: int
    availability: str  # "in_stock" | "low"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a box that contains the circle."""
    dlat = radius_km / KM_PER_DEGREE_LAT
    cos_lat = max(math.cos(math.radians(lat)), 0.01)  # near a pole the box spans every longitude
    dlon = min(radius_km / (KM_PER_DEGREE_LAT * cos_lat), 180.0)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def _dec(x: float) -> Decimal:
    return Decimal(f"{x:.6f}")


def nearby_availability(
    *, product: Product, latitude: float, longitude: float, radius_km: float
) -> list[NearbyStore]:
    """Active stores within `radius_km` that have `product` on hand and not promised to shopper
    orders, nearest first, at most
    NEARBY_MAX_RESULTS. Two queries: candidates as plain tuples (a wide radius in a dense city
    can hold thousands), then the few stores returned."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(latitude, longitude, radius_km)
    # Units promised to shopper orders are not on offer: availability is on_hand - reserved.
    candidates = (
        StockLevel.objects.annotate(free=F("on_hand") - F("reserved"))
        .filter(
            product=product,
            free__gte=1,
            store__status=Store.Status.ACTIVE,
            store__latitude__gte=_dec(min_lat),
            store__latitude__lte=_dec(max_lat),
            store__longitude__gte=_dec(min_lon),
            store__longitude__lte=_dec(max_lon),
        )
        .order_by()
        .values_list("store_id", "free", "store__latitude", "store__longitude")
    )
    hits = []
    for store_id, on_hand, lat, lon in candidates:
        km = haversine_km(latitude, longitude, float(lat), float(lon))  # type: ignore[arg-type]  # not null: the box filters on them
        if km <= radius_km:
            hits.append((round(km * 1000), store_id, on_hand))
    hits.sort()
    hits = hits[: settings.NEARBY_MAX_RESULTS]
    if not hits:
        return []
    stores = Store.objects.in_bulk([store_id for _, store_id, _ in hits])
    in_stock_min = settings.NEARBY_IN_STOCK_MIN
    return [
        NearbyStore(stores[store_id], metres, "in_stock" if on_hand >= in_stock_min else "low")
        for metres, store_id, on_hand in hits
    ]
