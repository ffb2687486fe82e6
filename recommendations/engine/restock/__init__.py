"""Restocking: the order-up-to policy, basket rules, and the inventory replay that judges it."""
