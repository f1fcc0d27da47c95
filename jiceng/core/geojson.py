"""Reading an uploaded GeoJSON FeatureCollection: the checks on the file as a whole that grid
imports (grid.geojson) and division outlines (divisions.shapes) share, each naming what its
features are in its messages. What a feature must hold is the importer's own business."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from jiceng.core.errors import InvalidInput

MAX_BYTES = 50 * 1024 * 1024
TOO_LARGE = "文件过大：GeoJSON 文件不能超过50MB"


def read_upload(upload: UploadedFile[Any] | None) -> bytes:
    """The bytes of an uploaded file, refused before reading when there is none or it is too
    large."""
    if upload is None:
        raise InvalidInput("请选择要上传的 GeoJSON 文件", fields={"file": "请选择文件"})
    if upload.size and upload.size > MAX_BYTES:
        raise InvalidInput(TOO_LARGE, fields={"file": "文件过大"})
    data: bytes = upload.read()
    return data


def features_of(data: bytes | str | dict[str, Any], *, what: str, most: int) -> list[Any]:
    """The features of a FeatureCollection (at least one, at most `most`), or InvalidInput
    about the file as a whole; `what` names the features (网格, 区划边界)."""
    if isinstance(data, bytes | str):
        if len(data) > MAX_BYTES:
            raise InvalidInput(TOO_LARGE, fields={"file": "文件过大"})
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput(
                "文件不是有效的 GeoJSON（JSON 格式错误）", fields={"file": "JSON 格式错误"}
            ) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InvalidInput(
            "文件须为 GeoJSON 要素集合（type 为 FeatureCollection）",
            fields={"file": "不是 FeatureCollection"},
        )
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise InvalidInput(f"文件中没有{what}（features 为空）", fields={"file": f"没有{what}"})
    if len(features) > most:
        raise InvalidInput(f"一次最多导入{most}个{what}", fields={"file": f"{what}过多"})
    return features
