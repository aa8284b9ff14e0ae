// Self-registration of addon functions: each .cc file declares `static dal::Export e("name", fn);`
// and addon.cc exports every registered function, so kernel files never edit a shared list.
#pragma once
#include <node_api.h>
#include <vector>

namespace dal {

struct ExportEntry {
  const char* name;
  napi_callback fn;
};

inline std::vector<ExportEntry>& exportRegistry() {
  static std::vector<ExportEntry> entries;
  return entries;
}

struct Export {
  Export(const char* name, napi_callback fn) { exportRegistry().push_back({name, fn}); }
};

}  // namespace dal
