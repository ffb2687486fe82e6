"""The tenancy matrix's world (tests/security/world.py) and fast password hashing, for the
hostile-input corpus (test_hostile_input.py)."""

from tests.security.conftest import _fast_passwords, world  # noqa: F401
