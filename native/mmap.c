/*
 * Memory-mapped file ranges as ArrayBuffers, for reading Arrow IPC and text files without copying
 * them: `map(path, offset, length)` maps bytes [offset, offset + length) of a file (offset a multiple
 * of `pageSize`) privately and writably, so a job that writes into its input's typed arrays changes
 * its own copy-on-write pages, never the file. The mapping lives as long as the ArrayBuffer: it is
 * unmapped when V8 collects it, and its size is reported to V8 as external memory so that old
 * mappings are collected as eagerly as buffers of the same size would be.
 *
 * Page faults are taken lazily, so columns a job never touches are never read. Node 20 has no mmap
 * of its own; this is the only native code in quiver, and quiver reads with copies when it is not
 * built (scripts/build-native.mjs) or when QUIVER_MMAP=0.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  void *base;
  size_t length;
} mapping;

static void unmap(napi_env env, void *data, void *hint) {
  mapping *m = (mapping *)hint;
  int64_t ignored;
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
  if (napi_create_external_arraybuffer(env, base, m->length, unmap, m, &result) != napi_ok) {
    munmap(base, m->length);
    free(m);
    napi_throw_error(env, NULL, "cannot wrap the mapping in an ArrayBuffer");
    return NULL;
  }
  int64_t ignored;
  napi_adjust_external_memory(env, (int64_t)m->length, &ignored);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn, page;
  napi_create_function(env, "map", NAPI_AUTO_LENGTH, map, NULL, &fn);
  napi_set_named_property(env, exports, "map", fn);
  napi_create_double(env, (double)sysconf(_SC_PAGESIZE), &page);
  napi_set_named_property(env, exports, "pageSize", page);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
