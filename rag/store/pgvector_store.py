"""The database store: PostgreSQL with the pgvector extension, for large corpora and several app processes.

Chosen by ``RAG_STORE_URL`` / ``--store postgresql://user@host/db``. Tables (created by the first
write, in the first schema of the connection's ``search_path``)::

    diplorag_meta       one row: schema version, the build's metadata (model, chunking, dim…),
                        a write counter and timestamps (the hot-reload version)
    diplorag_articles   one row per article: content hash and its record (jsonb)
    diplorag_chunks     chunk text and metadata with its vector; HNSW index (inner product) on the
                        vector, B-tree indexes on doc, language and date
    diplorag_sentences  every sentence (document offsets) with its vector

Every article's update is one transaction (its old rows deleted, its new rows inserted, the version
bumped), so readers never see half an article and a killed ``rag index`` leaves the previous state
of every article searchable; a full rebuild is a single transaction. Readers query the live tables
(no copy in memory): a write by any process is seen by every other on its next query.

This is the only module that imports ``psycopg``.
"""

from __future__ import annotations

import logging
import threading
import zlib
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Iterator, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from psycopg import sql
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from rag.settings import Settings
from rag.store.base import ArticleData, IndexUnavailable, StoreUpdate
from rag.types import ArticleRecord, Chunk, Filters, ScoredSentence, SearchQuery, Sentence, StoreStatus

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
TABLES = ("diplorag_meta", "diplorag_articles", "diplorag_chunks", "diplorag_sentences")
# The columns each table must have: anything else is another program's table (or an older layout).
COLUMNS = {
    "diplorag_meta": {"id", "schema_version", "meta", "version", "updated_at", "built_at"},
    "diplorag_articles": {"doc", "content_hash", "language", "date", "record"},
    "diplorag_chunks": {"chunk_id", "doc", "position", "start_char", "end_char", "text", "title", "date", "source",
                        "language", "url", "embedding"},
    "diplorag_sentences": {"doc", "position", "start_char", "end_char", "text", "embedding"},
}
CHUNK_COLUMNS = ("chunk_id", "doc", "position", "start_char", "end_char", "text", "title", "date", "source",
                 "language", "url")
# The advisory lock key builds take (advisory locks are per database): a fixed name's CRC-32.
BUILD_LOCK_KEY = zlib.crc32(b"diplorag build lock")
# HNSW graph parameters (pgvector's defaults are m=16, ef_construction=64) and the search beam:
# ef_search >= k is needed to get k rows at all; measured by bench/bench_store.py.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
EF_SEARCH = 100
POOL_MAX = 4
CONNECT_TIMEOUT_S = 5


def _schema_sql(dim: int, *, with_vector_index: bool) -> list[sql.Composable]:
    """The DDL of a fresh schema (dim is an int we computed, checked here; nothing else varies)."""
    dim = int(dim)
    if not 0 < dim <= 2000:  # pgvector's HNSW limit for the vector type
        raise IndexUnavailable(f"Cannot store {dim}-dimensional vectors in pgvector (HNSW takes at most 2000).")
    statements = [
        "CREATE EXTENSION IF NOT EXISTS vector",
        """CREATE TABLE diplorag_meta (
            id boolean PRIMARY KEY DEFAULT true CHECK (id),
            schema_version integer NOT NULL,
            meta jsonb,
            version bigint NOT NULL DEFAULT 0,
            updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            built_at timestamptz)""",
        """CREATE TABLE diplorag_articles (
            doc text COLLATE "C" PRIMARY KEY,
            content_hash text NOT NULL,
            language text NOT NULL,
            date text COLLATE "C",
            record jsonb NOT NULL)""",
        f"""CREATE TABLE diplorag_chunks (
            chunk_id text COLLATE "C" PRIMARY KEY,
            doc text COLLATE "C" NOT NULL REFERENCES diplorag_articles (doc) ON DELETE CASCADE,
            position integer NOT NULL,
            start_char integer NOT NULL,
            end_char integer NOT NULL,
            text text NOT NULL,
            title text NOT NULL,
            date text COLLATE "C",
            source text,
            language text NOT NULL,
            url text,
            embedding vector({dim}) NOT NULL)""",
        f"""CREATE TABLE diplorag_sentences (
            doc text COLLATE "C" NOT NULL REFERENCES diplorag_articles (doc) ON DELETE CASCADE,
            position integer NOT NULL,
            start_char integer NOT NULL,
            end_char integer NOT NULL,
            text text NOT NULL,
            embedding vector({dim}) NOT NULL,
            PRIMARY KEY (doc, position))""",
        "CREATE INDEX diplorag_chunks_doc ON diplorag_chunks (doc, position)",
        "CREATE INDEX diplorag_chunks_language ON diplorag_chunks (language)",
        "CREATE INDEX diplorag_chunks_date ON diplorag_chunks (date)",
        "CREATE INDEX diplorag_sentences_span ON diplorag_sentences (doc, start_char)",
    ]
    out = [sql.SQL(s) for s in statements]  # type: ignore[arg-type]
    if with_vector_index:
        out.append(VECTOR_INDEX)
    out.append(sql.SQL("INSERT INTO diplorag_meta (schema_version) VALUES ({})").format(SCHEMA_VERSION))
    return out


VECTOR_INDEX = sql.SQL("CREATE INDEX diplorag_chunks_embedding ON diplorag_chunks USING hnsw "
                       "(embedding vector_ip_ops) WITH (m = {}, ef_construction = {})").format(
    sql.Literal(HNSW_M), sql.Literal(HNSW_EF_CONSTRUCTION))
DROP_TABLES = sql.SQL("DROP TABLE IF EXISTS diplorag_sentences, diplorag_chunks, diplorag_articles, diplorag_meta")


def redact(url: str) -> str:
    """``url`` without its password (in the user part or as a ``password=`` parameter)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        netloc = f"{user.split(':', 1)[0]}@{host}"
    params = parse_qsl(parts.query, keep_blank_values=True)
    query = parts.query
    if any(k == "password" for k, _ in params):
        query = urlencode([(k, v) for k, v in params if k != "password"], safe="/")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _vec(value: Any) -> np.ndarray:
    """A stored vector as a float32 numpy array (pgvector's loader gives a Vector or an array)."""
    if isinstance(value, np.ndarray):
        return value.astype(np.float32, copy=False)
    return np.asarray(value.to_numpy(), dtype=np.float32)


def _chunk(row: Sequence[Any]) -> Chunk:
    return Chunk(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10])


def filter_sql(filters: Filters | None) -> tuple[sql.Composable, dict[str, Any]]:
    """``filters`` as a SQL ``WHERE`` clause over diplorag_chunks, with its parameters (values never in the text).

    Same semantics as :meth:`rag.types.Filters.allows`: with a date bound set, undated chunks are left out.
    """
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if filters is not None:
        if filters.languages:
            clauses.append("language = ANY(%(languages)s)")
            params["languages"] = sorted(filters.languages)
        if filters.docs is not None:
            clauses.append("doc = ANY(%(docs)s)")
            params["docs"] = sorted(filters.docs)
        if filters.date_from or filters.date_to:
            clauses.append("date IS NOT NULL AND date <> ''")
            if filters.date_from:
                clauses.append("date >= %(date_from)s")
                params["date_from"] = filters.date_from
            if filters.date_to:
                clauses.append("date <= %(date_to)s")
                params["date_to"] = filters.date_to
    if not clauses:
        return sql.SQL(""), params
    return sql.SQL("WHERE " + " AND ".join(clauses)), params  # type: ignore[arg-type]


class PgVectorStore:
    """PostgreSQL + pgvector: the same interface as the FAISS store, served from a shared database."""

    backend = "pgvector"

    def __init__(self, url: str, settings: Settings | None = None) -> None:
        self.url = url
        self._pool: ConnectionPool | None = None
        self._lock = threading.Lock()
        self._checked = False  # the table layout was verified (once per store; again after an error)
        self._status: StoreStatus | None = None

    # --- connections and errors ---------------------------------------------------------------

    def location(self) -> str:
        return redact(self.url)

    def _unreachable(self, exc: BaseException) -> IndexUnavailable:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return IndexUnavailable(
            f"Cannot use the PostgreSQL store at {self.location()}: {detail}. Check that the server is running "
            "and reachable, that the database exists (createdb NAME), and the user name and password in the URL "
            "(or ~/.pgpass / PGPASSWORD).")

    def _incompatible(self, reason: str) -> IndexUnavailable:
        return IndexUnavailable(
            f"The PostgreSQL store at {self.location()} is incompatible with this version of DiploRAG ({reason}). "
            f"Rebuild it with `rag index --full --store {self.location()}` (this replaces the diplorag_* tables), "
            "or drop them: DROP TABLE diplorag_sentences, diplorag_chunks, diplorag_articles, diplorag_meta;")

    def _open_pool(self) -> ConnectionPool:
        with self._lock:
            if self._pool is None:
                try:  # one direct attempt first: a clear error now rather than a pool timeout later
                    psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT_S).close()
                except psycopg.Error as exc:
                    raise self._unreachable(exc) from exc
                self._pool = ConnectionPool(self.url, min_size=1, max_size=POOL_MAX, open=True, timeout=30,
                                            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
                                            name="diplorag")
            return self._pool

    @contextmanager
    def _conn(self, check: bool = True) -> Iterator[psycopg.Connection]:
        """A pooled connection with pgvector's types registered; database errors become IndexUnavailable.

        With ``check``, the first use verifies the table layout and schema version (once per store).
        """
        pool = self._open_pool()
        try:
            with pool.connection() as conn:
                if conn.adapters.types.get("vector") is None:
                    self._configure(conn)
                if check and not self._checked:
                    self._state(conn)
                yield conn
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn, psycopg.errors.UndefinedObject,
                psycopg.errors.DatatypeMismatch) as exc:
            self._checked = False
            raise self._explain(exc) from exc
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.FeatureNotSupported) as exc:
            raise IndexUnavailable(
                f"PostgreSQL refused to set up the store at {self.location()}: {str(exc).splitlines()[0]}. The "
                "pgvector extension must be installed on the server (CREATE EXTENSION vector needs a superuser, "
                "or create it once as one), and the role needs CREATE on the database's schema (or create the "
                "diplorag_* tables as their owner).") from exc
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise self._unreachable(exc) from exc

    def _explain(self, exc: psycopg.Error) -> IndexUnavailable:
        """Why a query met missing tables or columns: nothing built yet, or a layout this code cannot read."""
        try:
            with self._open_pool().connection() as conn:
                state, _, reason = self._layout(conn)
        except psycopg.Error:
            state, reason = "incompatible", None
        if state == "absent":
            return self._no_index()
        return self._incompatible(reason or str(exc).splitlines()[0])

    def _no_index(self) -> IndexUnavailable:
        return IndexUnavailable(f"No index in {self.location()}. Build it with `rag index` "
                                f"(`rag index --store {self.location()}`).")

    def _configure(self, conn: psycopg.Connection) -> None:
        """Register pgvector's types on a new connection and set its search parameters for the session
        (so that a search is one round trip); no-op while the extension does not exist."""
        try:
            register_vector(conn)
        except psycopg.ProgrammingError:
            return  # no extension yet: nothing stored (the first write creates it)
        ext = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
        iterative = bool(ext) and tuple(int(p) for p in ext[0].split(".")[:2]) >= (0, 8)
        conn.execute("SELECT set_config('hnsw.ef_search', %s, false)", [str(EF_SEARCH)])
        if iterative:  # pgvector >= 0.8: a filtered HNSW scan goes on until k rows pass the filter
            conn.execute("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', false)")

    def close(self) -> None:
        """Close the connection pool (the store reopens it when used again)."""
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    # --- the schema -----------------------------------------------------------------------------

    def _layout(self, conn: psycopg.Connection) -> tuple[str, int | None, str | None]:
        """("absent" | "ok" | "incompatible", the vector dimension, why incompatible)."""
        rows = conn.execute(
            "SELECT t.name, a.attname, a.atttypmod FROM unnest(%s::text[]) AS t(name) "
            "LEFT JOIN pg_attribute a ON a.attrelid = to_regclass(t.name) AND a.attnum > 0 AND NOT a.attisdropped",
            [list(TABLES)]).fetchall()
        found: dict[str, set[str]] = {t: set() for t in TABLES}
        dim = None
        for table, column, typmod in rows:
            if column is not None:
                found[table].add(column)
                if table == "diplorag_chunks" and column == "embedding":
                    dim = int(typmod)
        missing = [t for t in TABLES if not found[t]]
        if len(missing) == len(TABLES):
            return "absent", None, None
        if missing:
            return "incompatible", dim, f"table{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing"
        for table in TABLES:
            if found[table] != COLUMNS[table]:
                return "incompatible", dim, (f"table {table} has columns {sorted(found[table])}, "
                                             f"expected {sorted(COLUMNS[table])}")
        row = conn.execute("SELECT schema_version FROM diplorag_meta").fetchone()
        if row is None:
            return "incompatible", dim, "diplorag_meta has no row"
        if row[0] != SCHEMA_VERSION:
            return "incompatible", dim, f"schema version {row[0]}, this code reads schema version {SCHEMA_VERSION}"
        return "ok", dim, None

    def _state(self, conn: psycopg.Connection) -> tuple[int, datetime, datetime | None, dict | None] | None:
        """(write counter, updated_at, built_at, meta) of a usable store, None when nothing is stored.

        The layout is checked once; after that only the schema version is re-read (one small row).
        """
        if not self._checked:
            state, _, reason = self._layout(conn)
            if state == "absent":
                return None
            if state == "incompatible":
                raise self._incompatible(reason or "unknown layout")
            self._checked = True
        row = conn.execute("SELECT schema_version, version, updated_at, built_at, meta FROM diplorag_meta").fetchone()
        if row is None:
            self._checked = False
            raise self._incompatible("diplorag_meta has no row")
        if row[0] != SCHEMA_VERSION:
            self._checked = False
            raise self._incompatible(f"schema version {row[0]}, this code reads schema version {SCHEMA_VERSION}")
        return None if row[1] == 0 else (row[1], row[2], row[3], row[4])

    def _require(self, conn: psycopg.Connection) -> None:
        if self._state(conn) is None:
            raise self._no_index()

    # --- reading ------------------------------------------------------------------------------

    def version(self) -> str | None:
        with self._conn() as conn:
            state = self._state(conn)
        if state is None:
            return None
        return f"pg-{state[0]}-{state[1].astimezone(timezone.utc):%Y%m%dT%H%M%S%f}"

    def meta(self) -> dict | None:
        with self._conn() as conn:
            state = self._state(conn)
        if state is None:
            return None
        built = state[2].astimezone(timezone.utc).isoformat(timespec="seconds") if state[2] else None
        return {**(state[3] or {}), "schema_version": SCHEMA_VERSION, "built_at": built}

    def articles(self) -> dict[str, ArticleRecord]:
        with self._conn() as conn:
            if self._state(conn) is None:
                return {}
            rows = conn.execute("SELECT doc, record FROM diplorag_articles ORDER BY doc").fetchall()
        return {doc: ArticleRecord.from_dict(doc, record) for doc, record in rows}

    def search(self, query: SearchQuery) -> list[tuple[float, Chunk]]:
        if query.k <= 0:
            with self._conn() as conn:
                self._require(conn)
            return []
        vector = np.asarray(query.vector, dtype=np.float32).reshape(-1)
        filters = query.filters if query.filters and query.filters.active else None
        where, params = filter_sql(filters)
        params.update(q=vector, k=int(query.k))
        # Materialised then re-sorted: with iterative scans the index may return rows slightly out of order.
        text = sql.SQL("WITH hits AS MATERIALIZED (SELECT {cols}, embedding <#> %(q)b AS distance "
                       "FROM diplorag_chunks {where} ORDER BY embedding <#> %(q)b LIMIT %(k)s) "
                       "SELECT * FROM hits ORDER BY distance").format(
            cols=sql.SQL(", ").join(map(sql.Identifier, CHUNK_COLUMNS)), where=where)
        with self._conn() as conn:
            if conn.adapters.types.get("vector") is None:
                self._require(conn)  # no pgvector extension in this database: nothing was ever built here
            if query.k <= EF_SEARCH:  # the session's beam is wide enough: one round trip
                rows = conn.execute(text, params).fetchall()
            else:
                with conn.transaction():
                    conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(min(1000, query.k))])
                    rows = conn.execute(text, params).fetchall()
            if len(rows) < query.k:
                # The graph gave fewer rows than asked (a selective filter, or k beyond its beam): an exact
                # scan says whether more exist. Without index scans the planner cannot use HNSW.
                if not rows:
                    self._require(conn)
                with conn.transaction():
                    conn.execute("SELECT set_config('enable_indexscan', 'off', true)")
                    rows = conn.execute(text, params).fetchall()
        return [(-float(row[-1]), _chunk(row)) for row in rows]

    def sentences(self, chunk_ids: Sequence[str], vector: Any | None) -> dict[str, list[ScoredSentence]]:
        ids = list(dict.fromkeys(chunk_ids))
        with self._conn() as conn:
            rows = conn.cursor(binary=True).execute(
                "SELECT c.chunk_id, s.doc, s.start_char, s.end_char, s.text, s.embedding FROM diplorag_chunks c "
                "LEFT JOIN diplorag_sentences s ON s.doc = c.doc AND s.start_char >= c.start_char "
                "AND s.end_char <= c.end_char WHERE c.chunk_id = ANY(%s) ORDER BY c.chunk_id, s.position",
                [ids]).fetchall()
            if not rows:
                self._require(conn)  # say so when there is no index at all
        q = None if vector is None else np.asarray(vector, dtype=np.float32).reshape(-1)
        found: dict[str, list[tuple[Sentence, np.ndarray]]] = {}
        for chunk_id, doc, start, end, text, embedding in rows:
            mine = found.setdefault(chunk_id, [])
            if doc is not None:
                mine.append((Sentence(doc, start, end, text), _vec(embedding)))
        out: dict[str, list[ScoredSentence]] = {}
        for chunk_id in ids:  # in the order asked, like the FAISS store
            if chunk_id not in found:
                continue
            pairs = found[chunk_id]
            vecs = np.stack([v for _, v in pairs]) if pairs else np.zeros((0, 0), np.float32)
            sims = vecs @ q if q is not None and pairs else np.zeros(len(pairs), np.float32)
            out[chunk_id] = [ScoredSentence(s, chunk_id, float(sim), v) for (s, v), sim in zip(pairs, sims)]
        return out

    def chunk_vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        ids = list(dict.fromkeys(chunk_ids))
        with self._conn() as conn:
            rows = conn.cursor(binary=True).execute(
                "SELECT chunk_id, embedding FROM diplorag_chunks WHERE chunk_id = ANY(%s)", [ids]).fetchall()
            if not rows:
                self._require(conn)
        found = {chunk_id: _vec(v) for chunk_id, v in rows}
        return {c: found[c] for c in ids if c in found}

    def article_sentences(self, doc: str) -> list[ScoredSentence]:
        with self._conn() as conn:
            rows = conn.cursor(binary=True).execute(
                "SELECT doc, start_char, end_char, text, embedding FROM diplorag_sentences WHERE doc = %s "
                "ORDER BY position", [doc]).fetchall()
            if not rows:
                self._require(conn)
        return [ScoredSentence(Sentence(d, s, e, t), "", 0.0, _vec(v)) for d, s, e, t, v in rows]

    def chunks(self) -> Iterator[Chunk]:
        with self._conn() as conn:
            if self._state(conn) is None:
                return iter(())
            cols = sql.SQL(", ").join(map(sql.Identifier, CHUNK_COLUMNS))
            rows = conn.execute(sql.SQL("SELECT {} FROM diplorag_chunks ORDER BY doc, position").format(cols))
            return iter([_chunk(row) for row in rows.fetchall()])

    def status(self) -> StoreStatus:
        """Counts, model and build time; computed once per version (the app shows it after every answer)."""
        with self._conn() as conn:
            state = self._state(conn)
            if state is None:
                return StoreStatus(self.backend, self.location(), 0, 0, 0, None, None, None)
            version = f"pg-{state[0]}-{state[1].astimezone(timezone.utc):%Y%m%dT%H%M%S%f}"
            cached = self._status
            if cached is not None and cached.version == version:
                return cached
            with conn.transaction():  # one snapshot for every count
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                counts = conn.execute(
                    "SELECT (SELECT count(*) FROM diplorag_articles), (SELECT count(*) FROM diplorag_chunks), "
                    "(SELECT count(*) FROM diplorag_sentences), "
                    "(SELECT count(*) FROM diplorag_articles WHERE date IS NULL OR date = '')").fetchone()
                languages = dict(conn.execute(
                    "SELECT language, count(*) FROM diplorag_articles GROUP BY language ORDER BY language").fetchall())
        meta = state[3] or {}
        built = state[2].astimezone(timezone.utc).isoformat(timespec="seconds") if state[2] else None
        status = StoreStatus(self.backend, self.location(), counts[0], counts[1], counts[2], version, built,
                             (meta.get("model") or {}).get("name"), languages, counts[3])
        self._status = status
        return status

    # --- writing ------------------------------------------------------------------------------

    @contextmanager
    def build_lock(self) -> Iterator[None]:
        """A session-level advisory lock on a connection of its own (released if the build is killed)."""
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as exc:
            raise self._unreachable(exc) from exc
        try:
            if not conn.execute("SELECT pg_try_advisory_lock(%s)", [BUILD_LOCK_KEY]).fetchone()[0]:
                log.info("Another build of %s is running; waiting for it to finish", self.location())
                conn.execute("SELECT pg_advisory_lock(%s)", [BUILD_LOCK_KEY])
            yield
        finally:
            conn.close()  # ends the session, which releases the lock

    def write(self, update: StoreUpdate) -> str:
        """Apply ``update``: a full rebuild in one transaction, otherwise one transaction per article."""
        try:
            return self._write(update)
        except BaseException:
            if self._pool is not None:  # a rolled-back CREATE EXTENSION leaves stale type registrations
                self._pool.drain()
            raise

    def _write(self, update: StoreUpdate) -> str:
        with self._conn(check=False) as conn:
            layout, table_dim, reason = self._layout(conn)
            dim = int(update.meta.get("dim") or table_dim or 768)
            meta = Jsonb({**update.meta, "dim": dim})
            if update.replace_all:
                fresh = layout != "ok" or table_dim != dim
                with conn.transaction():
                    if fresh:
                        if layout == "incompatible":
                            log.warning("Replacing the diplorag_* tables in %s: %s", self.location(), reason)
                        conn.execute(DROP_TABLES)
                        for statement in _schema_sql(dim, with_vector_index=False):
                            conn.execute(statement)
                        register_vector(conn)
                    else:
                        conn.execute("DELETE FROM diplorag_articles")  # cascades; readers keep the old rows until commit
                    for data in update.upserts:
                        self._insert(conn, data, dim)
                    if fresh:  # building the graph once over all rows is much faster than row by row
                        conn.execute("SELECT set_config('maintenance_work_mem', %s, true)", ["1GB"])
                        conn.execute(VECTOR_INDEX)
                    self._bump(conn, meta, built=True)
                    conn.execute("ANALYZE diplorag_articles, diplorag_chunks, diplorag_sentences")  # plans for the new sizes
                self._checked = False
                if fresh and self._pool is not None:
                    self._pool.drain()  # pooled connections registered no vector type before the extension existed
            else:
                if layout == "incompatible":
                    raise self._incompatible(reason or "unknown layout")
                if layout == "absent":
                    with conn.transaction():
                        for statement in _schema_sql(dim, with_vector_index=True):
                            conn.execute(statement)
                    register_vector(conn)
                    self._checked = False
                    if self._pool is not None:
                        self._pool.drain()
                elif table_dim != dim:
                    raise self._incompatible(f"the tables hold {table_dim}-dimensional vectors, this build makes {dim}")
                for data in update.upserts:
                    with conn.transaction():
                        conn.execute("DELETE FROM diplorag_articles WHERE doc = %s", [data.record.doc])
                        self._insert(conn, data, dim)
                        self._bump(conn, meta, built=False)
                    if update.on_article:
                        update.on_article(data.record.doc)
                with conn.transaction():
                    if update.removals:
                        conn.execute("DELETE FROM diplorag_articles WHERE doc = ANY(%s)", [list(update.removals)])
                    self._bump(conn, meta, built=True)
            if update.replace_all and update.on_article:
                for data in update.upserts:
                    update.on_article(data.record.doc)
            state = self._state(conn)
        assert state is not None
        return f"pg-{state[0]}-{state[1].astimezone(timezone.utc):%Y%m%dT%H%M%S%f}"

    @staticmethod
    def _bump(conn: psycopg.Connection, meta: Jsonb, *, built: bool) -> None:
        """Record the build's metadata and bump the version (inside the caller's transaction)."""
        conn.execute("UPDATE diplorag_meta SET meta = %s, version = version + 1, updated_at = clock_timestamp()"
                     + (", built_at = clock_timestamp()" if built else ""), [meta])

    @staticmethod
    def _insert(conn: psycopg.Connection, data: ArticleData, dim: int) -> None:
        """One article's rows (inside the caller's transaction), vectors streamed with binary COPY."""
        record = data.record
        conn.execute("INSERT INTO diplorag_articles (doc, content_hash, language, date, record) "
                     "VALUES (%s, %s, %s, %s, %s)",
                     [record.doc, record.content_hash, record.language, record.date, Jsonb(record.to_dict())])
        chunk_vecs = np.asarray(data.chunk_vectors, np.float32).reshape(len(data.chunks), dim)
        sentence_vecs = np.asarray(data.sentence_vectors, np.float32).reshape(len(data.sentences), dim)
        with conn.cursor() as cur:
            with cur.copy("COPY diplorag_chunks (chunk_id, doc, position, start_char, end_char, text, title, date, "
                          "source, language, url, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(["text", "text", "int4", "int4", "int4", "text", "text", "text", "text", "text",
                                "text", "vector"])
                for c, v in zip(data.chunks, chunk_vecs):
                    copy.write_row((c.chunk_id, c.doc, c.position, c.start, c.end, c.text, c.title, c.date, c.source,
                                    c.language, c.url, v))
            with cur.copy("COPY diplorag_sentences (doc, position, start_char, end_char, text, embedding) "
                          "FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(["text", "int4", "int4", "int4", "text", "vector"])
                for i, (s, v) in enumerate(zip(data.sentences, sentence_vecs)):
                    copy.write_row((s.doc, i, s.start, s.end, s.text, v))
