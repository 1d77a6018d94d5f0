"""Build a fictional street modelled on the seeds, deterministically for a seed.

``street`` size mirrors seed 000 (烟墩街道): 4 communities, 43 compounds each with a party
branch, 328 buildings each with a party group, ~12,000 households, ~30,000 residents. Nodes
are written with ``bulk_create`` and precomputed treebeard paths, so the district size
(10 streets) builds in minutes, not hours.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import random
import time
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from faker import Faker
from stdnum.cn import ric

from linli.core import crypto
from linli.core.identifiers import normalise_phone
from linli.orgs.models import Organisation, OrganisationKind, PartyOrg, PartyOrgKind
from linli.people.models import Person, PoliticalStatus, Position, party_fields
from linli.places.models import Household, Place, PlaceKind


@dataclass(frozen=True)
class Size:
    streets: int
    communities: int
    compounds: int  # per street
    buildings: int  # per street
    households: int  # per street, approximate
    residents_per_household: float


SIZES = {
    "small": Size(streets=1, communities=2, compounds=4, buildings=12, households=96, residents_per_household=2.5),
    "street": Size(
        streets=1, communities=4, compounds=43, buildings=328, households=12000, residents_per_household=2.5
    ),
    "district": Size(
        streets=10, communities=4, compounds=43, buildings=328, households=12000, residents_per_household=2.5
    ),
}

STREET_NAMES = ["幸福里", "和平", "光明", "长青", "东风", "新华", "胜利", "建设", "文昌", "望湖"]
COMMUNITY_NAMES = ["花园", "滨湖", "桂香", "春晖", "明珠", "翠竹", "银杏", "丹枫"]
COMPOUND_WORDS = ["锦绣", "阳光", "怡和", "金桂", "翠苑", "书香", "康居", "福泽", "馨园", "颐和", "兰亭", "梧桐"]
COMPOUND_SUFFIX = ["小区", "花园", "家园", "苑", "里巷", "新村"]
DEPARTMENTS = ["派出所", "住建所", "应急办", "市场监管所", "卫生健康办", "城管执法中队"]
PROPERTY_COMPANIES = ["安居物业", "红盾物业", "惠民物业服务", "恒通物业", "同心物业"]
PARTNERS = ["区供电公司党支部", "区人民医院党委", "第一实验学校党支部", "区税务局党支部", "邮政支局党支部"]
BIRTH_AREAS = ["340111", "340104", "340102", "430405", "350902", "340603", "110101"]
PHONE_PREFIXES = ["138", "139", "150", "151", "158", "186", "187", "135", "136", "189"]
DISTRICT_CODE = "340199"  # fictional county-level code under 合肥 for the demo

# Module demos run in this order after requests exist, each as ``build(rng)`` on the non-small sizes.
DEMO_HOOKS = [
    "linli.visits.demo:build_demo_visits",
    "linli.volunteering.demo:build_demo_volunteering",
    "linli.deliberation.demo:build_demo_deliberation",
    "linli.partylife.demo:build_demo_partylife",
    "linli.cobuilding.demo:build_demo_cobuilding",
    "linli.places.demo:build_demo_compounds",  # after cobuilding: a compound under contract is company-managed
    "linli.places.demo:build_demo_security",  # 四层防控圈: no random draws, the hooks after it are unchanged
    "linli.teams.demo:build_demo_teams",
    "linli.duties.demo:build_demo_duties",
    "linli.venues.demo:build_demo_venues",
    "linli.elections.demo:build_demo_elections",
    "linli.commons.demo:build_demo_commons",  # after deliberation (owners) and cobuilding (committees)
    "linli.workforce.demo:build_demo_workforce",
    "linli.guide.demo:build_demo_guide",
    "linli.rota.demo:build_demo_rota",
    "linli.grants.demo:build_demo_grants",
    "linli.routing.demo:build_demo_routing",
    "linli.privacy.demo:build_demo_privacy",
    "linli.insights.demo:build_demo_insights",  # last: rollups over everything above
]


@dataclass
class DemoResult:
    places: int
    households: int
    residents: int
    party_orgs: int
    users: list[str]


@cache
def _area_valid_in(area: str, year: int) -> bool:
    body = f"{area}{year}0101001"
    return bool(ric.is_valid(body + ric.calc_check_digit(body + "0")))


class _PathAlloc:
    """Allocates treebeard paths for bulk creation."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.next_child: dict[str, int] = {}

    def child(self, parent_path: str) -> str:
        n = self.next_child.get(parent_path, 0) + 1
        self.next_child[parent_path] = n
        depth = len(parent_path) // self.model.steplen + 1
        return str(self.model._get_path(parent_path, depth, n))

    def numchild(self, path: str) -> int:
        return self.next_child.get(path, 0)


class DemoBuilder:
    def __init__(self, *, size: str, seed: int, password: str) -> None:
        self.size = SIZES[size]
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.password = password
        self.places: list[Place] = []
        self.place_paths = _PathAlloc(Place)
        self.org_paths = _PathAlloc(PartyOrg)
        self.orgs: list[PartyOrg] = []
        self.id_seq: dict[str, int] = {}
        self.phones: set[str] = set()
        self.today = dt.date(2026, 1, 1)
        self.timings: dict[str, float] = {}

    # -- identifiers ---------------------------------------------------------------------
    def id_number(self, birth: dt.date, gender: str) -> str:
        """A valid 18-digit ID: birth area that existed in the birth year, odd sequence for men."""
        areas = [a for a in BIRTH_AREAS if _area_valid_in(a, birth.year)] or ["110101"]
        stem = f"{self.rng.choice(areas)}{birth:%Y%m%d}"
        seq = self.id_seq.get(stem, self.rng.randrange(0, 400)) + 1
        if (seq % 2 == 1) != (gender == "M"):
            seq += 1
        self.id_seq[stem] = seq
        body = f"{stem}{seq % 1000:03d}"
        return body + ric.calc_check_digit(body + "0")

    def phone(self) -> str:
        while True:
            raw = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(0, 10**8):08d}"
            if raw not in self.phones:
                self.phones.add(raw)
                return normalise_phone(raw)

    def person(self, *, place: Place, household: Household | None = None, age: tuple[int, int] = (0, 95)) -> Person:
        gender = self.rng.choice("MF")
        name = self.fake.name_male() if gender == "M" else self.fake.name_female()
        birth = self.today - dt.timedelta(days=self.rng.randrange(age[0] * 365 + 1, age[1] * 365))
        idn = self.id_number(birth, gender)
        phone = self.phone() if (self.today - birth).days > 16 * 365 else ""
        return Person(
            name=name,
            gender=gender,
            birth_date=birth,
            id_number_enc=crypto.encrypt(idn),
            id_number_hash=crypto.keyed_hash("id", idn),
            phone_enc=crypto.encrypt(phone),
            phone_hash=crypto.keyed_hash("phone", phone),
            place=place,
            place_path=place.path,
            household=household,
            **party_fields(self.rng.random() < 0.06),
        )

    # -- tree ----------------------------------------------------------------------------
    def node(self, parent: Place | None, kind: str, name: str, code: str = "") -> Place:
        path = self.place_paths.child(parent.path if parent else "")
        node = Place(path=path, depth=len(path) // Place.steplen, numchild=0, kind=kind, name=name, code=code)
        self.places.append(node)
        return node

    @staticmethod
    def square(node: Place, lat: float, lng: float, side: float) -> None:
        """A square boundary with its south-west corner at (lat, lng), and its centre as the point."""
        ring = [[lng, lat], [lng + side, lat], [lng + side, lat + side], [lng, lat + side], [lng, lat]]
        node.boundary = {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}
        node.lat = Decimal(str(round(lat + side / 2, 6)))
        node.lng = Decimal(str(round(lng + side / 2, 6)))

    def party(self, parent: PartyOrg | None, kind: str, name: str, place: Place) -> PartyOrg:
        path = self.org_paths.child(parent.path if parent else "")
        org = PartyOrg(
            path=path,
            depth=len(path) // PartyOrg.steplen,
            numchild=0,
            kind=kind,
            name=name,
            place=place,
            place_path=place.path,
        )
        self.orgs.append(org)
        return org

    def _split(self, total: int, parts: int) -> list[int]:
        base = [total // parts] * parts
        for i in range(total - sum(base)):
            base[i] += 1
        return base

    @transaction.atomic
    def build(self) -> DemoResult:
        size = self.size
        district = self.node(None, PlaceKind.DISTRICT, "示范区", f"{DISTRICT_CODE}000000")
        streets: list[dict[str, Any]] = []
        for s in range(size.streets):
            street = self.node(district, PlaceKind.STREET, f"{STREET_NAMES[s]}街道", f"{DISTRICT_CODE}{s + 1:03d}000")
            info: dict[str, Any] = {"node": street, "communities": []}
            compounds_per = self._split(size.compounds, size.communities)
            buildings_per_compound = self._split(size.buildings, size.compounds)
            self.rng.shuffle(buildings_per_compound)
            ci = 0
            for c in range(size.communities):
                cname = f"{COMMUNITY_NAMES[c % len(COMMUNITY_NAMES)]}社区"
                community = self.node(street, PlaceKind.COMMUNITY, cname, f"{DISTRICT_CODE}{s + 1:03d}{c + 1:03d}")
                # Fictional geography near 合肥: streets side by side, communities a 2×2 block each.
                c_lat, c_lng = 31.76 + (c // 2) * 0.012, 117.28 + s * 0.03 + (c % 2) * 0.012
                self.square(community, c_lat, c_lng, 0.0115)
                cinfo: dict[str, Any] = {"node": community, "compounds": []}
                for _ in range(compounds_per[c]):
                    word = COMPOUND_WORDS[ci % len(COMPOUND_WORDS)]
                    suffix = COMPOUND_SUFFIX[(ci // len(COMPOUND_WORDS)) % len(COMPOUND_SUFFIX)]
                    compound = self.node(community, PlaceKind.COMPOUND, f"{word}{suffix}")
                    k = len(cinfo["compounds"])
                    self.square(compound, c_lat + (k // 4) * 0.0028, c_lng + (k % 4) * 0.0028, 0.0025)
                    n_buildings = buildings_per_compound[ci]
                    ci += 1
                    n_grids = 1 if n_buildings <= 6 else 2
                    grids = [
                        self.node(compound, PlaceKind.GRID, f"{compound.name}第{g + 1}网格") for g in range(n_grids)
                    ]
                    buildings = []
                    for b in range(n_buildings):
                        grid = grids[b * n_grids // n_buildings]
                        building = self.node(grid, PlaceKind.BUILDING, f"{compound.name}{b + 1}栋")
                        assert compound.lat is not None and compound.lng is not None
                        building.lat = compound.lat + Decimal("0.0003") * (b // 4) + Decimal("0.0002")
                        building.lng = compound.lng + Decimal("0.0005") * (b % 4) + Decimal("0.0003")
                        units = [
                            self.node(building, PlaceKind.UNIT, f"{building.name}{u + 1}单元")
                            for u in range(self.rng.choice((1, 2, 2, 3)))
                        ]
                        buildings.append({"node": building, "grid": grid, "units": units})
                    cinfo["compounds"].append({"node": compound, "grids": grids, "buildings": buildings})
                info["communities"].append(cinfo)
            streets.append(info)
        for p in self.places:
            p.numchild = self.place_paths.numchild(p.path)
        Place.objects.bulk_create(self.places, batch_size=2000)
        by_path = {p.path: p for p in Place.objects.filter(path__under=district.path)}
        for p in self.places:
            p.pk = by_path[p.path].pk

        households = self._households(streets)
        residents = self._residents(households)
        staff = self._organisations_and_positions(district, streets)
        users = self._users(district, streets, staff, residents)
        if self.size is not SIZES["small"]:
            # A few months of request history, so the workbench and three rates show real figures.
            # The small (test) demo starts without requests: tests count the ones they make.
            from linli.tickets.demo import build_demo_tickets

            build_demo_tickets(self.rng, count=300 * self.size.streets)
            for hook in DEMO_HOOKS:
                module_name, _, func_name = hook.partition(":")
                if importlib.util.find_spec(module_name) is None:
                    continue  # an app whose demo data has not been written yet
                extra = getattr(importlib.import_module(module_name), func_name)
                started = time.monotonic()
                extra(self.rng)
                self.timings[hook] = time.monotonic() - started
        return DemoResult(
            places=len(self.places),
            households=len(households),
            residents=len(residents) + len(staff),
            party_orgs=len(self.orgs),
            users=users,
        )

    def _households(self, streets: list[dict[str, Any]]) -> list[Household]:
        rows: list[Household] = []
        for info in streets:
            units = [
                u for c in info["communities"] for cp in c["compounds"] for b in cp["buildings"] for u in b["units"]
            ]
            per_unit = self._split(self.size.households, len(units))
            for unit, n in zip(units, per_unit, strict=True):
                floors = max(1, (n + 1) // 2)
                for i in range(n):
                    room = f"{i // 2 + 1 if floors else 1}0{i % 2 + 1}"
                    area = round(self.rng.uniform(48, 140), 2)
                    rows.append(Household(place=unit, place_path=unit.path, room=room, area_m2=area))
        Household.objects.bulk_create(rows, batch_size=2000)
        if rows and rows[0].pk is None:  # SQLite before RETURNING support: reload ids
            lookup = {(h.place_id, h.room): h.pk for h in Household.objects.all().only("id", "place_id", "room")}
            for h in rows:
                h.pk = lookup[(h.place_id, h.room)]
        return rows

    def _residents(self, households: list[Household]) -> list[Person]:
        people: list[Person] = []
        mean = self.size.residents_per_household
        for h in households:
            n = max(1, min(6, round(self.rng.gauss(mean, 1.1))))
            for i in range(n):
                people.append(self.person(place=h.place, household=h, age=(22, 90) if i == 0 else (0, 90)))
        Person.objects.bulk_create(people, batch_size=2000)
        return people

    def _staff_person(self, place: Place) -> Person:
        p = self.person(place=place, age=(25, 60))
        p.save()
        return p

    def _organisations_and_positions(self, district: Place, streets: list[dict[str, Any]]) -> dict[str, Person]:
        start = dt.date(2025, 1, 1)
        positions: list[Position] = []
        named: dict[str, Person] = {}

        def hold(person: Person, kind: str, place: Place, title: str = "", **extra: Any) -> None:
            positions.append(
                Position(
                    person=person, kind=kind, place=place, place_path=place.path, title=title, start_date=start, **extra
                )
            )

        orgs_to_create: list[tuple[Organisation, list[Place]]] = []
        for s_index, info in enumerate(streets):
            street = info["node"]
            working = self.party(None, PartyOrgKind.WORKING_COMMITTEE, f"{street.name}党工委", street)
            leader = self._staff_person(street)
            hold(leader, "street_leader", street, "街道党工委书记")
            if s_index == 0:
                named["street"] = leader
            hold(self._staff_person(street), "street_staff", street, "党建办")
            for dept in DEPARTMENTS:
                org = Organisation(
                    kind=OrganisationKind.DEPARTMENT,
                    name=f"{street.name}{dept}",
                    home=street,
                    place_path=street.path,
                    contact_phone=f"0551-6{self.rng.randrange(10**6):06d}",
                )
                orgs_to_create.append((org, [street]))
                liaison = self._staff_person(street)
                positions.append(
                    Position(
                        person=liaison,
                        kind="department_liaison",
                        place=street,
                        place_path=street.path,
                        title=f"{dept}联络员",
                        start_date=start,
                    )
                )
                positions[-1]._demo_org = org  # type: ignore[attr-defined]
            for partner in PARTNERS[:3]:
                org = Organisation(
                    kind=OrganisationKind.PARTNER_UNIT, name=partner, home=street, place_path=street.path
                )
                orgs_to_create.append((org, []))
            for c_index, cinfo in enumerate(info["communities"]):
                community = cinfo["node"]
                committee = self.party(working, PartyOrgKind.COMMITTEE, f"{community.name}党委", community)
                orgs_to_create.append(
                    (
                        Organisation(
                            kind=OrganisationKind.RESIDENTS_COMMITTEE,
                            name=f"{community.name}居委会",
                            home=community,
                            place_path=community.path,
                        ),
                        [community],
                    )
                )
                hold(self._staff_person(community), "community_secretary", community, "社区党委书记")
                for k in range(2):
                    worker = self._staff_person(community)
                    hold(worker, "community_staff", community, "社区工作者")
                    if s_index == 0 and c_index == 0 and k == 0:
                        named["community"] = worker
                for cp_index, cp in enumerate(cinfo["compounds"]):
                    compound = cp["node"]
                    branch = self.party(committee, PartyOrgKind.BRANCH, f"{compound.name}党支部", compound)
                    secretary = self._staff_person(compound)
                    hold(secretary, "branch_secretary", compound, "小区党支部书记", party_org=branch)
                    if self.rng.random() < 0.8:
                        company = self.rng.choice(PROPERTY_COMPANIES)
                        orgs_to_create.append(
                            (
                                Organisation(
                                    kind=OrganisationKind.PROPERTY_COMPANY,
                                    name=f"{company}({compound.name})",
                                    home=community,
                                    place_path=community.path,
                                ),
                                [compound],
                            )
                        )
                    if self.rng.random() < 0.5:
                        orgs_to_create.append(
                            (
                                Organisation(
                                    kind=OrganisationKind.OWNERS_COMMITTEE,
                                    name=f"{compound.name}业委会",
                                    home=compound,
                                    place_path=compound.path,
                                ),
                                [compound],
                            )
                        )
                    for g_index, grid in enumerate(cp["grids"]):
                        chief = self._staff_person(grid)
                        hold(chief, "grid_chief", grid, "网格长")
                        worker = self._staff_person(grid)
                        hold(worker, "grid_worker", grid, "专职网格员")
                        if s_index == c_index == cp_index == g_index == 0:
                            named["grid"] = worker
                    for b_index, b in enumerate(cp["buildings"]):
                        building = b["node"]
                        group = self.party(branch, PartyOrgKind.GROUP, f"{building.name}党小组", building)
                        if b_index % 3 == 0:
                            self.party(
                                group, PartyOrgKind.CENTER_HOUSEHOLD, f"{building.name}党员中心户", b["units"][0]
                            )
                        head = self._staff_person(b["units"][0])
                        hold(head, "building_head", building, "楼栋长")
                    if cp_index % 4 == 0:
                        hold(self._staff_person(compound), "mediator", compound, "调解员")
                        hold(self._staff_person(compound), "lane_head", compound, "巷长")
                    if s_index == c_index == 0 and cp_index == 0:
                        volunteer = self._staff_person(cp["buildings"][0]["units"][0])
                        volunteer.is_party_member, volunteer.political_status = True, PoliticalStatus.PARTY_MEMBER
                        volunteer.save(update_fields=["is_party_member", "political_status"])
                        hold(volunteer, "volunteer", compound, "党员志愿者")
                        named["volunteer"] = volunteer
        for o in self.orgs:
            o.numchild = self.org_paths.numchild(o.path)
        PartyOrg.objects.bulk_create(self.orgs, batch_size=2000)
        for org, _serves in orgs_to_create:
            org.save()
            if _serves:
                org.serves.set(_serves)
        for p in positions:
            if hasattr(p, "_demo_org"):
                p.organisation = p._demo_org
        Position.objects.bulk_create(positions, batch_size=2000)
        named["admin_place"] = district  # type: ignore[assignment]
        return named

    def _users(
        self, district: Place, streets: list[dict[str, Any]], staff: dict[str, Any], residents: list[Person]
    ) -> list[str]:
        User = get_user_model()
        made = []
        admin_person = self._staff_person(district)
        Position.objects.create(
            person=admin_person,
            kind="sysadmin",
            place=district,
            place_path=district.path,
            title="系统管理员",
            start_date=dt.date(2025, 1, 1),
        )
        accounts = {
            "admin": admin_person,
            "street": staff["street"],
            "community": staff["community"],
            "grid": staff["grid"],
            "volunteer": staff["volunteer"],
        }
        first_grid = streets[0]["communities"][0]["compounds"][0]["grids"][0]
        resident = next(p for p in residents if p.place_path.startswith(first_grid.path) and p.phone_enc)
        accounts["resident"] = resident
        for username, person in accounts.items():
            user = User(
                username=username,
                person=person,
                is_superuser=username == "admin",
                is_staff=username == "admin",
                phone_hash=person.phone_hash,
            )
            user.set_password(self.password)
            user.save()
            made.append(username)
        return made
