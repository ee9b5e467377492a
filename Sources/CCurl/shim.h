#ifndef HOMELABKIT_CCURL_SHIM_H
#define HOMELABKIT_CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call. One typed,
// non-variadic wrapper per argument kind (the swift-nio way of exposing C macros and varargs).

static inline CURLcode homelab_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode homelab_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode homelab_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode homelab_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode homelab_curl_setopt_blob(CURL *handle, CURLoption option, void *data, size_t length) {
    // CURL_BLOB_COPY: libcurl keeps its own copy, so the Swift buffer may go away after this call.
    struct curl_blob blob = { data, length, CURL_BLOB_COPY };
    return curl_easy_setopt(handle, option, &blob);
}

typedef size_t (*homelab_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);

static inline CURLcode homelab_curl_setopt_data_callback(CURL *handle, CURLoption option,
                                                         homelab_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode homelab_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode homelab_curl_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode homelab_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}

#endif
