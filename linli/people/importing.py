"""Resident import, the engine: validate every row, then (on commit) write the valid ones in bulk.

Rows stream from the sheet in chunks of ``CHUNK_ROWS``; each chunk costs one query to find who is
already in the ledger (matched on the keyed hash of the ID number, so re-importing updates and
never duplicates) and, on commit, a handful of bulk inserts/updates. Places are looked up in
dicts built once per import. Memory therefore grows only with the number of distinct IDs (to
catch the same ID twice in one file) and the errors found. The services that use this engine
(``import_preview``, ``import_commit``, ``import_execute``) are in ``linli.people.import_services``.

Preview stages the valid rows, normalised and encrypted chunk by chunk, so the commit does not
read and validate the sheet a second time; it re-checks only what may have changed meanwhile
(who is already in the ledger, and whether the addresses still exist).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.core import crypto
from linli.core.crypto import KeyedHasher
from linli.core.errors import InvalidInput
from linli.core.identifiers import birth_date_from_id, gender_from_id, normalise_id_number, normalise_phone
from linli.core.scoping import Scope, scope_for
from linli.people.import_fast import phone_fast, valid_id_fast
from linli.people.ledger_writer import LedgerWriter
from linli.people.models import CareTag, Person, PoliticalStatus, Relation, ResidenceType, is_party_status
from linli.people.sheet_process import open_sheet_in_process, use_process
from linli.people.sheets import OPTIONAL_HEADERS, TEMPLATE_HEADERS, open_sheet
from linli.places.models import Place, PlaceKind

CHUNK_ROWS = 2000
BUILDING_SUFFIXES = ("号楼", "栋", "幢", "座", "号", "楼")
UNIT_SUFFIXES = ("单元",)
TAG_SPLIT = re.compile(r"[、,，;；/|\s]+")
SCIENTIFIC = re.compile(r"^\d(\.\d+)?e\+?\d+$", re.IGNORECASE)

RELATION_WORDS: dict[str, str] = {str(label): code for code, label in Relation.choices if code}
RELATION_WORDS.update(
    {
        "本人": Relation.HEAD,
        "妻子": Relation.SPOUSE,
        "丈夫": Relation.SPOUSE,
        "妻": Relation.SPOUSE,
        "夫": Relation.SPOUSE,
        "儿子": Relation.CHILD,
        "女儿": Relation.CHILD,
        "子": Relation.CHILD,
        "女": Relation.CHILD,
        "父亲": Relation.PARENT,
        "母亲": Relation.PARENT,
        "孙子": Relation.GRANDCHILD,
        "孙女": Relation.GRANDCHILD,
        "外孙": Relation.GRANDCHILD,
        "外孙女": Relation.GRANDCHILD,
        "儿媳": Relation.CHILD_IN_LAW,
        "女婿": Relation.CHILD_IN_LAW,
        "兄弟": Relation.SIBLING,
        "姐妹": Relation.SIBLING,
        "祖父": Relation.GRANDPARENT,
        "祖母": Relation.GRANDPARENT,
        "租客": Relation.TENANT,
    }
)
RESIDENCE_WORDS: dict[str, str] = {str(label): code for code, label in ResidenceType.choices}
RESIDENCE_WORDS.update(
    {
        "户籍人口": ResidenceType.REGISTERED,
        "常住人口": ResidenceType.RESIDENT,
        "流动人口": ResidenceType.FLOATING,
        "外来人口": ResidenceType.FLOATING,
        "空挂": ResidenceType.NOMINAL,
    }
)
POLITICAL_WORDS: dict[str, str] = {str(label): code for code, label in PoliticalStatus.choices if code}
POLITICAL_WORDS.update(
    {
        "党员": PoliticalStatus.PARTY_MEMBER,
        "中国共产党党员": PoliticalStatus.PARTY_MEMBER,
        "中共正式党员": PoliticalStatus.PARTY_MEMBER,
        "预备党员": PoliticalStatus.PROBATIONARY,
        "中国共产党预备党员": PoliticalStatus.PROBATIONARY,
        "团员": PoliticalStatus.LEAGUE_MEMBER,
        "中国共产主义青年团团员": PoliticalStatus.LEAGUE_MEMBER,
        # the eight democratic parties as rosters write their members
        **dict.fromkeys(
            ["民革党员", "民盟盟员", "民建会员", "民进会员", "农工党党员", "致公党党员", "九三学社社员", "台盟盟员"],
            PoliticalStatus.OTHER_PARTY,
        ),
    }
)
# What a row's 政治面貌 may say, as the template's notes list it. 无党派人士 has no status of its own: refused, not
# guessed.
POLITICAL_SHOWN = ("中共党员", "中共预备党员", "共青团员", "民主党派", "群众")
GENDER_WORDS = {"男": "M", "女": "F", "M": "M", "F": "F"}
# What a row's 人员类型 may say, as the template's notes list it: the sheet's words, named untranslated in the error.
RESIDENCE_SHOWN = ("户籍", "常住", "流动", "空挂户")


NOT_A_RELATION = gettext_noop("“%(value)s”不是可用的关系,可填:%(choices)s")
NOT_A_RESIDENCE_TYPE = gettext_noop("“%(value)s”不是可用的人员类型,可填:%(choices)s")
NOT_A_POLITICAL_STATUS = gettext_noop("“%(value)s”不是可用的政治面貌,可填:%(choices)s")


def _word(raw: str, words: dict[str, str], shown: Iterable[str], column: str, refusal: str, err: Any) -> str:
    """The code a cell's word stands for ("" for a blank cell); an unknown word is a row error on ``column``
    naming the words the sheet may use, untranslated (they are the sheet's own)."""
    text = _plain(raw)
    if not text:
        return ""
    code = words.get(text, "")
    if not code:
        err(column, _(refusal) % {"value": text, "choices": _("、").join(shown)})
    return code


@lru_cache(maxsize=65536)  # rooms, compounds, relations and tags repeat on every row
def _plain(value: str) -> str:
    """Full-width digits and letters (１栋, Ａ座) become ASCII; surrounding blanks go."""
    return unicodedata.normalize("NFKC", value).strip()


@lru_cache(maxsize=65536)
def _short(value: str, prefix: str, suffixes: tuple[str, ...]) -> str:
    """``锦绣小区1栋`` / ``1栋`` / ``1号楼`` / ``1`` all become ``1`` under the compound ``锦绣小区``."""
    text = _plain(value)
    if prefix and text.startswith(prefix) and len(text) > len(prefix):
        text = text[len(prefix) :]
    for suffix in suffixes:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


@dataclass(slots=True)
class ValidRow:
    row: int
    name: str
    id_number: str
    id_hash: str
    gender: str
    birth_date: dt.date
    phone: str
    phone_hash: str
    place_id: int
    place_path: str
    building_id: int
    room: str
    relation: str
    residence_type: str
    tag_ids: tuple[int, ...]
    political_status: str = ""  # blank: the sheet says nothing, a re-import keeps what the ledger has


@dataclass
class Outcome:
    encoding: str = ""
    kind: str = ""
    total: int = 0
    valid: int = 0
    new: int = 0
    updated: int = 0
    party_dropped: int = 0  # rows updating a party member to a 政治面貌 that is not one
    errors: list[list[Any]] = field(default_factory=list)  # [row, column, reason]
    error_rows: int = 0


class PlaceIndex:
    """Compounds, buildings and units under the importer's scope, as dicts: one query each kind."""

    def __init__(self, scope: Scope) -> None:
        self.compounds: dict[str, list[tuple[int, str, str]]] = {}
        by_path: dict[str, tuple[int, str]] = {}
        for pk, path, name in Place.objects.filter(scope.q("path"), kind=PlaceKind.COMPOUND).values_list(
            "pk", "path", "name"
        ):
            self.compounds.setdefault(_plain(name), []).append((pk, path, name))
            by_path[path] = (pk, name)
        self.buildings: dict[tuple[int, str], tuple[int, str, str]] = {}
        self.units: dict[tuple[int, str], tuple[int, str]] = {}
        buildings_by_path: dict[str, tuple[int, str]] = {}
        rows = (
            Place.objects.filter(scope.q("path"), kind__in=[PlaceKind.BUILDING, PlaceKind.UNIT])
            .order_by("path")
            .values_list("pk", "path", "name", "kind")
        )
        for pk, path, name, kind in rows:
            if kind == PlaceKind.BUILDING:
                compound = next(
                    (
                        by_path[path[:n]]
                        for n in range(len(path) - Place.steplen, 0, -Place.steplen)
                        if path[:n] in by_path
                    ),
                    None,
                )
                if compound is not None:
                    self.buildings[(compound[0], _short(name, compound[1], BUILDING_SUFFIXES))] = (pk, path, name)
                    buildings_by_path[path] = (pk, name)
            else:
                building = buildings_by_path.get(path[: -Place.steplen])
                if building is not None:
                    self.units[(building[0], _short(name, building[1], UNIT_SUFFIXES))] = (pk, path)


# The columns a row is validated on, in the order ``RowValidator.validate`` unpacks them.
COLUMNS = (*TEMPLATE_HEADERS, *OPTIONAL_HEADERS)


class RowValidator:
    def __init__(self, header: list[str], *, actor: Any, scope: Scope) -> None:
        self.col = {name: i for i, name in reversed(list(enumerate(header))) if name}
        self.places = PlaceIndex(scope)
        self.sensitive_scope = scope_for(actor, "sensitive")
        self.tags = {_plain(t.name): t for t in CareTag.objects.filter(active=True)}
        self.seen: dict[str, int] = {}
        self.hash_id, self.hash_phone = KeyedHasher("id"), KeyedHasher("phone")
        self.today = timezone.localdate()
        self.width = max(self.col.values(), default=0) + 1
        self.picks = [self.col.get(name, -1) for name in COLUMNS]  # -1: not in the header, read as blank

    def validate(self, number: int, cells: list[str]) -> tuple[ValidRow | None, list[list[Any]]]:
        errors: list[list[Any]] = []
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))

        def err(column: str, reason: str) -> None:
            errors.append([number, column, reason])

        (
            name,
            raw_id,
            raw_phone,
            compound,
            building,
            unit,
            raw_room,
            raw_relation,
            kind,
            tags,
            raw_political,
            raw_gender,
            raw_birth,
        ) = [cells[i].strip() if i >= 0 else "" for i in self.picks]
        if not name:
            err("姓名", _("姓名不能为空"))
        elif len(name) > 64:
            err("姓名", _("姓名超过64个字"))
        id_number, id_hash, birth, gender = self._id(raw_id, number, err)
        if id_number:
            self._cross_check(raw_gender, raw_birth, gender, birth, err)
        phone = ""
        if raw_phone:
            phone = phone_fast(raw_phone)
            if not phone:
                try:
                    phone = normalise_phone(raw_phone)
                except InvalidInput as exc:
                    err("手机号", exc.message)
        place = self._place(compound, building, unit, err)
        room = _plain(raw_room)
        if len(room) > 32:
            err("房号", _("房号超过32个字"))
        relation = _word(raw_relation, RELATION_WORDS, RELATION_WORDS, "与户主关系", NOT_A_RELATION, err)
        residence_type = _word(kind, RESIDENCE_WORDS, RESIDENCE_SHOWN, "人员类型", NOT_A_RESIDENCE_TYPE, err)
        political_status = _word(
            raw_political, POLITICAL_WORDS, POLITICAL_SHOWN, "政治面貌", NOT_A_POLITICAL_STATUS, err
        )
        tag_ids = self._tags(tags, place[1] if place else "", err)
        if errors or place is None:
            return None, errors
        assert birth is not None
        return (
            ValidRow(
                row=number,
                name=name,
                id_number=id_number,
                id_hash=id_hash,
                gender=gender,
                birth_date=birth,
                phone=phone,
                phone_hash=self.hash_phone(phone),
                place_id=place[0],
                place_path=place[1],
                building_id=place[2],
                room=room,
                relation=relation,
                residence_type=residence_type,
                tag_ids=tag_ids,
                political_status=political_status,
            ),
            errors,
        )

    def _id(self, raw: str, number: int, err: Any) -> tuple[str, str, dt.date | None, str]:
        if SCIENTIFIC.match(raw):
            err(
                "身份证号",
                _("身份证号被 Excel 存成了数字(科学计数法),末几位已丢失;请把此列设为文本格式后重新填写"),
            )
            return "", "", None, ""
        id_number, birth = valid_id_fast(raw, self.today)
        if not id_number:
            try:
                id_number = normalise_id_number(raw)
            except InvalidInput as exc:
                err("身份证号", exc.message)
                return "", "", None, ""
            birth = birth_date_from_id(id_number)  # within bounds: both checks refuse future dates
        id_hash = self.hash_id(id_number)
        first = self.seen.setdefault(id_hash, number)
        if first != number:
            err("身份证号", _("与第 %(row)d 行的身份证号重复") % {"row": first})
            return "", "", None, ""
        return id_number, id_hash, birth, gender_from_id(id_number)

    def _cross_check(self, raw_gender: str, raw_birth: str, gender: str, birth: Any, err: Any) -> None:
        if raw_gender and GENDER_WORDS.get(_plain(raw_gender).upper()) != gender:
            if gender == "M":
                err("性别", _("性别“%(value)s”与身份证号不符(身份证号为男)") % {"value": raw_gender})
            else:
                err("性别", _("性别“%(value)s”与身份证号不符(身份证号为女)") % {"value": raw_gender})
        if raw_birth:
            text = _plain(raw_birth).split(" ")[0].rstrip("日")
            parts = re.split(r"[-/.年月]", text) if not text.isdigit() else [text[:4], text[4:6], text[6:8]]
            try:
                stated = dt.date(*(int(p) for p in parts))
            except (ValueError, TypeError):
                err("出生日期", _("出生日期“%(value)s”无法识别") % {"value": raw_birth})
                return
            if stated != birth:
                mismatch = _("出生日期 %(stated)s 与身份证号不符(身份证号为 %(birth)s)")
                err("出生日期", mismatch % {"stated": stated.isoformat(), "birth": birth.isoformat()})

    def _place(self, compound_name: str, building_name: str, unit_name: str, err: Any) -> tuple[int, str, int] | None:
        if not compound_name:
            err("小区", _("小区不能为空"))
            return None
        compounds = self.places.compounds.get(_plain(compound_name), [])
        if not compounds:
            err("小区", _("“%(name)s”不在您管辖范围内的小区中") % {"name": compound_name})
            return None
        if len(compounds) > 1:
            several = _("您的管辖范围内有 %(n)d 个“%(name)s”,请分社区导入")
            err("小区", several % {"n": len(compounds), "name": compound_name})
            return None
        compound_pk, _path, full_name = compounds[0]
        if not building_name:
            err("楼栋", _("楼栋不能为空"))
            return None
        building = self.places.buildings.get((compound_pk, _short(building_name, full_name, BUILDING_SUFFIXES)))
        if building is None:
            err("楼栋", _("%(compound)s没有楼栋“%(building)s”") % {"compound": full_name, "building": building_name})
            return None
        if not unit_name:
            return building[0], building[1], building[0]
        unit = self.places.units.get((building[0], _short(unit_name, building[2], UNIT_SUFFIXES)))
        if unit is None:
            err("单元", _("%(building)s没有单元“%(unit)s”") % {"building": building[2], "unit": unit_name})
            return None
        return unit[0], unit[1], building[0]

    def _tags(self, raw: str, place_path: str, err: Any) -> tuple[int, ...]:
        ids: list[int] = []
        for word in (w for w in TAG_SPLIT.split(_plain(raw)) if w):
            tag = self.tags.get(word)
            if tag is None:
                err("标签", _("没有“%(tag)s”这个标签,可用:%(tags)s") % {"tag": word, "tags": _("、").join(self.tags)})
            elif tag.sensitive and place_path and not self.sensitive_scope.covers(place_path):
                err("标签", _("您无权登记敏感标签“%(tag)s”") % {"tag": word})
            elif tag.pk not in ids:
                ids.append(tag.pk)
        return tuple(ids)


def _existing(rows: list[ValidRow]) -> dict[str, tuple[int, str, bool]]:
    """(person id, place path, party member) of the rows' people already in the ledger, by ID hash."""
    return {
        h: (pk, path, party)
        for pk, h, path, party in Person.objects.filter(id_number_hash__any_of=[r.id_hash for r in rows]).values_list(
            "pk", "id_number_hash", "place_path", "is_party_member"
        )
    }


def _in_scope(chunk: list[ValidRow], scope: Scope, outcome: Outcome) -> tuple[list[ValidRow], dict[str, int]]:
    """Drop rows whose person is registered outside the importer's scope; map the others already known."""
    found = _existing(chunk)
    keep: list[ValidRow] = []
    for r in chunk:
        hit = found.get(r.id_hash)
        if hit is not None and not scope.covers(hit[1]):
            outcome.errors.append([r.row, "身份证号", _("此人已在您管辖范围以外登记,请联系其所在社区办理迁入")])
            outcome.error_rows += 1
        else:
            keep.append(r)
    existing = {r.id_hash: found[r.id_hash][0] for r in keep if r.id_hash in found}
    # Party members the sheet gives another 政治面貌: the preview says how many, before anyone commits.
    outcome.party_dropped += sum(
        1
        for r in keep
        if r.id_hash in existing
        and found[r.id_hash][2]
        and r.political_status
        and not is_party_status(r.political_status)
    )
    outcome.valid += len(keep)
    outcome.updated += len(existing)
    outcome.new += len(keep) - len(existing)
    return keep, existing


def _stage(rows: list[ValidRow], staging: IO[bytes]) -> None:
    """Valid rows for the commit step, one encrypted line per chunk (they hold clear ID numbers).
    Each row is its ``ValidRow`` fields in declaration order, the birth date as ISO text."""
    plain = [
        [
            r.row,
            r.name,
            r.id_number,
            r.id_hash,
            r.gender,
            r.birth_date.isoformat(),
            r.phone,
            r.phone_hash,
            r.place_id,
            r.place_path,
            r.building_id,
            r.room,
            r.relation,
            r.residence_type,
            r.tag_ids,
            r.political_status,
        ]
        for r in rows
    ]
    staging.write(crypto.encrypt(json.dumps(plain, ensure_ascii=False)).encode() + b"\n")


STAGED_FIELDS = len(dataclasses.fields(ValidRow))
BIRTH, TAGS = 5, 14  # positions of the fields JSON cannot carry as they are


def _unstage(line: bytes) -> list[ValidRow]:
    text = crypto.decrypt(line.decode().strip())
    try:
        rows = json.loads(text)
    except ValueError:
        raise InvalidInput(_("预检结果无法解密(密钥可能已更换),请重新上传文件"), field="file") from None
    result = []
    for values in rows:
        if len(values) != STAGED_FIELDS:  # staged by another version of this module
            raise InvalidInput(_("预检结果的格式已过期,请重新上传文件"), field="file")
        values[BIRTH] = dt.date.fromisoformat(values[BIRTH])
        values[TAGS] = tuple(values[TAGS])
        result.append(ValidRow(*values))
    return result


def _reader(stream: IO[bytes]) -> Any:
    """``open_sheet``, or the same in a child process for a large file (``sheet_process``)."""
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    return open_sheet_in_process if use_process(size) else open_sheet


def preview_sheet(stream: IO[bytes], name: str, *, actor: Any, staging: IO[bytes]) -> Outcome:
    """Validate every row; stage the valid ones (encrypted) for ``commit_staged``. Writes nothing."""
    scope = scope_for(actor, "manage")
    outcome = Outcome()

    def flush(chunk: list[ValidRow]) -> None:
        keep, _existing_ids = _in_scope(chunk, scope, outcome)
        if keep:
            _stage(keep, staging)

    with _reader(stream)(stream, name) as sheet:
        outcome.kind, outcome.encoding = sheet.kind, sheet.encoding
        validator = RowValidator(sheet.header, actor=actor, scope=scope)
        chunk: list[ValidRow] = []
        for number, cells in sheet.rows:
            outcome.total += 1
            row, errors = validator.validate(number, cells)
            if errors:
                outcome.errors.extend(errors)
                outcome.error_rows += 1
            if row is not None:
                chunk.append(row)
            if len(chunk) >= CHUNK_ROWS:
                flush(chunk)
                chunk = []
        if chunk:
            flush(chunk)
    if outcome.total == 0:
        raise InvalidInput(_("表格是空的:只有表头,没有数据行"), field="file")
    outcome.errors.sort(key=lambda e: e[0])
    return outcome


def commit_staged(staging: IO[bytes], *, actor: Any, source: str) -> Outcome:
    """Write the staged rows (call inside a transaction). Scope and addresses are checked again:
    the ledger may have changed since the preview."""
    scope = scope_for(actor, "manage")
    outcome = Outcome()
    with LedgerWriter(source=source) as writer:
        for line in staging:
            if not line.strip():
                continue
            chunk = _unstage(line)  # while the previous chunk's COPY is still running
            writer.settle()
            live = set(Place.objects.filter(pk__any_of={r.place_id for r in chunk}).values_list("pk", flat=True))
            for r in chunk:
                if r.place_id not in live:
                    outcome.errors.append([r.row, "楼栋", _("预检后该地址已被删除")])
                    outcome.error_rows += 1
            keep, existing = _in_scope([r for r in chunk if r.place_id in live], scope, outcome)
            if keep:
                writer.write(keep, existing)
    return outcome
