// A non-variadic face for the few libcurl calls koopack makes. libcurl is loaded with dlopen the
// first time an HTTP request is made, so commands that never touch the network do not pay for
// loading it (and OpenSSL, nghttp2, libssh2... behind it) at start-up. curl_easy_setopt and
// curl_easy_getinfo are variadic, which Swift cannot call through a function pointer: this
// target calls them from C.
#ifndef KOOPACK_CCURLSHIM_H
#define KOOPACK_CCURLSHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Called with each response header line (status lines included, CRLF kept). Returning anything
/// but `length` aborts the transfer.
typedef size_t (*koopack_http_header_callback)(void *context, const char *line, size_t length);
/// Called with each chunk of the response body. Returning anything but `length` aborts the transfer.
typedef size_t (*koopack_http_body_callback)(void *context, const char *data, size_t length);

/// One HTTP exchange: no redirect is followed (the caller decides), TLS is always verified.
typedef struct koopack_http_request {
    const char *url;
    const char *method;                 // "GET", "HEAD", or another verb sent with `body`
    const char *const *headers;         // "Name: value" lines; "Name:" removes a default header
    size_t header_count;
    const unsigned char *body;
    size_t body_length;
    const char *ca_bundle;              // PEM certificates to trust, or NULL for libcurl's default
    size_t ca_bundle_length;
    long connect_timeout_ms;
    long total_timeout_ms;
    void *context;
    koopack_http_header_callback on_header;
    koopack_http_body_callback on_body;
} koopack_http_request;

/// What became of an exchange.
typedef struct koopack_http_outcome {
    int code;                           // libcurl's CURLcode, 0 when the exchange completed
    long status;                        // the last HTTP status received, 0 when none
    int connected;                      // 1 when a connection to the server (or proxy) was made
    char message[256];                  // libcurl's description of a failure
} koopack_http_outcome;

/// Loads libcurl (once per process). Returns NULL when it is usable, or a message saying why not.
const char *koopack_curl_load(void);
/// The version libcurl reports, e.g. "7.88.1", or NULL before a successful load.
const char *koopack_curl_version(void);
/// The CA bundle file libcurl verifies against by default, or NULL when it has none built in.
const char *koopack_curl_default_ca_file(void);
/// A new transfer handle (keeps its connections and TLS sessions between exchanges), or NULL.
void *koopack_curl_handle_new(void);
void koopack_curl_handle_free(void *handle);
/// Runs one exchange on `handle`, blocking until it ends. Returns `outcome->code`.
int koopack_curl_perform(void *handle, const koopack_http_request *request, koopack_http_outcome *outcome);

#ifdef __cplusplus
}
#endif

#endif
