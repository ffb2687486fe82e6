"""Parameters of the assortment recommender (its own module: the fit and training both read it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AssortmentParams:
    carried_weeks: int = 26  # carried = sold in this many weeks before the latest date
    recent_weeks: int = 8  # drop candidates: (near) no sales in this many weeks
    neighbours: int = 20  # stores like yours
    item_neighbours: int = 50
    item_knn_max_products: int = 8000  # beyond, no item-kNN feature (P^2 work; EASE covers it)
    item_svd_dims: int | None = 64  # item cosine on this many SVD dims (None: exact)
    svd_dims: int = 32
    attr_weight: float = 0.4  # weight of attributes in the blended similarity (reasons, units)
    shrink: float = 2.0  # pseudo-stores pulling neighbour shares toward chain popularity
    max_train_pairs: int = 300_000
    hard_negatives: int = 50  # per store and masking: its best-scored not-carried products
    mask_fraction: float = 0.1  # share of carried pairs hidden to make training examples
    mask_rounds: int = 2
    enough_positives: int = 20_000  # no further masking rounds once this many hidden pairs
    regularisation: float = 1.0  # inverse strength (C) of the logistic classifier
    profit_pool: int = 3  # with margins: the blend's best profit_pool x k, ordered by profit
    drop_ratio: float = 0.25  # drop when selling below this share of the expected rate
    drop_max_recent_units: float = 1.0
    drop_min_carrying: int = 3
    collaborative: bool = True  # EASE + RP3beta scores as classifier features (cf.py)
    cf_validation_stores: int = 200  # stores the CF settings are validated on (a sample)
    cf_validation_cells: int = 2_000_000  # and at most this many store x product cells
    blend_validation_cells: int = 4_000_000  # the blend weights: up to this many cells
    max_validation_copies: int = 3  # independent validation copies while S x P fits the above
    refit_classifier: bool = True  # the model's classifier refitted on maskings of all data
    pool_size: int = 200  # classifier trained on / ranks the union of each scorer's top pool_size
    # A gradient-boosted classifier inside the candidate pool, serving instead of the linear one
    # only when the validation copies score it higher (model.py). A compute budget: it is
    # tried only when every validation copy has at most booster_max_rows training examples
    # (the final one is subsampled to it); bigger chains keep the linear classifier.
    booster: bool = True
    booster_max_iter: int = 400  # boosting rounds at most (early stopping on 10% of the rows)
    booster_max_rows: int = 150_000
    random_state: int = 0

    def item_neighbours_for(self, n_products: int) -> int:
        """Item neighbours of the item-kNN feature for a catalogue this big (0: no feature)."""
        if self.collaborative and n_products > self.item_knn_max_products:
            return 0
        return self.item_neighbours

    def validation_stores_for(self, n_products: int) -> int:
        return max(
            20, min(self.cf_validation_stores, self.cf_validation_cells // max(1, n_products))
        )

    def blend_validation_stores_for(self, n_products: int) -> int:
        # Cheaper per cell than the CF settings (no refit per candidate), and the 70 weightings
        # need the stores: their differences are small, the per-store noise large.
        return max(20, self.blend_validation_cells // max(1, n_products))

    def validation_copies_for(self, n_stores: int, n_products: int) -> int:
        cells = max(1, n_stores * n_products)
        return max(1, min(self.max_validation_copies, self.blend_validation_cells // cells))
