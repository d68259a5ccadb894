import Foundation
import GRDB

/// The index schema and its migrations.
///
/// The schema version is kept in `PRAGMA user_version` as well as in GRDB's migration table,
/// so that an older ctx can refuse an index written by a newer one before touching it.
/// Migration identifiers are stable; a shipped migration is never edited.
enum Schema {
  /// Bump with every new migration.
  static let version = 18

  /// Column weights for `bm25(chunk_ft, …)`, in column order: path, symbol, text, parts.
  /// See docs/design.md, "Ranking".
  static let chunkWeights = "4.0, 6.0, 1.0, 0.7"

  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1-code") { db in
      try db.execute(
        sql: """
          CREATE TABLE source (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            root TEXT NOT NULL,
            last_run_started REAL,
            last_run_finished REAL,
            last_run_seconds REAL,
            last_run_status TEXT,
            last_run_report TEXT
          );
          CREATE TABLE file (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            name TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            content_hash TEXT NOT NULL,
            language TEXT,
            line_count INTEGER NOT NULL,
            indexed_at REAL NOT NULL,
            UNIQUE (source_id, path)
          );
          CREATE INDEX file_name ON file(name);
          CREATE TABLE chunk (
            id INTEGER PRIMARY KEY,
            file_id INTEGER NOT NULL,
            start_line INTEGER NOT NULL,
            end_line INTEGER NOT NULL,
            path TEXT NOT NULL,
            symbol TEXT,
            kind TEXT,
            text TEXT NOT NULL,
            parts TEXT NOT NULL
          );
          CREATE INDEX chunk_file ON chunk(file_id);
          CREATE TABLE symbol (
            id INTEGER PRIMARY KEY,
            file_id INTEGER NOT NULL,
            name TEXT NOT NULL,
            -- lower-cased, underscores removed: validateSession, validate_session and
            -- VALIDATE_SESSION all become validatesession.
            norm TEXT NOT NULL,
            kind TEXT NOT NULL,
            line INTEGER NOT NULL,
            end_line INTEGER,
            scope TEXT,
            signature TEXT
          );
          CREATE INDEX symbol_norm ON symbol(norm);
          CREATE INDEX symbol_file ON symbol(file_id);
          -- External content: the text lives once, in chunk. Rows are written to chunk_ft by
          -- the store itself, not by triggers, which made bulk ingest 2-2.7x slower.
          CREATE VIRTUAL TABLE chunk_ft USING fts5(
            path, symbol, text, parts,
            content='chunk', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2'
          );
          INSERT INTO chunk_ft(chunk_ft, rank) VALUES('hashsize', 16777216);
          CREATE VIRTUAL TABLE chunk_vocab USING fts5vocab(chunk_ft, 'row');
          """)
    }
    migrator.registerMigration("v2-history") { db in
      try db.execute(sql: historySchema)
    }
    migrator.registerMigration("v3-runs") { db in
      // Every run of every source (the newest few kept), for `ctx status`: the last run may
      // have failed while an earlier one succeeded.
      try db.execute(
        sql: """
          CREATE TABLE source_run (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
            started REAL NOT NULL,
            finished REAL NOT NULL,
            seconds REAL NOT NULL,
            status TEXT NOT NULL,
            report TEXT NOT NULL
          );
          CREATE INDEX source_run_source ON source_run(source_id, finished);
          """)
    }
    migrator.registerMigration("v4-knowledge") { db in
      try db.execute(sql: knowledgeSchema)
    }
    migrator.registerMigration("v5-annotations") { db in
      // A mirror of annotations/: rewritten from the files on every run (they are the truth).
      try db.execute(
        sql: """
          CREATE TABLE annotation (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            target TEXT NOT NULL,
            target_kind TEXT NOT NULL,
            target_value TEXT NOT NULL,
            -- symbol targets: lower-cased without underscores, as symbols are looked up
            norm TEXT NOT NULL,
            kind TEXT NOT NULL,
            author TEXT NOT NULL,
            date REAL NOT NULL,
            status TEXT NOT NULL,
            live INTEGER NOT NULL,
            fact_key TEXT,
            fact_value TEXT,
            supersedes TEXT NOT NULL,
            fingerprint TEXT,
            location TEXT,
            body TEXT NOT NULL,
            parts TEXT NOT NULL
          );
          CREATE INDEX annotation_target ON annotation(target_kind, norm);
          CREATE VIRTUAL TABLE annotation_ft USING fts5(
            target, body, parts,
            content='annotation', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2'
          );
          """)
    }
    migrator.registerMigration("v6-fts-no-automerge") { db in
      // FTS5's incremental merging (automerge 4) cost a third of a full index of moby (16.9 s
      // against 11.2 s without it), while the segments it saves are few: the 16 MiB hash
      // flushes only a handful per run, and crisis merging (16 segments a level) still bounds
      // their number across nightly runs. Query times were the same (docs/design.md).
      for table in ["chunk_ft", "commit_ft", "section_ft", "thread_ft", "annotation_ft"] {
        try db.execute(sql: "INSERT INTO \(table)(\(table), rank) VALUES('automerge', 0)")
      }
    }
    migrator.registerMigration("v7-skipped-files") { db in
      // Files a code crawl read and skipped by policy (binary, minified or generated), with
      // the stamp (and, for `revision:` sources, the blob id) they had. Without them `ctx
      // status` counted every such file as new after every run (docs/design.md, "Status").
      try db.execute(
        sql: """
          CREATE TABLE skipped_file (
            source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            content_hash TEXT,
            reason TEXT NOT NULL,
            PRIMARY KEY (source_id, path)
          ) WITHOUT ROWID;
          """)
    }
    migrator.registerMigration("v8-vocabulary") { db in
      // Each full-text table's terms with the rows holding them, copied from its `fts5vocab`
      // after a run changed it (`IndexStore.refreshVocabulary`). Counting a term's rows in
      // `fts5vocab` walks its whole doclist: the few hundred words of a long bug report cost
      // 50-80 ms per table on moby, here a B-tree lookup each (docs/ranking.md, "Speed").
      try db.execute(
        sql: """
          CREATE TABLE vocabulary (
            fts TEXT NOT NULL,
            term TEXT NOT NULL,
            documents INTEGER NOT NULL,
            PRIMARY KEY (fts, term)
          ) WITHOUT ROWID;
          CREATE TABLE vocabulary_built (
            fts TEXT PRIMARY KEY,
            built REAL NOT NULL
          );
          """)
    }
    migrator.registerMigration("v9-annotation-stamps") { db in
      // Each mirrored annotation's file stamp (size:mtime_ns:inode), so that a query process
      // takes unchanged annotations from the mirror instead of parsing 10,000 files to see
      // the folder as it is now (docs/annotations.md, "In effect at once").
      try db.execute(sql: "ALTER TABLE annotation ADD COLUMN file_stamp TEXT")
    }
    migrator.registerMigration("v10-rechunk-code") { db in
      // The chunker keeps a long class's docstring and attributes with its declaration line
      // (a one-line `class File(ParamType):` chunk was a bundle item with no body): every code
      // file's stamp and hash are cleared, so the next `ctx index` reads and cuts it again.
      try db.execute(sql: "UPDATE file SET mtime_ns = -1, content_hash = '' WHERE source_id IN (SELECT id FROM source WHERE kind = 'code')")
    }
    migrator.registerMigration(compactChunksMigration) { db in
      // Chunks without a copy of their file's path, and with their text compressed when that
      // makes it smaller (`ChunkText`): moby's index went from 2.39x its source to under 2x
      // (docs/benchmarks.md, "Index size"). `chunk_ft` reads its external content from the view
      // `chunk_content`, which joins the path and decompresses the text (SQL function
      // `ctx_text`, registered on every connection ctx opens). Existing rows are converted
      // in place with their ids (`max(id)` counts chunks for term statistics); the full-text
      // index is rebuilt from the view, which holds exactly the text it had.
      try db.execute(sql: "CREATE TABLE chunk_compact (\(chunkColumns))")
      let insert = try db.makeStatement(
        sql: "INSERT INTO chunk_compact(id, file_id, start_line, end_line, symbol, kind, body, parts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      let rows = try Row.fetchCursor(db, sql: "SELECT id, file_id, start_line, end_line, symbol, kind, text, parts FROM chunk ORDER BY id")
      while let row = try rows.next() {
        let text: String = row[6]
        let body: any DatabaseValueConvertible = ChunkText.encode(text).map { Data($0) } ?? text
        try insert.execute(arguments: [row[0], row[1], row[2], row[3], row[4], row[5], body, row[7]])
      }
      try db.execute(
        sql: """
          DROP TABLE chunk_vocab;
          DROP TABLE chunk_ft;
          DROP TABLE chunk;
          ALTER TABLE chunk_compact RENAME TO chunk;
          CREATE INDEX chunk_file ON chunk(file_id);
          \(chunkContentSchema)
          INSERT INTO chunk_ft(chunk_ft, rank) VALUES('automerge', 0);
          INSERT INTO chunk_ft(chunk_ft) VALUES('rebuild');
          """)
    }
    migrator.registerMigration("v12-source-revision") { db in
      // The commit-ish a `revision:` code source reads (NULL: the work tree). A bundle checks
      // such a source's files against that revision as it resolves now, not against the disk.
      try db.execute(sql: "ALTER TABLE source ADD COLUMN revision TEXT")
    }
    migrator.registerMigration("v13-retag-file-scope") { db in
      // ctags was asked to leave out tags of file scope (`--extras=-F`): C's static functions
      // and a `.c` file's macros and structs, Java's and C#'s private members, C++ classes
      // defined in a `.cpp` file. The code files of the languages whose parsers mark file
      // scope (and of unknown languages, which ctags may parse) are read, tagged and cut again
      // by the next `ctx index` (whose chunker now labels C's anonymous structs and enums by
      // what they declare), as v10 did for every code file.
      try db.execute(
        sql: """
          UPDATE file SET mtime_ns = -1, content_hash = ''
          WHERE source_id IN (SELECT id FROM source WHERE kind = 'code')
            AND (language IS NULL OR language IN ('c', 'c++', 'objective-c', 'objective-c++', 'java', 'c#'))
          """)
    }
    migrator.registerMigration("v14-rechunk-brace-ends") { db in
      // ctags gives no end lines for JavaScript, TypeScript and Rust; definitions there now
      // end at their closing brace with their doc comments (`CtxConnectors.BlockEnds`), where
      // the old guess ran each to the next definition. Their files are cut again by the next
      // `ctx index`.
      try db.execute(
        sql: """
          UPDATE file SET mtime_ns = -1, content_hash = ''
          WHERE source_id IN (SELECT id FROM source WHERE kind = 'code') AND language IN ('javascript', 'typescript', 'rust')
          """)
    }
    migrator.registerMigration("v15-untagged-definitions") { db in
      // Definitions ctags does not tag are now added (`UntaggedDefinitions`): Rust `const`
      // items, and JavaScript and TypeScript functions assigned along a chain
      // (`res.set = res.header = function`). Those files are read again by the next `ctx index`.
      try db.execute(
        sql: """
          UPDATE file SET mtime_ns = -1, content_hash = ''
          WHERE source_id IN (SELECT id FROM source WHERE kind = 'code') AND language IN ('javascript', 'typescript', 'rust')
          """)
    }
    migrator.registerMigration("v16-myst-targets") { db in
      // MyST targets (`(label)=` before a heading) are no longer text at a section's edge. The
      // Markdown files of docs sources are read again by the next `ctx index`.
      try db.execute(
        sql: """
          UPDATE file SET mtime_ns = -1, content_hash = ''
          WHERE source_id IN (SELECT id FROM source WHERE kind = 'docs') AND (path LIKE '%.md' OR path LIKE '%.markdown')
          """)
    }
    migrator.registerMigration("v17-long-decorators") { db in
      // Decorators running past the 12 lines that travel with a definition (a test's long
      // `@pytest.mark.parametrize(...)`) now stay whole with it (`Chunker.decoratorStart`).
      // Code files of languages written with `@` decorators or annotations are cut again.
      try db.execute(
        sql: """
          UPDATE file SET mtime_ns = -1, content_hash = ''
          WHERE source_id IN (SELECT id FROM source WHERE kind = 'code')
            AND language IN ('python', 'java', 'kotlin', 'scala', 'typescript', 'javascript', 'swift', 'dart', 'groovy')
          """)
    }
    migrator.registerMigration("v18-commit-ft-hashsize") { db in
      // With a 16 MiB pending-term hash a whole first history run fit in it (moby's 57,533
      // commits: one segment), so every term of every commit was sorted and written by the
      // commit, on one core after the crawl: 0.14-0.16 s of the run's serial tail. A 4 MiB
      // hash flushes during the crawl, beside the readers; the commit takes 0.06 s and the
      // run's CPU time is the same. A first run leaves 4 segments instead of 1 (a nightly run
      // adds one anyway); searches measured the same (docs/benchmarks.md, "History").
      try db.execute(sql: "INSERT INTO commit_ft(commit_ft, rank) VALUES('hashsize', 4194304)")
    }
    return migrator
  }

  /// The migration that compressed chunk texts; `IndexStore` vacuums the file after it.
  static let compactChunksMigration = "v11-compact-chunks"

  /// The columns of `chunk` from v11 on. `body` is the text as `ChunkText` stores it: TEXT,
  /// or a BLOB of its compressed form; read it with `ChunkText.decode` or `ctx_text(body)`.
  /// The path is the file's (`file.path`), not copied into every chunk.
  static let chunkColumns = """
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    symbol TEXT,
    kind TEXT,
    body NOT NULL,
    parts TEXT NOT NULL
    """

  /// The chunks as full text sees them (v11), and the full-text table over that view.
  /// External content: the text lives once, in `chunk`, compressed. FTS5 reads the view only
  /// to delete a row (`'delete'` with the old values, which the store passes itself from the
  /// same view), to rebuild or to check integrity; matching and `bm25` never read it.
  static let chunkContentSchema = """
    CREATE VIEW chunk_content(id, file_id, path, symbol, text, parts) AS
      SELECT chunk.id, chunk.file_id, file.path, chunk.symbol, ctx_text(chunk.body), chunk.parts
      FROM chunk JOIN file ON file.id = chunk.file_id;
    CREATE VIRTUAL TABLE chunk_ft USING fts5(
      path, symbol, text, parts,
      content='chunk_content', content_rowid='id',
      tokenize='porter unicode61 remove_diacritics 2'
    );
    INSERT INTO chunk_ft(chunk_ft, rank) VALUES('hashsize', 16777216);
    CREATE VIRTUAL TABLE chunk_vocab USING fts5vocab(chunk_ft, 'row');
    """

  /// Column weights for `bm25(annotation_ft, …)`: target, body, parts.
  static let annotationWeights = "3.0, 1.0, 0.7"
  /// Column weights for `bm25(section_ft, …)`: path, heading, text, parts.
  static let sectionWeights = "2.0, 5.0, 1.0, 0.7"
  /// Column weights for `bm25(thread_ft, …)`: channel, text, parts.
  static let threadWeights = "2.0, 1.0, 0.7"

  /// Documents and chat (docs/knowledge.md). Document files reuse `file` (stamps and hashes for
  /// incremental runs); their sections are the unit of retrieval. Chat messages are kept one
  /// row each, keyed by conversation and timestamp so overlapping exports never duplicate
  /// them; threads are rebuilt from them and are the unit of retrieval.
  static let knowledgeSchema = """
    CREATE TABLE doc (
      file_id INTEGER PRIMARY KEY,
      title TEXT,
      format TEXT NOT NULL,
      -- Decision records: proposed, accepted, superseded, ... (NULL when none is declared).
      status TEXT,
      superseded_by TEXT,
      supersedes TEXT,
      front_matter TEXT NOT NULL
    );
    CREATE TABLE section (
      id INTEGER PRIMARY KEY,
      file_id INTEGER NOT NULL,
      path TEXT NOT NULL,
      start_line INTEGER NOT NULL,
      end_line INTEGER NOT NULL,
      heading TEXT NOT NULL,
      anchor TEXT NOT NULL,
      part INTEGER NOT NULL,
      text TEXT NOT NULL,
      parts TEXT NOT NULL
    );
    CREATE INDEX section_file ON section(file_id);
    CREATE VIRTUAL TABLE section_ft USING fts5(
      path, heading, text, parts,
      content='section', content_rowid='id',
      tokenize='porter unicode61 remove_diacritics 2'
    );
    -- What a section or a chat message mentions: paths, identifiers, commits, issues.
    -- `norm` is how it is looked up: identifiers lower-cased without underscores, paths and
    -- commits lower-cased.
    CREATE TABLE mention (
      source_id INTEGER NOT NULL,
      from_kind TEXT NOT NULL,
      from_id INTEGER NOT NULL,
      kind TEXT NOT NULL,
      target TEXT NOT NULL,
      norm TEXT NOT NULL
    );
    CREATE INDEX mention_target ON mention(kind, norm);
    CREATE INDEX mention_from ON mention(from_kind, from_id);
    CREATE TABLE chat_file (
      source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
      path TEXT NOT NULL,
      size INTEGER NOT NULL,
      mtime_ns INTEGER NOT NULL,
      content_hash TEXT NOT NULL,
      PRIMARY KEY (source_id, path)
    );
    CREATE TABLE chat_message (
      id INTEGER PRIMARY KEY,
      source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
      conversation TEXT NOT NULL,
      channel TEXT NOT NULL,
      ts TEXT NOT NULL,
      thread_ts TEXT NOT NULL,
      author TEXT NOT NULL,
      text TEXT NOT NULL,
      edited INTEGER NOT NULL,
      subtype TEXT,
      UNIQUE (source_id, conversation, ts)
    );
    CREATE INDEX chat_message_thread ON chat_message(source_id, conversation, thread_ts);
    CREATE TABLE chat_thread (
      id INTEGER PRIMARY KEY,
      source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
      conversation TEXT NOT NULL,
      channel TEXT NOT NULL,
      thread_ts TEXT NOT NULL,
      first_ts TEXT NOT NULL,
      last_ts TEXT NOT NULL,
      participants TEXT NOT NULL,
      message_count INTEGER NOT NULL,
      text TEXT NOT NULL,
      parts TEXT NOT NULL,
      UNIQUE (source_id, conversation, thread_ts)
    );
    CREATE VIRTUAL TABLE thread_ft USING fts5(
      channel, text, parts,
      content='chat_thread', content_rowid='id',
      tokenize='porter unicode61 remove_diacritics 2'
    );
    """

  /// Column weights for `bm25(commit_ft, …)`: summary, body, paths, parts.
  static let commitWeights = "6.0, 1.0, 2.0, 1.0"

  /// The history layer (docs/history.md): commits, the files each changed, ref cursors for
  /// incremental walks, and per-file signals for ranking.
  static let historySchema = """
    -- Paths stored once per source; changes refer to them by id (the history of a large
    -- repository names the same paths hundreds of thousands of times).
    CREATE TABLE git_path (
      id INTEGER PRIMARY KEY,
      source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
      path TEXT NOT NULL,
      UNIQUE (source_id, path)
    );
    CREATE TABLE git_commit (
      id INTEGER PRIMARY KEY,
      source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
      sha TEXT NOT NULL,
      parents TEXT NOT NULL,
      author_name TEXT NOT NULL,
      author_email TEXT NOT NULL,
      author_time INTEGER NOT NULL,
      author_offset INTEGER NOT NULL,
      committer_name TEXT NOT NULL,
      committer_email TEXT NOT NULL,
      commit_time INTEGER NOT NULL,
      summary TEXT NOT NULL,
      body TEXT NOT NULL,
      -- Changed paths, one per line (capped), and identifier parts: full-text columns.
      paths TEXT NOT NULL,
      parts TEXT NOT NULL,
      files_changed INTEGER NOT NULL,
      lines_added INTEGER,
      lines_removed INTEGER,
      is_merge INTEGER NOT NULL,
      changes_complete INTEGER NOT NULL,
      UNIQUE (source_id, sha)
    );
    CREATE INDEX git_commit_time ON git_commit(source_id, commit_time);
    CREATE TABLE git_change (
      commit_id INTEGER NOT NULL,
      path_id INTEGER NOT NULL,
      old_path_id INTEGER,
      status TEXT NOT NULL,
      added INTEGER,
      removed INTEGER
    );
    CREATE INDEX git_change_commit ON git_change(commit_id);
    CREATE INDEX git_change_path ON git_change(path_id, commit_id);
    -- Where each configured ref pointed when it was last indexed: the next run walks only
    -- commits added since, and a tip that is no longer an ancestor means history was rewritten.
    CREATE TABLE git_ref (
      source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      tip TEXT NOT NULL,
      PRIMARY KEY (source_id, name)
    );
    -- Ranking signals per path: last change and churn (non-merge commits that touched it).
    CREATE TABLE file_signal (
      path_id INTEGER PRIMARY KEY,
      source_id INTEGER NOT NULL,
      last_commit_id INTEGER NOT NULL,
      last_time INTEGER NOT NULL,
      changes INTEGER NOT NULL
    );
    CREATE VIRTUAL TABLE commit_ft USING fts5(
      summary, body, paths, parts,
      content='git_commit', content_rowid='id',
      tokenize='porter unicode61 remove_diacritics 2'
    );
    INSERT INTO commit_ft(commit_ft, rank) VALUES('hashsize', 16777216);
    """
}
