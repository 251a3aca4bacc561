#ifndef PLATFLOW_SQLITE_SETUP_H
#define PLATFLOW_SQLITE_SETUP_H

/// Process-wide SQLite settings that must be made before the first connection opens (sqlite3_config is a C
/// variadic function, which Swift cannot call). Returns SQLite's result code; calling it again is harmless.
int platflow_sqlite_setup(void);

/// Leaves the WAL in place when this connection, the last on its file, closes, instead of copying it into the
/// database and deleting it (sqlite3_db_config is variadic too). Returns SQLite's result code.
/// `db` is the connection's `sqlite3 *` (untyped here so this header need not include sqlite3.h).
int platflow_sqlite_keep_wal_on_close(void *db);

#endif
