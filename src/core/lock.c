/* Locks and the debug-build lock-order checker.
 *
 * The checker keeps, per thread, the stack of lock classes held, and globally
 * a graph of "class A was held while class B was taken" edges with the call
 * sites that first showed each edge. Before a thread blocks on a lock of class
 * B while holding A, the checker looks for a path B -> ... -> A in the graph:
 * if there is one, the two orders can deadlock, and it reports both call
 * sites. Checking before blocking means an inversion is reported even on the
 * run where it would have deadlocked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "emutime/lock.h"

unsigned long et_thread_id(void)
{
    static unsigned long next_id;
    static __thread unsigned long my_id;

    if (!my_id) {
        my_id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
    }
    return my_id;
}

#if ET_LOCKDEP

#define MAX_CLASSES 128
#define MAX_HELD 32

typedef struct site {
    const char *file;
    int line;
} site;

typedef struct edge {
    bool seen;
    site held;  /* where the first class was taken */
    site taken; /* where the second class was then taken */
} edge;

typedef struct held_lock {
    et_lock_class *cls;
    site where;
} held_lock;

static pthread_mutex_t graph_mutex = PTHREAD_MUTEX_INITIALIZER;
static et_lock_class *classes[MAX_CLASSES + 1]; /* by id, from 1 */
static int class_count;
static edge edges[MAX_CLASSES + 1][MAX_CLASSES + 1];

static et_lockdep_report_fn report_fn;
static void *report_opaque;

static __thread held_lock held[MAX_HELD];
static __thread int held_depth;

static int class_id_locked(et_lock_class *cls)
{
    int id = __atomic_load_n(&cls->id, __ATOMIC_RELAXED);
    if (id == 0) {
        if (class_count == MAX_CLASSES) {
            return 0; /* too many classes: stop checking this one */
        }
        id = ++class_count;
        classes[id] = cls;
        __atomic_store_n(&cls->id, id, __ATOMIC_RELAXED);
    }
    return id;
}

/* Depth-first search for a path from -> ... -> to; fills path[] (class ids,
 * from first) and returns its length in edges, or 0. */
static int find_path(int from, int to, bool *visited, int *path, int depth)
{
    visited[from] = true;
    path[depth] = from;
    for (int next = 1; next <= class_count; next++) {
        if (!edges[from][next].seen || visited[next]) {
            continue;
        }
        if (next == to) {
            path[depth + 1] = to;
            return depth + 1;
        }
        int len = find_path(next, to, visited, path, depth + 1);
        if (len) {
            return len;
        }
    }
    return 0;
}

static void report(const char *text)
{
    et_lockdep_report_fn fn = __atomic_load_n(&report_fn, __ATOMIC_ACQUIRE);
    if (fn) {
        fn(text, __atomic_load_n(&report_opaque, __ATOMIC_RELAXED));
        return;
    }
    fprintf(stderr, "%s", text);
    abort();
}

/* Whether cls has an id and every order from a held class to it has been
 * seen already (so there is nothing to learn or check). */
static bool all_edges_known(et_lock_class *cls)
{
    int to = __atomic_load_n(&cls->id, __ATOMIC_RELAXED);
    if (!to) {
        return false;
    }
    for (int i = 0; i < held_depth && i < MAX_HELD; i++) {
        int from = __atomic_load_n(&held[i].cls->id, __ATOMIC_RELAXED);
        if (!from || (from != to && !__atomic_load_n(&edges[from][to].seen, __ATOMIC_ACQUIRE))) {
            return false;
        }
    }
    return true;
}

/* Records the edges from every held class to cls; returns the text of an
 * inversion report (caller frees) or NULL. */
static char *learn_and_check(et_lock_class *cls, site where)
{
    char *text = NULL;

    /* Fast path, no global lock: every order this acquisition shows is
     * already known (and was checked when first seen). */
    if (all_edges_known(cls)) {
        return NULL;
    }
    pthread_mutex_lock(&graph_mutex);
    int to = class_id_locked(cls);
    for (int i = 0; i < held_depth && i < MAX_HELD && to; i++) {
        int from = class_id_locked(held[i].cls);
        if (!from || from == to) {
            continue;
        }
        if (!edges[from][to].seen && !text) {
            bool visited[MAX_CLASSES + 1] = { false };
            int path[MAX_CLASSES + 2];
            int len = find_path(to, from, visited, path, 0);
            if (len) {
                /* The first edge of the opposite path names the sites. */
                edge *back = &edges[path[0]][path[1]];
                size_t cap = 1024 + 64 * (size_t)len;
                text = et__xmalloc(cap);
                int n = snprintf(text, cap,
                    "emutime: lock order inversion\n"
                    "  this thread takes '%s' at %s:%d while holding '%s' (taken at %s:%d)\n"
                    "  but the opposite order was seen: '%s' taken at %s:%d while holding '%s' (taken at %s:%d)\n",
                    cls->name, where.file, where.line, held[i].cls->name,
                    held[i].where.file, held[i].where.line,
                    classes[path[1]]->name, back->taken.file, back->taken.line,
                    classes[path[0]]->name, back->held.file, back->held.line);
                if (len > 1 && n > 0 && (size_t)n < cap) {
                    n += snprintf(text + n, cap - (size_t)n, "  opposite chain:");
                    for (int k = 0; k <= len && n > 0 && (size_t)n < cap; k++) {
                        n += snprintf(text + n, cap - (size_t)n, " %s'%s'",
                                      k ? "-> " : "", classes[path[k]]->name);
                    }
                    if (n > 0 && (size_t)n < cap) {
                        snprintf(text + n, cap - (size_t)n, "\n");
                    }
                }
            }
        }
        if (!edges[from][to].seen) {
            edges[from][to].held = held[i].where;
            edges[from][to].taken = where;
            __atomic_store_n(&edges[from][to].seen, true, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&graph_mutex);
    return text;
}

static void note_acquire(et_lock_class *cls, const char *file, int line)
{
    site where = { file, line };
    char *text = learn_and_check(cls, where);
    if (text) {
        report(text);
        free(text);
    }
    if (held_depth < MAX_HELD) {
        held[held_depth].cls = cls;
        held[held_depth].where = where;
    }
    held_depth++;
}

static void note_release(et_lock_class *cls)
{
    /* Locks may be released out of order: remove the innermost match. */
    int top = held_depth < MAX_HELD ? held_depth : MAX_HELD;
    for (int i = top - 1; i >= 0; i--) {
        if (held[i].cls == cls) {
            memmove(&held[i], &held[i + 1], sizeof(held[0]) * (size_t)(top - 1 - i));
            break;
        }
    }
    if (held_depth > 0) {
        held_depth--;
    }
}

bool et_lockdep_enabled(void)
{
    return true;
}

void et_lockdep_set_report_handler(et_lockdep_report_fn fn, void *opaque)
{
    __atomic_store_n(&report_opaque, opaque, __ATOMIC_RELAXED);
    __atomic_store_n(&report_fn, fn, __ATOMIC_RELEASE);
}

void et_lockdep_reset(void)
{
    pthread_mutex_lock(&graph_mutex);
    memset(edges, 0, sizeof(edges));
    pthread_mutex_unlock(&graph_mutex);
}

#else /* !ET_LOCKDEP */

static void note_acquire(et_lock_class *cls, const char *file, int line)
{
    (void)cls;
    (void)file;
    (void)line;
}

static void note_release(et_lock_class *cls)
{
    (void)cls;
}

bool et_lockdep_enabled(void)
{
    return false;
}

void et_lockdep_set_report_handler(et_lockdep_report_fn fn, void *opaque)
{
    (void)fn;
    (void)opaque;
}

void et_lockdep_reset(void)
{
}

#endif

void et_lock_init(et_lock *lock, et_lock_class *cls)
{
    pthread_mutex_init(&lock->mutex, NULL);
    lock->cls = cls;
    lock->owner = 0;
    lock->release_notify = NULL;
}

void et_lock_destroy(et_lock *lock)
{
    pthread_mutex_destroy(&lock->mutex);
}

void et__lock_acquire(et_lock *lock, const char *file, int line)
{
    ET_USAGE_CHECK(!et_lock_held_by_me(lock),
                   "et_lock_acquire: lock '%s' is already held by this thread (%s:%d)",
                   lock->cls ? lock->cls->name : "?", file, line);
    if (lock->cls) {
        note_acquire(lock->cls, file, line);
    }
    pthread_mutex_lock(&lock->mutex);
    __atomic_store_n(&lock->owner, et_thread_id(), __ATOMIC_RELAXED);
}

void et_lock_release(et_lock *lock)
{
    /* Nothing of the lock is read after the unlock: another thread may take
     * it then and free it (a device freed once its last delivery ends). */
    et_lock_class *cls = lock->cls;
    __atomic_store_n(&lock->owner, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&lock->mutex);
    if (cls) {
        note_release(cls);
    }
}

void et__lock_wait(et_lock *lock, pthread_cond_t *cond)
{
    __atomic_store_n(&lock->owner, 0, __ATOMIC_RELAXED);
    pthread_cond_wait(cond, &lock->mutex);
    __atomic_store_n(&lock->owner, et_thread_id(), __ATOMIC_RELAXED);
}

void et_lock_release_owner(et_lock *lock)
{
    if (lock->release_notify) {
        lock->release_notify(lock);
    } else {
        et_lock_release(lock);
    }
}

bool et_lock_held_by_me(const et_lock *lock)
{
    return __atomic_load_n(&lock->owner, __ATOMIC_RELAXED) == et_thread_id();
}

void et__lockdep_acquired(et_lock_class *cls, const char *file, int line)
{
    note_acquire(cls, file, line);
}

void et_lockdep_released(et_lock_class *cls)
{
    note_release(cls);
}
