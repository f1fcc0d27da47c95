"""What every operation of the REST API shares, whatever router it is on: request bodies that
are JSON objects or nothing, refusals in Chinese in the shape of `core.schemas.Error`, and the
422 that ninja answers for data that breaks an operation's schema, declared in the OpenAPI
document of every operation.

Ninja's own parser takes any JSON value, and its schemas read attributes off whatever they are
given (so that they can serialize model rows): `[null]`, `"x"` or `42` as a body came out as an
object with every field missing, and an operation whose fields are all optional (a PATCH, an
escalation with an optional note) went ahead on it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.parser import Parser
from ninja.types import DictStrAny

from .schemas import Error

NOT_JSON = "请求体不是有效的JSON（应为UTF-8编码的JSON对象）"
NOT_AN_OBJECT = "请求体应为JSON对象（{…}），不能是数组、字符串、数字、true/false或null"
INVALID = "请求参数不符合接口定义"

# Pydantic's error types, in Chinese; "{…}" are filled from the error's context.
MESSAGES: dict[str, str] = {
    "missing": "必须填写",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "decimal_parsing": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_parsing": "应为true或false",
    "bool_type": "应为true或false",
    "string_type": "应为文本",
    "string_unicode": "应为文本",
    "date_parsing": "应为日期，如2024-07-01",
    "date_from_datetime_parsing": "应为日期，如2024-07-01",
    "date_from_datetime_inexact": "应为日期，如2024-07-01",
    "date_type": "应为日期，如2024-07-01",
    "datetime_parsing": "应为时间，如2024-07-01T09:00:00+08:00",
    "datetime_from_date_parsing": "应为时间，如2024-07-01T09:00:00+08:00",
    "datetime_type": "应为时间，如2024-07-01T09:00:00+08:00",
    "time_parsing": "应为时刻，如09:30",
    "uuid_parsing": "格式不正确",
    "dict_type": "应为JSON对象",
    "model_type": "应为JSON对象",
    "model_attributes_type": "应为JSON对象",
    "list_type": "应为数组",
    "tuple_type": "应为数组",
    "json_invalid": "不是有效的JSON",
    "string_pattern_mismatch": "格式不正确",
    "extra_forbidden": "不是本接口的字段",
    "enum": "应为以下之一：{expected}",
    "literal_error": "应为以下之一：{expected}",
    "string_too_short": "至少{min_length}个字符",
    "string_too_long": "不能超过{max_length}个字符",
    "too_short": "至少{min_length}项",
    "too_long": "不能超过{max_length}项",
    "greater_than": "应大于{gt}",
    "greater_than_equal": "不能小于{ge}",
    "less_than": "应小于{lt}",
    "less_than_equal": "不能大于{le}",
    "multiple_of": "应为{multiple_of}的倍数",
}


class BodyRefused(ValueError):
    """A request body that is not a JSON object; `message` says so in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class JsonObjectParser(Parser):
    """Ninja's parser, for bodies that must be JSON objects: every operation's body is one."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        try:
            data = json.loads(request.body)
        except ValueError as exc:  # JSONDecodeError, and UnicodeDecodeError for bytes not UTF-8
            raise BodyRefused(NOT_JSON) from exc
        if not isinstance(data, dict):
            raise BodyRefused(NOT_AN_OBJECT)
        return data


def field_of(location: Sequence[object]) -> str:
    """The field an error names, as the services name theirs: ("body", "payload", "name") is
    "name", ("query", "limit") is "limit", a nested one "seats.0.post"."""
    source, *path = location or ("body",)
    if source == "body":
        path = path[1:]  # the operation's parameter that holds the whole body
    return ".".join(str(part) for part in path) or str(source)


def message_of(error: Mapping[str, object]) -> str:
    kind = str(error.get("type", ""))
    context = error.get("ctx")
    values = {str(k): v for k, v in context.items()} if isinstance(context, dict) else {}
    if "expected" in values:
        values["expected"] = str(values["expected"]).replace(" or ", "、").replace(", ", "、")
    template = MESSAGES.get(kind)
    if template is not None:
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return template.split("{", 1)[0].rstrip("：") or "不正确"
    text = str(error.get("msg", ""))
    if kind == "value_error":  # a validator's own words
        return text.removeprefix("Value error, ")
    return f"不正确（{text}）" if text else "不正确"


def validation_answer(errors: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """Ninja's validation errors as an Error: a sentence in Chinese and a message per field."""
    fields: dict[str, str] = {}
    for error in errors:
        location = error.get("loc")
        where = field_of(location if isinstance(location, list | tuple) else ())
        fields.setdefault(where, message_of(error))
    detail = "；".join(f"{field}：{message}" for field, message in fields.items())
    return {"detail": f"{INVALID}：{detail}" if detail else INVALID, "fields": fields}


class RestAPI(NinjaAPI):
    """NinjaAPI whose refusals of malformed requests are Errors in Chinese (400 for a body that
    is no JSON object, 422 for data that breaks the schema) and whose OpenAPI document lists
    the 422 for every operation. Give it `parser=JsonObjectParser()`."""

    def set_default_exception_handlers(self) -> None:
        super().set_default_exception_handlers()
        self.exception_handler(HttpError)(self._http_error)
        self.exception_handler(ValidationError)(self._validation_error)

    def _http_error(self, request: HttpRequest, exc: HttpError) -> HttpResponse:
        cause = exc.__cause__
        if isinstance(cause, BodyRefused):
            # Ninja wraps what the parser raises in HttpError(400, "Cannot parse request body").
            body = {"detail": cause.message, "fields": {"body": cause.message}}
            return self.create_response(request, body, status=400)
        return self.create_response(request, {"detail": str(exc)}, status=exc.status_code)

    def _validation_error(self, request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return self.create_response(request, validation_answer(exc.errors), status=422)

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: DictStrAny | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components: dict[str, dict[str, object]] = schema.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        schemas.setdefault("Error", Error.model_json_schema(ref_template=REF_TEMPLATE))
        answer = {
            "description": "请求参数不符合接口定义：detail为中文说明，fields逐项说明",
            "content": {
                self.renderer.media_type: {"schema": {"$ref": "#/components/schemas/Error"}}
            },
        }
        paths: dict[str, dict[str, dict[str, object]]] = schema["paths"]
        for operations in paths.values():
            for operation in operations.values():
                responses = operation.get("responses")
                if isinstance(responses, dict):
                    responses.setdefault(422, answer)
        return schema
