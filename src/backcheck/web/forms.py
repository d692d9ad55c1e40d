"""Reading HTML forms: parse, check the CSRF token, hand back plain strings."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from backcheck.web.security import CSRF_FIELD, check_csrf

MAX_FIELD_CHARS = 2000


@dataclass
class Form:
    """A posted form: single values and multi-valued fields (checkboxes)."""

    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        """One value, stripped."""
        return self.values.get(name, default).strip()

    def getlist(self, name: str) -> list[str]:
        """All values of a repeated field."""
        return self.lists.get(name, [])


async def read_form(request: Request, secret_key: str) -> Form:
    """Parse a urlencoded form and check its CSRF token (raises CsrfError)."""
    data = await request.form(max_files=0, max_fields=200)
    form = Form()
    for key, value in data.multi_items():
        if not isinstance(value, str):
            continue
        text = value[:MAX_FIELD_CHARS]
        form.values.setdefault(key, text)
        form.lists.setdefault(key, []).append(text)
    check_csrf(request, secret_key, form.values.get(CSRF_FIELD))
    return form
