"""Shelf display: space/display response, per-fixture facings plans, change lists, SVG planograms.

Django-free (numpy / pandas / scipy only). See docs/shelf.md for the method and measured results.
"""
