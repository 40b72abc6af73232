// Argument unwrapping for the N-API functions: typed arrays by pointer (zero-copy) with a length check,
// numbers and booleans; the first problem throws a TypeError naming the function.
#pragma once
#include <node_api.h>
#include <stdio.h>

#include <cstddef>
#include <cstdint>

namespace wr {

constexpr size_t kMaxArgs = 16;

struct Args {
  napi_env env;
  const char* fn;
  napi_value v[kMaxArgs];
  size_t n = kMaxArgs;
  bool failed = false;

  Args(napi_env e, napi_callback_info info, const char* name) : env(e), fn(name) {
    if (napi_get_cb_info(env, info, &n, v, nullptr, nullptr) != napi_ok) fail("bad arguments");
  }

  void fail(const char* what) {
    if (failed) return;
    failed = true;
    char msg[256];
    snprintf(msg, sizeof msg, "weightroom native %s: %s", fn, what);
    napi_throw_type_error(env, nullptr, msg);
  }

  bool is_null(size_t i) {
    napi_valuetype t;
    if (i >= n || napi_typeof(env, v[i], &t) != napi_ok) return true;
    return t == napi_null || t == napi_undefined;
  }

  void* typed(size_t i, napi_typedarray_type want, size_t* len, const char* what) {
    if (failed) return nullptr;
    bool is = false;
    if (i >= n || napi_is_typedarray(env, v[i], &is) != napi_ok || !is) {
      fail(what);
      return nullptr;
    }
    napi_typedarray_type type;
    void* data = nullptr;
    size_t length = 0;
    if (napi_get_typedarray_info(env, v[i], &type, &length, &data, nullptr, nullptr) != napi_ok ||
        type != want) {
      fail(what);
      return nullptr;
    }
    *len = length;
    return data;
  }

  float* f32(size_t i, size_t need, const char* what) {
    size_t len = 0;
    float* p = static_cast<float*>(typed(i, napi_float32_array, &len, what));
    if (!failed && len < need) fail("buffer shorter than its shape");
    return p;
  }
  double* f64(size_t i, size_t need, const char* what) {
    size_t len = 0;
    double* p = static_cast<double*>(typed(i, napi_float64_array, &len, what));
    if (!failed && len < need) fail("buffer shorter than its shape");
    return p;
  }
  uint8_t* u8(size_t i, size_t need, const char* what) {
    size_t len = 0;
    uint8_t* p = static_cast<uint8_t*>(typed(i, napi_uint8_array, &len, what));
    if (!failed && len < need) fail("buffer shorter than its shape");
    return p;
  }
  int32_t* i32(size_t i, size_t* len, const char* what) {
    return static_cast<int32_t*>(typed(i, napi_int32_array, len, what));
  }

  long integer(size_t i) {
    int64_t x = 0;
    if (!failed && (i >= n || napi_get_value_int64(env, v[i], &x) != napi_ok)) fail("expected a number");
    if (x < 0) fail("negative size");
    return (long)x;
  }
  double number(size_t i) {
    double x = 0;
    if (!failed && (i >= n || napi_get_value_double(env, v[i], &x) != napi_ok)) fail("expected a number");
    return x;
  }
  bool boolean(size_t i) {
    bool b = false;
    if (!failed && (i >= n || napi_get_value_bool(env, v[i], &b) != napi_ok)) fail("expected a boolean");
    return b;
  }
};

inline napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

}  // namespace wr
