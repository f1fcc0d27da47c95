"""Open311 answers in JSON or XML.

XML is written by the standard library's ElementTree, which escapes &, < and >; characters
that XML 1.0 cannot carry at all (most control characters) are dropped first, so no text a
citizen typed can make the document malformed. Input is form-encoded: no XML is ever parsed.
"""

from __future__ import annotations

import json
import re

# ElementTree only builds and writes the answers; no XML input is ever parsed (B405).
import xml.etree.ElementTree as ET  # nosec B405
from collections.abc import Mapping, Sequence
from typing import Any

from django.http import HttpResponse

JSON = "json"
XML = "xml"
CONTENT_TYPES = {JSON: "application/json; charset=utf-8", XML: "text/xml; charset=utf-8"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any, item_tags: Mapping[str, str]) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner, item_tags)
    elif isinstance(value, list | tuple):
        tag = item_tags.get(element.tag, "item")
        for inner in value:
            _fill(ET.SubElement(element, tag), inner, item_tags)
    else:
        element.text = xml_text(value)


def to_xml(root: str, item: str, rows: Sequence[Any], item_tags: Mapping[str, str]) -> bytes:
    """`<root><item>...</item>...</root>`; a list inside a row becomes one element per entry,
    named by `item_tags` after the list's own tag (attributes → attribute, values → value)."""
    element = ET.Element(root)
    for row in rows:
        _fill(ET.SubElement(element, item), row, item_tags)
    xml: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return xml


ITEM_TAGS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint"}
ITEM_TAGS_FORMATS = {**ITEM_TAGS, "formats": "format"}


def answer(
    fmt: str, rows: Any, *, root: str, item: str, status: int = 200, single: bool = False
) -> HttpResponse:
    """`rows` (a list, or one object when `single`) as JSON, or as XML under `root`."""
    if fmt == XML:
        body = _single_xml(root, rows) if single else to_xml(root, item, rows, ITEM_TAGS_FORMATS)
    else:
        body = json.dumps(rows, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def _single_xml(root: str, value: Mapping[str, Any]) -> bytes:
    element = ET.Element(root)
    _fill(element, value, ITEM_TAGS_FORMATS)
    xml: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return xml


def errors(fmt: str, status: int, descriptions: Sequence[str]) -> HttpResponse:
    """The spec's error answer: a list of {code, description} with the HTTP status."""
    rows = [{"code": status, "description": d} for d in descriptions]
    return answer(fmt, rows, root="errors", item="error", status=status)
