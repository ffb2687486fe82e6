"""A PreparedQuery returns what its queryset returns, one query a call, with new ids each call."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Count, Max, QuerySet

from lst.prepared_queries import PreparedQuery
from recommendations.models import PurchaseSuggestion
from stores.models import Store, StoreMembership
from tests.recommendations.factories import PurchaseSuggestionFactory
from tests.stores.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _memberships(*, user_id: int, store_id: int) -> QuerySet[StoreMembership]:
    return StoreMembership.objects.select_related(
        "store", "store__warehouse", "store__territory"
    ).filter(user_id=user_id, store_id=store_id)


def _field_values(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_instances_with_select_related_equal_the_querysets(
    alice, bob, carol, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    prepared = PreparedQuery(_memberships, "user_id", "store_id")
    for tenant in (alice, bob, carol):
        expected = list(_memberships(user_id=tenant.user.pk, store_id=tenant.store.pk))
        with django_assert_num_queries(1):
            got = prepared(user_id=tenant.user.pk, store_id=tenant.store.pk)
            # The related rows came with it: reading them costs no query.
            store, warehouse, territory = (
                got[0].store,
                got[0].store.warehouse,
                got[0].store.territory,
            )
        assert len(got) == len(expected) == 1
        assert _field_values(got[0]) == _field_values(expected[0])
        assert _field_values(store) == _field_values(expected[0].store)
        assert _field_values(warehouse) == _field_values(expected[0].store.warehouse)
        assert _field_values(territory) == _field_values(expected[0].store.territory)
        assert got[0]._state.adding is False and got[0]._state.db == "default"
    # Bob is no member of Alice's store: nothing, as the queryset says.
    assert prepared(user_id=bob.user.pk, store_id=alice.store.pk) == []


def test_a_missing_relation_is_none_as_in_the_queryset(alice) -> None:  # type: ignore[no-untyped-def]
    lone = Store.objects.create(code="no-warehouse", name="无仓店", warehouse=None)
    MembershipFactory.create(user=alice.user, store=lone)
    got = PreparedQuery(_memberships, "user_id", "store_id")(
        user_id=alice.user.pk, store_id=lone.pk
    )
    assert got[0].store.pk == lone.pk and got[0].store.warehouse is None


def _totals(*, store_id: int) -> QuerySet[PurchaseSuggestion, dict[str, Any]]:
    return (
        PurchaseSuggestion.objects.filter(store_id=store_id)
        .order_by()
        .values("store_id")
        .annotate(
            lines=Count("id"),
            last_day=Max("for_date"),
            changed=Max("updated_at"),
            cost=Max("unit_cost"),
        )
    )


def test_values_and_annotations_are_converted_as_the_orm_does(alice, bob) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt
    from decimal import Decimal

    PurchaseSuggestionFactory.create(store=alice.store, unit_cost=Decimal("3.10"))
    PurchaseSuggestionFactory.create(
        store=alice.store, unit_cost=Decimal("12.05"), for_date=dt.date(2026, 11, 25)
    )
    PurchaseSuggestionFactory.create(store=bob.store, unit_cost=Decimal("1.00"))
    prepared = PreparedQuery(_totals, "store_id")
    for store in (alice.store, bob.store):
        got = prepared(store_id=store.pk)
        assert got == list(_totals(store_id=store.pk))
    alice_row = prepared(store_id=alice.store.pk)[0]
    assert alice_row["lines"] == 2 and alice_row["last_day"] == dt.date(2026, 11, 25)
    assert alice_row["cost"] == Decimal("12.05") and isinstance(alice_row["changed"], dt.datetime)
    assert prepared(store_id=alice.store.pk + bob.store.pk + 1000) == []


def test_parameters_are_checked() -> None:
    prepared = PreparedQuery(_totals, "store_id")
    with pytest.raises(TypeError):
        prepared(store=1)
    with pytest.raises(TypeError):
        prepared(store_id="1")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        prepared(store_id=True)


def test_a_parameter_the_sql_does_not_carry_is_refused() -> None:
    def ignores(*, store_id: int) -> QuerySet[PurchaseSuggestion]:
        return PurchaseSuggestion.objects.filter(store_id__gt=store_id + 1)

    with pytest.raises(ValueError, match="store_id"):
        PreparedQuery(ignores, "store_id")(store_id=1)


def test_prefetching_is_refused() -> None:
    def prefetching(*, store_id: int) -> QuerySet[Store]:
        return Store.objects.filter(pk=store_id).prefetch_related("memberships")

    with pytest.raises(TypeError, match="prefetch"):
        PreparedQuery(prefetching, "store_id")(store_id=1)
