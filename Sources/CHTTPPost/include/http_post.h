#ifndef PLATFLOW_HTTP_POST_H
#define PLATFLOW_HTTP_POST_H

#include <stddef.h>

/// The outcome of one HTTP request. `transport_error` is 0 when a response came (any status), else
/// one of the kinds below with `message` saying what happened.
typedef struct {
    long status;
    int transport_error;
    char message[512];
    char *body;          /* malloc'd response body (free with platflow_http_free), at most `body_cap` bytes */
    size_t body_length;
    int body_truncated;
} platflow_http_result;

enum {
    PLATFLOW_HTTP_OK = 0,
    PLATFLOW_HTTP_UNAVAILABLE = 1,   /* the system HTTP library could not be loaded */
    PLATFLOW_HTTP_CONNECT = 2,       /* name resolution or connection failed */
    PLATFLOW_HTTP_TIMEOUT = 3,       /* the deadline passed */
    PLATFLOW_HTTP_ABORTED = 4,       /* *abort became non-zero */
    PLATFLOW_HTTP_OTHER = 5          /* TLS, protocol or another failure */
};

/// Sends `method` (POST, PUT...) to `url` with `headers` ("Name: value" lines) and `body`, waiting at most
/// `timeout_ms`. Only http and https are allowed; redirects are not followed. `*abort` is read while the
/// request runs: non-zero stops it (PLATFLOW_HTTP_ABORTED). Safe to call from several threads.
void platflow_http_request(const char *method, const char *url, const char *const *headers, size_t header_count,
                           const char *body, size_t body_length, long timeout_ms, size_t body_cap,
                           const volatile int *abort, platflow_http_result *result);

void platflow_http_free(platflow_http_result *result);

#endif
