"""The Arrow schema of the result record, derived from the pydantic model so the two never drift.

Parquet output is nested: entities, lesions and codes are lists of structs.  The types come
from :class:`nlp.schema.ResultRecord`'s annotations: text, numbers and booleans map to their
Arrow types, ``Literal`` to string, centimetres (``Decimal``) to float64 as in the JSON, lists
to lists, nested models to structs, ``dict[str, str]`` to a map.  Free-form values
(``dict[str, Any]``, e.g. an entity's normalised ``value``) have no fixed shape, so they are
stored as a JSON string.
"""

from __future__ import annotations

import json
import types
import typing
from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable

import pyarrow as pa
from pydantic import BaseModel

Convert = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _json_text(value: Any) -> Any:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _map_items(value: Any) -> Any:
    return None if value is None else list(value.items())


def _list_of(convert: Convert) -> Convert:
    def run(values: Any) -> Any:
        return None if values is None else [convert(v) for v in values]
    return run


def _struct_of(fields: list[tuple[str, Convert]]) -> Convert:
    def run(obj: Any) -> Any:
        return None if obj is None else {name: convert(obj.get(name)) for name, convert in fields}
    return run


def arrow_type(annotation: Any) -> tuple[pa.DataType, Convert]:
    """The Arrow type for a pydantic field annotation, and how to convert its JSON value."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return arrow_type(args[0])
    if origin in (typing.Union, types.UnionType):
        arms = [a for a in args if a is not type(None)]
        if len(arms) == 1:
            return arrow_type(arms[0])
        raise TypeError(f"no Arrow type for the union {annotation}; add a case to nlp/batch/arrow.py")
    if origin is typing.Literal or annotation is str:
        return pa.string(), _identity
    if annotation is bool:
        return pa.bool_(), _identity
    if annotation is int:
        return pa.int64(), _identity
    if annotation in (float, Decimal):
        return pa.float64(), _identity
    if origin is list:
        inner, convert = arrow_type(args[0])
        return pa.list_(inner), _list_of(convert) if convert is not _identity else _identity
    if origin is dict:
        if args and args[0] is str and args[1] is str:
            return pa.map_(pa.string(), pa.string()), _map_items
        return pa.string(), _json_text
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        struct, convert = model_struct(annotation)
        return struct, convert
    raise TypeError(f"no Arrow type for {annotation}; add a case to nlp/batch/arrow.py")


def model_struct(model: type[BaseModel]) -> tuple[pa.StructType, Convert]:
    fields: list[pa.Field] = []
    converts: list[tuple[str, Convert]] = []
    for name, info in model.model_fields.items():
        kind, convert = arrow_type(info.annotation)
        fields.append(pa.field(name, kind))
        converts.append((name, convert))
    return pa.struct(fields), _struct_of(converts)


@lru_cache(maxsize=1)
def result_schema() -> tuple[pa.Schema, Convert]:
    """Arrow schema of the result record, and the converter from a record's JSON object to a row."""
    from nlp.schema import ResultRecord

    struct, convert = model_struct(ResultRecord)
    return pa.schema(list(struct)), convert


def records_table(records: list[dict[str, Any]]) -> pa.Table:
    """Result records (as JSON objects) to an Arrow table with the fixed result schema."""
    schema, convert = result_schema()
    return pa.Table.from_pylist([convert(r) for r in records], schema=schema)
