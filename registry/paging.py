"""One page of a list that grows without limit: two queries (the count, then the rows)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from registry.extensions import db

PER_PAGE = 25
MAX_PAGE = 10_000  # deeper than anyone reads; keeps OFFSET bounded


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_number(value: str | None) -> int:
    """The ``page`` query parameter: a bad or missing value means the first page, never an error."""
    try:
        return min(MAX_PAGE, max(1, int(value or 1)))
    except ValueError:
        return 1


def paginate(query: Select, page: int, per_page: int = PER_PAGE) -> Page:
    """Rows ``page`` of an ordered ``select`` (of one entity), with the total over every page."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items, page, per_page, total)
