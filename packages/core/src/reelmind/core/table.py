"""Columnar records: a frozen dataclass whose fields are equal-length NumPy arrays.

Subclasses declare columns with :func:`column`; construction casts and validates every
column (dtype, trailing shape, length) and raises :class:`RecordError` naming the field, the
expected and the actual value. Tables convert losslessly to Arrow and Parquet; ``meta`` (the
options, models and versions that made the table) travels in the Parquet schema metadata.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

from .errors import DataFileError, RecordError

T = TypeVar("T", bound="Table")

_KINDS = {"f8": np.float64, "f4": np.float32, "i8": np.int64, "i4": np.int32, "bool": np.bool_, "str": object,
          "bytes": object, "list_str": object, "list_i8": object, "list_f8": object}
_FILL = {"f8": np.nan, "f4": np.nan, "i8": -1, "i4": -1, "bool": False, "str": "", "bytes": b"",
         "list_str": (), "list_i8": (), "list_f8": ()}
#: variable-length list columns: element type check and Arrow value type name
_LISTS = {"list_str": (str, "string"), "list_i8": (int, "int64"), "list_f8": (float, "float64")}


def column(dtype: str, inner: tuple[int | None, ...] = (), *, required: bool = True, doc: str = "") -> Any:
    """Declare a column: ``dtype`` in f8/f4/i8/i4/bool/str/bytes/list_str/list_i8/list_f8, ``inner``
    the trailing shape (None = any). ``list_*`` columns hold one tuple per row (Arrow list columns);
    ``bytes`` columns hold binary blobs (PNG crops, rendered documents).

    Optional columns (``required=False``) are filled with NaN / -1 / False / "" / b"" / () when omitted;
    optional columns with an unknown inner size are left as ``None``.
    """
    if dtype not in _KINDS:
        raise ValueError(f"unknown column dtype {dtype!r}")
    return field(default=None, metadata={"dtype": dtype, "inner": tuple(inner), "required": required, "doc": doc})


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array dtype={value.dtype} shape={value.shape}"
    return f"{type(value).__name__} {value!r}"[:120]


@dataclass(frozen=True, eq=False)
class Table:
    """Base class of every columnar record. ``meta`` is free-form provenance (JSON-able)."""

    meta: dict = field(default_factory=dict, kw_only=True)

    RECORD: ClassVar[str] = "Table"

    # ----------------------------------------------------------------- construction
    @classmethod
    def column_fields(cls) -> list[dataclasses.Field]:
        return [f for f in dataclasses.fields(cls) if "dtype" in f.metadata]

    def __post_init__(self) -> None:
        name = type(self).__name__
        cols = self.column_fields()
        n = None
        for f in cols:
            v = getattr(self, f.name)
            if v is not None:
                try:
                    n = len(v)
                except TypeError:
                    raise RecordError(name, f.name, "a sequence or array", _describe(v)) from None
                break
        if n is None:
            n = 0
        for f in cols:
            dtype, inner, required = f.metadata["dtype"], f.metadata["inner"], f.metadata["required"]
            v = getattr(self, f.name)
            if v is None:
                if required and n > 0:
                    raise RecordError(name, f.name, f"{dtype} column of length {n}", "nothing")
                if any(d is None for d in inner):
                    if required:  # empty table: give the unknown dims size 0
                        inner_shape = tuple(0 if d is None else d for d in inner)
                        object.__setattr__(self, f.name, np.empty((0, *inner_shape), dtype=_KINDS[dtype]))
                    continue
                if dtype in _LISTS:
                    arr = np.empty(n, dtype=object)
                    arr[:] = [()] * n
                else:
                    arr = np.full((n, *inner), _FILL[dtype], dtype=_KINDS[dtype])
            else:
                arr = self._cast(name, f.name, v, dtype)
                if arr.ndim == 0 or len(arr) != n:
                    raise RecordError(name, f.name, f"length {n} (as the other columns)", _describe(arr))
                if arr.ndim - 1 != len(inner) or any(d is not None and d != a for d, a in zip(inner, arr.shape[1:])):
                    want = "(n" + "".join(f", {d if d is not None else '*'}" for d in inner) + ")"
                    raise RecordError(name, f.name, f"shape {want}", _describe(arr))
            arr.setflags(write=False)
            object.__setattr__(self, f.name, arr)
        self.validate()

    @staticmethod
    def _cast(record: str, fname: str, v: Any, dtype: str) -> np.ndarray:
        if dtype == "str":
            arr = np.asarray(v, dtype=object)
            bad = [x for x in arr.ravel() if not isinstance(x, str)]
            if bad:
                raise RecordError(record, fname, "str values", f"{type(bad[0]).__name__} {bad[0]!r}")
            return arr
        if dtype == "bytes":
            arr = np.empty(len(v), dtype=object)
            for i, x in enumerate(v):
                if not isinstance(x, (bytes, bytearray, memoryview)):
                    raise RecordError(record, fname, "bytes values", f"{type(x).__name__} {x!r}"[:120])
                arr[i] = bytes(x)
            return arr
        if dtype in _LISTS:
            kind, _ = _LISTS[dtype]
            arr = np.empty(len(v), dtype=object)
            for i, x in enumerate(v):
                if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
                    raise RecordError(record, fname, f"a list of {kind.__name__} per row", f"{type(x).__name__} {x!r}"[:120])
                items = tuple(x.tolist() if isinstance(x, np.ndarray) else x)
                if kind is str:
                    bad = [y for y in items if not isinstance(y, str)]
                else:
                    bad = [y for y in items if isinstance(y, (str, bytes)) or not isinstance(y, (int, float, np.number))
                           or (kind is int and float(y) != int(y))]
                if bad:
                    raise RecordError(record, fname, f"{kind.__name__} list items", f"{type(bad[0]).__name__} {bad[0]!r}"[:120])
                arr[i] = tuple(kind(y) for y in items) if kind is not str else items
            return arr
        arr = np.asarray(v)
        if arr.dtype == object:
            try:
                arr = arr.astype(_KINDS[dtype])
            except (TypeError, ValueError):
                raise RecordError(record, fname, f"numeric {dtype} values", _describe(arr)) from None
        want = np.dtype(_KINDS[dtype])
        if dtype in ("i8", "i4") and arr.dtype.kind == "f":
            if arr.size and not np.all(np.isfinite(arr) & (arr == np.round(arr))):
                raise RecordError(record, fname, f"integer values ({dtype})", _describe(arr))
        elif dtype == "bool" and arr.dtype.kind not in "bui":
            raise RecordError(record, fname, "bool values", _describe(arr))
        elif arr.dtype.kind not in "biuf":
            raise RecordError(record, fname, f"numeric {dtype} values", _describe(arr))
        return np.ascontiguousarray(arr, dtype=want)

    def validate(self) -> None:
        """Extra per-record checks; subclasses raise RecordError."""

    # ----------------------------------------------------------------- access
    def __len__(self) -> int:
        cols = self.column_fields()
        for f in cols:
            v = getattr(self, f.name)
            if v is not None:
                return len(v)
        return 0

    def columns(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in self.column_fields() if getattr(self, f.name) is not None}

    def take(self: T, index: Any) -> T:
        """Rows by integer index array or boolean mask (meta is kept)."""
        idx = np.asarray(index)
        return type(self)(**{k: v[idx] for k, v in self.columns().items()}, meta=dict(self.meta))

    def with_columns(self: T, **changes: Any) -> T:
        return dataclasses.replace(self, **changes)

    @classmethod
    def empty(cls: type[T], **meta: Any) -> T:
        return cls(meta=dict(meta))

    @classmethod
    def concat(cls: type[T], tables: list[T], meta: dict | None = None) -> T:
        tables = [t for t in tables if len(t)]
        if not tables:
            return cls(meta=meta or {})
        names = tables[0].columns().keys()
        return cls(**{k: np.concatenate([t.columns()[k] for t in tables]) for k in names}, meta=meta or dict(tables[0].meta))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rows={len(self)}, columns={list(self.columns())})"

    # ----------------------------------------------------------------- arrow / parquet
    def to_arrow(self):
        import pyarrow as pa

        arrays, fields = [], []
        for f in self.column_fields():
            v = getattr(self, f.name)
            if v is None:
                continue
            dtype = f.metadata["dtype"]
            inner = v.shape[1:]
            if dtype == "str":
                arr = pa.array(list(v), type=pa.string())
            elif dtype == "bytes":
                arr = pa.array(list(v), type=pa.binary())
            elif dtype in _LISTS:
                arr = pa.array([list(x) for x in v], type=pa.list_(getattr(pa, _LISTS[dtype][1])()))
            else:
                flat = pa.array(v.reshape(-1))
                size = int(np.prod(inner)) if inner else 1
                arr = pa.FixedSizeListArray.from_arrays(flat, size) if inner else flat
            fields.append(pa.field(f.name, arr.type, metadata={"shape": json.dumps(list(inner))}))
            arrays.append(arr)
        meta = {b"reelmind.record": type(self).__name__.encode(), b"reelmind.meta": json.dumps(self.meta, default=str, sort_keys=True).encode()}
        return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=meta))

    @classmethod
    def from_arrow(cls: type[T], table) -> T:
        kwargs: dict[str, Any] = {}
        known = {f.name: f for f in cls.column_fields()}
        for name in table.column_names:
            if name not in known:
                continue
            fmeta = table.schema.field(name).metadata or {}
            shape = tuple(json.loads(fmeta.get(b"shape", b"[]")))
            col = table.column(name).combine_chunks()
            kind = known[name].metadata["dtype"]
            if kind in ("str", "bytes") or kind in _LISTS:
                out = np.empty(len(col), dtype=object)
                out[:] = [tuple(x) if kind in _LISTS else x for x in col.to_pylist()]
                kwargs[name] = out
            elif shape:
                values = col.flatten().to_numpy(zero_copy_only=False)
                kwargs[name] = values.reshape((len(col), *shape))
            else:
                kwargs[name] = col.to_numpy(zero_copy_only=False)
        smeta = table.schema.metadata or {}
        meta = json.loads(smeta.get(b"reelmind.meta", b"{}"))
        return cls(**kwargs, meta=meta)

    def to_parquet(self, path: str | Path) -> Path:
        """Write atomically: a crash never leaves a half-written file under ``path``."""
        import pyarrow.parquet as pq

        from .atomic import atomic_path

        with atomic_path(path) as tmp:
            pq.write_table(self.to_arrow(), tmp)
        return Path(path)

    @classmethod
    def read_parquet(cls: type[T], path: str | Path) -> T:
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except FileNotFoundError:
            raise DataFileError(f"{path}: no such file") from None
        except Exception as exc:  # pyarrow raises ArrowInvalid/OSError on corrupt files
            raise DataFileError(f"{path}: not a readable Parquet file ({exc.__class__.__name__}: {exc})".splitlines()[0]) from None
        return cls.from_arrow(table)

    def to_pandas(self):
        import pandas as pd

        data = {}
        for k, v in self.columns().items():
            data[k] = list(v) if v.ndim > 1 else v
        return pd.DataFrame(data)

    def to_pylist(self) -> list[dict]:
        """Rows as dicts of plain Python values (JSON export at the edge)."""
        cols = self.columns()
        out = []
        for i in range(len(self)):
            row = {}
            for k, v in cols.items():
                x = v[i]
                row[k] = x.tolist() if isinstance(x, np.ndarray) else (list(x) if isinstance(x, tuple) else
                                                                         x.item() if hasattr(x, "item") else x)
            out.append(row)
        return out
