// Entry point of the dal_native addon: exports every function registered through dal::Export.
#include "registry.h"

static napi_value Init(napi_env env, napi_value exports) {
  for (const auto& e : dal::exportRegistry()) {
    napi_value fn;
    napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.fn, nullptr, &fn);
    napi_set_named_property(env, exports, e.name, fn);
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
