"""Full-text search over segmented words (`segment.index_words`) on both databases: the
condition of rows holding the words (all with AND, any with OR) and their order of
relevance — SQLite's FTS5 `MATCH` ranked by `bm25` (a weight per column), PostgreSQL's
`@@` over a weighted `tsvector` expression ranked by `ts_rank`. Used by every domain that
searches words (the knowledge base, the document library)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, column, func, literal_column, select, table, text
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
    pg_title_vector: str | None = None  # the first column's words alone (an indexed
    # expression), for `part="title"`/`"rest"`


ALL, TITLE, REST = "all", "title", "rest"  # which rows `matching` keeps: the words anywhere,
# in the first column (the title), or anywhere but not all in the title


def fts5_match(words: list[str], joiner: str) -> str:
    """An FTS5 MATCH expression of the words, each quoted as a phrase."""
    return f" {joiner} ".join('"' + w.replace('"', '""') + '"' for w in words)


def tsquery_text(words: list[str], joiner: str) -> str:
    return (" & " if joiner == "AND" else " | ").join(words)


def matching(session: Session, index: Index, query: Select[Any], id_column: Any,
             words: list[str], joiner: str, part: str = ALL) -> tuple[Select[Any], Any]:
    """`query` narrowed to the rows holding the words (`joiner` AND or OR) — anywhere, in
    the title alone, or anywhere but not in the title (`part`) —, and the order of
    relevance, in this database's full-text search. On SQLite the FTS5 table is joined
    once (its MATCH and `bm25` in the same query: no score looked up per row)."""
    narrowed, score, ascending = scored(session, index, query, id_column, words, joiner,
                                        part)
    return narrowed, score.asc() if ascending else score.desc()


def scored(session: Session, index: Index, query: Select[Any], id_column: Any,
           words: list[str], joiner: str, part: str = ALL
           ) -> tuple[Select[Any], Any, bool]:
    """As `matching`, the score unordered and whether lower is better (SQLite's `bm25`)."""
    if session.get_bind().dialect.name == "sqlite":
        fts = table(index.fts_table, column("rowid"))
        weights = ", ".join(str(w) for w in index.fts_weights)
        narrowed = (query.join(fts, fts.c.rowid == id_column)
                    .where(text(f"{index.fts_table} MATCH :match")
                           .bindparams(match=_fts5_part(index, words, joiner, part))))
        return narrowed, literal_column(f"bm25({index.fts_table}, {weights})"), True
    tsquery = func.to_tsquery("simple", tsquery_text(words, joiner))
    vector: Any = literal_column(f"({index.pg_vector})")
    title: Any = literal_column(f"({index.pg_title_vector or index.pg_vector})")
    where = {ALL: [vector.op("@@")(tsquery)], TITLE: [title.op("@@")(tsquery)],
             REST: [vector.op("@@")(tsquery), ~title.op("@@")(tsquery)]}[part]
    if index.pg_join is None:
        return query.where(*where), func.ts_rank(vector, tsquery), False
    # The matches read by the GIN index first (`OFFSET 0`: a fence the planner keeps),
    # not each row's vector read in the key's order until enough pass (a LIMIT's pull)
    # and each row's (TOASTed) vector read only for the score of the rows a query keeps
    table_, key = index.pg_join
    matched = select(key.label("matched_id")).where(*where).offset(0).subquery()
    narrowed = (query.join(matched, matched.c.matched_id == id_column)
                .join(table_, key == id_column))
    return narrowed, func.ts_rank(vector, tsquery), False


def _pg_narrow(index: Index, query: Select[Any], id_column: Any, words: list[str],
               joiner: str) -> Select[Any]:
    """PostgreSQL: `query` joined to the vectors' table and kept to the matches, for its
    planner to combine the GIN index with the query's own (a bitmap AND)."""
    tsquery = func.to_tsquery("simple", tsquery_text(words, joiner))
    vector: Any = literal_column(f"({index.pg_vector})")
    if index.pg_join is not None:
        query = query.join(index.pg_join[0], index.pg_join[1] == id_column)
    return query.where(vector.op("@@")(tsquery))


def narrowed_first(session: Session, index: Index, query: Select[Any], id_column: Any,
                   words: list[str], joiner: str) -> Select[Any]:
    """`query`, already narrow (an indexed filter), kept to the rows holding the words
    without reading the words' matches first: on SQLite its rows are read by their own
    index and each looked up among the FTS5 table's matches (`id + 0`: not the other way
    round, a lookup of each of thousands of matches); PostgreSQL's planner chooses."""
    if session.get_bind().dialect.name != "sqlite":
        return _pg_narrow(index, query, id_column, words, joiner)
    matches: Select[Any] = select(literal_column("rowid")).select_from(
        table(index.fts_table)).where(text(f"{index.fts_table} MATCH :first").bindparams(
            first=fts5_match(words, joiner)))
    return query.where((id_column + 0).in_(matches))


def _fts5_part(index: Index, words: list[str], joiner: str, part: str) -> str:
    """The FTS5 MATCH of the words anywhere, in the first column, or anywhere but not in
    the first column. The first column's (ANDed with the words anywhere, which match the
    same rows) is ranked by `bm25` over every column, as the others."""
    found = fts5_match(words, joiner)
    if part == ALL:
        return found
    title = f"{{{index.fts_columns[0]}}} : ({found})"
    return f"({title}) AND ({found})" if part == TITLE else f"({found}) NOT ({title})"


def custom_plans(session: Session) -> None:
    """PostgreSQL: this transaction's statements planned for their values each time. A
    statement run often is prepared (psycopg, from its fifth run), and PostgreSQL may then
    keep a generic plan, blind to the words' and the dates' selectivity: measured 30 s
    instead of 0.2 s for a search by words, a category and a status."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


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
