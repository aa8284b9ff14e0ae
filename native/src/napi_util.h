// Argument unpacking for every addon function (N-API C API): typed, bounds-checked access to Float32Array / number /
// boolean / number-array arguments, and a guard that turns C++ exceptions into JS errors. Usage:
//   static napi_value fn(napi_env env, napi_callback_info info) {
//     return dal::guarded(env, [&] { dal::Args a(env, info, 3); float* x = a.f32(0, n); ... });
//   }
#pragma once
#include <node_api.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

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
    return typedF32(argv_[i], i, minLength);
  }

  /** A Float32Array argument of any length; its length (elements) goes to *length. */
  float* f32Len(size_t i, int64_t* length) {
    napi_valuetype t = type(i);
    if (t == napi_null || t == napi_undefined) throw ArgError(where(i) + " must be a Float32Array, got null");
    float* p = typedF32(argv_[i], i, 0);
    *length = lastLength_;
    return p;
  }

  /** A JS array of numbers (a shape or an axis list), each truncated to an integer. */
  std::vector<int64_t> ints(size_t i) {
    bool isArray = false;
    if (i >= argc_ || napi_is_array(env_, argv_[i], &isArray) != napi_ok || !isArray) {
      throw ArgError(where(i) + " must be an array of numbers");
    }
    uint32_t len = 0;
    napi_get_array_length(env_, argv_[i], &len);
    std::vector<int64_t> out(len);
    for (uint32_t k = 0; k < len; ++k) {
      napi_value el;
      double v = 0;
      napi_get_element(env_, argv_[i], k, &el);
      if (napi_get_value_double(env_, el, &v) != napi_ok) throw ArgError(where(i) + " must be an array of numbers");
      out[k] = static_cast<int64_t>(v);
    }
    return out;
  }

  /** A JS array of Float32Arrays, each with at least minLength elements. */
  std::vector<float*> f32List(size_t i, int64_t minLength) {
    bool isArray = false;
    if (i >= argc_ || napi_is_array(env_, argv_[i], &isArray) != napi_ok || !isArray) {
      throw ArgError(where(i) + " must be an array of Float32Arrays");
    }
    uint32_t len = 0;
    napi_get_array_length(env_, argv_[i], &len);
    std::vector<float*> out;
    for (uint32_t k = 0; k < len; ++k) {
      napi_value el;
      napi_get_element(env_, argv_[i], k, &el);
      out.push_back(typedF32(el, i, minLength));
    }
    return out;
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

  /** The data of a Float32Array value (argument i, or an element of it) with at least minLength elements. */
  float* typedF32(napi_value v, size_t i, int64_t minLength) {
    bool isTyped = false;
    napi_is_typedarray(env_, v, &isTyped);
    if (!isTyped) throw ArgError(where(i) + " must be a Float32Array");
    napi_typedarray_type tt;
    size_t length = 0;
    void* data = nullptr;
    napi_get_typedarray_info(env_, v, &tt, &length, &data, nullptr, nullptr);
    if (tt != napi_float32_array) throw ArgError(where(i) + " must be a Float32Array (other typed array given)");
    if (static_cast<int64_t>(length) < minLength) {
      throw ArgError(where(i) + " has " + std::to_string(length) + " elements, needs " + std::to_string(minLength));
    }
    lastLength_ = static_cast<int64_t>(length);
    return static_cast<float*>(data);
  }

  napi_env env_;
  const char* name_;
  size_t argc_;
  napi_value argv_[kMax];
  int64_t lastLength_ = 0;
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
