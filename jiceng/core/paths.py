"""Under a path: the one way to ask for a subtree, for organizations and for divisions.

An organization's materialized path (treebeard: 4 characters a level, 0-9 and A-Z) and a
division's short code (digits, see divisions.models.short_code_of) are prefixes of everything
below them. So "under P" is the range [P, P + END): the node itself, its descendants at any
depth, and nothing else, since a sibling differs inside P's length. As a range rather than
`__startswith` it is an index range scan on both databases (LIKE needs a pattern index on
PostgreSQL, and a foreign key column such as `division_id` does not take `__startswith`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

# Sorts after every character a path or a code holds, in SQLite's binary order and in the C
# collation of the path column on PostgreSQL (orgs migration 0002).
END = "~"


def under(prefix: str, field: str = "path") -> Q:
    """Rows whose `field` lies under `prefix`, `prefix` itself included. `field` is a lookup
    path to a path or a code: "organization__path", "community_id"."""
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + END})


def under_any(prefixes: Iterable[str], field: str = "path") -> Q:
    """Rows under any of `prefixes`; none at all when there are none."""
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= under(prefix, field)
    return q


def under_sql(column: str, prefix: str) -> str:
    """The same range in raw SQL, for the bulk paths: `column` and `prefix` are SQL
    expressions, such as "c.path" and "p.path" (a "%s" for `prefix` takes it twice)."""
    return f"{column} >= {prefix} AND {column} < {prefix} || '{END}'"


def is_under(value: str | None, prefix: str) -> bool:
    """The same question of one value, in Python."""
    return value is not None and value.startswith(prefix)
