/* The floor under ctx's history connector: libgit2 alone, one thread, no SQLite.
 *
 * Walks every commit reachable from REF newest first (git_revwalk), reads each commit and
 * compares its tree with its first parent's the way CtxGit.TreeDiffer does (merge the two
 * entry lists in git's order, descend only into subtrees whose id differs), with the same
 * libgit2 settings ctx uses for a history crawl. Prints the commit, change and tree counts;
 * time it beside `git log --name-status --no-renames REF` (docs/benchmarks.md, "History").
 *
 *   cc -O2 -o /tmp/libgit2_walk Benchmarks/libgit2_walk.c -lgit2
 *   /usr/bin/time -f "%e s %U u" /tmp/libgit2_walk /tmp/ctx-bench-history/repo.git refs/heads/bench
 *   NODIFF=1 /tmp/libgit2_walk ...      (the walk and commit reads only)
 *   RAW=1 /tmp/libgit2_walk ...         (trees read raw and walked in place, as CtxGit.RawTree
 *                                        does, instead of parsed by git_tree_lookup)
 */
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long changes = 0, trees = 0;
static git_repository *repo;
static git_odb *odb;

static void diff(const git_oid *old, const git_oid *new, char *path, size_t length);

static void added_or_removed(const git_tree_entry *entry, int added, char *path, size_t length) {
  const char *name = git_tree_entry_name(entry);
  size_t name_length = strlen(name);
  memcpy(path + length, name, name_length);
  if (git_tree_entry_filemode(entry) == GIT_FILEMODE_TREE) {
    path[length + name_length] = '/';
    diff(added ? NULL : git_tree_entry_id(entry), added ? git_tree_entry_id(entry) : NULL, path, length + name_length + 1);
  } else {
    changes++;
  }
}

static void diff(const git_oid *old, const git_oid *new, char *path, size_t length) {
  git_tree *a = NULL, *b = NULL;
  if (old) { git_tree_lookup(&a, repo, old); trees++; }
  if (new) { git_tree_lookup(&b, repo, new); trees++; }
  size_t count_a = a ? git_tree_entrycount(a) : 0, count_b = b ? git_tree_entrycount(b) : 0, i = 0, j = 0;
  while (i < count_a || j < count_b) {
    const git_tree_entry *ea = i < count_a ? git_tree_entry_byindex(a, i) : NULL;
    const git_tree_entry *eb = j < count_b ? git_tree_entry_byindex(b, j) : NULL;
    int order = (ea && eb) ? git_tree_entry_cmp(ea, eb) : (ea ? -1 : 1);
    if (order == 0) {
      i++; j++;
      if (git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)) && git_tree_entry_filemode(ea) == git_tree_entry_filemode(eb)) continue;
      const char *name = git_tree_entry_name(ea);
      size_t name_length = strlen(name);
      memcpy(path + length, name, name_length);
      if (git_tree_entry_filemode(ea) == GIT_FILEMODE_TREE && git_tree_entry_filemode(eb) == GIT_FILEMODE_TREE) {
        path[length + name_length] = '/';
        diff(git_tree_entry_id(ea), git_tree_entry_id(eb), path, length + name_length + 1);
      } else {
        changes++;
      }
    } else if (order < 0) {
      i++; added_or_removed(ea, 0, path, length);
    } else {
      j++; added_or_removed(eb, 1, path, length);
    }
  }
  git_tree_free(a);
  git_tree_free(b);
}


/* One entry of a raw tree: "<octal mode> <name>\0<20-byte id>". */
struct raw_entry { unsigned mode; const char *name; size_t name_length; const unsigned char *id; };

static int next_entry(const char **cursor, const char *end, struct raw_entry *entry) {
  const char *p = *cursor;
  if (p >= end) return 0;
  unsigned mode = 0;
  while (p < end && *p != ' ') mode = (mode << 3) | (unsigned)(*p++ - '0');
  const char *name = p + 1, *nul = memchr(name, 0, (size_t)(end - name));
  if (!nul || end - nul < 21) return 0;
  entry->mode = (mode & 0170000) == 0040000 ? 0040000 : mode;
  entry->name = name;
  entry->name_length = (size_t)(nul - name);
  entry->id = (const unsigned char *)nul + 1;
  *cursor = nul + 21;
  return 1;
}

static int raw_order(const struct raw_entry *a, const struct raw_entry *b) {
  size_t common = a->name_length < b->name_length ? a->name_length : b->name_length;
  int compared = memcmp(a->name, b->name, common);
  if (compared) return compared;
  unsigned char x = common < a->name_length ? (unsigned char)a->name[common] : (a->mode == 0040000 ? '/' : 0);
  unsigned char y = common < b->name_length ? (unsigned char)b->name[common] : (b->mode == 0040000 ? '/' : 0);
  return x < y ? -1 : x > y;
}

static void diff_raw(const git_oid *old, const git_oid *new);

static void raw_added_or_removed(const struct raw_entry *entry, int added) {
  if (entry->mode == 0040000) {
    git_oid id;
    memcpy(id.id, entry->id, 20);
    diff_raw(added ? NULL : &id, added ? &id : NULL);
  } else {
    changes++;
  }
}

static void diff_raw(const git_oid *old, const git_oid *new) {
  git_odb_object *a = NULL, *b = NULL;
  if (old) { git_odb_read(&a, odb, old); trees++; }
  if (new) { git_odb_read(&b, odb, new); trees++; }
  const char *pa = a ? git_odb_object_data(a) : NULL, *ea = pa ? pa + git_odb_object_size(a) : NULL;
  const char *pb = b ? git_odb_object_data(b) : NULL, *eb = pb ? pb + git_odb_object_size(b) : NULL;
  struct raw_entry x, y;
  int has_x = pa && next_entry(&pa, ea, &x), has_y = pb && next_entry(&pb, eb, &y);
  while (has_x || has_y) {
    int order = (has_x && has_y) ? raw_order(&x, &y) : (has_x ? -1 : 1);
    if (order == 0) {
      if (x.mode != y.mode || memcmp(x.id, y.id, 20)) {
        if (x.mode == 0040000 && y.mode == 0040000) {
          git_oid i, j;
          memcpy(i.id, x.id, 20);
          memcpy(j.id, y.id, 20);
          diff_raw(&i, &j);
        } else {
          changes++;
        }
      }
      has_x = next_entry(&pa, ea, &x);
      has_y = next_entry(&pb, eb, &y);
    } else if (order < 0) {
      raw_added_or_removed(&x, 0);
      has_x = next_entry(&pa, ea, &x);
    } else {
      raw_added_or_removed(&y, 1);
      has_y = next_entry(&pb, eb, &y);
    }
  }
  git_odb_object_free(a);
  git_odb_object_free(b);
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s REPOSITORY REF\n", argv[0]); return 2; }
  git_libgit2_init();
  git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
  git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)16 << 20);
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)160 << 20);
  if (git_repository_open(&repo, argv[1]) != 0) { fprintf(stderr, "cannot open %s\n", argv[1]); return 1; }
  git_repository_odb(&odb, repo);
  int raw = getenv("RAW") != NULL;
  git_revwalk *walk;
  git_revwalk_new(&walk, repo);
  git_revwalk_sorting(walk, GIT_SORT_TIME);
  if (git_revwalk_push_ref(walk, argv[2]) != 0) { fprintf(stderr, "no ref %s\n", argv[2]); return 1; }
  int compare = getenv("NODIFF") == NULL;
  git_oid id;
  long commits = 0;
  static char path[65536];
  while (!git_revwalk_next(&id, walk)) {
    git_commit *commit;
    if (git_commit_lookup(&commit, repo, &id) != 0) continue;
    commits++;
    if (compare && git_commit_parentcount(commit) <= 1) {
      git_commit *parent = NULL;
      const git_oid *old = NULL;
      if (git_commit_parentcount(commit) == 1 && git_commit_parent(&parent, commit, 0) == 0) old = git_commit_tree_id(parent);
      if (raw) diff_raw(old, git_commit_tree_id(commit));
      else diff(old, git_commit_tree_id(commit), path, 0);
      git_commit_free(parent);
    }
    git_commit_free(commit);
  }
  printf("%ld commits, %ld changes, %ld trees read\n", commits, changes, trees);
  return 0;
}
