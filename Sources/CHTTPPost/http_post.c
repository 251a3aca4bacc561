// HTTP requests through the system's libcurl, loaded with dlopen at the first request. Foundation's URLSession
// on Linux is built on the same libcurl, but linking FoundationNetworking into the static release binary would load
// libcurl and its TLS libraries at the start of every command; loading it here costs that only to a run that
// sends a request. The few curl declarations needed are written out below (their
// values are part of libcurl's stable ABI), so building needs no curl headers.
#include "http_post.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void CURL;
struct curl_slist;

enum {
    OPT_WRITEDATA = 10001, OPT_URL = 10002, OPT_ERRORBUFFER = 10010, OPT_WRITEFUNCTION = 20011,
    OPT_POSTFIELDS = 10015, OPT_USERAGENT = 10018, OPT_HTTPHEADER = 10023, OPT_NOPROGRESS = 43,
    OPT_FOLLOWLOCATION = 52, OPT_XFERINFODATA = 10057, OPT_POSTFIELDSIZE = 60, OPT_NOSIGNAL = 99,
    OPT_TIMEOUT_MS = 155, OPT_CONNECTTIMEOUT_MS = 156, OPT_PROTOCOLS = 181, OPT_CUSTOMREQUEST = 10036,
    OPT_XFERINFOFUNCTION = 20219,
};
enum { INFO_RESPONSE_CODE = 0x200002 };
enum { PROTO_HTTP = 1, PROTO_HTTPS = 2 };
enum { GLOBAL_ALL = 3 };
enum {
    E_OK = 0, E_UNSUPPORTED_PROTOCOL = 1, E_URL_MALFORMAT = 3, E_COULDNT_RESOLVE_PROXY = 5,
    E_COULDNT_RESOLVE_HOST = 6, E_COULDNT_CONNECT = 7, E_OPERATION_TIMEDOUT = 28, E_ABORTED_BY_CALLBACK = 42,
};

static struct {
    int (*global_init)(long);
    CURL *(*easy_init)(void);
    int (*easy_setopt)(CURL *, int, ...);
    int (*easy_perform)(CURL *);
    int (*easy_getinfo)(CURL *, int, ...);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(int);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    int loaded;
    char why[256];
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load_curl(void) {
    const char *names[] = {"libcurl.so.4", "libcurl.so", "libcurl-gnutls.so.4", "libcurl.4.dylib", NULL};
    void *lib = NULL;
    for (int i = 0; names[i] && !lib; i++) lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(curl.why, sizeof curl.why, "cannot load libcurl (libcurl.so.4): %s", dlerror());
        return;
    }
#define FIND(field, symbol) \
    if (!(*(void **)&curl.field = dlsym(lib, symbol))) { \
        snprintf(curl.why, sizeof curl.why, "libcurl lacks %s", symbol); \
        return; \
    }
    FIND(global_init, "curl_global_init")
    FIND(easy_init, "curl_easy_init")
    FIND(easy_setopt, "curl_easy_setopt")
    FIND(easy_perform, "curl_easy_perform")
    FIND(easy_getinfo, "curl_easy_getinfo")
    FIND(easy_cleanup, "curl_easy_cleanup")
    FIND(easy_strerror, "curl_easy_strerror")
    FIND(slist_append, "curl_slist_append")
    FIND(slist_free_all, "curl_slist_free_all")
#undef FIND
    // curl_global_init is not thread-safe; pthread_once makes this its only call.
    if (curl.global_init(GLOBAL_ALL) != E_OK) {
        snprintf(curl.why, sizeof curl.why, "libcurl failed to initialise");
        return;
    }
    curl.loaded = 1;
}

typedef struct {
    char *data;
    size_t length;
    size_t cap;
    int truncated;
} sink;

static size_t collect(char *ptr, size_t size, size_t count, void *user) {
    sink *s = user;
    size_t n = size * count;
    size_t room = s->cap - s->length;
    size_t take = n < room ? n : room;
    if (take < n) s->truncated = 1;
    if (take > 0) {
        char *grown = realloc(s->data, s->length + take + 1);
        if (!grown) return 0;
        s->data = grown;
        memcpy(s->data + s->length, ptr, take);
        s->length += take;
        s->data[s->length] = 0;
    }
    return n;  // the rest of an over-long body is read and dropped, so the status still arrives
}

static int progress(void *user, long long dltotal, long long dlnow, long long ultotal, long long ulnow) {
    (void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;
    const volatile int *abort = user;
    return abort && *abort ? 1 : 0;
}

void platflow_http_request(const char *method, const char *url, const char *const *headers, size_t header_count,
                           const char *body, size_t body_length, long timeout_ms, size_t body_cap,
                           const volatile int *abort, platflow_http_result *result) {
    memset(result, 0, sizeof *result);
    pthread_once(&load_once, load_curl);
    if (!curl.loaded) {
        result->transport_error = PLATFLOW_HTTP_UNAVAILABLE;
        snprintf(result->message, sizeof result->message, "%s", curl.why);
        return;
    }
    CURL *h = curl.easy_init();
    if (!h) {
        result->transport_error = PLATFLOW_HTTP_OTHER;
        snprintf(result->message, sizeof result->message, "libcurl could not make a request handle");
        return;
    }
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) list = curl.slist_append(list, headers[i]);
    char error_text[256] = {0};
    sink out = {NULL, 0, body_cap, 0};

    curl.easy_setopt(h, OPT_URL, url);
    curl.easy_setopt(h, OPT_PROTOCOLS, (long)(PROTO_HTTP | PROTO_HTTPS));
    curl.easy_setopt(h, OPT_NOSIGNAL, 1L);  // no SIGALRM for name-resolution timeouts: this is a threaded program
    curl.easy_setopt(h, OPT_FOLLOWLOCATION, 0L);
    curl.easy_setopt(h, OPT_TIMEOUT_MS, timeout_ms);
    curl.easy_setopt(h, OPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl.easy_setopt(h, OPT_ERRORBUFFER, error_text);
    curl.easy_setopt(h, OPT_USERAGENT, "platflow");
    curl.easy_setopt(h, OPT_HTTPHEADER, list);
    curl.easy_setopt(h, OPT_POSTFIELDS, body ? body : "");
    curl.easy_setopt(h, OPT_POSTFIELDSIZE, (long)body_length);
    if (method && strcmp(method, "POST") != 0) curl.easy_setopt(h, OPT_CUSTOMREQUEST, method);
    curl.easy_setopt(h, OPT_WRITEFUNCTION, collect);
    curl.easy_setopt(h, OPT_WRITEDATA, &out);
    curl.easy_setopt(h, OPT_NOPROGRESS, 0L);
    curl.easy_setopt(h, OPT_XFERINFOFUNCTION, progress);
    curl.easy_setopt(h, OPT_XFERINFODATA, (void *)abort);

    int code = curl.easy_perform(h);
    long status = 0;
    curl.easy_getinfo(h, INFO_RESPONSE_CODE, &status);
    result->status = status;
    if (code != E_OK) {
        switch (code) {
        case E_COULDNT_RESOLVE_HOST: case E_COULDNT_RESOLVE_PROXY: case E_COULDNT_CONNECT:
            result->transport_error = PLATFLOW_HTTP_CONNECT; break;
        case E_OPERATION_TIMEDOUT: result->transport_error = PLATFLOW_HTTP_TIMEOUT; break;
        case E_ABORTED_BY_CALLBACK: result->transport_error = PLATFLOW_HTTP_ABORTED; break;
        default: result->transport_error = PLATFLOW_HTTP_OTHER; break;
        }
        snprintf(result->message, sizeof result->message, "%s", error_text[0] ? error_text : curl.easy_strerror(code));
    }
    result->body = out.data;
    result->body_length = out.length;
    result->body_truncated = out.truncated;
    curl.slist_free_all(list);
    curl.easy_cleanup(h);
}

void platflow_http_free(platflow_http_result *result) {
    free(result->body);
    result->body = NULL;
    result->body_length = 0;
}
