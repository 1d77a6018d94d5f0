"""People and the positions they hold.

A Person is anyone Linli knows about: a resident in the ledger, a grid worker, a volunteer
who works elsewhere. Identifiers are stored encrypted with a keyed hash beside them; the
clear value never reaches a template except through ``linli.core.masking`` or an audited
reveal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core import crypto
from linli.core.masking import mask_id_number, mask_phone
from linli.core.scoping import ScopedModel, ScopedQuerySet
from linli.people.positions import POSITION_CHOICES, POSITION_KINDS

if TYPE_CHECKING:
    from linli.accounts.models import User


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")
    UNKNOWN = "", _("未知")


class Person(ScopedModel):
    SCOPE_CAPABILITY: ClassVar[str | None] = "ledger"

    name = models.CharField(max_length=64, db_index=True)
    gender = models.CharField(max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    id_number_enc = models.TextField(blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    phone_enc = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="people", help_text="住址所在最细节点"
    )
    household = models.ForeignKey(
        "places.Household", on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    is_party_member = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["place_path", "id"])]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def own_q(cls, user: User) -> Q | None:
        return Q(pk=user.person_id) if user.person_id else None

    # Identifiers: clear values only through these accessors, masked by default.
    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_enc)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class Position(ScopedModel):
    """A person holding a position at a node from ``start_date`` until ``end_date`` (inclusive)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="positions")
    kind = models.CharField(max_length=32, choices=POSITION_CHOICES)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="positions")
    party_org = models.ForeignKey(
        "orgs.PartyOrg", on_delete=models.SET_NULL, null=True, blank=True, related_name="positions"
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="positions"
    )
    title = models.CharField(max_length=64, blank=True, help_text="如“第一网格网格员”")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["person", "start_date"]), models.Index(fields=["place", "kind"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.kind_label}"

    @property
    def kind_label(self) -> str:
        spec = POSITION_KINDS.get(self.kind)
        return spec.label if spec else self.kind
