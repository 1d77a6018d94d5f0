"""Huey hooks: the 15-minute sweep awards order-board points and expires points past their date."""

from __future__ import annotations

from linli.notify.sweeps import register_sweep
from linli.volunteering.orders import award_order_points
from linli.volunteering.points import expire_all


@register_sweep
def volunteering_order_points_sweep() -> None:
    award_order_points()


@register_sweep
def volunteering_points_expiry_sweep() -> None:
    expire_all()
