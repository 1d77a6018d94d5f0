"""Importing resident sheets: every row validated, errors by row and column, valid rows committed,
re-imports update instead of duplicating, and no bad input leaves anything half-saved."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from linli.audit.models import AuditEvent
from linli.core import crypto
from linli.core.errors import Forbidden, InvalidInput
from linli.people.fakes import make_id
from linli.people.import_services import access_batch, import_commit, import_execute, import_preview
from linli.people.models import ImportBatch, ImportStatus, Person, PersonTag, Residence
from linli.people.sheets import TEMPLATE_HEADERS
from linli.places.models import Household, Place

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["in-process", "child-process"])
def reader(request, settings):
    """Every test here runs with both readers: ``open_sheet`` in this process, and the same in a child
    process (``linli.people.sheet_process``, used for large files), which must behave identically."""
    settings.IMPORT_PROCESS_MIN_BYTES = 0 if request.param == "in-process" else 1
    return request.param


def xlsx(rows, header=TEMPLATE_HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows, encoding: str, header=TEMPLATE_HEADERS) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


@pytest.fixture
def address(places):
    """(compound, building short name, unit short name) in the community staff's community."""
    compound = places.compounds[0]
    building = Place.objects.filter(kind="building", path__startswith=compound.path).order_by("path").first()
    return compound.name, building.name.removeprefix(compound.name), "1单元"


def row(
    address,
    name="王小明",
    id_number=None,
    phone="13812345678",
    room="101",
    relation="户主",
    kind="常住",
    tags="",
    political="",
):
    compound, building, unit = address
    return [
        name,
        id_number or make_id(dt.date(1980, 5, 1), 1),
        phone,
        compound,
        building,
        unit,
        room,
        relation,
        kind,
        tags,
        political,
    ]


def preview(user, content: bytes, name="居民.xlsx"):
    return import_preview(actor=user, upload=io.BytesIO(content), name=name, size=len(content))


def test_a_clean_sheet_previews_without_errors_and_writes_nothing(users, address):
    before = Person.objects.count()
    batch = preview(users["community"], xlsx([row(address)]))
    assert (batch.total_rows, batch.valid_rows, batch.error_rows, batch.new_rows) == (1, 1, 0, 1)
    assert batch.status == ImportStatus.PREVIEWED
    assert Person.objects.count() == before


def test_commit_writes_the_valid_rows_encrypted_with_gender_and_birth_from_the_id(users, address):
    id_number = make_id(dt.date(1975, 2, 28), 3, male=False)
    batch = preview(
        users["community"], xlsx([row(address, id_number=id_number, phone="+86 138 1234 5678", tags="独居老人")])
    )
    batch = import_commit(actor=users["community"], batch=batch)
    assert batch.status == ImportStatus.COMMITTED and batch.created_count == 1
    person = Person.objects.get(id_number_hash=crypto.keyed_hash("id", id_number))
    assert person.id_number_enc != id_number and person.id_number == id_number
    assert person.phone == "+8613812345678"
    assert (person.gender, person.birth_date) == ("F", dt.date(1975, 2, 28))
    assert person.household.room == "101" and person.relation_to_head == "head"
    assert list(PersonTag.objects.filter(person=person).values_list("tag__name", flat=True)) == ["独居老人"]
    assert Residence.objects.filter(person=person, moved_out_on__isnull=True).count() == 1
    assert not batch.staged, "the staged rows are deleted once written"
    assert AuditEvent.objects.filter(action="resident.import", target_id=str(batch.pk)).exists()


def test_reimporting_the_same_sheet_updates_and_never_duplicates(users, address):
    id_number = make_id(dt.date(1960, 1, 1), 4)
    first = import_commit(
        actor=users["community"], batch=preview(users["community"], xlsx([row(address, id_number=id_number)]))
    )
    count = Person.objects.count()
    again = preview(users["community"], xlsx([row(address, id_number=id_number, name="王晓明", room="202")]))
    assert (again.new_rows, again.update_rows) == (0, 1)
    again = import_commit(actor=users["community"], batch=again)
    assert first.created_count == 1 and again.updated_count == 1
    assert Person.objects.count() == count
    person = Person.objects.get(id_number_hash=crypto.keyed_hash("id", id_number))
    assert person.name == "王晓明" and person.household.room == "202"
    history = list(Residence.objects.filter(person=person).order_by("id").values_list("moved_out_on", flat=True))
    assert len(history) == 2 and history[0] is not None and history[1] is None


def test_every_kind_of_bad_row_is_reported_by_row_column_and_reason(users, address):
    good = make_id(dt.date(1990, 3, 7), 9)
    bad_checksum = good[:-1] + ("0" if good[-1] != "0" else "1")
    impossible = "11010119900230" + "123"
    from stdnum.cn import ric

    impossible += ric.calc_check_digit(impossible + "0")
    future = "11010120990101123"
    future += ric.calc_check_digit(future + "0")
    rows = [
        row(address, id_number=bad_checksum),  # 2
        row(address, id_number=impossible),  # 3
        row(address, id_number="110101900307123"),  # 4: 15-digit legacy
        row(address, id_number=good),  # 5
        row(address, id_number=good),  # 6: duplicate of row 5
        [*row(address, id_number=make_id(dt.date(1991, 1, 1), 1))[:3], "不存在小区", "1栋", "", "", "", "", ""],  # 7
        [*row(address, id_number=make_id(dt.date(1991, 1, 2), 1))[:4], "99栋", "", "", "", "", ""],  # 8
        row(address, id_number=make_id(dt.date(1991, 1, 3), 1), phone="12345"),  # 9
        row(address, id_number=future),  # 10
        row(address, id_number=make_id(dt.date(1991, 1, 4), 1), relation="邻居"),  # 11
        row(address, id_number=make_id(dt.date(1991, 1, 5), 1), tags="外星人"),  # 12
        row(address, id_number=make_id(dt.date(1991, 1, 6), 1), kind="路过"),  # 13
    ]
    batch = preview(users["community"], xlsx(rows))
    by_row = {}
    for number, column, reason in batch.errors:
        by_row.setdefault(number, []).append((column, reason))
    assert by_row[2] == [("身份证号", by_row[2][0][1])] and "校验位错误" in by_row[2][0][1]
    assert "出生日期或地区码无效" in by_row[3][0][1]
    assert "15位旧身份证号已停止使用" in by_row[4][0][1]
    assert 5 not in by_row
    assert by_row[6] == [("身份证号", "与第 5 行的身份证号重复")]
    assert by_row[7][0][0] == "小区" and "不在您管辖范围内" in by_row[7][0][1]
    assert by_row[8][0][0] == "楼栋" and "99栋" in by_row[8][0][1]
    assert by_row[9][0][0] == "手机号"
    assert by_row[10][0][0] == "身份证号" and "在未来" in by_row[10][0][1]
    assert by_row[11][0][0] == "与户主关系"
    assert by_row[12][0][0] == "标签"
    assert by_row[13][0][0] == "人员类型"
    assert (batch.total_rows, batch.valid_rows, batch.error_rows) == (12, 1, 11)


def test_a_phone_with_spaces_or_plus86_is_accepted_and_normalised(users, address):
    rows = [
        row(address, id_number=make_id(dt.date(1970, 1, 1), 1), phone="138 1234 5678"),
        row(address, id_number=make_id(dt.date(1970, 1, 2), 1), phone="+86-139-1234-5678"),
    ]
    batch = import_commit(actor=users["community"], batch=preview(users["community"], xlsx(rows)))
    assert batch.errors == [] and batch.created_count == 2
    phones = {
        p.phone
        for p in Person.objects.filter(
            phone_hash__in=[crypto.keyed_hash("phone", "+8613812345678"), crypto.keyed_hash("phone", "+8613912345678")]
        )
    }
    assert phones == {"+8613812345678", "+8613912345678"}


def _with_cached_formula(content: bytes, cell: str, formula: str, cached: str) -> bytes:
    """openpyxl cannot write a formula's cached value; Excel always does. Patch the sheet XML."""
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                start = text.index(f'<c r="{cell}"')
                end = text.index("</c>", start) + len("</c>")
                text = text[:start] + f'<c r="{cell}" t="str"><f>{formula}</f><v>{cached}</v></c>' + text[end:]
                data = text.encode()
            target.writestr(item, data)
    return out.getvalue()


def test_formula_text_in_a_text_cell_or_csv_is_stored_as_inert_text(users, address):
    formula = '=HYPERLINK("http://evil.example","点我")'
    id_number = make_id(dt.date(1985, 6, 6), 2)
    wb = Workbook()
    ws = wb.active
    ws.append(TEMPLATE_HEADERS)
    ws.append(row(address, name="placeholder", id_number=id_number))
    ws["A2"].value, ws["A2"].data_type = formula, "s"  # typed as text, as Excel does with a leading '
    content = io.BytesIO()
    wb.save(content)
    import_commit(actor=users["community"], batch=preview(users["community"], content.getvalue()))
    assert Person.objects.get(id_number_hash=crypto.keyed_hash("id", id_number)).name == formula
    other = make_id(dt.date(1985, 6, 7), 2)
    batch = preview(users["community"], csv_bytes([row(address, name=formula, id_number=other)], "utf-8"), "a.csv")
    import_commit(actor=users["community"], batch=batch)
    assert Person.objects.get(id_number_hash=crypto.keyed_hash("id", other)).name == formula


def test_a_formula_cell_gives_the_value_excel_showed_never_the_formula(users, address):
    id_number = make_id(dt.date(1985, 6, 8), 2)
    content = xlsx([row(address, name="placeholder", id_number=id_number)])
    content = _with_cached_formula(content, "A2", 'HYPERLINK("http://evil.example","王点我")', "王点我")
    import_commit(actor=users["community"], batch=preview(users["community"], content))
    assert Person.objects.get(id_number_hash=crypto.keyed_hash("id", id_number)).name == "王点我"


def test_a_formula_cell_without_a_cached_value_is_reported_not_silently_saved(users, address):
    content = xlsx([row(address, name='=CONCAT("王","小明")')])  # openpyxl writes formulas uncalculated
    batch = preview(users["community"], content)
    assert batch.valid_rows == 0 and batch.errors == [[2, "姓名", "姓名不能为空"]]


def test_rows_are_numbered_as_in_excel_when_the_sheet_starts_lower_down(users, address):
    wb = Workbook()
    ws = wb.active
    ws.append([])
    ws.append([])
    ws.append(TEMPLATE_HEADERS)
    ws.append(row(address, id_number="123"))
    content = io.BytesIO()
    wb.save(content)
    batch = preview(users["community"], content.getvalue())
    assert [e[:2] for e in batch.errors] == [[4, "身份证号"]]


def test_an_xlsx_that_would_expand_beyond_the_limit_is_refused_before_loading(users, address, monkeypatch, settings):
    settings.IMPORT_PROCESS_MIN_BYTES = 0  # the limit is lowered in this process only
    monkeypatch.setattr("linli.people.sheets.MAX_SHEET_XML_BYTES", 1000)
    content = xlsx([row(address, id_number=make_id(dt.date(1970, 1, n), 1)) for n in range(1, 20)])
    with pytest.raises(InvalidInput, match="解压后过大"):
        preview(users["community"], content)


@pytest.mark.parametrize(
    "encoding,label",
    [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM)"), ("gbk", "GBK/GB18030"), ("gb18030", "GBK/GB18030")],
)
def test_csv_in_each_chinese_excel_encoding_is_read_and_the_encoding_named(users, address, encoding, label):
    batch = preview(users["community"], csv_bytes([row(address, tags="独居老人")], encoding), name="居民.csv")
    assert batch.encoding == label
    assert batch.valid_rows == 1, batch.errors


@pytest.mark.parametrize(
    "content,name,message",
    [
        (b"", "a.xlsx", "文件是空的"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "photo.csv", "不是 CSV"),
        (b"just some words", "notes.xlsx", "不是 Excel"),
        (b"PK\x03\x04 a truncated zip", "broken.xlsx", "不是有效的 Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", ".xls"),
        (b"%PDF-1.4", "scan.pdf", "只支持"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused_with_a_clear_message(users, content, name, message):
    with pytest.raises(InvalidInput) as exc:
        preview(users["community"], content, name=name)
    assert message in exc.value.message


def test_an_empty_sheet_is_refused(users):
    wb = Workbook()
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(InvalidInput, match="表格是空的"):
        preview(users["community"], out.getvalue())
    with pytest.raises(InvalidInput, match="没有数据行"):
        preview(users["community"], xlsx([]))


def test_a_sheet_without_the_required_headers_names_the_missing_columns(users):
    with pytest.raises(InvalidInput, match="身份证号"):
        preview(users["community"], xlsx([["张三"]], header=["姓名"]))


def test_an_upload_over_50_mb_is_refused_before_reading(users):
    with pytest.raises(InvalidInput, match="上限为 50 MB"):
        import_preview(actor=users["community"], upload=io.BytesIO(b"x"), name="big.xlsx", size=51 * 1024 * 1024)


def test_an_id_stored_by_excel_as_a_number_is_explained(users, address):
    batch = preview(users["community"], xlsx([row(address, id_number=1.10101199003071e17)]))
    assert "科学计数法" in batch.errors[0][2]


def test_gender_and_birth_date_columns_are_cross_checked_with_the_id(users, address):
    header = [*TEMPLATE_HEADERS, "性别", "出生日期"]
    id_number = make_id(dt.date(1980, 5, 1), 1, male=True)
    rows = [
        [*row(address, id_number=id_number), "女", "1980-05-02"],
        [*row(address, id_number=make_id(dt.date(1980, 5, 2), 1, male=True)), "男", "1980/5/2"],
    ]
    batch = preview(users["community"], xlsx(rows, header=header))
    assert [e[:2] for e in batch.errors] == [[2, "性别"], [2, "出生日期"]]
    assert batch.valid_rows == 1


def test_an_english_preview_gives_its_reasons_in_english_and_keeps_the_sheets_own_words(users, address):
    """The reasons are UI, in the language of the request; the column names (the template's headers) and
    the words a column accepts are what the sheet says, so they stay Chinese inside the English."""
    from linli.people.importing import RELATION_WORDS

    id_number = make_id(dt.date(1980, 5, 1), 1, male=True)
    rows = [
        [*row(address, id_number=id_number), "女"],  # 2
        [*row(address, id_number=id_number), ""],  # 3: the same ID as row 2
        [*row(address, id_number=make_id(dt.date(1991, 1, 4), 1), relation="邻居"), ""],  # 4
        [*row(address, id_number=make_id(dt.date(1991, 1, 6), 1), kind="路过"), ""],  # 5
    ]
    with translation.override("en"):
        batch = preview(users["community"], xlsx(rows, header=[*TEMPLATE_HEADERS, "性别"]))
        with pytest.raises(InvalidInput) as refused:
            preview(users["community"], xlsx([["张三"]], header=["姓名"]))
    relations = ", ".join(RELATION_WORDS)
    assert batch.errors == [
        [2, "性别", "Gender “女” does not match the ID number (which is a man's)"],
        [3, "身份证号", "The same ID number as row 2"],
        [4, "与户主关系", f"“邻居” is not an accepted relation to the head of household. Use one of: {relations}"],
        [5, "人员类型", "“路过” is not an accepted residence type. Use one of: 户籍, 常住, 流动, 空挂户"],
    ]
    assert refused.value.message.startswith("The header is missing required columns: 身份证号, 小区, 楼栋. ")


def test_the_commit_writes_what_it_adds_to_the_batch_in_the_committers_language(users, address, monkeypatch):
    """A worker has no request: import_commit hands the committer's language to the task."""
    batch = preview(users["community"], xlsx([row(address)]))
    queued = []
    monkeypatch.setattr("linli.people.tasks.import_execute_task", lambda *args: queued.append(args))
    with translation.override("en"):
        import_commit(actor=users["community"], batch=batch)
    assert queued == [(batch.pk, "en")]

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("linli.people.import_services.commit_staged", broken)
    batch = import_execute(batch_id=batch.pk, language="en")  # this thread speaks Chinese: the argument decides
    assert batch.status == ImportStatus.FAILED
    assert batch.message == "A system error occurred during the import and nothing was saved. Contact the administrator"


def test_a_stray_cell_right_of_the_header_is_not_read_as_a_missing_column(users, address):
    """性别 and 出生日期 are optional columns; a note typed beside the last column is not either."""
    batch = preview(users["community"], xlsx([[*row(address), "女"]]))
    assert (batch.valid_rows, batch.errors) == (1, [])


def test_a_compound_outside_the_importers_scope_is_unknown(users, places):
    other = places.compounds[-1]
    building = Place.objects.filter(kind="building", path__startswith=other.path).first()
    batch = preview(
        users["community"],
        xlsx([["李四", make_id(dt.date(1970, 1, 1), 7), "", other.name, building.name, "", "", "", "", ""]]),
    )
    assert batch.errors[0][1] == "小区" and batch.valid_rows == 0


def test_a_grid_worker_may_not_import(users, address):
    with pytest.raises(Forbidden):
        preview(users["grid"], xlsx([row(address)]))


def test_someone_registered_outside_the_importers_scope_is_not_taken_over(users, address, places):
    outsider = Person.objects.filter(place_path__startswith=places.other_community.path).first()
    batch = preview(users["community"], xlsx([row(address, id_number=outsider.id_number)]))
    assert batch.valid_rows == 0 and "管辖范围以外" in batch.errors[0][2]


def test_committing_twice_is_refused_and_other_users_cannot_see_the_batch(users, address):
    batch = preview(users["community"], xlsx([row(address)]))
    import_commit(actor=users["community"], batch=batch)
    from linli.core.errors import Conflict, NotFound

    with pytest.raises(Conflict):
        import_commit(actor=users["community"], batch=batch)
    with pytest.raises(NotFound):
        access_batch(users["street"], batch.pk)


def test_households_are_grouped_by_room(users, address):
    rows = [
        row(address, id_number=make_id(dt.date(1970, 1, 1), 1), room="909", relation="户主"),
        row(address, id_number=make_id(dt.date(1972, 1, 1), 1), room="909", relation="配偶"),
    ]
    import_commit(actor=users["community"], batch=preview(users["community"], xlsx(rows)))
    household = Household.objects.get(room="909")
    assert household.members.count() == 2


def test_political_status_is_read_in_the_rosters_words_and_sets_the_party_flag(users, address):
    said = {"中共党员": "party_member", "预备党员": "probationary", "团员": "league_member", "民盟盟员": "other_party"}
    said |= {"群众": "masses", "": ""}
    ids = {word: make_id(dt.date(1960 + i, 3, 3), 7) for i, word in enumerate(said)}
    rows = [row(address, id_number=ids[w], room=f"6{i:02}", political=w) for i, w in enumerate(said)]
    batch = import_commit(actor=users["community"], batch=preview(users["community"], xlsx(rows)))
    assert batch.created_count == len(said)
    for word, status in said.items():
        person = Person.objects.get(id_number_hash=crypto.keyed_hash("id", ids[word]))
        assert (person.political_status, person.is_party_member) == (status, word in ("中共党员", "预备党员")), word


def test_a_political_status_the_ledger_does_not_know_is_reported_by_row_and_column(users, address):
    batch = preview(
        users["community"],
        xlsx([row(address), row(address, id_number=make_id(dt.date(1990, 1, 1), 2), political="无党派人士")]),
    )
    assert (batch.valid_rows, batch.error_rows) == (1, 1)
    assert batch.errors == [
        [3, "政治面貌", "“无党派人士”不是可用的政治面貌,可填:中共党员、中共预备党员、共青团员、民主党派、群众"]
    ]


def test_a_reimport_silent_on_political_status_keeps_the_ledgers_and_a_new_one_replaces_it(users, address):
    id_number = make_id(dt.date(1955, 5, 5), 8)
    digest = crypto.keyed_hash("id", id_number)
    for political, expected in [
        ("中共党员", ("party_member", True)),
        ("", ("party_member", True)),
        ("群众", ("masses", False)),
    ]:
        sheet = xlsx([row(address, id_number=id_number, political=political)])
        import_commit(actor=users["community"], batch=preview(users["community"], sheet))
        person = Person.objects.get(id_number_hash=digest)
        assert (person.political_status, person.is_party_member) == expected, political


def test_the_preview_says_how_many_party_members_the_sheet_would_make_non_members(users, client_as, api_as, address):
    member, other, newcomer = (make_id(dt.date(1950 + i, 7, 1), 9) for i in range(3))
    sheet = [
        row(address, id_number=member, room="701", political="中共党员"),
        row(address, id_number=other, room="702", political="群众"),
    ]
    import_commit(actor=users["community"], batch=preview(users["community"], xlsx(sheet)))
    again = [
        row(address, id_number=member, room="701", political="群众"),  # counted: a member becomes 群众
        row(address, id_number=other, room="702", political="共青团员"),  # not a member before: not counted
        row(address, id_number=newcomer, room="703", political="群众"),  # new to the ledger: not counted
    ]
    batch = preview(users["community"], xlsx(again))
    assert (batch.update_rows, batch.party_dropped) == (2, 1)
    page = client_as("community").get(f"/ledger/import/{batch.pk}/").content.decode()
    assert 'id="party-dropped"' in page and "表中有 1 人现登记为党员" in page
    assert api_as("community").get(f"/api/v1/imports/{batch.pk}").json()["party_dropped"] == 1
    silent = preview(users["community"], xlsx([row(address, id_number=member, room="701")]))  # blank: kept
    assert silent.party_dropped == 0
    assert 'id="party-dropped"' not in client_as("community").get(f"/ledger/import/{silent.pk}/").content.decode()


def test_the_downloadable_template_has_the_chinese_headers(client_as):
    response = client_as("community").get("/ledger/import/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(
        io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content]))
    ).worksheets[0]
    assert [c.value for c in next(sheet.iter_rows())] == TEMPLATE_HEADERS


def test_the_fast_id_check_agrees_with_normalise_id_number():
    from stdnum.cn import ric

    from linli.core.identifiers import normalise_id_number
    from linli.people.fakes import unique_ids
    from linli.people.import_fast import valid_id_fast

    samples = list(unique_ids(300, seed=3))
    samples += [s[:-1] + ("0" if s[-1] != "0" else "1") for s in samples[:50]]  # wrong check digits
    for body in ("99999919900101123", "11010119900230123", "11010118000101123", "110101abc00101123"):
        samples.append(body + (ric.calc_check_digit(body + "0") if body.isdigit() else "1"))
    samples.append("11010120990101123" + ric.calc_check_digit("11010120990101123" + "0"))  # born in the future
    for sample in samples:
        try:
            expected = normalise_id_number(sample)
        except InvalidInput:
            expected = ""
        fast, born = valid_id_fast(sample)
        assert fast == expected, sample
        assert born == (ric.get_birth_date(expected) if expected else None)


def test_the_fast_phone_check_agrees_with_normalise_phone():
    import random

    from linli.core.identifiers import normalise_phone
    from linli.people.import_fast import phone_fast as _phone_fast

    rng = random.Random(7)
    checked = 0
    for _ in range(20000):
        digits = "1" + "".join(rng.choice("0123456789") for _ in range(10))
        raw = rng.choice(
            [digits, "+86" + digits, f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}", f"{digits[:3]}-{digits[3:]}"]
        )
        fast = _phone_fast(raw)
        try:
            expected = normalise_phone(raw)
        except InvalidInput:
            expected = ""
        assert fast in ("", expected), raw
        checked += bool(fast)
    assert checked > 5000, "the fast path should take most mobile numbers"
    assert _phone_fast("17912345678") == "" and _phone_fast("１３８１２３４５６７８") == ""


def test_the_fast_keyed_hash_is_the_ledgers_keyed_hash():
    from linli.core.crypto import KeyedHasher

    for kind, value in [("id", "11010119800501001X"), ("phone", "+8613812345678"), ("phone", "")]:
        assert KeyedHasher(kind)(value) == crypto.keyed_hash(kind, value)


def test_bulk_encrypted_tokens_are_sealed_under_the_newest_key(settings):
    from linli.people.import_fast import BulkEncryptor

    encrypt = BulkEncryptor()
    values = ["", "1", "+8613812345678", "11010119800501001X", "x" * 15, "y" * 16, "z" * 17, "王小明" * 11]
    tokens = [encrypt(v) for v in values]
    assert tokens[0] == ""
    for value, token in zip(values[1:], tokens[1:], strict=True):
        assert not crypto.needs_rotation(token), "sealed under the newest key and configured cipher"
        assert crypto.decrypt(token) == value and crypto.decrypt(crypto.rotate(token)) == value
    assert encrypt("same") != encrypt("same"), "every token gets a fresh IV"
    assert len({encrypt("same")[:57] for _ in range(50)}) == 50


def test_committing_deletes_the_staged_file_from_storage(users, address):
    from django.core.files.storage import default_storage

    batch = preview(users["community"], xlsx([row(address, id_number=make_id(dt.date(1966, 6, 6), 6))]))
    name = batch.staged.name
    assert name and default_storage.exists(name)
    import_commit(actor=users["community"], batch=batch)
    assert not default_storage.exists(name)


def test_an_abandoned_preview_loses_its_staged_rows_after_24_hours_and_cannot_be_committed(users, address):
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from linli.people.tasks import import_staging_cleanup_task

    old = preview(users["community"], xlsx([row(address, id_number=make_id(dt.date(1967, 7, 7), 7))]))
    fresh = preview(users["community"], xlsx([row(address, id_number=make_id(dt.date(1968, 8, 8), 8))]))
    ImportBatch.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=25))
    old_file, fresh_file = old.staged.name, fresh.staged.name

    import_staging_cleanup_task()  # Huey runs it at once in tests

    old.refresh_from_db()
    assert not default_storage.exists(old_file) and not old.staged and old.status == ImportStatus.EXPIRED
    assert old.valid_rows == 1, "counts and errors stay for the record"
    assert default_storage.exists(fresh_file), "a preview younger than 24 hours is kept"
    assert AuditEvent.objects.filter(action="resident.import_expired", target_id=str(old.pk)).exists()
    from linli.core.errors import Conflict

    with pytest.raises(Conflict, match="重新上传"):
        import_commit(actor=users["community"], batch=old)
    assert import_commit(actor=users["community"], batch=fresh).status == ImportStatus.COMMITTED


def test_the_sweep_runs_hourly_and_leaves_queued_batches_to_the_worker(users, address):
    from django.utils import timezone

    from linli.people.import_services import import_staging_cleanup
    from linli.people.tasks import import_staging_cleanup_task

    task = import_staging_cleanup_task.s()
    assert task.validate_datetime(dt.datetime(2026, 1, 1, 3, 23))
    assert not task.validate_datetime(dt.datetime(2026, 1, 1, 3, 24))
    batch = preview(users["community"], xlsx([row(address, id_number=make_id(dt.date(1969, 9, 9), 9))]))
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.QUEUED, created_at=timezone.now() - dt.timedelta(hours=48)
    )
    assert import_staging_cleanup() == 0
    batch.refresh_from_db()
    assert batch.staged and batch.status == ImportStatus.QUEUED


def test_a_reimport_without_a_phone_keeps_the_stored_one_and_a_new_phone_replaces_it(users, address):
    id_number = make_id(dt.date(1958, 8, 8), 5)
    digest = crypto.keyed_hash("id", id_number)
    import_commit(
        actor=users["community"], batch=preview(users["community"], xlsx([row(address, id_number=id_number)]))
    )
    blank = preview(users["community"], xlsx([row(address, id_number=id_number, phone="", name="改名一")]))
    import_commit(actor=users["community"], batch=blank)
    person = Person.objects.get(id_number_hash=digest)
    assert (person.name, person.phone) == ("改名一", "+8613812345678")
    other = preview(users["community"], xlsx([row(address, id_number=id_number, phone="13987654321")]))
    import_commit(actor=users["community"], batch=other)
    assert Person.objects.get(id_number_hash=digest).phone == "+8613987654321"


def test_a_commit_of_many_chunks_writes_every_row_once(users, address, monkeypatch):
    """On PostgreSQL a chunk's COPY runs on a worker thread while the next chunk is prepared;
    every chunk must land, with updates, moves, households and tags as in one chunk."""
    from linli.people import importing

    known = make_id(dt.date(1955, 5, 5), 7)
    import_commit(actor=users["community"], batch=preview(users["community"], xlsx([row(address, id_number=known)])))
    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    ids = [make_id(dt.date(1960 + i, 3, 3), i) for i in range(10)]
    rows = [
        row(address, id_number=n, room=f"7{i % 4:02d}", tags="独居老人" if i % 3 == 0 else "")
        for i, n in enumerate(ids)
    ]
    rows.insert(5, row(address, id_number=known, name="搬家了", room="799"))
    before = Person.objects.count()
    batch = import_commit(actor=users["community"], batch=preview(users["community"], xlsx(rows)))
    assert batch.status == ImportStatus.COMMITTED, batch.message
    assert (batch.created_count, batch.updated_count) == (10, 1)
    assert Person.objects.count() == before + 10
    hashes = [crypto.keyed_hash("id", n) for n in ids]
    people = {p.id_number_hash: p for p in Person.objects.filter(id_number_hash__in=hashes).select_related("household")}
    assert [people[h].household.room for h in hashes] == [f"7{i % 4:02d}" for i in range(10)]
    assert Household.objects.filter(room__in=["700", "701", "702", "703"]).count() == 4
    assert PersonTag.objects.filter(person__in=people.values(), tag__name="独居老人").count() == 4
    assert Residence.objects.filter(person__in=people.values(), moved_out_on__isnull=True).count() == 10
    mover = Person.objects.get(id_number_hash=crypto.keyed_hash("id", known))
    assert mover.name == "搬家了" and mover.household.room == "799"
    assert list(Residence.objects.filter(person=mover).order_by("id").values_list("moved_out_on", flat=True))[1] is None


def _half_written_import(users, address, monkeypatch, fault):
    """Import 9 rows in chunks of 3 with ``fault`` installed; return the batch and the new people."""
    from linli.people import importing

    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    ids = [make_id(dt.date(1970 + i, 4, 4), i) for i in range(9)]
    batch = preview(users["community"], xlsx([row(address, id_number=n, room="606") for n in ids]))
    fault(importing)
    before = (Person.objects.count(), Residence.objects.count(), Household.objects.filter(room="606").count())
    batch = import_commit(actor=users["community"], batch=batch)
    after = (Person.objects.count(), Residence.objects.count(), Household.objects.filter(room="606").count())
    return batch, before, after


def test_a_write_failing_in_a_later_chunk_leaves_nothing_written(users, address, monkeypatch):
    """The second chunk's residence rows break a NOT NULL constraint: the database refuses them (on
    PostgreSQL inside the COPY on the worker thread, while the third chunk is being built) and the
    whole batch rolls back, the first chunk included."""

    def fault(importing):
        original = importing.LedgerWriter._add_stays
        calls = []

        def broken(self, fresh, ids, movers, existing):
            calls.append(1)
            if len(calls) == 2:
                fresh[-1].place_path = None
            return original(self, fresh, ids, movers, existing)

        monkeypatch.setattr(importing.LedgerWriter, "_add_stays", broken)

    batch, before, after = _half_written_import(users, address, monkeypatch, fault)
    assert batch.status == ImportStatus.FAILED and "未写入任何记录" in batch.message
    assert after == before, "no person, residence row or household of the batch is left"


def test_an_error_while_a_chunk_is_being_written_leaves_nothing_written(users, address, monkeypatch):
    """Reading the third staged chunk fails while the second chunk's COPY may still be running: the
    writer waits for it, then the batch rolls back."""

    def fault(importing):
        original = importing._unstage
        calls = []

        def broken(line):
            calls.append(1)
            if len(calls) == 3:
                raise RuntimeError("disk went away")
            return original(line)

        monkeypatch.setattr(importing, "_unstage", broken)

    batch, before, after = _half_written_import(users, address, monkeypatch, fault)
    assert batch.status == ImportStatus.FAILED
    assert after == before
