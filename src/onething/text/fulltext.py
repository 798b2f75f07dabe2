"""Full-text search over segmented words (`segment.index_words`) on both databases: the
condition of rows holding the words (all with AND, any with OR) and their order of
relevance — SQLite's FTS5 `MATCH` ranked by `bm25` (a weight per column), PostgreSQL's
`@@` over a weighted `tsvector` expression ranked by `ts_rank`. Used by every domain that
searches words (the knowledge base, the document library)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, column, func, literal_column, table, text
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Index:
    """Where a table's words are: its FTS5 table on SQLite (rowid = the row's id, one
    weight per column) and its weighted tsvector expression on PostgreSQL."""

    fts_table: str
    fts_columns: tuple[str, ...]
    fts_weights: tuple[float, ...]
    pg_vector: str
    pg_join: tuple[Any, Any] | None = None  # (table, its key) holding the vector's columns


def fts5_match(words: list[str], joiner: str) -> str:
    """An FTS5 MATCH expression of the words, each quoted as a phrase."""
    return f" {joiner} ".join('"' + w.replace('"', '""') + '"' for w in words)


def tsquery_text(words: list[str], joiner: str) -> str:
    return (" & " if joiner == "AND" else " | ").join(words)


def matching(session: Session, index: Index, query: Select[Any], id_column: Any,
             words: list[str], joiner: str) -> tuple[Select[Any], Any]:
    """`query` narrowed to the rows holding the words (`joiner` AND or OR), and the order
    of relevance, in this database's full-text search. On SQLite the FTS5 table is joined
    once (its MATCH and `bm25` in the same query: no score looked up per row)."""
    if session.get_bind().dialect.name == "sqlite":
        fts = table(index.fts_table, column("rowid"))
        weights = ", ".join(str(w) for w in index.fts_weights)
        narrowed = (query.join(fts, fts.c.rowid == id_column)
                    .where(text(f"{index.fts_table} MATCH :match")
                           .bindparams(match=fts5_match(words, joiner))))
        return narrowed, literal_column(f"bm25({index.fts_table}, {weights})").asc()
    tsquery = func.to_tsquery("simple", tsquery_text(words, joiner))
    vector: Any = literal_column(f"({index.pg_vector})")
    if index.pg_join is not None:
        query = query.join(index.pg_join[0], index.pg_join[1] == id_column)
    return query.where(vector.op("@@")(tsquery)), func.ts_rank(vector, tsquery).desc()


def reindex(session: Session, index: Index, row_id: int, values: tuple[str, ...]) -> None:
    """SQLite: a row's words (one value per FTS5 column, in order) into its FTS5 table;
    PostgreSQL indexes the columns itself."""
    if session.get_bind().dialect.name != "sqlite":
        return
    session.execute(text(f"DELETE FROM {index.fts_table} WHERE rowid = :id"), {"id": row_id})
    names = ", ".join(index.fts_columns)
    marks = ", ".join(f":c{n}" for n in range(len(values)))
    session.execute(text(f"INSERT INTO {index.fts_table} (rowid, {names}) "
                         f"VALUES (:id, {marks})"),
                    {"id": row_id, **{f"c{n}": value for n, value in enumerate(values)}})
