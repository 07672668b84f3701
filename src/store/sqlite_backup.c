/* sqlite_backup.c - a copy of a data folder's database (store.h,
 * ah_store_backup) with SQLite's online backup API. It takes no store: it
 * runs in its own process (`alerthub backup`) beside a server that may be
 * writing, which WAL allows. */
#include "store/store.h"

#include "util/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#define BACKUP_BUSY_MS    5000 /* how long a lock held by the server is waited for */
#define BACKUP_BUSY_TRIES 50   /* then steps of 100 ms, should the lock still be held */

static int open_db(const char *path, int flags, sqlite3 **ret, struct ah_error *err)
{
    int rc = sqlite3_open_v2(path, ret, flags | SQLITE_OPEN_NOMUTEX, NULL);

    if (rc != SQLITE_OK) {
        ah_error_set(err, AH_ESTORE, "could not open database \"%s\": %s", path,
                     *ret ? sqlite3_errmsg(*ret) : sqlite3_errstr(rc));
        sqlite3_close(*ret);
        *ret = NULL;
        return AH_ESTORE;
    }
    sqlite3_busy_timeout(*ret, BACKUP_BUSY_MS);
    return AH_OK;
}

/* Created here with O_EXCL, so that no file is ever overwritten, not even
 * one that appeared after a check. SQLite takes an empty file for an empty
 * database. */
static int create_file(const char *path, struct ah_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

    if (fd < 0 && errno == EEXIST)
        return ah_error_set(err, AH_ECONFLICT, "\"%s\" exists already; name a new file", path);
    if (fd < 0)
        return ah_error_set(err, AH_EIO, "could not create \"%s\": %s", path, strerror(errno));
    close(fd);
    return AH_OK;
}

/* All pages in one step, that is in one read transaction: the copy is one
 * committed state of the database, and WAL lets the server go on writing
 * meanwhile. Steps of a few pages would start again whenever the server
 * commits, and under a steady load might never end. */
static int copy(sqlite3 *src, sqlite3 *dst, const char *from, struct ah_error *err)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    int rc, tries = 0;

    if (b == NULL)
        return ah_error_set(err, AH_ESTORE, "could not start the backup: %s", sqlite3_errmsg(dst));
    do {
        rc = sqlite3_backup_step(b, -1);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep(100);
    } while ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && ++tries < BACKUP_BUSY_TRIES);
    if (sqlite3_backup_finish(b) != SQLITE_OK && rc == SQLITE_DONE)
        rc = sqlite3_errcode(dst);
    if (rc != SQLITE_DONE)
        return ah_error_set(err, AH_ESTORE, "backup of \"%s\" failed: %s", from,
                            sqlite3_errstr(rc));
    return AH_OK;
}

int ah_store_backup(const char *dir, const char *path, struct ah_error *err)
{
    sqlite3 *src = NULL, *dst = NULL;
    struct ah_buf from;
    int rc, created = 0;

    ah_buf_init(&from);
    ah_buf_printf(&from, "%s/alerthub.db", dir);
    /* Without SQLITE_OPEN_CREATE: a mistyped folder is an error, not an
     * empty backup. Read-write, because a WAL reader may have to create the
     * shared-memory file when no server is running. */
    rc = open_db(ah_buf_str(&from), SQLITE_OPEN_READWRITE, &src, err);
    if (rc == AH_OK)
        rc = create_file(path, err);
    if (rc < 0)
        goto fail;
    created = 1;
    rc = open_db(path, SQLITE_OPEN_READWRITE, &dst, err);
    if (rc == AH_OK)
        rc = copy(src, dst, ah_buf_str(&from), err);
fail:
    sqlite3_close(src);
    if (dst != NULL && sqlite3_close(dst) != SQLITE_OK && rc == AH_OK)
        rc = ah_error_set(err, AH_ESTORE, "could not close \"%s\"", path);
    if (rc < 0 && created)
        unlink(path);
    ah_buf_done(&from);
    return rc;
}
