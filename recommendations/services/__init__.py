"""Writes of the recommenders: the nightly pipeline and the owner's answers to suggestions."""
