from django.urls import URLPattern, URLResolver, path

from . import views_shelf

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "stores/<int:store_id>/shelf-plans/",
        views_shelf.ShelfPlanListView.as_view(),
        name="shelf-plan-list",
    ),
    path(
        "stores/<int:store_id>/shelf-plans/<int:fixture_id>/",
        views_shelf.ShelfPlanDetailView.as_view(),
        name="shelf-plan-detail",
    ),
    path(
        "stores/<int:store_id>/shelf-plans/<int:fixture_id>/planogram.svg",
        views_shelf.ShelfPlanogramView.as_view(),
        name="shelf-plan-svg",
    ),
    path(
        "stores/<int:store_id>/shelf-plans/<int:fixture_id>/current-layout/",
        views_shelf.ShelfLayoutView.as_view(),
        name="shelf-layout",
    ),
]
