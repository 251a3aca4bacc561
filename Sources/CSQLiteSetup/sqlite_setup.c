#include <sqlite3.h>
#include "sqlite_setup.h"

int platflow_sqlite_setup(void) {
    // Memory statistics take a global mutex on every allocation SQLite makes; platflow never reads them, and
    // a bulk import makes millions of allocations.
    int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    // A statement that may fail halfway inside a transaction (a multi-row INSERT) saves the pages it changes
    // to a statement journal, kept in memory only up to 64 KiB by default and then moved to a temporary file.
    // The bulk inserts of an import change a little more than that each, so every one of them created,
    // extended and truncated a file: 28,000 writes for 100,000 hosts. One statement's pages fit in 4 MiB.
    if (rc == SQLITE_OK) rc = sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 4 << 20);
    // SQLITE_MISUSE: SQLite was already initialised (another library opened a database first); the
    // settings are optimisations only, so that is fine.
    return rc == SQLITE_MISUSE ? SQLITE_OK : rc;
}

int platflow_sqlite_keep_wal_on_close(void *db) {
    return sqlite3_db_config((sqlite3 *)db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
}
