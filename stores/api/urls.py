"""Routes of the store app's API. The auth routes live here too (the app's login), with their
views in `lst.api.auth`, because `lst/api/urls.py` only mounts the apps' route modules."""

from django.urls import URLPattern, URLResolver, path

from lst.api.auth import LoginView, LogoutView, RefreshView

from . import inventory, nearby, profile, sales

urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/token/", LoginView.as_view(), name="auth-token"),
    path("auth/token/refresh/", RefreshView.as_view(), name="auth-token-refresh"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("me/", profile.MeView.as_view(), name="me"),
    path("stores/<int:store_id>/", profile.StoreProfileView.as_view(), name="store-detail"),
    path("stores/<int:store_id>/fixtures/", profile.FixtureListView.as_view(), name="fixture-list"),
    path(
        "stores/<int:store_id>/fixtures/<int:fixture_id>/",
        profile.FixtureDetailView.as_view(),
        name="fixture-detail",
    ),
    path("stores/<int:store_id>/stock/", inventory.StockListView.as_view(), name="stock-list"),
    path(
        "stores/<int:store_id>/stock/counts/",
        inventory.StockCountView.as_view(),
        name="stock-count",
    ),
    path("stores/<int:store_id>/stock/waste/", inventory.WasteView.as_view(), name="stock-waste"),
    path(
        "stores/<int:store_id>/stock/<int:product_id>/movements/",
        inventory.MovementListView.as_view(),
        name="stock-movements",
    ),
    path(
        "stores/<int:store_id>/sales/receipts/",
        sales.SalesUploadView.as_view(),
        name="sales-receipts",
    ),
    path("nearby/", nearby.NearbyView.as_view(), name="nearby"),
]
