"""Demo 小区档案: every demo compound gets a type, a management mode and a year built. Compounds with a
property contract (cobuilding's demo, which runs first) are managed by the company; of the others, the
older ones are open 杂居型 里巷 without property management, as in seed 001's 老旧城区."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from linli.places.models import CompoundProfile, CompoundType, ManagementMode, Place, PlaceKind


def build_demo_compounds(rng: random.Random) -> None:
    from linli.cobuilding.models import PropertyContract

    today = timezone.localdate()
    contracted = set(
        PropertyContract.objects.filter(starts_on__lte=today, ends_on__gte=today).values_list("compound_id", flat=True)
    )
    rows = []
    for compound in Place.objects.filter(kind=PlaceKind.COMPOUND).exclude(compound_profile__isnull=False):
        built = rng.randint(1982, 2021)
        if compound.pk in contracted:
            kind = rng.choice([CompoundType.COMMERCIAL] * 3 + [CompoundType.RESETTLEMENT])
            mode = ManagementMode.COMPANY
        elif built <= 2000:
            kind = rng.choice([CompoundType.MIXED, CompoundType.MIXED, CompoundType.WORK_UNIT])
            mode = rng.choice(
                [ManagementMode.NONE, ManagementMode.COMMUNITY, ManagementMode.WORK_UNIT]
                if kind == CompoundType.WORK_UNIT
                else [ManagementMode.NONE, ManagementMode.COMMUNITY, ManagementMode.OWNERS]
            )
        else:
            kind = CompoundType.COMMERCIAL
            mode = rng.choice([ManagementMode.OWNERS, ManagementMode.COMMUNITY])
        rows.append(
            CompoundProfile(
                compound=compound, place_path=compound.path, compound_type=kind, management_mode=mode, built_year=built
            )
        )
    CompoundProfile.objects.bulk_create(rows, batch_size=1000)


def build_demo_security(rng: random.Random) -> None:
    """Demo 四层防控圈 (seed 001): compounds take turns, in tree order — one in four closed on all four rings (闭环),
    one in four with the gate, the public area and the unit doors but an open perimeter (an open 里巷), one in four
    with a camera at the gate only, one in four with nothing yet. No draws from ``rng``: the demo's later hooks see
    the same sequence as before."""
    from django.utils import timezone

    from linli.places.models import DefenceRing as R
    from linli.places.models import SecurityFacility
    from linli.places.models import SecurityFacilityKind as K

    today = timezone.localdate()
    schemes: list[list[tuple[str, str, int]]] = [
        [
            (R.ENTRANCE, K.ACCESS_CONTROL, 2),
            (R.ENTRANCE, K.FACE_RECOGNITION, 2),
            (R.ENTRANCE, K.VEHICLE_GATE, 1),
            (R.PUBLIC_AREA, K.CCTV, 8),
            (R.UNIT_ENTRANCE, K.ACCESS_CONTROL, 12),
            (R.PERIMETER, K.PERIMETER_ALARM, 1),
            (R.PERIMETER, K.CCTV, 6),
        ],
        [(R.ENTRANCE, K.FACE_RECOGNITION, 1), (R.PUBLIC_AREA, K.CCTV, 4), (R.UNIT_ENTRANCE, K.ACCESS_CONTROL, 6)],
        [(R.ENTRANCE, K.CCTV, 2)],
        [],
    ]
    rows = []
    recorded = set(SecurityFacility.objects.values_list("compound_id", flat=True))
    for i, compound in enumerate(Place.objects.filter(kind=PlaceKind.COMPOUND).order_by("path")):
        if compound.pk in recorded:  # a compound with a register keeps it (and its turn in the scheme)
            continue
        installed = today.replace(day=1) - dt.timedelta(days=90 + 37 * (i % 20))
        for ring, kind, quantity in schemes[i % len(schemes)]:
            rows.append(
                SecurityFacility(
                    compound=compound,
                    place_path=compound.path,
                    ring=ring,
                    kind=kind,
                    quantity=quantity,
                    installed_on=installed,
                )
            )
    SecurityFacility.objects.bulk_create(rows, batch_size=1000)
