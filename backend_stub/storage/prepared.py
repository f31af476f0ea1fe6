"""The pay path's statements, compiled once and run on the driver's cursor.

Why it exists, on the evidence (2026-11-24, SQLite, in-process, 3 x 2000 pays):
SQLite runs each of the pay's seven statements in 12-48 us, and SQLAlchemy's
work around an execution (cache key, parameters, result set-up) cost about
twice that. Compiling once and handing SQL and values to the driver took a
pay from 1,150-1,230 us to 990-1,110 us and the PostgreSQL pay/echo ratio
from about 2.0 to 1.65; SQLAlchemy's own ``exec_driver_sql`` measured no
better than Core (its execution context is the cost, not the compile
cache). So it stays, for the pay path, ``ledger.post`` and the two
statements every signed request runs (its rate count and its nonce, since
2026-12-04: on a server paying at 32 terminals they were a quarter of the
time a request held SQLite's one writer); everything else goes through
Core, where a statement's fixed cost does not matter.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = ["Prepared", "Record", "Rows"]


# A row read by column name or position: SQLAlchemy's ``Row``, or the named tuple of a
# :class:`Prepared` statement.
Record = Any


class Prepared:
    """A Core statement compiled once per database and set of parameter names, run on the driver.

    For the pay path, whose statements SQLite runs in less time than
    SQLAlchemy takes to execute them (cache key, parameters, result
    processing: 15-50 us a statement here). A ``Prepared`` is written, and
    checked, as Core; the first execution compiles it, and each one hands
    the SQL and values to the driver's cursor on the connection's own
    transaction. Driver errors are wrapped as SQLAlchemy's (parameters
    hidden), so callers handle them as any other. Rows are named tuples
    with the statement's column names.

    What it gives up is type conversion, so it is for statements of integers
    and strings (a boolean column reads as 0 or 1 on SQLite), without
    expanding ``IN`` lists or Python-side column defaults; those are refused
    when compiled. As with Core, an INSERT or UPDATE without ``values()``
    sets the columns named in the parameters.
    """

    def __init__(self, statement: Any) -> None:
        self.statement = statement  # a Core statement (Select, Insert, Update...)
        self._forms: dict[tuple[str, frozenset[str]], _Form] = {}

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> Rows:
        if not conn.in_transaction():  # the driver would run it on its own, committed at once
            raise RuntimeError("run a Prepared statement in a transaction: Database.write or read")
        key = (conn.dialect.name, frozenset(params))
        form = self._forms.get(key)
        if form is None:
            form = self._forms[key] = _Form.of(self.statement, conn.dialect, key[1])
        driver = conn.connection.driver_connection
        assert driver is not None
        dbapi_error = conn.dialect.loaded_dbapi.Error
        try:
            cursor = driver.execute(form.sql, form.arguments(params))
            row_type = form.row_type(cursor)
            rows = [] if row_type is None else cursor.fetchall()
        except dbapi_error as exc:
            raise DBAPIError.instance(
                form.sql, None, exc, dbapi_error, hide_parameters=True, dialect=conn.dialect
            ) from exc
        return Rows(map(row_type._make, rows)) if rows else Rows()


class Rows(list[Any]):
    """A :class:`Prepared` statement's rows, read like a Core result's."""

    def first(self) -> Any:
        return self[0] if self else None

    def one(self) -> Any:
        if len(self) != 1:
            raise LookupError(f"expected one row, got {len(self)}")
        return self[0]

    def scalar(self) -> Any:
        return self[0][0] if self else None


@dataclass
class _Form:
    sql: str
    names: tuple[str, ...]  # in the driver's order when ``positional``
    positional: bool
    fixed: dict[str, Any]  # values the statement itself carries (literals)
    _row_type: Any = None

    @classmethod
    def of(cls, statement: Any, dialect: Dialect, names: frozenset[str]) -> _Form:
        compiled = statement.compile(dialect=dialect, column_keys=sorted(names))
        assert isinstance(compiled, SQLCompiler)
        unfit = (
            compiled.post_compile_params
            or compiled.insert_prefetch
            or compiled.update_prefetch
            or compiled._bind_processors
        )
        if unfit:
            raise TypeError("this statement needs SQLAlchemy at each execution: use conn.execute")
        fixed = {n: b.effective_value for b, n in compiled.bind_names.items() if not b.required}
        if compiled.positional:
            return cls(compiled.string, tuple(compiled.positiontup or ()), True, fixed)
        return cls(compiled.string, tuple(set(compiled.bind_names.values())), False, fixed)

    def arguments(self, params: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        values = {**self.fixed, **params}
        if self.positional:
            return tuple(values[name] for name in self.names)
        return {name: values[name] for name in self.names}

    def row_type(self, cursor: Any) -> Any:
        """The named tuple of the rows, from the first cursor; None for a statement without rows.

        (Read once: psycopg builds a cursor's ``description`` anew at each look.)
        """
        if self._row_type is None:
            description = cursor.description
            if description is None:
                return None
            names = [column[0] for column in description]  # an expression's: _0, _1... by place
            self._row_type = namedtuple("Row", names, rename=True)  # type: ignore[misc]
        return self._row_type
