"""``Prepared``: the pay path's statements run on the driver, on both databases.

They must read and write as the same Core statement would, stay in the
connection's transaction, and fail as SQLAlchemy's errors do (values hidden),
so the gateway answers them as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, select, update
from sqlalchemy.exc import IntegrityError

from backend_stub.storage.db import Database
from backend_stub.storage.prepared import Prepared
from tests.harness import PostgresServer

_metadata = MetaData()
_items = Table(
    "items",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20), nullable=False, unique=True),
    Column("stock", Integer, nullable=False),
)
_ADD = Prepared(_items.insert().returning(_items.c.id, _items.c.stock))
_TAKE = Prepared(
    update(_items)
    .where(_items.c.name == bindparam("b_name"), _items.c.stock >= bindparam("b_count"))
    .values(stock=_items.c.stock - bindparam("b_count"))
    .returning(_items.c.stock.label("left"), _items.c.name)
)
_COUNT_OVER = Prepared(select(_items.c.name).where(_items.c.stock > 5).order_by(_items.c.id))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'prepared.db'}"
    else:
        postgres: PostgresServer = request.getfixturevalue("postgres")
        url = postgres.create_database(f"prepared_{tmp_path.name[-12:].lower()}")
    db = Database(url)
    _metadata.create_all(db.engine)
    try:
        yield db
    finally:
        db.dispose()


def test_rows_read_by_name_and_position_as_core_would_give_them(database: Database) -> None:
    with database.write() as conn:
        added = _ADD.execute(conn, {"name": "tea", "stock": 7}).one()
        _ADD.execute(conn, {"name": "rice", "stock": 3})
        taken = _TAKE.execute(conn, {"b_name": "tea", "b_count": 2}).one()
        over = _COUNT_OVER.execute(conn, {})  # the literal 5 is the statement's own
    assert added.stock == 7 and added[0] == added.id
    assert (taken.left, taken.name) == (5, "tea")
    assert over == []
    with database.read() as conn:
        core = conn.execute(select(_items.c.name, _items.c.stock).order_by(_items.c.id)).all()
    assert [tuple(r) for r in core] == [("tea", 5), ("rice", 3)]


def test_an_insert_sets_the_columns_its_parameters_name(database: Database) -> None:
    with database.write() as conn:
        _ADD.execute(conn, {"name": "salt", "stock": 1})
        _ADD.execute(conn, {"id": 40, "name": "oil", "stock": 2})
        ids = [r.id for r in conn.execute(select(_items.c.id).order_by(_items.c.id))]
    assert ids[-1] == 40 and len(ids) == 2


def test_no_row_when_the_condition_fails_and_nothing_changes(database: Database) -> None:
    with database.write() as conn:
        _ADD.execute(conn, {"name": "tea", "stock": 1})
        assert _TAKE.execute(conn, {"b_name": "tea", "b_count": 2}).first() is None
        assert _TAKE.execute(conn, {"b_name": "tea", "b_count": 2}).scalar() is None
        assert conn.execute(select(_items.c.stock)).scalar_one() == 1


def test_a_driver_error_is_sqlalchemys_with_the_values_hidden_and_rolls_back(
    database: Database,
) -> None:
    with database.write() as conn:
        _ADD.execute(conn, {"name": "tea", "stock": 1})
    with pytest.raises(IntegrityError) as raised, database.write() as conn:
        _ADD.execute(conn, {"name": "coffee", "stock": 4})
        _ADD.execute(conn, {"name": "tea", "stock": 99})
    assert "99" not in str(raised.value) and "coffee" not in str(raised.value)
    with database.read() as conn:
        names = conn.execute(select(_items.c.name)).scalars().all()
    assert names == ["tea"]  # the whole transaction was undone, the coffee with it


def test_a_statement_that_needs_sqlalchemy_at_each_execution_is_refused(
    database: Database,
) -> None:
    expanding = Prepared(select(_items.c.id).where(_items.c.name.in_(bindparam("b_names"))))
    with database.write() as conn, pytest.raises(TypeError, match=r"conn\.execute"):
        expanding.execute(conn, {"b_names": ["tea"]})


def test_outside_a_transaction_it_refuses_rather_than_commit_on_its_own(
    database: Database,
) -> None:
    with database.engine.connect() as conn, pytest.raises(RuntimeError, match="transaction"):
        _ADD.execute(conn, {"name": "tea", "stock": 1})
    with database.read() as conn:
        assert conn.execute(select(_items.c.id)).all() == []
