#ifndef PLATFLOW_SQLITE_SETUP_H
#define PLATFLOW_SQLITE_SETUP_H

/// Process-wide SQLite settings that must be made before the first connection opens (sqlite3_config is a C
/// variadic function, which Swift cannot call). Returns SQLite's result code; calling it again is harmless.
int platflow_sqlite_setup(void);

#endif
