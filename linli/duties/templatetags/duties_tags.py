"""Template filters of the duty pages: an item's edit-form values (as text, like a posted form's)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)


@register.filter
def duty_values(duty: Any) -> dict[str, str]:
    return {
        "category_id": str(duty.category_id),
        "title": duty.title,
        "content": duty.content,
        "basis": duty.basis,
        "office_id": str(duty.office_id),
        "responsibility": duty.responsibility,
        "partners": duty.partners,
    }


@register.filter
def entry_values(entry: Any) -> dict[str, str]:
    return {
        "title": entry.title,
        "department_id": str(entry.department_id or ""),
        "department_name": entry.department_name,
        "basis": entry.basis,
        "level": entry.level,
        "funded": "1" if entry.funded else "",
    }
