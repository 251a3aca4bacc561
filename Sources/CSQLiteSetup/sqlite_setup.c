#include <sqlite3.h>
#include "sqlite_setup.h"

int platflow_sqlite_setup(void) {
    // Memory statistics take a global mutex on every allocation SQLite makes; platflow never reads them, and
    // a bulk import makes millions of allocations.
    int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    // SQLITE_MISUSE: SQLite was already initialised (another library opened a database first); the
    // setting is an optimisation only, so that is fine.
    return rc == SQLITE_MISUSE ? SQLITE_OK : rc;
}
