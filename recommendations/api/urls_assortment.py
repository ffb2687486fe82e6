from django.urls import URLPattern, URLResolver, path

from . import views_assortment

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "stores/<int:store_id>/assortment/",
        views_assortment.AssortmentListView.as_view(),
        name="assortment-list",
    ),
    path(
        "stores/<int:store_id>/assortment/<int:suggestion_id>/accept/",
        views_assortment.AssortmentAcceptView.as_view(),
        name="assortment-accept",
    ),
    path(
        "stores/<int:store_id>/assortment/<int:suggestion_id>/dismiss/",
        views_assortment.AssortmentDismissView.as_view(),
        name="assortment-dismiss",
    ),
]
