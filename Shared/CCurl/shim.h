#ifndef COE_CCURL_SHIM_H
#define COE_CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are C-variadic, which Swift cannot call: one typed
// wrapper per kind of value the SMTP client sets or reads.
static inline CURLcode coe_curl_set_string(CURL *curl, CURLoption option, const char *value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode coe_curl_set_long(CURL *curl, CURLoption option, long value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode coe_curl_set_pointer(CURL *curl, CURLoption option, void *value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode coe_curl_set_list(CURL *curl, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(curl, option, value);
}
typedef size_t (*coe_curl_read_callback)(char *buffer, size_t size, size_t count, void *context);
static inline CURLcode coe_curl_set_read_function(CURL *curl, coe_curl_read_callback callback) {
    return curl_easy_setopt(curl, CURLOPT_READFUNCTION, callback);
}
static inline CURLcode coe_curl_response_code(CURL *curl, long *code) {
    return curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, code);
}

// The SMTP options the client sets, as constants (their macros are not all importable).
static const CURLoption COE_CURLOPT_URL = CURLOPT_URL;
static const CURLoption COE_CURLOPT_MAIL_FROM = CURLOPT_MAIL_FROM;
static const CURLoption COE_CURLOPT_MAIL_RCPT = CURLOPT_MAIL_RCPT;
static const CURLoption COE_CURLOPT_USERNAME = CURLOPT_USERNAME;
static const CURLoption COE_CURLOPT_PASSWORD = CURLOPT_PASSWORD;
static const CURLoption COE_CURLOPT_UPLOAD = CURLOPT_UPLOAD;
static const CURLoption COE_CURLOPT_READDATA = CURLOPT_READDATA;
static const CURLoption COE_CURLOPT_INFILESIZE = CURLOPT_INFILESIZE;
static const CURLoption COE_CURLOPT_USE_SSL = CURLOPT_USE_SSL;
static const CURLoption COE_CURLOPT_CONNECTTIMEOUT_MS = CURLOPT_CONNECTTIMEOUT_MS;
static const CURLoption COE_CURLOPT_TIMEOUT_MS = CURLOPT_TIMEOUT_MS;
static const CURLoption COE_CURLOPT_NOSIGNAL = CURLOPT_NOSIGNAL;
static const CURLoption COE_CURLOPT_ERRORBUFFER = CURLOPT_ERRORBUFFER;
static const CURLoption COE_CURLOPT_PROTOCOLS_STR = CURLOPT_PROTOCOLS_STR;
static const long COE_CURLUSESSL_TRY = CURLUSESSL_TRY;
static const long COE_CURLUSESSL_ALL = CURLUSESSL_ALL;
static const long COE_CURL_ERROR_SIZE = CURL_ERROR_SIZE;

#endif
