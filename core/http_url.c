/*
 * http_url.c — URL parsing and path-segment escaping (contracts and input policy in tc_http.h).
 */
#include <string.h>

#include "http_int.h"


static bool host_char(char c) { return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; }
static bool ipv6_char(char c)
{
  return is_digit(c) || (unsigned)((c | 0x20) - 'a') < 6u || c == ':' || c == '.';
}

tc_err_t tc_url_parse(const char *url, size_t len, tc_url_t *out)
{
  size_t i, a, ae, h, he, p;
  if (url == NULL || out == NULL) return TC_ERR_HTTP_URL;
  memset(out, 0, sizeof *out);
  if (len >= 8 && tc_http__ieq(url, 8, "https://")) {
    out->tls = true;
    i = 8;
  } else if (len >= 7 && tc_http__ieq(url, 7, "http://")) {
    i = 7;
  } else {
    return TC_ERR_HTTP_URL;
  }
  for (a = i; i < len && url[i] != '/'; i++) {}
  ae = i; /* authority is url[a..ae) */
  if (a < ae && url[a] == '[') {
    h = he = a + 1;
    while (he < ae && url[he] != ']') {
      if (!ipv6_char(url[he])) return TC_ERR_HTTP_URL;
      he++;
    }
    if (he == ae) return TC_ERR_HTTP_URL;
    p = he + 1;
  } else {
    h = he = a;
    while (he < ae && url[he] != ':') {
      if (!host_char(url[he])) return TC_ERR_HTTP_URL;
      he++;
    }
    p = he;
  }
  if (he == h) return TC_ERR_HTTP_URL;
  out->host = (tc_slice_t){ url + h, he - h };
  out->port = out->tls ? 443 : 80;
  if (p < ae) {
    uint64_t port;
    /* ':' and 1 to 5 digits */
    if (url[p] != ':' || ae - p > 6 || !tc_parse_u64(url + p + 1, ae - p - 1, &port)) return TC_ERR_HTTP_URL;
    if (port == 0 || port > 65535u) return TC_ERR_HTTP_URL;
    out->port = (uint16_t)port;
    out->port_explicit = true;
  }
  for (i = ae; i < len; i++) {
    unsigned char c = (unsigned char)url[i];
    if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#') return TC_ERR_HTTP_URL;
  }
  out->path = (tc_slice_t){ url + ae, len - ae };
  if (out->path.len && url[len - 1] == '/') out->path.len--;
  return TC_OK;
}

static const char k_hex[] = "0123456789ABCDEF";

/* The bytes encodeURIComponent keeps (A-Z a-z 0-9 - _ . ! ~ * ' ( )), one
 * bit per ASCII byte. */
static const uint8_t k_unreserved[16] = { 0x00, 0x00, 0x00, 0x00, 0x82, 0x67, 0xff, 0x03,
                                          0xfe, 0xff, 0xff, 0x87, 0xfe, 0xff, 0xff, 0x47 };

void tc_http_put_path_segment(tc_buf_t *b, tc_slice_t seg)
{
  size_t start = 0;
  if (seg.ptr == NULL || seg.len == 0) return;
  for (size_t i = 0; i < seg.len; i++) {
    char c = seg.ptr[i];
    char esc[3];
    unsigned u = (unsigned char)c;
    if (u < 128 && ((k_unreserved[u >> 3] >> (u & 7)) & 1)) continue;
    tc_buf_put(b, seg.ptr + start, i - start);
    esc[0] = '%';
    esc[1] = k_hex[(unsigned char)c >> 4];
    esc[2] = k_hex[(unsigned char)c & 15u];
    tc_buf_put(b, esc, 3);
    start = i + 1;
  }
  tc_buf_put(b, seg.ptr + start, seg.len - start);
}
