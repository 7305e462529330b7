/*
 * mount(2) and umount2(2) for tpod's snapshots (src/snapshots/syscall-mounter.ts). Node has
 * no binding for them; spawning util-linux mount(8) and umount(8) cost ~7 ms each on every
 * `tpod run` (fork of a large process, exec, libmount reading the mount table).
 *
 * Overlay options may name layers relative to a directory (the mount data is one page, and
 * relative paths let more layers fit): the kernel resolves them against the working
 * directory of the calling thread. The call therefore runs on a short-lived thread of its own
 * that unshares its filesystem context (CLONE_FS) before chdir, so the working directory of
 * Node's threads never changes.
 *
 * Failures throw an Error whose `code` is the errno's name (EBUSY, EINVAL, ...), `errno` its
 * number and message the C library's text.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

struct mount_call {
  char *source, *target, *fstype, *data, *cwd;
  int error;
};

static void *mount_in_own_cwd(void *arg) {
  struct mount_call *call = arg;
  if (call->cwd != NULL && (unshare(CLONE_FS) != 0 || chdir(call->cwd) != 0)) {
    call->error = errno;
    return NULL;
  }
  call->error = mount(call->source, call->target, call->fstype, 0, call->data) == 0 ? 0 : errno;
  return NULL;
}

static const char *errno_name(int error) {
  switch (error) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EBUSY: return "EBUSY";
    case EINVAL: return "EINVAL";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOMEM: return "ENOMEM";
    case ENOSPC: return "ENOSPC";
    case EROFS: return "EROFS";
    case ESTALE: return "ESTALE";
    case EAGAIN: return "EAGAIN";
    default: return "EUNKNOWN";
  }
}

static napi_value throw_errno(napi_env env, int error) {
  napi_value code, message, exception, number;
  napi_create_string_utf8(env, errno_name(error), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, strerror(error), NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &exception);
  napi_create_int32(env, error, &number);
  napi_set_named_property(env, exception, "errno", number);
  napi_throw(env, exception);
  return NULL;
}

/* A string argument, or NULL for undefined/null; *ok is cleared on a wrong type. */
static char *string_arg(napi_env env, napi_value value, int *ok) {
  napi_valuetype type;
  size_t length;
  char *text;
  napi_typeof(env, value, &type);
  if (type == napi_undefined || type == napi_null) return NULL;
  if (type != napi_string || napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) {
    *ok = 0;
    return NULL;
  }
  text = malloc(length + 1);
  if (text == NULL) {
    *ok = 0;
    return NULL;
  }
  napi_get_value_string_utf8(env, value, text, length + 1, &length);
  return text;
}

/* mount(source, target, fstype, data, cwd?) */
static napi_value js_mount(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  struct mount_call call = {0};
  pthread_t thread;
  int ok = 1, spawn_error;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "mount(source, target, fstype, data, cwd?)");
    return NULL;
  }
  call.source = string_arg(env, argv[0], &ok);
  call.target = string_arg(env, argv[1], &ok);
  call.fstype = string_arg(env, argv[2], &ok);
  call.data = string_arg(env, argv[3], &ok);
  call.cwd = argc > 4 ? string_arg(env, argv[4], &ok) : NULL;
  if (!ok || call.target == NULL || call.fstype == NULL) {
    napi_throw_type_error(env, NULL, "mount: target and fstype must be strings");
  } else if ((spawn_error = pthread_create(&thread, NULL, mount_in_own_cwd, &call)) != 0) {
    throw_errno(env, spawn_error);
  } else {
    pthread_join(thread, NULL);
    if (call.error != 0) throw_errno(env, call.error);
  }
  free(call.source);
  free(call.target);
  free(call.fstype);
  free(call.data);
  free(call.cwd);
  return NULL;
}

/* umount(target, detach) */
static napi_value js_umount(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  bool detach = false;
  int ok = 1;
  char *target;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  target = argc > 0 ? string_arg(env, argv[0], &ok) : NULL;
  if (argc > 1) napi_get_value_bool(env, argv[1], &detach);
  if (!ok || target == NULL) {
    free(target);
    napi_throw_type_error(env, NULL, "umount: target must be a string");
    return NULL;
  }
  if (umount2(target, detach ? MNT_DETACH : 0) != 0) throw_errno(env, errno);
  free(target);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
    {"mount", NULL, js_mount, NULL, NULL, NULL, napi_default, NULL},
    {"umount", NULL, js_umount, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
