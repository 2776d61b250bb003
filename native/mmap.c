/*
 * Memory-mapped file ranges as SharedArrayBuffers, for reading Arrow IPC files (and CSV and NDJSON
 * chunks, Parquet column chunks) without copying them: `map(path, offset, length)` maps bytes
 * [offset, offset + length) of a file (from the page the range starts in, so any offset will do)
 * privately and writably, and returns a buffer of exactly those bytes, so a job that writes into its input's
 * typed arrays changes its own copy-on-write pages, never the file. The mapping lives as long as the
 * buffer: when V8 frees the buffer's backing store, the reaper thread unmaps it (see `reaper`).
 *
 * Why a SharedArrayBuffer (made in shared-buffer.cc): V8 counts every ArrayBuffer's length as external
 * memory and starts a full GC for every ~64 MB of it, which is right for malloc'd memory and wrong
 * for a mapping, whose pages are the page cache's, read only where touched and dropped by the kernel
 * when it needs them. A 10M-row scan mapped 620 MB per run and paid ~20 ms of marking per worker for
 * it. V8 does not count shared backing stores, so a mapping costs the GC nothing. Mappings that are
 * garbage are still freed at the next GC that finds them (usually a scavenge); as a backstop, once a
 * thread's live mappings pass `linger_bytes` (QUIVER_MMAP_LINGER_MB), each further mapping is
 * reported to V8 as external memory again, so a thread cannot pile up old mappings without bound.
 *
 * Page faults are taken lazily, so columns a job never touches are never read. Node 20 has no mmap
 * of its own; this is the only native code in quiver, and quiver reads with copies when it is not
 * built (scripts/build-native.mjs) or when QUIVER_MMAP=0.
 *
 * A file cut short while it is mapped makes reads past its new end fault with SIGBUS, which would
 * kill the process. Live mappings are kept in a table that a SIGBUS handler looks the faulting
 * address up in: for one of ours, it maps zero pages over the rest of the mapping, notes the file and
 * returns, so the read goes on (reading zeros) and `takeCut()` tells the task's end, which fails the
 * task with an error naming the file. A SIGBUS anywhere else goes to the previous handler.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The live mappings, for the SIGBUS handler. base 0 is a free slot, 1 a slot being filled, 2 one whose
 * mapping is gone but whose cut is not yet taken; otherwise the mapping's address.
 */
#define SLOTS 4096
typedef struct {
  atomic_uintptr_t base;
  size_t length;
  char *path;
  off_t end;   /* the file offset where the mapping ends */
  dev_t dev;   /* which file it maps, to tell a file cut short from one replaced at the same path */
  ino_t ino;
  atomic_int cut;
  int reported; /* its cut was returned by takeCut() once: not again */
  napi_env owner; /* the thread (Node environment) that mapped it: only its takeCut() reports it */
  unsigned task;  /* the owner's task that mapped it (see beginTask) */
} slot;
static slot slots[SLOTS];
static long page_size;
/* Live mapped bytes per thread past which new mappings count as external memory (see the top). */
static long long linger_bytes = 4LL << 30;
/*
 * Guards the slots' `path` and their moves between free, gone and live: `unmap` runs on whichever
 * thread V8 frees the buffer on, `take_cut` on the task's. (Not the SIGBUS handler: it only reads
 * `base` and `length` and sets `cut`.)
 */
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * What one thread (Node environment) has reported to V8 as external memory for its mappings. A
 * mapping may be freed on another thread (V8 frees buffers in the background) or after its thread's
 * environment is gone (at heap teardown), so `unmap` only adds to `released`, and the thread's next
 * `map` reports it. Freed when its environment and all of its mappings are gone.
 */
typedef struct {
  atomic_llong live;     /* bytes of this thread's mappings whose buffers V8 has not yet freed */
  atomic_llong released; /* bytes reported to V8 for mappings since freed, not yet taken back */
  long long reported;    /* net bytes reported to V8 (only its thread changes it) */
  unsigned task;         /* counts the thread's tasks (beginTask) */
  atomic_int refs;
} accounts;

static void drop_accounts(accounts *a) {
  if (atomic_fetch_sub(&a->refs, 1) == 1) free(a);
}

typedef struct mapping {
  void *base;
  size_t length;
  int slot; /* -1 when the table was full: such a mapping is not guarded */
  accounts *owner;
  int64_t accounted;
  struct mapping *next; /* in the reaper's queue */
} mapping;

static int register_mapping(napi_env owner, unsigned task, void *base, size_t length, const char *path, off_t end, const struct stat *st) {
  for (int i = 0; i < SLOTS; i++) {
    uintptr_t expected = 0;
    if (atomic_compare_exchange_strong(&slots[i].base, &expected, 1)) {
      slots[i].length = length;
      slots[i].path = strdup(path);
      slots[i].end = end;
      slots[i].dev = st->st_dev;
      slots[i].ino = st->st_ino;
      slots[i].reported = 0;
      slots[i].owner = owner;
      slots[i].task = task;
      atomic_store(&slots[i].cut, 0);
      atomic_store(&slots[i].base, (uintptr_t)base);
      return i;
    }
  }
  return -1;
}

static struct sigaction previous_sigbus;

static void on_sigbus(int sig, siginfo_t *info, void *context) {
  uintptr_t at = (uintptr_t)info->si_addr;
  for (int i = 0; i < SLOTS; i++) {
    uintptr_t base = atomic_load(&slots[i].base);
    if (base > 2 && at >= base && at < base + slots[i].length) {
      uintptr_t from = at & ~(uintptr_t)(page_size - 1);
      /* mmap is a plain system call on Linux, safe in a signal handler. */
      if (mmap((void *)from, base + slots[i].length - from, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
        atomic_store(&slots[i].cut, 1);
        return;
      }
      break;
    }
  }
  /* Not a mapping of ours: the previous disposition handles the fault when the access is retried. */
  sigaction(SIGBUS, &previous_sigbus, NULL);
}

static void install_sigbus_handler(void) {
  static atomic_int installed;
  if (atomic_exchange(&installed, 1)) return;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_sigbus;
  action.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  sigaction(SIGBUS, &action, &previous_sigbus);
}

/* shared-buffer.cc */
napi_value quiver_shared_buffer(void *base, size_t length, void (*release)(void *, size_t, void *), void *hint);

/* Unmaps a mapping whose buffer V8 has freed (its accounts are settled already). */
static void reap(mapping *m) {
  munmap(m->base, m->length);
  free(m);
}

/*
 * The reaper: a thread of this library that unmaps the mappings V8 frees, so the thread that frees
 * them does not. V8 frees a worker's dead buffers inside its scavenges, on the worker's own thread
 * (quiver runs with --no-concurrent-sweeping), and unmapping a scanned 62 MB split (zapping its page
 * table entries, flushing other cores' TLBs) took 4-6 ms of a 5 ms scavenge, once per run per worker
 * on a 10M-row Arrow scan: time a worker spent not running its task, and the next run waited for.
 * The reaper runs at SCHED_IDLE, on time no thread of any process wants.
 *
 * Past `REAP_BACKLOG` bytes waiting (a machine busy for long, or one scavenge freeing several runs'
 * mappings at once: 1.6 GB of a 591 MB file's splits, three runs' worth), a second thread at normal
 * priority, the rusher, unmaps alongside it until the backlog is below that again: the freeing thread
 * still does not, so a worker's GC pause stays short (it took 6-9 ms when the worker unmapped the
 * excess itself), and the unmapping competes for the cores as any thread does. Only past
 * `REAP_LIMIT` (the rusher could not keep up either) does a freeing thread unmap on its own, so the
 * mapped-but-dead bytes stay bounded.
 */
#define REAP_BACKLOG (1LL << 30)
#define REAP_LIMIT (4LL << 30)
static pthread_mutex_t reap_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reap_wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t rush_wake = PTHREAD_COND_INITIALIZER;
static mapping *reap_queue;
static long long reap_bytes;
static int reaper_started; /* 1 both running, 2 the reaper only, -1 neither (freeing threads unmap themselves) */

/* Unmaps queued mappings one at a time, while `wanted` holds; called with reap_lock held, returns with it held. */
static void drain(int (*wanted)(void)) {
  while (reap_queue != NULL && wanted()) {
    mapping *m = reap_queue;
    reap_queue = m->next;
    size_t length = m->length;
    pthread_mutex_unlock(&reap_lock);
    reap(m);
    pthread_mutex_lock(&reap_lock);
    reap_bytes -= (long long)length;
  }
}

static int always(void) { return 1; }
static int behind(void) { return reap_bytes > REAP_BACKLOG; }

static void *reaper(void *unused) {
  (void)unused;
  struct sched_param idle = {0};
  pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle);
  pthread_mutex_lock(&reap_lock);
  for (;;) {
    while (reap_queue == NULL) pthread_cond_wait(&reap_wake, &reap_lock);
    drain(always);
  }
  return NULL;
}

static void *rusher(void *unused) {
  (void)unused;
  pthread_mutex_lock(&reap_lock);
  for (;;) {
    while (!behind()) pthread_cond_wait(&rush_wake, &reap_lock);
    drain(behind);
  }
  return NULL;
}

static int start_detached(void *(*fn)(void *)) {
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int ok = pthread_create(&t, &attr, fn, NULL) == 0;
  pthread_attr_destroy(&attr);
  return ok;
}

/* Hands `m` to the reaper; false when this thread must unmap it itself. */
static int defer_reap(mapping *m) {
  pthread_mutex_lock(&reap_lock);
  if (reaper_started == 0) {
    /* Without the rusher the limit is the backlog itself: the freeing thread takes the excess. */
    reaper_started = start_detached(reaper) ? (start_detached(rusher) ? 1 : 2) : -1;
  }
  long long limit = reaper_started == 1 ? REAP_LIMIT : REAP_BACKLOG;
  int deferred = reaper_started > 0 && reap_bytes + (long long)m->length <= limit;
  if (deferred) {
    m->next = reap_queue;
    reap_queue = m;
    reap_bytes += (long long)m->length;
    pthread_cond_signal(&reap_wake);
    if (behind()) pthread_cond_signal(&rush_wake);
  }
  pthread_mutex_unlock(&reap_lock);
  return deferred;
}

/*
 * The buffer's deleter: on any thread, possibly after the thread that mapped it has stopped. The slot
 * is freed and the thread's accounts settled at once (nothing reads the mapping any more); the
 * unmapping is the reaper's.
 */
static void unmap(void *data, size_t length, void *hint) {
  mapping *m = (mapping *)hint;
  pthread_mutex_lock(&slots_lock);
  if (m->slot >= 0) {
    if (atomic_load(&slots[m->slot].cut)) {
      atomic_store(&slots[m->slot].base, 2); /* takeCut() still reports it, then frees the slot */
    } else {
      char *path = slots[m->slot].path;
      slots[m->slot].path = NULL;
      atomic_store(&slots[m->slot].base, 0);
      free(path);
    }
  }
  pthread_mutex_unlock(&slots_lock);
  atomic_fetch_sub(&m->owner->live, (long long)m->length);
  atomic_fetch_add(&m->owner->released, m->accounted);
  drop_accounts(m->owner);
  if (!defer_reap(m)) reap(m);
}

/* Throws an Error whose `code` is the errno name (ENOENT, EACCES, ...) and whose message names the file. */
static napi_value throw_errno(napi_env env, const char *what, const char *path, int err) {
  char message[4200];
  snprintf(message, sizeof message, "cannot %s %s: %s", what, path, strerror(err));
  napi_value msg, code, error;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_int32(env, err, &code);
  napi_create_error(env, NULL, msg, &error);
  napi_set_named_property(env, error, "errno", code);
  napi_throw(env, error);
  return NULL;
}

static napi_value map(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  char path[4096];
  size_t path_length;
  double offset, length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3 ||
      napi_get_value_string_utf8(env, argv[0], path, sizeof path, &path_length) != napi_ok ||
      napi_get_value_double(env, argv[1], &offset) != napi_ok ||
      napi_get_value_double(env, argv[2], &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "map(path: string, offset: number, length: number)");
    return NULL;
  }
  if (path_length >= sizeof path - 1) {
    napi_throw_range_error(env, NULL, "path too long");
    return NULL;
  }
  if (offset < 0 || length < 0 || offset != (double)(int64_t)offset || length != (double)(int64_t)length) {
    napi_throw_range_error(env, NULL, "offset and length must be non-negative integers");
    return NULL;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open", path, errno);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "stat", path, err);
  }
  napi_value result;
  if (offset + length > (double)st.st_size) {
    close(fd);
    char message[4300];
    snprintf(message, sizeof message, "%s has %lld bytes, fewer than the %.0f asked for (was it truncated?)", path, (long long)st.st_size, offset + length);
    napi_value msg, error;
    napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
    napi_create_range_error(env, NULL, msg, &error);
    napi_throw(env, error);
    return NULL;
  }
  if (length == 0) {
    close(fd);
    void *data;
    napi_create_arraybuffer(env, 0, &data, &result);
    return result;
  }
  /* Mapped from the page the range starts in; the buffer starts at the range's first byte. */
  size_t skip = (size_t)((int64_t)offset % page_size);
  void *base = mmap(NULL, (size_t)length + skip, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, (off_t)offset - (off_t)skip);
  int err = errno;
  close(fd);
  if (base == MAP_FAILED) return throw_errno(env, "map", path, err);
  mapping *m = malloc(sizeof *m);
  if (m == NULL) {
    munmap(base, (size_t)length + skip);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  m->base = base;
  m->length = (size_t)length + skip;
  napi_get_instance_data(env, (void **)&m->owner);
  m->slot = register_mapping(env, m->owner->task, base, m->length, path, (off_t)(offset + length), &st);
  atomic_fetch_add(&m->owner->refs, 1);
  long long live = atomic_fetch_add(&m->owner->live, (long long)m->length) + (long long)m->length;
  m->accounted = live > linger_bytes ? (int64_t)m->length : 0;
  result = quiver_shared_buffer((char *)base + skip, (size_t)length, unmap, m);
  if (result == NULL) {
    if (m->slot >= 0) {
      pthread_mutex_lock(&slots_lock);
      free(slots[m->slot].path);
      slots[m->slot].path = NULL;
      atomic_store(&slots[m->slot].base, 0);
      pthread_mutex_unlock(&slots_lock);
    }
    munmap(base, m->length);
    drop_accounts(m->owner);
    free(m);
    napi_throw_error(env, NULL, "cannot wrap the mapping in an ArrayBuffer");
    return NULL;
  }
  int64_t change = m->accounted - atomic_exchange(&m->owner->released, 0), ignored;
  m->owner->reported += change;
  napi_adjust_external_memory(env, change, &ignored);
  return result;
}

/*
 * takeCut(): the files of this thread's mappings that were cut short since the last call (each
 * once), or an empty array. Their bytes past the cut read as zeros, so the caller must fail what read them. Besides the
 * faults the SIGBUS handler saw, a file now shorter than the end of a live mapping of it made in this
 * task (since beginTask) counts: a cut inside a page zeroes the rest of that page without any fault.
 */
static napi_value take_cut(napi_env env, napi_callback_info info) {
  napi_value result, name;
  accounts *a;
  napi_get_instance_data(env, (void **)&a);
  char *cut[64];
  uint32_t n = 0;
  pthread_mutex_lock(&slots_lock);
  for (int i = 0; i < SLOTS; i++) {
    struct stat st;
    if (atomic_load(&slots[i].base) > 2 && slots[i].owner == env && slots[i].task == a->task && !slots[i].reported && slots[i].path && stat(slots[i].path, &st) == 0 &&
        st.st_dev == slots[i].dev && st.st_ino == slots[i].ino && st.st_size < slots[i].end) {
      atomic_store(&slots[i].cut, 1);
    }
  }
  for (int i = 0; i < SLOTS && n < sizeof cut / sizeof cut[0]; i++) {
    uintptr_t base = atomic_load(&slots[i].base);
    if (base > 1 && slots[i].owner == env && atomic_exchange(&slots[i].cut, 0)) {
      slots[i].reported = 1;
      cut[n++] = strdup(slots[i].path ? slots[i].path : "(unknown file)");
      if (base == 2) {
        free(slots[i].path);
        slots[i].path = NULL;
        atomic_store(&slots[i].base, 0);
      }
    }
  }
  pthread_mutex_unlock(&slots_lock);
  /* JS values only now: making them may run a GC, which may call `unmap`, which takes the lock. */
  napi_create_array(env, &result);
  for (uint32_t i = 0; i < n; i++) {
    napi_create_string_utf8(env, cut[i] ? cut[i] : "(unknown file)", NAPI_AUTO_LENGTH, &name);
    napi_set_element(env, result, i, name);
    free(cut[i]);
  }
  return result;
}

/*
 * release(view): gives back the pages of a view of a mapping that its owner will not read again (a
 * decoded CSV or NDJSON chunk), without waiting for the GC to free the mapping: MADV_DONTNEED drops
 * them from this process (a later read would map the file's bytes again). Only whole pages inside the
 * view. For views nothing has written to: a written page would lose its copy-on-write changes.
 */
static napi_value release(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "release(view: Uint8Array)");
    return NULL;
  }
  uintptr_t from = ((uintptr_t)data + page_size - 1) & ~(uintptr_t)(page_size - 1);
  uintptr_t to = ((uintptr_t)data + length) & ~(uintptr_t)(page_size - 1);
  if (to > from) madvise((void *)from, to - from, MADV_DONTNEED);
  return NULL;
}

/*
 * beginTask(): the mappings made from now on are the new task's. takeCut() checks the sizes of those
 * files only: a mapping an earlier task made and nothing reads any more (it waits for a GC) says
 * nothing about this task when its file is written again between runs.
 */
static napi_value begin_task(napi_env env, napi_callback_info info) {
  accounts *a;
  napi_get_instance_data(env, (void **)&a);
  a->task++;
  return NULL;
}

/*
 * counted(): bytes of this thread's live mappings that V8 counts as external memory (those made past
 * the linger budget and not yet freed), for tests and diagnostics.
 */
static napi_value counted(napi_env env, napi_callback_info info) {
  accounts *a;
  napi_value result;
  napi_get_instance_data(env, (void **)&a);
  napi_create_double(env, (double)(a->reported - atomic_load(&a->released)), &result);
  return result;
}

/*
 * Keeps this library loaded until the process exits. Node unloads an addon when the last worker that
 * loaded it stops, but V8 frees that worker's remaining buffers (calling `unmap`) later, when it tears
 * the worker's heap down.
 */
static void pin_library(void) {
  Dl_info self;
  if (dladdr((void *)pin_library, &self) && self.dli_fname) dlopen(self.dli_fname, RTLD_NOW | RTLD_NODELETE);
}

static void drop_thread_accounts(napi_env env, void *data, void *hint) {
  drop_accounts((accounts *)data);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  accounts *a = calloc(1, sizeof *a);
  if (a == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  atomic_store(&a->refs, 1);
  napi_set_instance_data(env, a, drop_thread_accounts, NULL);
  const char *linger = getenv("QUIVER_MMAP_LINGER_MB");
  if (linger && atoll(linger) >= 0) linger_bytes = atoll(linger) << 20;
  page_size = sysconf(_SC_PAGESIZE);
  install_sigbus_handler();
  pin_library();
  napi_create_function(env, "takeCut", NAPI_AUTO_LENGTH, take_cut, NULL, &fn);
  napi_set_named_property(env, exports, "takeCut", fn);
  napi_create_function(env, "release", NAPI_AUTO_LENGTH, release, NULL, &fn);
  napi_set_named_property(env, exports, "release", fn);
  napi_create_function(env, "beginTask", NAPI_AUTO_LENGTH, begin_task, NULL, &fn);
  napi_set_named_property(env, exports, "beginTask", fn);
  napi_create_function(env, "counted", NAPI_AUTO_LENGTH, counted, NULL, &fn);
  napi_set_named_property(env, exports, "counted", fn);
  napi_create_function(env, "map", NAPI_AUTO_LENGTH, map, NULL, &fn);
  napi_set_named_property(env, exports, "map", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
