/* emutime: locks with a run-time lock-order checker.
 *
 * The lock order is one way: embedder locks -> device lock -> timer-queue lock
 * (a leaf). With the checker built in (the CMake option EMUTIME_LOCKDEP: on
 * in development and test builds, off in the optimized build `make install`
 * installs) every et_lock belongs to a lock class; the checker learns the order in which classes are taken and
 * reports an inversion with the call sites of both orders, before the program
 * ever deadlocks on it. Embedders can make their own big lock (QEMU's BQL)
 * visible to the checker with et_lockdep_acquired/et_lockdep_released.
 */
#ifndef EMUTIME_LOCK_H
#define EMUTIME_LOCK_H

#include <pthread.h>
#include <stdbool.h>
#include "emutime/export.h"

ET_BEGIN_DECLS

/* A lock class: all locks that play the same role (every device lock of one
 * device type, say). Define classes statically: the checker keys on the
 * address. */
typedef struct et_lock_class {
    const char *name;
    int id; /* assigned by the checker on first use; start at 0 */
} et_lock_class;

#define ET_LOCK_CLASS_INIT(name_) { (name_), 0 }

typedef struct et_lock {
    pthread_mutex_t mutex;
    et_lock_class *cls;
    /* The thread that holds it, for "held by me" checks (0 when free). */
    unsigned long owner;
    /* Optional: how the lock's owner releases it after work done on its
     * behalf (a device delivers its queued interrupts); see
     * et_lock_release_owner. */
    void (*release_notify)(struct et_lock *lock);
} et_lock;

void et_lock_init(et_lock *lock, et_lock_class *cls);
void et_lock_destroy(et_lock *lock);

#define et_lock_acquire(l) et__lock_acquire((l), __FILE__, __LINE__)
void et__lock_acquire(et_lock *lock, const char *file, int line);
void et_lock_release(et_lock *lock);
/* Releases through the owner's release_notify if it has one (timer firings use
 * this, so a device's interrupts raised by an expiry get delivered). */
void et_lock_release_owner(et_lock *lock);
bool et_lock_held_by_me(const et_lock *lock);

/* Identifies the calling thread (never 0). */
unsigned long et_thread_id(void);

/* Tell the checker about a lock the library does not own (the embedder's big
 * lock): call right after taking it and right before releasing it. */
#define et_lockdep_acquired(cls) et__lockdep_acquired((cls), __FILE__, __LINE__)
void et__lockdep_acquired(et_lock_class *cls, const char *file, int line);
void et_lockdep_released(et_lock_class *cls);

/* Whether the checker is compiled in (EMUTIME_LOCKDEP). */
bool et_lockdep_enabled(void);

/* How an inversion is reported. The default handler prints the report to
 * stderr and aborts; a test can install its own (NULL restores the default).
 * The report names both classes and both call sites. */
typedef void (*et_lockdep_report_fn)(const char *report, void *opaque);
void et_lockdep_set_report_handler(et_lockdep_report_fn fn, void *opaque);

/* Forgets every learned order (for tests). */
void et_lockdep_reset(void);

ET_END_DECLS

#endif
