"""Batch processing: many notes in, one result record per note out, on one machine or on Dask.

The pieces, each with one job:

- :mod:`nlp.batch.readers`: stream ``(position, id, text)`` records from a folder of ``.txt``,
  JSON Lines, CSV, Parquet or standard input;
- :mod:`nlp.batch.ids`: turn missing and duplicate ids into per-record problems;
- :mod:`nlp.batch.work`: code a chunk of notes into JSON lines (what a worker runs);
- :mod:`nlp.batch.engines`: the local process pool and the Dask engine, both ordered and bounded;
- :mod:`nlp.batch.partitions`: Parquet and JSON Lines files cut into partitions that Dask
  workers read themselves;
- :mod:`nlp.batch.writers` and :mod:`nlp.batch.journal`: JSONL / CSV / Parquet output written
  in fsynced chunks to a partial file, with a journal so ``--resume`` can continue a killed run;
  :mod:`nlp.batch.arrow` derives the Parquet schema from the result record's pydantic model;
- :mod:`nlp.batch.runner`: ties them together (``run_batch``); :mod:`nlp.batch.report` draws
  the progress bar and the summary; :mod:`nlp.batch.cli` is the body of ``opnote batch``;
- :mod:`nlp.batch.api`: the library API over an iterable of ``(id, text)`` or a DataFrame.

Importing this package imports none of pyarrow, pandas or Dask: each module imports what it
needs when it runs, so ``opnote code`` stays quick to start.
"""
