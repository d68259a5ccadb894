// SQLite's process-wide settings (CtxStore.SQLiteSettings). sqlite3_config is variadic, which
// Swift cannot call, so these wrap the calls ctx makes. Each returns SQLITE_MISUSE once the
// library is initialized (after the first connection opened).
#include <sqlite3.h>

// Multi-thread mode: connections opened without a threading flag get no mutex of their own.
static inline int ctx_sqlite_config_multithread(void) { return sqlite3_config(SQLITE_CONFIG_MULTITHREAD); }

// No allocation statistics: without them no global mutex is taken on every malloc and free.
static inline int ctx_sqlite_config_no_memstatus(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
