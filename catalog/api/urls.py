from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("categories/", views.CategoryListView.as_view(), name="category-list"),
    path("products/", views.ProductListView.as_view(), name="product-list"),
    path("products/<int:product_id>/", views.ProductDetailView.as_view(), name="product-detail"),
    path(
        "products/barcode/<str:ean>/",
        views.ProductByBarcodeView.as_view(),
        name="product-by-barcode",
    ),
]
