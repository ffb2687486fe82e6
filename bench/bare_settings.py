"""Bench-only settings: the project's settings with the bench URLconf (bench/bare_urls.py), which
adds the bare view bench/api_ratio.py measures against. Selected with
DJANGO_SETTINGS_MODULE=bench.bare_settings; production never loads it."""

from lst.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
