/* sse.c — the WHATWG event-stream interpretation, streaming (see tc_sse.h).
 *
 * Lines are never buffered. A line is read as: its field name byte by byte
 * (names are short), then its value as spans between line ends, found with
 * memchr (LF and CR searches are cached per feed, so a multi-MiB data line
 * costs two memchr passes and a single on_data call per feed). */
#include <string.h>

#include "tc_json_int.h"
#include "tc_sse.h"

_Static_assert(TC_SSE_EVENT_MAX >= 1 && TC_SSE_EVENT_MAX <= 255, "event_len is a uint8_t");

enum { ST_BOM = 0, ST_NAME, ST_SPACE, ST_VALUE };
enum { F_IGNORE = 0, F_DATA, F_ID, F_EVENT, F_RETRY, N_FIELDS = F_RETRY };

#define NAME_TOO_LONG 6 /* name_len saturates here: longer than any known name */

/* The known field names, NUL-separated, in F_ order from F_DATA (the names
 * of every record's lines, data and id, first: one lookup per line), found
 * with the JSON layer's name lookup (tc_json__name_index). */
static const char k_fields[] = "data\0id\0event\0retry";

static const char bom_bytes[3] = { '\xEF', '\xBB', '\xBF' };

void tc_sse_init(tc_sse_t *s, char *id_buf, size_t id_cap, const tc_sse_cb_t *cb, void *user)
{
  memset(s, 0, sizeof *s);
  s->cb = cb;
  s->user = user;
  if (id_buf == NULL || id_cap < 2) {
    id_buf = s->id_tiny;
    id_cap = 2;
  }
  s->id_base = s->last_id = id_buf; /* last_id[0] is NUL: the first half is "" */
  id_buf[0] = '\0';
  s->last_id_cap = id_cap / 2;
  /* s->state = ST_BOM (0) */
}

bool tc_sse_idle(const tc_sse_t *s)
{
  if (s->state == ST_BOM) return s->bom_seen == 0;
  return s->state == ST_NAME && s->name_len == 0 && !s->data_started;
}

static char *id_pending(tc_sse_t *s)
{
  return s->last_id == s->id_base ? s->id_base + s->last_id_cap : s->id_base;
}

/* The event type back to "" (at a dispatch, and before an `event` value). */
static void event_reset(tc_sse_t *s)
{
  s->event_len = 0;
  s->event[0] = '\0';
  s->event_truncated = false;
}

/* The name is complete: decide the field and start its (possibly empty) value. */
static tc_err_t begin_value(tc_sse_t *s)
{
  /* (a name too long to be kept, NAME_TOO_LONG, is looked up as "": none
   * of them) */
  size_t n = s->name_len <= sizeof s->name ? s->name_len : 0;
  uint8_t f = (uint8_t)(F_DATA + tc_json__name_index(k_fields, N_FIELDS, s->name, n)); /* -1: F_IGNORE */
  s->field = f;
  s->vlen = 0;
  s->vbad = s->vtrunc = false;
  s->retry_acc = 0;
  if (f == F_EVENT) {
    event_reset(s);
  } else if (f == F_DATA) {
    /* The spec appends LF after every data line and strips the last one
     * at dispatch: the same as a LF before every line but the first. */
    bool more = s->data_started;
    s->data_started = true;
    if (more && s->cb->on_data) return s->cb->on_data(s->user, s, "\n", 1);
  }
  return TC_OK;
}

/* n > 0 bytes of the current line's value. */
static tc_err_t value_span(tc_sse_t *s, const char *p, size_t n)
{
  uint8_t f = s->field;
  if (f == F_DATA) return s->cb->on_data ? s->cb->on_data(s->user, s, p, n) : TC_OK;
  if (f == F_RETRY) {
    for (size_t k = 0; k < n && !s->vbad; k++) {
      unsigned d = (unsigned)(unsigned char)p[k] - '0';
      uint64_t v = s->retry_acc * 10u + d;
      s->vbad = d > 9;
      s->vlen++;
      /* saturating: the product overflowed when acc was above UINT64_MAX / 10
       * (a constant: no 64-bit division), the sum when it wrapped below d */
      s->retry_acc = s->retry_acc > UINT64_MAX / 10u || v < d ? UINT64_MAX : v;
    }
  } else if (f != F_IGNORE) {
    /* event or id: kept (NUL-terminated) up to its buffer, the rest cut and
     * flagged; an id holding NUL is ignored, so it is not kept at all */
    char *dst = f == F_ID ? id_pending(s) : s->event;
    size_t k, cap = f == F_ID ? s->last_id_cap - 1 : TC_SSE_EVENT_MAX;
    if (f == F_ID && memchr(p, '\0', n) != NULL) s->vbad = true;
    if (s->vbad) return TC_OK;
    k = cap - s->vlen;
    if (k > n) k = n;
    memcpy(dst + s->vlen, p, k);
    s->vlen += k;
    dst[s->vlen] = '\0';
    if (k < n) s->vtrunc = true;
    if (f == F_EVENT) {
      s->event_len = (uint8_t)s->vlen;
      s->event_truncated = s->vtrunc;
    }
  }
  return TC_OK;
}

/* The current line ended (its line end consumed). */
static tc_err_t end_line(tc_sse_t *s)
{
  s->state = ST_NAME;
  s->name_len = 0;
  if (s->vbad) return TC_OK;
  if (s->field == F_ID) {
    char *id = id_pending(s);
    id[s->vlen] = '\0';
    s->last_id = id;
    s->last_id_len = s->vlen;
    s->last_id_truncated = s->vtrunc;
    if (s->cb->on_id) return s->cb->on_id(s->user, s);
  } else if (s->field == F_RETRY && s->vlen && s->cb->on_retry) {
    return s->cb->on_retry(s->user, s, s->retry_acc);
  }
  return TC_OK;
}

/* A blank line. */
static tc_err_t dispatch(tc_sse_t *s)
{
  tc_err_t (*fn)(void *, const tc_sse_t *) = s->data_started ? s->cb->on_dispatch : s->cb->on_discard;
  tc_err_t e = fn ? fn(s->user, s) : TC_OK;
  s->data_started = false;
  event_reset(s);
  return e;
}

static tc_err_t feed_lines(tc_sse_t *s, const char *p, const char *end)
{
  /* lf: the next LF at or after p (or end); cr: the next CR before lf (or lf).
   * Recomputed only once p has passed them, so each byte is searched once. */
  const char *lf = NULL, *cr = NULL;
  tc_err_t e;

  while (p < end) {
    switch (s->state) {
    case ST_BOM:
      if (*p == bom_bytes[s->bom_seen]) {
        p++;
        if (++s->bom_seen == sizeof bom_bytes) s->state = ST_NAME;
        continue;
      }
      /* Not a BOM: the bytes matched so far (at most 2, none of them a
       * line end or ':') start the first line's name. */
      s->state = ST_NAME;
      memcpy(s->name, bom_bytes, s->bom_seen);
      s->name_len = s->bom_seen;
      continue;
    case ST_NAME:
      /* name_len 0: at the start of a line, where a line end is a blank
       * line and ':' a comment (an empty name, which no field has) */
      while (p < end) {
        char c = *p++;
        if (s->after_cr) { /* CRLF: the LF was part of the line end */
          s->after_cr = false;
          if (c == '\n') continue;
        }
        if (c == ':') {
          s->state = ST_SPACE;
          if ((e = begin_value(s)) != TC_OK) return e;
          break;
        }
        if (c == '\n' || c == '\r') {
          s->after_cr = c == '\r';
          if (s->name_len == 0) { /* a blank line */
            if ((e = dispatch(s)) != TC_OK) return e;
            continue;
          }
          /* no colon: the line is the name */
          if ((e = begin_value(s)) != TC_OK) return e;
          if ((e = end_line(s)) != TC_OK) return e;
          continue;
        }
        if (s->name_len < sizeof s->name) s->name[s->name_len] = c;
        if (s->name_len < NAME_TOO_LONG) s->name_len++;
      }
      continue;
    case ST_SPACE:
      s->state = ST_VALUE;
      if (*p == ' ') p++;
      continue;
    default: { /* ST_VALUE */
      if (lf == NULL || lf < p) {
        lf = memchr(p, '\n', (size_t)(end - p));
        if (lf == NULL) lf = end;
        cr = NULL;
      }
      if (cr == NULL || cr < p) {
        cr = memchr(p, '\r', (size_t)(lf - p));
        if (cr == NULL) cr = lf;
      }
      if (cr > p && (e = value_span(s, p, (size_t)(cr - p))) != TC_OK) return e;
      if (cr == end) return TC_OK;
      s->after_cr = *cr == '\r';
      p = cr + 1;
      if ((e = end_line(s)) != TC_OK) return e;
      continue;
    }
    }
  }
  return TC_OK;
}

tc_err_t tc_sse_feed(tc_sse_t *s, const char *p, size_t n)
{
  if (s == NULL || s->cb == NULL || (p == NULL && n != 0)) return TC_ERR_ARG;
  return n ? feed_lines(s, p, p + n) : TC_OK;
}
