"""Routes of the shopper API: the shopper's own (`shopper/...`) and the store's side
(`stores/<id>/shopper-orders/...`)."""

from django.urls import URLPattern, URLResolver, path

from . import accounts, orders, store

urlpatterns: list[URLPattern | URLResolver] = [
    path("shopper/signup/", accounts.SignupView.as_view(), name="shopper-signup"),
    path("shopper/otp/request/", accounts.OtpRequestView.as_view(), name="shopper-otp-request"),
    path("shopper/otp/verify/", accounts.OtpVerifyView.as_view(), name="shopper-otp-verify"),
    path("shopper/addresses/", accounts.AddressListView.as_view(), name="shopper-addresses"),
    path(
        "shopper/addresses/<int:address_id>/",
        accounts.AddressDetailView.as_view(),
        name="shopper-address-detail",
    ),
    path("shopper/stores/<int:store_id>/", orders.ShopStoreView.as_view(), name="shopper-store"),
    path(
        "shopper/stores/<int:store_id>/products/",
        orders.ShopProductListView.as_view(),
        name="shopper-store-products",
    ),
    path("shopper/quote/", orders.QuoteView.as_view(), name="shopper-quote"),
    path("shopper/orders/", orders.OrderListView.as_view(), name="shopper-orders"),
    path(
        "shopper/orders/<int:order_id>/",
        orders.OrderDetailView.as_view(),
        name="shopper-order-detail",
    ),
    path(
        "shopper/orders/<int:order_id>/cancel/",
        orders.OrderCancelView.as_view(),
        name="shopper-order-cancel",
    ),
    path(
        "stores/<int:store_id>/shopper-orders/",
        store.StoreOrderListView.as_view(),
        name="store-shopper-orders",
    ),
    path(
        "stores/<int:store_id>/shopper-orders/<int:order_id>/",
        store.StoreOrderDetailView.as_view(),
        name="store-shopper-order-detail",
    ),
]
for _action, _view in [
    ("accept", store.AcceptView),
    ("decline", store.DeclineView),
    ("ready", store.ReadyView),
    ("out-for-delivery", store.OutForDeliveryView),
    ("delivered", store.DeliveredView),
    ("picked-up", store.PickedUpView),
]:
    urlpatterns.append(
        path(
            f"stores/<int:store_id>/shopper-orders/<int:order_id>/{_action}/",
            _view.as_view(),
            name=f"store-shopper-order-{_action}",
        )
    )
