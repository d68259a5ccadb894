#!/bin/bash
# Digests of what an index holds, to show that a speed-up changed no row.
#
# Usage: Benchmarks/rows_digest.sh INDEX.sqlite
#
# Prints one md5 per line: the history's change rows (commit, path, old path, status, line
# counts), the commits' derived columns (file count, line counts, completeness, the `paths`
# and `parts` full-text columns), then the code chunks' `parts` column and the symbols. Run it
# on the index each binary built from the same sources and compare the lines; a table the
# index does not hold gives the md5 of nothing.
set -euo pipefail
db=${1:?usage: Benchmarks/rows_digest.sh INDEX.sqlite}
[ -f "$db" ] || { echo "rows_digest.sh: $db is not a file" >&2; exit 2; }
query() { sqlite3 -readonly "$db" "$1" | md5sum | cut -d' ' -f1; }
echo "history changes  $(query "SELECT g.sha, p.path, coalesce(o.path,''), c.status, coalesce(c.added,''), coalesce(c.removed,'') FROM git_change c JOIN git_commit g ON g.id=c.commit_id JOIN git_path p ON p.id=c.path_id LEFT JOIN git_path o ON o.id=c.old_path_id ORDER BY g.sha, p.path")"
echo "history commits  $(query "SELECT sha, parents, files_changed, coalesce(lines_added,''), coalesce(lines_removed,''), changes_complete, paths, parts FROM git_commit ORDER BY sha")"
echo "code chunk parts $(query "SELECT f.path, c.start_line, c.parts FROM chunk c JOIN file f ON f.id=c.file_id ORDER BY 1, 2")"
echo "code symbols     $(query "SELECT f.path, s.line, s.name, s.norm, s.kind, coalesce(s.scope,''), coalesce(s.signature,'') FROM symbol s JOIN file f ON f.id=s.file_id ORDER BY 1, 2, 3, 5")"
