"""Library API: the batch machinery over Python data instead of files.

- :func:`code_notes`: an iterable of ``(id, text)`` pairs in, one result record (a JSON-ready
  dict) per pair out, in order, with the same id checks as ``opnote batch`` and optional
  worker processes.  Streams: memory does not grow with the input.
- :func:`code_frame`: a pandas DataFrame of notes in, a DataFrame of results out (one row per
  input row, same order).  This is the function to apply per partition on a cluster: Spark's
  ``mapInPandas``, or Dask's ``map_partitions`` (what :func:`code_dask_frame` does).
- :func:`code_dask_frame`: a Dask DataFrame in, a lazy Dask DataFrame of results out; each
  Dask worker builds the pipeline once and reuses it for every partition.

Duplicate ids: :func:`code_notes` sees the whole stream, so the first occurrence is coded and
later ones are errors, as in ``opnote batch``; :func:`code_frame` and :func:`code_dask_frame`
see one partition at a time, so they catch duplicates within a partition only.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from nlp.batch.engines import LocalEngine
from nlp.batch.ids import check_ids
from nlp.batch.readers import RawRecord
from nlp.batch.runner import DEFAULT_CHUNK_SIZE, batched
from nlp.batch.work import CoderSettings, code_items_cached
from nlp.inputs import MAX_NOTE_CHARS

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

RESULT_COLUMNS = ("id", "status", "error", "cpt", "icd10", "record")
"""Columns of :func:`code_frame`'s result: cpt and icd10 are lists of the codes suggested
(status ``suggested``), record is the full result record as a JSON string."""

SPARK_SCHEMA = "id string, status string, error string, cpt array<string>, icd10 array<string>, record string"
"""The result columns as a Spark DDL schema string, for ``mapInPandas(..., schema=SPARK_SCHEMA)``."""


def result_arrow_types() -> dict[str, Any]:
    """Arrow types of :data:`RESULT_COLUMNS`, for ``to_parquet(..., schema=result_arrow_types())``.

    Needed when writing a Dask result frame to Parquet: a partition whose ``error`` column is
    all null would otherwise be inferred as a different type from the others.
    """
    import pyarrow as pa

    return {"id": pa.string(), "status": pa.string(), "error": pa.string(), "cpt": pa.list_(pa.string()),
            "icd10": pa.list_(pa.string()), "record": pa.string()}


def code_notes(notes: Iterable[tuple[object, object]], *, workers: int = 1, policy: str = "cpt", model: str | None = None,
               max_chars: int = MAX_NOTE_CHARS, chunk_size: int = DEFAULT_CHUNK_SIZE, coder: Any = None) -> Iterator[dict[str, Any]]:
    """Code ``(id, text)`` pairs; yields one result record (dict) per pair, in input order.

    ``workers`` > 1 forks worker processes after building the pipeline once; ``coder`` reuses
    an existing :class:`~nlp.service.Coder`.
    """
    settings = CoderSettings(model=model, policy=policy, max_chars=max_chars)
    records = (RawRecord(position, note_id, text) for position, (note_id, text) in enumerate(notes, start=1))
    with LocalEngine(settings, workers, coder=coder) as engine:
        for chunk in engine.map(batched(check_ids(records), chunk_size)):
            for item in chunk:
                yield json.loads(item.json)


def code_frame(frame: pd.DataFrame, *, id_col: str = "id", text_col: str = "text", policy: str = "cpt",
               model: str | None = None, max_chars: int = MAX_NOTE_CHARS) -> pd.DataFrame:
    """Code a pandas DataFrame of notes; one result row per input row (see :data:`RESULT_COLUMNS`).

    The pipeline is built once per process (per thread) and kept, so calling this for many
    partitions in one worker costs one pipeline load.
    """
    import pandas as pd

    settings = CoderSettings(model=model, policy=policy, max_chars=max_chars)
    ids = frame[id_col].tolist() if id_col in frame.columns else [None] * len(frame)
    texts = frame[text_col].tolist() if text_col in frame.columns else [None] * len(frame)
    records = (RawRecord(position, _plain(i), _plain(t)) for position, (i, t) in enumerate(zip(ids, texts, strict=True), start=1))
    rows = []
    for coded in code_items_cached(list(check_ids(records, id_col=id_col, text_col=text_col)), settings):
        record = json.loads(coded.json)
        suggested = [c for c in record["codes"] if c["status"] == "suggested"]
        rows.append({
            "id": record["id"], "status": record["status"], "error": record["error"],
            "cpt": [c["code"] for c in suggested if c["system"] == "CPT"],
            "icd10": [c["code"] for c in suggested if c["system"] == "ICD-10-CM"],
            "record": coded.json,
        })
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS), index=frame.index)


def code_dask_frame(frame: dd.DataFrame, *, id_col: str = "id", text_col: str = "text", policy: str = "cpt",
                    model: str | None = None, max_chars: int = MAX_NOTE_CHARS) -> dd.DataFrame:
    """Apply :func:`code_frame` to every partition of a Dask DataFrame (lazy; call ``.compute()`` or write it)."""
    import pandas as pd

    meta = pd.DataFrame({"id": pd.Series(dtype=object), "status": pd.Series(dtype=object),
                         "error": pd.Series(dtype=object), "cpt": pd.Series(dtype=object),
                         "icd10": pd.Series(dtype=object), "record": pd.Series(dtype=object)})
    return frame.map_partitions(code_frame, id_col=id_col, text_col=text_col, policy=policy, model=model,
                                max_chars=max_chars, meta=meta)


def _plain(value: object) -> object:
    """pandas missing values (NaN, NA, None) to None; numpy integers to int; the rest as is."""
    try:
        import pandas as pd

        if value is None or (not isinstance(value, (str, bytes, list, dict)) and pd.isna(value)):
            return None
    except (TypeError, ValueError):
        return value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value

