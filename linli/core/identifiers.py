"""Validation and normalisation of Chinese identifiers with kept libraries (stdnum, phonenumbers)."""

from __future__ import annotations

import datetime as dt

import phonenumbers
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumbers import shortnumberinfo
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from linli.core.errors import InvalidInput

# Full-width ASCII (what a Chinese IME types in full-width mode: １１０１…Ｘ) → ASCII; the ideographic space → space.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
ID_MAX = 2**63 - 1  # the largest primary key any of our databases stores (a signed 64-bit integer)


def half_width(text: str) -> str:
    """``text`` with full-width letters, digits and punctuation as their ASCII forms. Other look-alike
    digits (①, ², Arabic-Indic) are left as they are, for the checks to refuse."""
    return text.translate(_HALF_WIDTH)


def parse_id(raw: object) -> int | None:
    """A row id typed or passed as text (a form field, a query parameter, a path part): a whole number
    of ASCII or full-width digits from 1 to ``ID_MAX``, or ``None``. ``str.isdigit`` would let "²" and
    "①" through to ``int()`` (a 500), and an id beyond 64 bits overflows SQLite."""
    text = half_width(str(raw if raw is not None else "")).strip()
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= ID_MAX else None


def normalise_phone(raw: str, *, field: str = "phone") -> str:
    """Return the phone in E.164 (``+8613812345678``); accepts spaces, dashes and +86."""
    text = (raw or "").strip()
    if not text:
        raise InvalidInput(_("手机号不能为空"), field=field)
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise InvalidInput(_("手机号“%(text)s”无法识别") % {"text": text}, field=field) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput(_("手机号“%(text)s”不是有效号码") % {"text": text}, field=field)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalise_contact_phone(raw: str, *, field: str = "contact_phone") -> str:
    """An organisation's public contact number as it is dialled in China: a landline with its area code
    (``0551-61234567``), a mobile (``13812345678``), a 400/800 service number or a short service number
    (``12345``). Empty stays empty. Validated with ``phonenumbers``; an extension is kept after "转"."""
    text = half_width(raw or "").strip()
    if not text:
        return ""
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise InvalidInput(_("电话“%(text)s”无法识别") % {"text": text}, field=field) from None
    digits = phonenumbers.national_significant_number(parsed)
    if parsed.country_code == 86 and shortnumberinfo.is_valid_short_number_for_region(parsed, "CN"):
        return digits
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput(_("电话“%(text)s”不是有效号码") % {"text": text}, field=field)
    if parsed.country_code != 86:
        number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    else:
        area = phonenumbers.length_of_geographical_area_code(parsed)
        number = f"0{digits[:area]}-{digits[area:]}" if area else digits
    return f"{number}转{parsed.extension}" if parsed.extension else number


def national_phone(e164: str) -> str:
    """``+8613812345678`` → ``13812345678`` for display."""
    return e164[3:] if e164.startswith("+86") else e164


def normalise_id_number(raw: str, *, field: str = "id_number") -> str:
    """Validate an 18-digit resident ID (checksum, birth date, region) and return it upper-cased.

    15-digit first-generation IDs expired in 2013 and carry no checksum: they are refused with
    a message asking for the 18-digit number rather than guessed at.
    """
    text = half_width(raw or "").strip().replace(" ", "").upper()
    if not text:
        raise InvalidInput(_("身份证号不能为空"), field=field)
    if not text.isascii():
        raise InvalidInput(_("身份证号“%(text)s”格式错误") % {"text": text}, field=field)
    if len(text) == 15 and text.isdigit():
        raise InvalidInput(_("15位旧身份证号已停止使用,请填写18位身份证号"), field=field)
    try:
        number = str(ric.validate(text))
    except StdnumError as exc:
        message = {
            "InvalidChecksum": _("身份证号“%(text)s”校验位错误"),
            "InvalidLength": _("身份证号“%(text)s”长度应为18位"),
            "InvalidFormat": _("身份证号“%(text)s”格式错误"),
            "InvalidComponent": _("身份证号“%(text)s”出生日期或地区码无效"),
        }.get(type(exc).__name__) or _("身份证号“%(text)s”无效")
        raise InvalidInput(message % {"text": text}, field=field) from None
    born = ric.get_birth_date(number)
    if born > timezone.localdate():
        raise InvalidInput(
            _("身份证号“%(text)s”的出生日期 %(born)s 在未来") % {"text": text, "born": born.isoformat()},
            field=field,
        )
    if born.year < 1890:
        raise InvalidInput(
            _("身份证号“%(text)s”的出生日期 %(born)s 不合常理") % {"text": text, "born": born.isoformat()},
            field=field,
        )
    return number


def birth_date_from_id(id_number: str) -> dt.date:
    return ric.get_birth_date(id_number)


def gender_from_id(id_number: str) -> str:
    return "M" if int(id_number[16]) % 2 == 1 else "F"


def normalise_uscc(raw: str, *, field: str = "uscc") -> str:
    text = (raw or "").strip().upper()
    try:
        return str(uscc.validate(text))
    except StdnumError:
        raise InvalidInput(_("统一社会信用代码“%(text)s”无效") % {"text": text}, field=field) from None


def validate_division_code(code: str, *, field: str = "code") -> str:
    """A 12-digit statistical division code (统计用区划代码)."""
    text = (code or "").strip()
    if len(text) != 12 or not text.isdigit():
        raise InvalidInput(_("区划代码“%(text)s”应为12位数字") % {"text": text}, field=field)
    return text


# Registration-authority codes (登记管理部门码, GB 32100-2015 and its amendments) that are letters.
# stdnum's cn.uscc insists the first eight characters are digits, so it rejects valid codes issued
# by these authorities (e.g. Y = 其他, N = 农业农村 for farmers' cooperatives, A = 中央军委改革和编制办公室).
USCC_LETTER_AUTHORITIES = frozenset("ANY")


def validate_uscc(raw: str, *, field: str = "uscc") -> str:
    """A unified social credit code (统一社会信用代码), upper-cased and without spaces.

    ``stdnum.cn.uscc`` decides for all-digit prefixes; codes whose registration-authority or
    organisation-type character is a letter get the same length, alphabet and check-digit test
    (GB 32100-2015 mod-31) here.
    """
    text = (raw or "").strip().upper().replace(" ", "").replace("-", "")
    if not text:
        raise InvalidInput(_("请填写统一社会信用代码"), field=field)
    if len(text) != 18:
        raise InvalidInput(_("统一社会信用代码“%(text)s”应为18位") % {"text": text}, field=field)
    if uscc.is_valid(text):
        return str(uscc.compact(text))
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    letter_prefixed = (text[0] in USCC_LETTER_AUTHORITIES or text[1] in alphabet[10:]) and text[2:8].isdigit()
    if letter_prefixed and text[0] in "123456789" + "".join(sorted(USCC_LETTER_AUTHORITIES)):
        if all(c in alphabet for c in text) and uscc.calc_check_digit(text[:17]) == text[17]:
            return text
        raise InvalidInput(_("统一社会信用代码“%(text)s”校验位错误") % {"text": text}, field=field)
    try:
        uscc.validate(text)
    except StdnumError as exc:
        message = {
            "InvalidChecksum": _("统一社会信用代码“%(text)s”校验位错误"),
            "InvalidFormat": _("统一社会信用代码“%(text)s”格式错误"),
        }.get(type(exc).__name__) or _("统一社会信用代码“%(text)s”无效")
        raise InvalidInput(message % {"text": text}, field=field) from None
    return text
