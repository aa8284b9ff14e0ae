// Argument unpacking for addon functions (N-API C API): typed, bounds-checked access to Float32Array / number /
// boolean arguments, and a guard that turns C++ exceptions into JS errors. Usage:
//   static napi_value fn(napi_env env, napi_callback_info info) {
//     return dal::guarded(env, [&] { dal::Args a(env, info, 3); float* x = a.f32(0, n); ... });
//   }
#pragma once
#include <node_api.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace dal {

/** Thrown for a bad argument; guarded() rethrows it in JS as a TypeError-like Error with this message. */
struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  static constexpr size_t kMax = 32;

  Args(napi_env env, napi_callback_info info, size_t expected, const char* fnName = "native function")
      : env_(env), name_(fnName) {
    argc_ = kMax;
    if (napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr) != napi_ok) throw ArgError("napi_get_cb_info failed");
    if (argc_ < expected) {
      throw ArgError(std::string(name_) + ": expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc_));
    }
  }

  size_t count() const { return argc_; }

  /** A Float32Array argument with at least minLength elements. */
  float* f32(size_t i, int64_t minLength) {
    float* p = f32OrNull(i, minLength);
    if (!p && minLength > 0) throw ArgError(where(i) + " must be a Float32Array, got null");
    return p;
  }

  /** A Float32Array argument (or null/undefined → nullptr) with at least minLength elements. */
  float* f32OrNull(size_t i, int64_t minLength) {
    napi_valuetype t = type(i);
    if (t == napi_null || t == napi_undefined) return nullptr;
    bool isTyped = false;
    napi_is_typedarray(env_, argv_[i], &isTyped);
    if (!isTyped) throw ArgError(where(i) + " must be a Float32Array");
    napi_typedarray_type tt;
    size_t length = 0;
    void* data = nullptr;
    napi_get_typedarray_info(env_, argv_[i], &tt, &length, &data, nullptr, nullptr);
    if (tt != napi_float32_array) throw ArgError(where(i) + " must be a Float32Array (other typed array given)");
    if (static_cast<int64_t>(length) < minLength) {
      throw ArgError(where(i) + " has " + std::to_string(length) + " elements, needs " + std::to_string(minLength));
    }
    return static_cast<float*>(data);
  }

  /** An integer-valued number argument. */
  int64_t i64(size_t i) {
    if (type(i) == napi_boolean) return boolean(i) ? 1 : 0;
    int64_t v = 0;
    if (napi_get_value_int64(env_, argv_[i], &v) != napi_ok) throw ArgError(where(i) + " must be a number");
    return v;
  }

  /** A non-negative integer argument. */
  int64_t dim(size_t i) {
    int64_t v = i64(i);
    if (v < 0) throw ArgError(where(i) + " must be >= 0, got " + std::to_string(v));
    return v;
  }

  double f64(size_t i) {
    double v = 0;
    if (napi_get_value_double(env_, argv_[i], &v) != napi_ok) throw ArgError(where(i) + " must be a number");
    return v;
  }

  /** A boolean argument (numbers are accepted: non-zero is true). */
  bool boolean(size_t i) {
    if (type(i) == napi_number) return f64(i) != 0;
    bool v = false;
    if (napi_get_value_bool(env_, argv_[i], &v) != napi_ok) throw ArgError(where(i) + " must be a boolean");
    return v;
  }

  napi_env env() const { return env_; }

 private:
  napi_valuetype type(size_t i) {
    if (i >= argc_) return napi_undefined;
    napi_valuetype t;
    napi_typeof(env_, argv_[i], &t);
    return t;
  }
  std::string where(size_t i) const { return std::string(name_) + ": argument " + std::to_string(i); }

  napi_env env_;
  const char* name_;
  size_t argc_;
  napi_value argv_[kMax];
};

/** Runs fn, converting a C++ exception into a pending JS exception; returns undefined (or fn's napi_value). */
template <class F>
napi_value guarded(napi_env env, F&& fn) {
  try {
    if constexpr (std::is_same_v<decltype(fn()), napi_value>) {
      return fn();
    } else {
      fn();
    }
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  } catch (...) {
    napi_throw_error(env, nullptr, "dal_native: unknown C++ exception");
  }
  return nullptr;
}

/** A JS number from a C++ double. */
inline napi_value toJs(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

}  // namespace dal
