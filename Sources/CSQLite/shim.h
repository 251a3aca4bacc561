// The system SQLite library's API for Swift (apt: libsqlite3-dev).
#include <sqlite3.h>
