"""Dates of the Chinese retail calendar that move demand in the demo chain.

Lunar holidays fall on different Gregorian dates each year, so they are listed, not computed.
"""

from __future__ import annotations

import datetime as dt

# Spring Festival (Chinese New Year's Day).
SPRING_FESTIVAL = {
    2020: "2020-01-25",
    2021: "2021-02-12",
    2022: "2022-02-01",
    2023: "2023-01-22",
    2024: "2024-02-10",
    2025: "2025-01-29",
    2026: "2026-02-17",
    2027: "2027-02-06",
    2028: "2028-01-26",
    2029: "2029-02-13",
    2030: "2030-02-03",
}
MID_AUTUMN = {
    2020: "2020-10-01",
    2021: "2021-09-21",
    2022: "2022-09-10",
    2023: "2023-09-29",
    2024: "2024-09-17",
    2025: "2025-10-06",
    2026: "2026-09-25",
    2027: "2027-09-15",
    2028: "2028-10-03",
    2029: "2029-09-22",
    2030: "2030-09-12",
}


def festival_windows(year: int) -> list[tuple[str, dt.date, dt.date, bool]]:
    """(name, first day, last day, is_public_holiday) of each festival window in a year."""
    d = dt.date.fromisoformat
    out: list[tuple[str, dt.date, dt.date, bool]] = [
        ("new_year", dt.date(year, 1, 1), dt.date(year, 1, 1), True),
        ("labour_day", dt.date(year, 5, 1), dt.date(year, 5, 5), True),
        ("618", dt.date(year, 6, 16), dt.date(year, 6, 18), False),
        ("national_day", dt.date(year, 10, 1), dt.date(year, 10, 7), True),
        ("double_11", dt.date(year, 11, 10), dt.date(year, 11, 11), False),
        ("double_12", dt.date(year, 12, 12), dt.date(year, 12, 12), False),
    ]
    if year in SPRING_FESTIVAL:
        sf = d(SPRING_FESTIVAL[year])
        # The run-up (stocking up for the family dinner) and the holiday week itself.
        out.append(
            ("spring_festival_runup", sf - dt.timedelta(days=10), sf - dt.timedelta(days=1), False)
        )
        out.append(("spring_festival", sf, sf + dt.timedelta(days=6), True))
    if year in MID_AUTUMN:
        ma = d(MID_AUTUMN[year])
        out.append(("mid_autumn", ma - dt.timedelta(days=2), ma, True))
    return out
