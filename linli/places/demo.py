"""Demo 小区档案: every demo compound gets a type, a management mode and a year built. Compounds with a
property contract (cobuilding's demo, which runs first) are managed by the company; of the others, the
older ones are open 杂居型 里巷 without property management, as in seed 001's 老旧城区."""

from __future__ import annotations

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
