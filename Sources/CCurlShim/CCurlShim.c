// libcurl behind dlopen; see include/CCurlShim.h for why.
#include "CCurlShim.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef CURLcode (*global_init_fn)(long);
typedef CURL *(*easy_init_fn)(void);
typedef void (*easy_cleanup_fn)(CURL *);
typedef void (*easy_reset_fn)(CURL *);
typedef CURLcode (*easy_setopt_fn)(CURL *, CURLoption, ...);
typedef CURLcode (*easy_getinfo_fn)(CURL *, CURLINFO, ...);
typedef CURLcode (*easy_perform_fn)(CURL *);
typedef const char *(*easy_strerror_fn)(CURLcode);
typedef struct curl_slist *(*slist_append_fn)(struct curl_slist *, const char *);
typedef void (*slist_free_all_fn)(struct curl_slist *);
typedef curl_version_info_data *(*version_info_fn)(CURLversion);

static struct {
    easy_init_fn easy_init;
    easy_cleanup_fn easy_cleanup;
    easy_reset_fn easy_reset;
    easy_setopt_fn easy_setopt;
    easy_getinfo_fn easy_getinfo;
    easy_perform_fn easy_perform;
    easy_strerror_fn easy_strerror;
    slist_append_fn slist_append;
    slist_free_all_fn slist_free_all;
    const char *version;
    char default_ca_file[1024];
    int has_default_ca_file;
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];
static int loaded;

static void *resolve(void *library, const char *name) {
    void *symbol = dlsym(library, name);
    if (symbol == NULL && load_error[0] == 0) {
        snprintf(load_error, sizeof load_error, "libcurl has no %s: it is older than koopack needs", name);
    }
    return symbol;
}

static void load(void) {
    static const char *const names[] = {"libcurl.so.4", "libcurl.so", "libcurl.4.dylib", "libcurl.dylib"};
    void *library = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && library == NULL; i++) {
        library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    }
    if (library == NULL) {
        snprintf(load_error, sizeof load_error,
                 "libcurl is not installed (looked for libcurl.so.4, libcurl.so): install libcurl4 to reach HTTP(S) servers");
        return;
    }
    global_init_fn global_init = (global_init_fn)resolve(library, "curl_global_init");
    version_info_fn version_info = (version_info_fn)resolve(library, "curl_version_info");
    curl.easy_init = (easy_init_fn)resolve(library, "curl_easy_init");
    curl.easy_cleanup = (easy_cleanup_fn)resolve(library, "curl_easy_cleanup");
    curl.easy_reset = (easy_reset_fn)resolve(library, "curl_easy_reset");
    curl.easy_setopt = (easy_setopt_fn)resolve(library, "curl_easy_setopt");
    curl.easy_getinfo = (easy_getinfo_fn)resolve(library, "curl_easy_getinfo");
    curl.easy_perform = (easy_perform_fn)resolve(library, "curl_easy_perform");
    curl.easy_strerror = (easy_strerror_fn)resolve(library, "curl_easy_strerror");
    curl.slist_append = (slist_append_fn)resolve(library, "curl_slist_append");
    curl.slist_free_all = (slist_free_all_fn)resolve(library, "curl_slist_free_all");
    if (load_error[0] != 0) return;
    if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(load_error, sizeof load_error, "libcurl could not initialise");
        return;
    }
    curl_version_info_data *info = version_info(CURLVERSION_NOW);
    // CURLOPT_CAINFO_BLOB and CURLOPT_PROTOCOLS_STR, both used below, came in 7.77 and 7.85.
    if (info == NULL || info->version_num < 0x075500) {
        snprintf(load_error, sizeof load_error, "libcurl %s is older than 7.85.0, which koopack needs",
                 info != NULL && info->version != NULL ? info->version : "(unknown)");
        return;
    }
    if ((info->features & CURL_VERSION_SSL) == 0) {
        snprintf(load_error, sizeof load_error, "libcurl %s was built without TLS", info->version);
        return;
    }
    curl.version = info->version;
    CURL *probe = curl.easy_init();
    if (probe != NULL) {
        char *path = NULL;
        if (curl.easy_getinfo(probe, CURLINFO_CAINFO, &path) == CURLE_OK && path != NULL
            && strlen(path) < sizeof curl.default_ca_file) {
            strcpy(curl.default_ca_file, path);
            curl.has_default_ca_file = 1;
        }
        curl.easy_cleanup(probe);
    }
    loaded = 1;
}

const char *koopack_curl_load(void) {
    pthread_once(&load_once, load);
    return loaded ? NULL : load_error;
}

const char *koopack_curl_version(void) { return loaded ? curl.version : NULL; }

const char *koopack_curl_default_ca_file(void) {
    return loaded && curl.has_default_ca_file ? curl.default_ca_file : NULL;
}

void *koopack_curl_handle_new(void) { return koopack_curl_load() == NULL ? curl.easy_init() : NULL; }

void koopack_curl_handle_free(void *handle) {
    if (handle != NULL && loaded) curl.easy_cleanup((CURL *)handle);
}

static size_t header_trampoline(char *data, size_t size, size_t count, void *userdata) {
    const koopack_http_request *request = userdata;
    return request->on_header(request->context, data, size * count);
}

static size_t body_trampoline(char *data, size_t size, size_t count, void *userdata) {
    const koopack_http_request *request = userdata;
    return request->on_body(request->context, data, size * count);
}

int koopack_curl_perform(void *handle, const koopack_http_request *request, koopack_http_outcome *outcome) {
    memset(outcome, 0, sizeof *outcome);
    if (koopack_curl_load() != NULL || handle == NULL) {
        outcome->code = CURLE_FAILED_INIT;
        snprintf(outcome->message, sizeof outcome->message, "%s", load_error[0] ? load_error : "no libcurl handle");
        return outcome->code;
    }
    CURL *easy = handle;
    char error_buffer[CURL_ERROR_SIZE];
    error_buffer[0] = 0;
    // reset keeps the handle's live connections and TLS session cache, so a source read in many
    // ranges pays for one handshake.
    curl.easy_reset(easy);
    struct curl_slist *headers = NULL;
    CURLcode code = CURLE_OK;
#define SET(option, value) if (code == CURLE_OK) code = curl.easy_setopt(easy, option, value)
    SET(CURLOPT_ERRORBUFFER, error_buffer);
    SET(CURLOPT_URL, request->url);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, request->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, request->total_timeout_ms);
    SET(CURLOPT_HEADERFUNCTION, header_trampoline);
    SET(CURLOPT_HEADERDATA, (void *)request);
    SET(CURLOPT_WRITEFUNCTION, body_trampoline);
    SET(CURLOPT_WRITEDATA, (void *)request);
    if (request->ca_bundle != NULL) {
        struct curl_blob blob = {(void *)request->ca_bundle, request->ca_bundle_length, CURL_BLOB_COPY};
        SET(CURLOPT_CAINFO_BLOB, &blob);
    }
    if (strcmp(request->method, "HEAD") == 0) {
        SET(CURLOPT_NOBODY, 1L);
    } else if (strcmp(request->method, "GET") != 0 || request->body_length > 0) {
        SET(CURLOPT_CUSTOMREQUEST, request->method);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)request->body_length);
        SET(CURLOPT_POSTFIELDS, request->body_length > 0 ? (const char *)request->body : "");
    }
    for (size_t i = 0; i < request->header_count && code == CURLE_OK; i++) {
        struct curl_slist *grown = curl.slist_append(headers, request->headers[i]);
        if (grown == NULL) code = CURLE_OUT_OF_MEMORY; else headers = grown;
    }
    SET(CURLOPT_HTTPHEADER, headers);
#undef SET
    if (code == CURLE_OK) code = curl.easy_perform(easy);
    long status = 0;
    curl.easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_off_t connect_time = 0;
    curl.easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect_time);
    // The handle keeps the list's pointer until the next reset: clear it before freeing.
    curl.easy_setopt(easy, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
    curl.easy_setopt(easy, CURLOPT_ERRORBUFFER, (char *)NULL);
    curl.slist_free_all(headers);
    outcome->code = code;
    outcome->status = status;
    outcome->connected = connect_time > 0 || status > 0;
    if (code != CURLE_OK) {
        snprintf(outcome->message, sizeof outcome->message, "%s",
                 error_buffer[0] ? error_buffer : curl.easy_strerror(code));
        size_t length = strlen(outcome->message);
        if (length > 0 && outcome->message[length - 1] == '\n') outcome->message[length - 1] = 0;
    }
    return code;
}
