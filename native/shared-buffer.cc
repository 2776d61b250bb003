// The one function of the addon that needs V8's own API (the rest, mmap.c, is plain Node-API): wraps
// a mapping in a SharedArrayBuffer whose backing store calls `release` when V8 frees it. Node-API can
// make only ArrayBuffers, and V8 counts those as external memory (see mmap.c for why that is wrong
// for a mapping); it does not count shared backing stores.
//
// Called from a Node-API callback, so the current isolate is that thread's and a handle scope is
// open; the result is returned as a napi_value, which in every Node version is a v8::Local<v8::Value>
// (Node's js_native_api_v8.h converts them the same way).
#include <node_api.h>
#include <v8.h>

extern "C" napi_value quiver_shared_buffer(void *base, size_t length, void (*release)(void *, size_t, void *), void *hint) {
  v8::Isolate *isolate = v8::Isolate::GetCurrent();
  std::unique_ptr<v8::BackingStore> store = v8::SharedArrayBuffer::NewBackingStore(base, length, release, hint);
  v8::Local<v8::Value> buffer = v8::SharedArrayBuffer::New(isolate, std::move(store));
  return reinterpret_cast<napi_value>(*buffer);
}
