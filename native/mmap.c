/*
 * Memory-mapped file ranges as ArrayBuffers, for reading Arrow IPC files without copying
 * them: `map(path, offset, length)` maps bytes [offset, offset + length) of a file (offset a multiple
 * of `pageSize`) privately and writably, so a job that writes into its input's typed arrays changes
 * its own copy-on-write pages, never the file. The mapping lives as long as the ArrayBuffer: it is
 * unmapped when V8 collects it, and its size is reported to V8 as external memory so that old
 * mappings are collected as eagerly as buffers of the same size would be.
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
#include <errno.h>
#include <fcntl.h>
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
} slot;
static slot slots[SLOTS];
static long page_size;

typedef struct {
  void *base;
  size_t length;
  int slot; /* -1 when the table was full: such a mapping is not guarded */
} mapping;

static int register_mapping(napi_env owner, void *base, size_t length, const char *path, off_t end, const struct stat *st) {
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

static void unmap(napi_env env, void *data, void *hint) {
  mapping *m = (mapping *)hint;
  int64_t ignored;
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
  munmap(m->base, m->length);
  napi_adjust_external_memory(env, -(int64_t)m->length, &ignored);
  free(m);
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
  long page = sysconf(_SC_PAGESIZE);
  if (offset < 0 || length < 0 || offset != (double)(int64_t)offset || length != (double)(int64_t)length || (int64_t)offset % page != 0) {
    napi_throw_range_error(env, NULL, "offset must be a non-negative multiple of the page size and length a non-negative integer");
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
  void *base = mmap(NULL, (size_t)length, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, (off_t)offset);
  int err = errno;
  close(fd);
  if (base == MAP_FAILED) return throw_errno(env, "map", path, err);
  mapping *m = malloc(sizeof *m);
  if (m == NULL) {
    munmap(base, (size_t)length);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  m->base = base;
  m->length = (size_t)length;
  m->slot = register_mapping(env, base, m->length, path, (off_t)(offset + length), &st);
  if (napi_create_external_arraybuffer(env, base, m->length, unmap, m, &result) != napi_ok) {
    if (m->slot >= 0) {
      free(slots[m->slot].path);
      atomic_store(&slots[m->slot].base, 0);
    }
    munmap(base, m->length);
    free(m);
    napi_throw_error(env, NULL, "cannot wrap the mapping in an ArrayBuffer");
    return NULL;
  }
  int64_t ignored;
  napi_adjust_external_memory(env, (int64_t)m->length, &ignored);
  return result;
}

/*
 * takeCut(): the files of this thread's mappings that were cut short since the last call (each
 * once), or an empty array. Their bytes past the cut read as zeros, so the caller must fail what read them. Besides the
 * faults the SIGBUS handler saw, a file now shorter than the end of a live mapping of it counts: a
 * cut inside a page zeroes the rest of that page without any fault.
 */
static napi_value take_cut(napi_env env, napi_callback_info info) {
  napi_value result, name;
  napi_create_array(env, &result);
  for (int i = 0; i < SLOTS; i++) {
    struct stat st;
    if (atomic_load(&slots[i].base) > 2 && slots[i].owner == env && !slots[i].reported && slots[i].path && stat(slots[i].path, &st) == 0 &&
        st.st_dev == slots[i].dev && st.st_ino == slots[i].ino && st.st_size < slots[i].end) {
      atomic_store(&slots[i].cut, 1);
    }
  }
  uint32_t n = 0;
  for (int i = 0; i < SLOTS; i++) {
    uintptr_t base = atomic_load(&slots[i].base);
    if (base > 1 && slots[i].owner == env && atomic_exchange(&slots[i].cut, 0)) {
      slots[i].reported = 1;
      napi_create_string_utf8(env, slots[i].path ? slots[i].path : "(unknown file)", NAPI_AUTO_LENGTH, &name);
      napi_set_element(env, result, n++, name);
      if (base == 2) {
        free(slots[i].path);
        slots[i].path = NULL;
        atomic_store(&slots[i].base, 0);
      }
    }
  }
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn, page;
  page_size = sysconf(_SC_PAGESIZE);
  install_sigbus_handler();
  napi_create_function(env, "takeCut", NAPI_AUTO_LENGTH, take_cut, NULL, &fn);
  napi_set_named_property(env, exports, "takeCut", fn);
  napi_create_function(env, "map", NAPI_AUTO_LENGTH, map, NULL, &fn);
  napi_set_named_property(env, exports, "map", fn);
  napi_create_double(env, (double)sysconf(_SC_PAGESIZE), &page);
  napi_set_named_property(env, exports, "pageSize", page);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
