"""The pager every paged list includes (web/_pager.html) keeps the list's other parameters."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string


def test_the_pager_links_keep_the_query_and_name_the_page() -> None:
    page = Paginator(range(25), 10).get_page(2)
    html = render_to_string("web/_pager.html", {"page": page, "query": "status=OPEN&"})
    assert 'href="?status=OPEN&amp;page=1"' in html and 'href="?status=OPEN&amp;page=3"' in html
    assert "第 2 / 3 页" in html


def test_one_page_has_no_pager() -> None:
    page = Paginator(range(5), 10).get_page(1)
    assert render_to_string("web/_pager.html", {"page": page}).strip() == ""
