from django.urls import URLPattern, URLResolver, path

from . import owner, warehouse

ORDER = "stores/<int:store_id>/orders/<int:order_id>/"
WH_ORDER = "warehouse/orders/<int:order_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    # The store's side (owner acts, clerk reads).
    path("stores/<int:store_id>/orders/", owner.StoreOrderListView.as_view(), name="store-orders"),
    path(ORDER, owner.StoreOrderDetailView.as_view(), name="store-order"),
    path(f"{ORDER}quote/", owner.StoreOrderQuoteView.as_view(), name="store-order-quote"),
    path(f"{ORDER}submit/", owner.StoreOrderSubmitView.as_view(), name="store-order-submit"),
    path(f"{ORDER}cancel/", owner.StoreOrderCancelView.as_view(), name="store-order-cancel"),
    path(f"{ORDER}receive/", owner.StoreOrderReceiveView.as_view(), name="store-order-receive"),
    # The warehouse system's side.
    path(
        "warehouse/orders/bulk-status/",
        warehouse.WarehouseOrderBulkStatusView.as_view(),
        name="warehouse-orders-bulk-status",
    ),
    path("warehouse/orders/", warehouse.WarehouseOrderListView.as_view(), name="warehouse-orders"),
    path(WH_ORDER, warehouse.WarehouseOrderDetailView.as_view(), name="warehouse-order"),
    path(
        f"{WH_ORDER}confirm/",
        warehouse.WarehouseOrderConfirmView.as_view(),
        name="warehouse-order-confirm",
    ),
    path(
        f"{WH_ORDER}pick/", warehouse.WarehouseOrderPickView.as_view(), name="warehouse-order-pick"
    ),
    path(
        f"{WH_ORDER}ship/", warehouse.WarehouseOrderShipView.as_view(), name="warehouse-order-ship"
    ),
    path(
        f"{WH_ORDER}deliver/",
        warehouse.WarehouseOrderDeliverView.as_view(),
        name="warehouse-order-deliver",
    ),
    path(
        f"{WH_ORDER}reject/",
        warehouse.WarehouseOrderRejectView.as_view(),
        name="warehouse-order-reject",
    ),
]
