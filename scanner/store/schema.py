"""The CREATE statements of a new database's tables, written as sqlite-utils writes them.

A scan of a new database creates its tables with these plain statements, so that it does not import
sqlite-utils (0.15 s) for them; the text stored in sqlite_master is the same as sqlite-utils' own
(tests/store/test_schema.py compares the two), so sqlite-utils reads and upgrades such a file as if
it had made it.
"""

from __future__ import annotations

_TYPES = {int: "INTEGER", str: "TEXT", bytes: "BLOB", float: "REAL"}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_table(name: str, columns: dict[str, type], pk: str = "id",
                 foreign_keys: list[tuple[str, str, str]] = ()) -> str:
    """sqlite-utils' `db[name].create(columns, pk=pk, foreign_keys=foreign_keys)`: the primary key first."""
    refs = {column: (table, other) for column, table, other in foreign_keys}
    lines = []
    for column in [pk] + [c for c in columns if c != pk]:
        line = f"   {_quote(column)} {_TYPES[columns[column]]}"
        if column == pk:
            line += " PRIMARY KEY"
        elif column in refs:
            table, other = refs[column]
            line += f" REFERENCES {_quote(table)}({_quote(other)})"
        lines.append(line)
    return f"CREATE TABLE {_quote(name)} (\n" + ",\n".join(lines) + "\n)"


def create_index(table: str, columns: list[str]) -> str:
    """sqlite-utils' `db[table].create_index(columns)`, named as it names it."""
    name = f"idx_{table.replace(' ', '_')}_{'_'.join(columns)}"
    return f"CREATE INDEX {_quote(name)}\n    ON {_quote(table)} ({', '.join(map(_quote, columns))})"


def create(conn, name: str, columns: dict[str, type], pk: str = "id",
           foreign_keys: list[tuple[str, str, str]] = (), indexes: list[list[str]] = ()) -> None:
    """Create table `name` and its indexes on the sqlite3 connection `conn`."""
    conn.execute(create_table(name, columns, pk, foreign_keys))
    for index in indexes:
        conn.execute(create_index(name, index))
