/* sse.c — the WHATWG event-stream interpretation, streaming (see tc_sse.h).
 *
 * Lines are never buffered. A line is read as: its field name byte by byte
 * (names are short), then its value as spans between line ends, found with
 * memchr (LF and CR searches are cached per feed, so a multi-MiB data line
 * costs two memchr passes and a single on_data call per feed). */
#include <string.h>

#include "tc_sse.h"

_Static_assert(TC_SSE_EVENT_MAX >= 1 && TC_SSE_EVENT_MAX <= 255, "event_len is a uint8_t");

enum { ST_BOM = 0, ST_BOL, ST_NAME, ST_SPACE, ST_VALUE };
enum { F_IGNORE = 0, F_DATA, F_EVENT, F_ID, F_RETRY };

#define NAME_TOO_LONG 6 /* name_len saturates here: longer than any known name */

static const char bom_bytes[3] = { '\xEF', '\xBB', '\xBF' };

void tc_sse_init(tc_sse_t *s, char *id_buf, size_t id_cap, const tc_sse_cb_t *cb, void *user)
{
  memset(s, 0, sizeof *s);
  s->cb = cb;
  s->user = user;
  if (id_buf == NULL || id_cap < 2) {
    s->id_base = s->id_tiny;
    s->last_id_cap = 1;
  } else {
    s->id_base = id_buf;
    s->last_id_cap = id_cap / 2;
  }
  s->last_id = s->id_base;
  s->last_id[0] = '\0';
  s->state = ST_BOM;
}

bool tc_sse_idle(const tc_sse_t *s)
{
  if (s->state == ST_BOM) return s->bom_seen == 0;
  return s->state == ST_BOL && !s->data_started;
}

static char *id_pending(tc_sse_t *s)
{
  return s->last_id == s->id_base ? s->id_base + s->last_id_cap : s->id_base;
}

/* The name is complete: decide the field and start its (possibly empty) value. */
static tc_err_t begin_value(tc_sse_t *s)
{
  uint8_t f = F_IGNORE;
  switch (s->name_len) {
  case 2: if (memcmp(s->name, "id", 2) == 0) f = F_ID; break;
  case 4: if (memcmp(s->name, "data", 4) == 0) f = F_DATA; break;
  case 5:
    if (memcmp(s->name, "event", 5) == 0) f = F_EVENT;
    else if (memcmp(s->name, "retry", 5) == 0) f = F_RETRY;
    break;
  default: break;
  }
  s->field = f;
  switch (f) {
  case F_DATA:
    if (s->data_started) {
      /* The spec appends LF after every data line and strips the last one
       * at dispatch: the same as a LF before every line but the first. */
      if (s->cb->on_data) {
        tc_err_t e = s->cb->on_data(s->user, s, "\n", 1);
        if (e != TC_OK) return e;
      }
    }
    s->data_started = true;
    break;
  case F_EVENT:
    s->event_len = 0;
    s->event[0] = '\0';
    s->event_truncated = false;
    break;
  case F_ID:
    s->id_pend_len = 0;
    s->id_pend_trunc = false;
    s->line_has_nul = false;
    break;
  case F_RETRY:
    s->retry_acc = 0;
    s->retry_any = false;
    s->retry_bad = false;
    break;
  default: break;
  }
  return TC_OK;
}

/* n > 0 bytes of the current line's value. */
static tc_err_t value_span(tc_sse_t *s, const char *p, size_t n)
{
  switch (s->field) {
  case F_DATA:
    return s->cb->on_data ? s->cb->on_data(s->user, s, p, n) : TC_OK;
  case F_EVENT: {
    size_t room = (size_t)TC_SSE_EVENT_MAX - s->event_len, k = n < room ? n : room;
    memcpy(s->event + s->event_len, p, k);
    s->event_len = (uint8_t)(s->event_len + k);
    s->event[s->event_len] = '\0';
    if (k < n) s->event_truncated = true;
    break;
  }
  case F_ID: {
    if (s->line_has_nul) break;
    if (memchr(p, '\0', n) != NULL) {
      s->line_has_nul = true;
      break;
    }
    size_t room = s->last_id_cap - 1 - s->id_pend_len, k = n < room ? n : room;
    memcpy(id_pending(s) + s->id_pend_len, p, k);
    s->id_pend_len += k;
    if (k < n) s->id_pend_trunc = true;
    break;
  }
  case F_RETRY:
    for (size_t i = 0; i < n && !s->retry_bad; i++) {
      unsigned d = (unsigned)(unsigned char)p[i] - '0';
      if (d > 9) {
        s->retry_bad = true;
      } else {
        s->retry_any = true;
        /* saturating; constant divisions only (no 64-bit division routine) */
        s->retry_acc = s->retry_acc > UINT64_MAX / 10u || (s->retry_acc == UINT64_MAX / 10u && d > UINT64_MAX % 10u)
                           ? UINT64_MAX
                           : s->retry_acc * 10u + d;
      }
    }
    break;
  default: break;
  }
  return TC_OK;
}

/* The current line ended (its line end consumed). */
static tc_err_t end_line(tc_sse_t *s)
{
  s->state = ST_BOL;
  if (s->field == F_ID && !s->line_has_nul) {
    char *id = id_pending(s);
    id[s->id_pend_len] = '\0';
    s->last_id = id;
    s->last_id_len = s->id_pend_len;
    s->last_id_truncated = s->id_pend_trunc;
    if (s->cb->on_id) return s->cb->on_id(s->user, s);
  } else if (s->field == F_RETRY && s->retry_any && !s->retry_bad) {
    if (s->cb->on_retry) return s->cb->on_retry(s->user, s, s->retry_acc);
  }
  return TC_OK;
}

/* A blank line. */
static tc_err_t dispatch(tc_sse_t *s)
{
  tc_err_t e = TC_OK;
  if (s->data_started) {
    if (s->cb->on_dispatch) e = s->cb->on_dispatch(s->user, s);
  } else if (s->cb->on_discard) {
    e = s->cb->on_discard(s->user, s);
  }
  s->data_started = false;
  s->event_len = 0;
  s->event[0] = '\0';
  s->event_truncated = false;
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
    case ST_BOL: {
      char c = *p;
      if (s->after_cr) {
        s->after_cr = false;
        if (c == '\n') {
          p++;
          continue;
        }
      }
      if (c == '\n' || c == '\r') {
        p++;
        s->after_cr = c == '\r';
        if ((e = dispatch(s)) != TC_OK) return e;
        continue;
      }
      if (c == ':') { /* comment */
        p++;
        s->field = F_IGNORE;
        s->state = ST_VALUE;
        continue;
      }
      s->name_len = 0;
      s->state = ST_NAME;
    }
      /* fall through */
    case ST_NAME:
      while (p < end) {
        char c = *p++;
        if (c == ':') {
          s->state = ST_SPACE;
          if ((e = begin_value(s)) != TC_OK) return e;
          break;
        }
        if (c == '\n' || c == '\r') { /* no colon: the line is the name */
          s->after_cr = c == '\r';
          if ((e = begin_value(s)) != TC_OK) return e;
          if ((e = end_line(s)) != TC_OK) return e;
          break;
        }
        if (s->name_len < sizeof s->name) s->name[s->name_len] = c;
        if (s->name_len < NAME_TOO_LONG) s->name_len++;
      }
      continue;
    case ST_SPACE:
      s->state = ST_VALUE;
      if (*p == ' ') p++;
      continue;
    case ST_VALUE: {
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
    default:
      return TC_ERR_STATE;
    }
  }
  return TC_OK;
}

tc_err_t tc_sse_feed(tc_sse_t *s, const char *p, size_t n)
{
  const char *end;
  if (s == NULL || s->cb == NULL || (p == NULL && n != 0)) return TC_ERR_ARG;
  if (n == 0) return TC_OK;
  end = p + n;
  while (s->state == ST_BOM && p < end) {
    if (*p == bom_bytes[s->bom_seen]) {
      p++;
      if (++s->bom_seen == sizeof bom_bytes) s->state = ST_BOL;
    } else {
      /* Not a BOM: the bytes matched so far are ordinary line bytes. */
      tc_err_t e;
      s->state = ST_BOL;
      if (s->bom_seen && (e = feed_lines(s, bom_bytes, bom_bytes + s->bom_seen)) != TC_OK) return e;
    }
  }
  return feed_lines(s, p, end);
}
