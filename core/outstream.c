/*
 * outstream.c — the `.out` decoder (protocol.md §5.1-§5.5).
 *
 * Bytes go HTTP body -> tc_sse -> (batch events) a streaming JSON scanner
 * over {"records":[...],"tail":..}. The scanner is a pushdown automaton with
 * a bit stack (depth <= TC_JSON_DEPTH_MAX) that knows the batch schema by
 * depth:
 *   depth 1  batch object     key "records" -> array, anything else skipped
 *   depth 2  records array    each element a record object
 *   depth 3  record object    seq_num, timestamp, headers, body; others skipped
 *   depth 4  headers array    each element a [name, value] pair
 *   depth 5  header pair
 * Values of unknown keys are skipped (still checked for JSON structure).
 * Strings that matter (known header values, the body) are unescaped once,
 * streaming, into the record buffer; everything else is skipped a word at a
 * time. At the record's closing brace the record is classified and, for a
 * data record, its body {"data":<chunk>,"id":".."} is parsed in place.
 *
 * A body that does not fit the record buffer is either a long text/reasoning
 * delta (the buffer then holds the prefix {"data":{"type":..,"id":..,
 * "delta":" and a second streaming unescaper decodes the delta in place and
 * hands it out in fragments) or is skipped as oversized.
 *
 * TC_DECODE_FAST adds shortcuts for the usual shape: record_fast reads
 * "seq_num", "timestamp" and the opening of "body" directly, and body_fast
 * parses a body that is whole in the current piece in one pass from its
 * escaped text (tc_chunk__parse_esc), delivering the record at its closing
 * brace. Each gives up (changing nothing) on anything unusual, and the
 * general path above then decides, errors included.
 */
#include <string.h>

#include "tc_json_int.h"
#include "tc_outstream.h"

_Static_assert(TC_JSON_DEPTH_MAX >= 6 && TC_JSON_DEPTH_MAX <= 32, "stack is a uint32_t");
_Static_assert(TC_OUT_DEDUPE_IDS >= 1 && TC_OUT_DEDUPE_IDS <= 255, "dedupe index is a uint8_t");
_Static_assert(TC_OUT_ERROR_TEXT_MAX <= 255, "err_len is a uint8_t");
_Static_assert(TC_OUT_ERROR_TEXT_MAX >= 7, "err_text also holds a message event's text: \"[DONE]\" and a byte more");

enum { EV_NONE, EV_MESSAGE, EV_BATCH, EV_PING, EV_ERROR, EV_OTHER };
enum { S_VAL, S_VAL1, S_KEY1, S_KEY, S_COLON, S_AFTER, S_STR, S_NUM, S_LIT, S_END };
enum { K_OTHER, K_SEQ, K_TS, K_BODY, K_HEADERS, K_RECORDS };
enum { SK_SKIP, SK_KEY, SK_REC, SK_DELTA };
enum { SR_SKIP, SR_KEY, SR_HNAME, SR_HVAL, SR_BODY };
/* value roles: a string's is its SR_ role (R_SKIP, R_HNAME, R_HVAL, R_BODY) */
enum { R_SKIP = SR_SKIP, R_CONT = SR_KEY, R_HNAME = SR_HNAME, R_HVAL = SR_HVAL, R_BODY = SR_BODY, R_SEQ, R_TS };
/* record flags */
#define RF_SEQ 0x01u
#define RF_CMD 0x02u
#define RF_CTRL 0x04u
#define RF_OVER 0x08u
#define RF_INV 0x10u
#define RF_FRAG 0x20u  /* fragments started: on_record already called */
#define RF_DONE 0x80u  /* inner delta string closed */
#define RF_SPECIAL 0x100u /* the body holds a backslash or a control byte */
#define RF_HDR 0x200u     /* a header pair was seen (only the first can make a command) */
#define RF_LOOSE 0x400u   /* what follows a long delta did not fit: not checked */

#define H_NONE 0xFFFFFFFFu
#define HN_UNKNOWN 0xFF
/* Fragments are handed out when less than this is left after the text. */
#define FRAG_ROOM 16u

/* Name lists: NUL-separated, in enum order (tc_json__name_index). */
static const char hdr_names[] =
  "trigger-control\0public-access-token\0session-in-event-id\0"
  "session-in-consumed-id\0session-closed\0session-closed-reason\0";
enum { H_CONTROL, H_PAT, H_IN_EVENT, H_IN_CONSUMED, H_CLOSED, H_CLOSED_REASON };
static const char ctl_names[] = "turn-complete\0upgrade-required\0pending-version\0session-closed\0";
static const char ev_names[] = "\0batch\0ping\0error\0"; /* EV_MESSAGE (no event: line).. */
/* K_SEQ..: a record's usual keys first (the list is walked in order) */
static const char key_names[] = "seq_num\0timestamp\0body\0headers\0records\0";
static const char env_names[] = "data\0id\0"; /* the body envelope's members */
enum { N_CTL_NAMES = 4, N_EV_NAMES = 4, N_KEY_NAMES = 5, N_ENV_NAMES = 2 }; /* names in each list */

/* ------------------------------------------------------------ record state */

static void mark(tc_outstream_t *o, uint16_t flag, tc_err_t err)
{
  if (!(o->rflags & (RF_OVER | RF_INV))) {
    o->rflags |= flag;
    o->rerr = err;
  }
}

static void record_begin(tc_outstream_t *o)
{
  o->rflags = 0;
  o->rerr = TC_OK;
  o->rec_len = 0;
  o->ts = -1;
  o->body_off = o->body_len = 0;
  memset(o->h_len, 0xFF, sizeof o->h_len); /* every one H_NONE */
}

/* The cursor moves past the current record. */
static void seq_done(tc_outstream_t *o)
{
  o->cursor = o->seq;
  o->have_cursor = true;
}

/* Checks the record's seq_num; the cursor moves past it unless its text is
 * still to come in fragments (then seq_done, when it is whole). */
TC_OS_NOINLINE static tc_err_t take_seq(tc_outstream_t *o)
{
  if (!(o->rflags & RF_SEQ)) return TC_ERR_SEQ_NUM;
  if (o->have_seq_this_conn && o->seq <= o->last_seq_this_conn) return TC_ERR_SEQ_ORDER;
  o->have_seq_this_conn = true;
  o->last_seq_this_conn = o->seq;
  if (!(o->rflags & RF_FRAG)) seq_done(o);
  return TC_OK;
}

static tc_record_info_t rec_info(const tc_outstream_t *o, tc_record_kind_t kind)
{
  tc_record_info_t ri;
  memset(&ri, 0, sizeof ri);
  ri.seq_num = o->seq;
  ri.timestamp = o->ts;
  ri.kind = kind;
  ri.oversized = (o->rflags & RF_OVER) != 0;
  ri.invalid = (o->rflags & RF_INV) != 0;
  ri.error = o->rerr;
  ri.fragmented = (o->rflags & RF_FRAG) != 0;
  return ri;
}

static tc_err_t cb_record(tc_outstream_t *o, const tc_record_info_t *ri)
{
  return o->cb && o->cb->on_record ? o->cb->on_record(o->user, ri) : TC_OK;
}

static tc_err_t cb_chunk(tc_outstream_t *o, const tc_record_info_t *ri, const tc_chunk_t *c)
{
  return o->cb && o->cb->on_chunk ? o->cb->on_chunk(o->user, ri, c) : TC_OK;
}

static tc_err_t cb_control(tc_outstream_t *o, const tc_record_info_t *ri, const tc_control_t *c)
{
  return o->cb && o->cb->on_control ? o->cb->on_control(o->user, ri, c) : TC_OK;
}

TC_OS_NOINLINE static tc_slice_t hdr(const tc_outstream_t *o, int i)
{
  tc_slice_t s = TC_SLICE_NULL;
  if (o->h_len[i] != H_NONE) {
    s.ptr = o->rec + o->h_off[i];
    s.len = o->h_len[i];
  }
  return s;
}

static int64_t hdr_int(const tc_outstream_t *o, int i)
{
  tc_slice_t s = hdr(o, i);
  uint64_t v;
  return s.ptr && tc_parse_u64(s.ptr, s.len, &v) && v <= (uint64_t)INT64_MAX ? (int64_t)v : -1;
}

TC_OS_NOINLINE static void control_init(tc_control_t *c, tc_slice_t name)
{
  memset(c, 0, sizeof *c);
  c->name = name;
  c->kind = TC_CTRL_UNKNOWN;
  if (name.ptr) {
    int k = tc_json__name_index(ctl_names, N_CTL_NAMES, name.ptr, name.len);
    if (k >= 0) c->kind = (tc_control_kind_t)k;
  }
  c->session_in_event_id = c->session_in_consumed_id = -1;
}

/* FNV-1a, 32 bits: with at most TC_OUT_DEDUPE_IDS ids remembered a false
 * "duplicate" has odds of about 32 in 4e9 per record. */
static uint32_t id_hash(tc_slice_t id)
{
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < id.len; i++) h = (h ^ (unsigned char)id.ptr[i]) * 16777619u;
  return h;
}

/* True when seen before; remembers it otherwise. */
static bool dedupe(tc_outstream_t *o, tc_slice_t id, uint32_t h)
{
  if (h == 0) h = id_hash(id); /* 0: not computed yet */
  unsigned hit = 0;
  /* every slot, branch-free (vectorisable); empty slots hold 0, which no
   * hash is allowed to be */
  if (h == 0) h = 1;
  for (unsigned i = 0; i < TC_OUT_DEDUPE_IDS; i++) hit |= o->dedupe[i] == h;
  if (hit) return true;
  o->dedupe[o->dedupe_next] = h;
  o->dedupe_next = (uint8_t)((o->dedupe_next + 1u) % TC_OUT_DEDUPE_IDS);
  if (o->dedupe_count < TC_OUT_DEDUPE_IDS) o->dedupe_count++;
  return false;
}

/* Parses the body {"data":<chunk object or JSON string>,"id":"..."} in place.
 * `simple`: 0 or TC_JSON__SIMPLE (see tc_json_int.h).
 *
 * Which error a bad body gets, the same on both decode paths: the body is
 * validated, then interpreted. A body that is not valid JSON gets the
 * validator's error (TC_ERR_JSON_SYNTAX, _ESCAPE, _SURROGATE, _DEPTH,
 * TC_ERR_UTF8: the first bad byte in document order) whatever else is wrong
 * with it; only a valid body is refused for what it says (TC_ERR_CHUNK_TYPE,
 * TC_ERR_JSON_TYPE: the first such member). Depth: the chunk object with
 * everything in it nests at most TC_JSON_DEPTH_MAX levels (TC_JSON__NESTED:
 * it counts as level 1, as when it is validated on its own; the body
 * object around it is not counted), whether `data` holds the object or a
 * JSON string of it (tc_chunk_parse counts the same way). One pass keeps
 * the first interpretation error in `bad` while it finishes validating the
 * rest (errors are rare: no cost to the usual record). */
static tc_err_t parse_body(char *b, size_t n, unsigned simple, tc_chunk_t *c, tc_slice_t *env_id, uint32_t *hash)
{
  const char *e = b + n, *p = tc_json__ws(b, e), *s;
  bool have = false;
  int more = tc_json__open(&p, e);
  tc_err_t err, bad = TC_OK;
  while (more == 1) {
    tc_json_member_t m;
    char *v;
    int kn;
#if TC_DECODE_FAST
    /* The usual "data":{..} and ,"id":"..."} read directly. A chunk the
     * chunk parser refuses goes through the general code below, which
     * parses it again (a refused parse changes nothing) and decides. */
    if (e - p > 8 && memcmp(p, "\"data\":{", 8) == 0 &&
        tc_chunk__parse_at(b + (p + 7 - b), b + n, c, &v, simple | TC_JSON__NESTED) == TC_OK) {
      p = v;
      have = true;
      if (simple && e - p > 7 && memcmp(p, ",\"id\":\"", 7) == 0) {
        const char *z = p + 7;
        uint32_t h = 2166136261u; /* id_hash, while looking for the quote */
        for (; z < e && *z != '"'; z++) h = (h ^ (unsigned char)*z) * 16777619u;
        if (e - z > 1 && z[1] == '}') {
          env_id->ptr = p + 7;
          env_id->len = (size_t)(z - p - 7);
          *hash = h;
          p = z + 1;
        }
      }
      more = tc_json__next(&p, e);
      continue;
    }
#endif
    /* each member's key, then its value by what it is */
    if ((err = tc_json__member(&p, e, simple | TC_JSON__KEY, &m)) != TC_OK) return err;
    v = b + (p - b);
    kn = m.kesc ? -1 : tc_json__name_index(env_names, N_ENV_NAMES, m.key.ptr, m.key.len); /* 0 data, 1 id */
    err = TC_OK;
    if (kn == 0 && *v == '{' &&
        (err = tc_chunk__parse_at(v, b + n, c, &v, simple | TC_JSON__NESTED)) == TC_OK) {
      /* the chunk, in one pass that validates as it reads */
      p = v;
      have = true;
    } else {
      /* any other value, or a chunk object the chunk parser refused (err):
       * validated on its own, whose error wins */
      tc_err_t verr;
      s = p;
      if ((verr = tc_json__value(&p, e, simple)) != TC_OK) return verr;
      if (kn >= 0 && *v == '"') { /* (so err is TC_OK) */
        /* (in a body without a backslash, a string is its own text) */
        size_t len = (size_t)(p - s - 2);
        if (!simple) len = tc_json__unescape_valid(v + 1, len);
        if (kn == 1) {
          env_id->ptr = v + 1;
          env_id->len = len;
          *hash = 0;
        } else { /* data as a JSON string (the .in shape) */
          err = tc_chunk_parse(v + 1, len, c);
          have = true;
        }
      }
    }
    if (bad == TC_OK) bad = err;
    more = tc_json__next(&p, e);
  }
  if (more < 0) return (tc_err_t)more;
  if (tc_json__ws(p, e) != e) return TC_ERR_JSON_SYNTAX;
  if (bad != TC_OK) return bad;
  return have ? TC_OK : TC_ERR_CHUNK_TYPE;
}

static tc_err_t data_record(tc_outstream_t *o, tc_record_info_t *rip, const tc_chunk_t *chp);

/* The record object closed. */
static tc_err_t record_end(tc_outstream_t *o)
{
  tc_record_info_t ri;
  tc_control_t ctl;
  tc_chunk_t ch;
  tc_err_t err;

  if (o->rflags & RF_FRAG) return TC_OK; /* reported while streaming */
  if ((err = take_seq(o)) != TC_OK) return err;
  ri = rec_info(o, (o->rflags & RF_CMD) ? TC_REC_COMMAND : (o->rflags & RF_CTRL) ? TC_REC_CONTROL : TC_REC_DATA);
  if (o->rflags & RF_CMD) return cb_record(o, &ri);
  if (o->rflags & RF_CTRL) {
    if ((err = cb_record(o, &ri)) != TC_OK || (o->rflags & RF_INV)) return err;
    /* oversized: still delivered, the headers that did not fit absent */
    control_init(&ctl, hdr(o, H_CONTROL));
    ctl.public_access_token = hdr(o, H_PAT);
    ctl.session_in_event_id = hdr_int(o, H_IN_EVENT);
    ctl.session_in_consumed_id = hdr_int(o, H_IN_CONSUMED);
    ctl.session_closed = tc_slice_eq(hdr(o, H_CLOSED), tc_json__literals); /* "true" */
    ctl.session_closed_reason = hdr(o, H_CLOSED_REASON);
    return cb_control(o, &ri, &ctl);
  }
  if (!(o->rflags & (RF_OVER | RF_INV))) {
    uint32_t h = 0;
    /* "simple": the outer unescaper made no backslash and no control byte
     * (and it checked the UTF-8): the body's strings need only their quote
     * found */
    unsigned simple = (o->rflags & RF_SPECIAL) ? 0u : TC_JSON__SIMPLE;
    err = parse_body(o->rec + o->body_off, o->body_len, simple, &ch, &ri.envelope_id, &h);
    if (err != TC_OK) {
      ri.invalid = true;
      ri.error = err;
      ri.envelope_id = TC_SLICE_NULL;
    } else if (ri.envelope_id.len && dedupe(o, ri.envelope_id, h)) {
      ri.duplicate = true;
    }
  }
  return data_record(o, &ri, &ch);
}

/* A data record with its body parsed (or marked): dispatch it. */
static tc_err_t data_record(tc_outstream_t *o, tc_record_info_t *rip, const tc_chunk_t *chp)
{
  tc_control_t ctl;
  tc_err_t err;
  if (rip->oversized || rip->invalid || rip->duplicate) return cb_record(o, rip);
  if (chp->type == TC_CHUNK_TRIGGER) {
    /* legacy control shape (§5.3); other trigger:* chunks are dropped */
    int k = tc_json__name_index(ctl_names, N_CTL_NAMES, chp->type_name.ptr + 8, chp->type_name.len - 8); /* after "trigger:" */
    if (k == TC_CTRL_TURN_COMPLETE || k == TC_CTRL_UPGRADE_REQUIRED) {
      rip->kind = TC_REC_CONTROL;
      control_init(&ctl, chp->type_name);
      ctl.kind = (tc_control_kind_t)k;
      ctl.public_access_token = chp->public_access_token;
      ctl.legacy = true;
      if ((err = cb_record(o, rip)) != TC_OK) return err;
      return cb_control(o, rip, &ctl);
    }
    return cb_record(o, rip);
  }
  if ((err = cb_record(o, rip)) != TC_OK) return err;
  return cb_chunk(o, rip, chp);
}

/* ---------------------------------------------------------- long deltas */

/* The body prefix {"data":{..."delta":" held in rec[str_start..rec_len) (the
 * body string being stored; kept header values may come before it):
 * sets d_type/d_id/d_text and returns true for a text/reasoning delta. */
/* Under -Os not inlined: its tc_chunk_t would otherwise sit in the
 * scanner's frame under record_end's own (stack depth on an MCU). */
TC_OS_NOINLINE static bool delta_prefix(tc_outstream_t *o)
{
  char *b = o->rec + o->str_start, *e = o->rec + o->rec_len, *d, *end, save[2];
  const char *p = tc_json__ws(b, e);
  tc_chunk_t c;
  tc_err_t err;
  if (e - p < 9 || memcmp(p, "{\"data\":{", 9) != 0) return false;
  /* the first "delta":" (it cannot occur inside a string: quotes there are
   * escaped); ending the text there with "} makes the members before it a
   * whole chunk object for the chunk parser */
  for (d = b + (p + 8 - b);; d++) {
    if ((d = memchr(d, '"', (size_t)(e - d))) == NULL || e - d < 11) return false;
    if (memcmp(d, "\"delta\":\"", 9) == 0) break;
  }
  memcpy(save, d + 9, 2);
  memcpy(d + 9, "\"}", 2);
  err = tc_chunk__parse_at(b + (p + 8 - b), d + 11, &c, &end, false);
  memcpy(d + 9, save, 2);
  if (err != TC_OK || end != d + 11 || (c.type != TC_CHUNK_TEXT_DELTA && c.type != TC_CHUNK_REASONING_DELTA))
    return false;
  o->d_type_off = (uint32_t)(c.type_name.ptr - o->rec);
  o->d_type_len = (uint8_t)c.type_name.len;
  o->d_id_off = c.id.ptr ? (uint32_t)(c.id.ptr - o->rec) : 0;
  o->d_id_len = c.id.ptr ? (uint16_t)(c.id.len < 0xFFFF ? c.id.len : 0xFFFF) : 0xFFFF;
  o->d_text = (uint32_t)(d + 9 - o->rec);
  return o->rec_cap - o->d_text >= 2 * FRAG_ROOM;
}

TC_OS_NOINLINE static tc_err_t fragment(tc_outstream_t *o, bool more)
{
  tc_record_info_t ri = rec_info(o, TC_REC_DATA);
  tc_chunk_t c;
  memset(&c, 0, sizeof c);
  c.type_name.ptr = o->rec + o->d_type_off;
  c.type_name.len = o->d_type_len;
  c.type = o->d_type_len == 10 ? TC_CHUNK_TEXT_DELTA : TC_CHUNK_REASONING_DELTA;
  if (o->d_id_len != 0xFFFF) {
    c.id.ptr = o->rec + o->d_id_off;
    c.id.len = o->d_id_len;
  }
  c.delta.ptr = o->rec + o->d_text;
  c.delta.len = o->d_end - o->d_text;
  c.fragment = true;
  c.fragment_more = more;
  o->d_end = o->d_text;
  if (!more) seq_done(o);
  return cb_chunk(o, &ri, &c);
}

/* The delta broke after fragments went out: say so with a second on_record. */
static tc_err_t fragment_fail(tc_outstream_t *o, tc_err_t why)
{
  tc_record_info_t ri;
  mark(o, RF_INV, why);
  seq_done(o);
  ri = rec_info(o, TC_REC_DATA);
  return cb_record(o, &ri);
}

/* What follows a long delta in its body (the rest of the chunk object and
 * of the envelope) is checked as a short body would be: when the delta
 * closes, its text goes out (a fragment with more to come; the last, empty
 * fragment follows the verdict), and [d_text, rec_len) then holds tail_head
 * (the members before the delta were checked by delta_prefix) and the bytes
 * after the delta's quote, decoded; at the body's end that is
 * parsed as a body (parse_body: valid JSON, then members of the right
 * type). A tail that does not fit (about the record buffer) is skipped
 * unchecked (RF_LOOSE), as before. */
static const char tail_head[] = "{\"data\":{\"type\":\"text-delta\""; /* (the tail starts after a value) */
#define TAIL_HEAD (sizeof tail_head - 1)

/* The delta closed: the n decoded bytes after its quote are at src (in rec
 * past d_end, or in the input). */
static tc_err_t tail_begin(tc_outstream_t *o, const char *src, size_t n)
{
  tc_err_t err;
  o->rflags |= RF_DONE;
  if ((err = fragment(o, true)) != TC_OK) return err; /* (d_end = d_text) */
  if (o->rec_cap - o->d_text < TAIL_HEAD + n) {
    o->rflags |= RF_LOOSE;
  } else {
    memmove(o->rec + o->d_text + TAIL_HEAD, src, n);
    memcpy(o->rec + o->d_text, tail_head, TAIL_HEAD);
    o->rec_len = o->d_text + TAIL_HEAD + n;
  }
  return TC_OK;
}

/* The body closed after a long delta: the tail's verdict. */
TC_OS_NOINLINE static tc_err_t tail_check(tc_outstream_t *o)
{
  tc_chunk_t c;
  tc_slice_t id;
  uint32_t h;
  if (o->rflags & RF_LOOSE) return TC_OK;
  return parse_body(o->rec + o->d_text, o->rec_len - o->d_text, 0, &c, &id, &h);
}

/* The body overflowed the buffer: start fragments or skip it. */
static tc_err_t body_full(tc_outstream_t *o)
{
  size_t used, made;
  int rc;
  tc_record_info_t ri;
  tc_err_t err;
  if (!(o->rflags & RF_SEQ) || !delta_prefix(o)) {
    mark(o, RF_OVER, TC_ERR_RECORD_OVERSIZED);
    o->rec_len = o->str_start;
    o->sink = SK_SKIP;
    o->esc = tc_json__unesc_after_bs(&o->unesc);
    return TC_OK;
  }
  /* decode the delta text already held, in place */
  tc_json_unesc_init(&o->unesc2);
  rc = tc_json__unesc_step(&o->unesc2, o->rec + o->d_text, o->rec_len - o->d_text,
                           o->rec + o->d_text, o->rec_cap - o->d_text, &used, &made);
  o->d_end = o->d_text + (uint32_t)made;
  if (rc < 0) {
    mark(o, RF_INV, (tc_err_t)rc);
    o->rec_len = o->str_start;
    o->sink = SK_SKIP;
    o->esc = tc_json__unesc_after_bs(&o->unesc);
    return TC_OK;
  }
  o->rflags |= RF_FRAG;
  if ((err = take_seq(o)) != TC_OK) return err;
  o->sink = SK_DELTA;
  ri = rec_info(o, TC_REC_DATA);
  if ((err = cb_record(o, &ri)) != TC_OK || rc != TC_JSON__CLOSED) return err;
  /* the delta ended inside what was held: the rest is the tail */
  used += o->d_text + 1;
  return tail_begin(o, o->rec + used, o->rec_len - used);
}

/* Body bytes of a long delta. The outer unescaper (the body is a JSON
 * string) writes GAP bytes past the text; the inner one (the delta is a
 * JSON string inside it) decodes from there back onto the end of the text:
 * it never overtakes its input, even with a held UTF-8 sequence. */
#define GAP 4u
static tc_err_t delta_piece(tc_outstream_t *o, const char **pp, const char *e)
{
  const char *p = *pp;
  tc_err_t err;
  while (p < e) {
    size_t used, made, iu, im;
    int rc;
    char *w;
    /* after the delta: the tail is kept (decoded straight onto its end) */
    bool tail = (o->rflags & (RF_DONE | RF_INV | RF_LOOSE)) == RF_DONE;
    if (tail) {
      w = o->rec + o->rec_len;
    } else {
      if (o->rec_cap - o->d_end < FRAG_ROOM) {
        if (o->rflags & RF_INV) o->d_end = o->d_text;
        else if ((err = fragment(o, true)) != TC_OK) return err;
      }
      w = o->rec + o->d_end + GAP;
    }
    rc = tc_json__unesc_step(&o->unesc, p, (size_t)(e - p), w, o->rec_cap - (size_t)(w - o->rec), &used, &made);
    p += used;
    if (tail) {
      o->rec_len += made;
      if (rc == TC_JSON__FULL) o->rflags |= RF_LOOSE;
    } else if (!(o->rflags & (RF_DONE | RF_INV))) {
      int rc2 = tc_json__unesc_step(&o->unesc2, w, made, o->rec + o->d_end, o->rec_cap - o->d_end, &iu, &im);
      o->d_end += (uint32_t)im;
      if (rc2 == TC_JSON__CLOSED) {
        if ((err = tail_begin(o, w + iu + 1, made - iu - 1)) != TC_OK) return err;
      } else if (rc2 < 0 && (err = fragment_fail(o, (tc_err_t)rc2)) != TC_OK) {
        return err;
      }
    }
    if (rc == TC_JSON__CLOSED) {
      *pp = p + 1;
      o->st = S_AFTER;
      if (o->rflags & RF_INV) return TC_OK;
      if (!(o->rflags & RF_DONE)) return fragment_fail(o, TC_ERR_JSON_SYNTAX);
      if ((err = tail_check(o)) != TC_OK) return fragment_fail(o, err);
      return fragment(o, false);
    }
    if (rc < 0) {
      *pp = p;
      o->sink = SK_SKIP;
      o->esc = tc_json__unesc_after_bs(&o->unesc);
      return (o->rflags & RF_INV) ? TC_OK : fragment_fail(o, (tc_err_t)rc);
    }
  }
  *pp = p;
  return TC_OK;
}

/* ------------------------------------------------------------ the scanner */

static void set_key(tc_outstream_t *o)
{
  /* (names are at most 9 bytes: keybuf is never read past its end) */
  int k = o->skip || (o->depth != 1 && o->depth != 3) ? -1
                                                       : tc_json__name_index(key_names, N_KEY_NAMES, o->keybuf, o->keylen);
  o->key = K_OTHER;
  /* "records" at depth 1, the others at depth 3 */
  if (k >= 0 && (K_SEQ + k == K_RECORDS) == (o->depth == 1)) o->key = (uint8_t)(K_SEQ + k);
}

/* A string closed (its quote consumed). */
static tc_err_t string_end(tc_outstream_t *o)
{
  uint32_t len = (uint32_t)o->rec_len - o->str_start;
  o->st = S_AFTER;
  switch (o->strrole) {
  case SR_KEY:
    set_key(o);
    o->st = S_COLON;
    break;
  case SR_HNAME:
    o->hname = HN_UNKNOWN;
    if (o->sink == SK_REC) {
      if (!(o->rflags & RF_HDR) && len == 0) o->rflags |= RF_CMD;
      int i = tc_json__name_index(hdr_names, TC_OUT_HDRS_, o->rec + o->str_start, len);
      if (i >= 0 && o->h_len[i] == H_NONE) o->hname = (uint8_t)i;
    }
    o->rec_len = o->str_start;
    o->rflags |= RF_HDR;
    break;
  case SR_HVAL:
    if (o->sink == SK_REC) {
      o->h_off[o->hname] = o->str_start;
      o->h_len[o->hname] = len;
      if (o->hname == H_CONTROL) o->rflags |= RF_CTRL;
    }
    break;
  case SR_BODY:
    if (o->sink == SK_REC) {
      o->body_off = o->str_start;
      o->body_len = len;
      if (o->unesc.special) o->rflags |= RF_SPECIAL;
    }
    break;
  default: break;
  }
  return TC_OK;
}

/* A header name or value did not fit after what the record kept before it.
 * Until the record is known to be a control record, the header being read
 * comes first (it may be trigger-control, and a turn must end): the header
 * values and body kept so far give way (the record is oversized, those
 * headers absent) and the string goes on from the start of the buffer. (A
 * record whose long delta went out in fragments no longer needs what rec
 * holds: its body has closed.) */
static tc_err_t make_room(tc_outstream_t *o)
{
  o->rec_len -= o->str_start;
  memmove(o->rec, o->rec + o->str_start, o->rec_len);
  o->str_start = 0;
  memset(o->h_len, 0xFF, sizeof o->h_len); /* every one H_NONE */
  mark(o, RF_OVER, TC_ERR_RECORD_OVERSIZED);
  return TC_OK;
}

/* Bytes of the current string. */
static tc_err_t str_piece(tc_outstream_t *o, const char **pp, const char *e)
{
  const char *p = *pp;
  size_t used, made;
  int rc;
  switch (o->sink) {
  case SK_KEY: {
    size_t k = tc_json__plain(p, e), room = sizeof o->keybuf - o->keylen;
    if (o->keylen <= sizeof o->keybuf) {
      if (k <= room) memcpy(o->keybuf + o->keylen, p, k);
      o->keylen = (uint8_t)(k <= room ? o->keylen + k : sizeof o->keybuf + 1);
    }
    p += k;
    if (p < e) {
      if (*p == '"') {
        *pp = p + 1;
        return string_end(o);
      }
      o->keylen = sizeof o->keybuf + 1; /* escapes or non-ASCII: not a known key */
      o->sink = SK_SKIP;
    }
    break;
  }
  case SK_REC:
    rc = tc_json__unesc_step(&o->unesc, p, (size_t)(e - p), o->rec + o->rec_len, o->rec_cap - o->rec_len,
                             &used, &made);
    o->rec_len += made;
    p += used;
    if (rc == TC_JSON__CLOSED) {
      *pp = p + 1;
      return string_end(o);
    }
    if (rc == TC_JSON__FULL) {
      *pp = p;
      if (o->strrole == SR_BODY) return body_full(o); /* the prefix stays in rec */
      if (o->str_start && !(o->rflags & RF_CTRL)) return make_room(o);
      if (o->strrole == SR_HVAL) mark(o, RF_OVER, TC_ERR_RECORD_OVERSIZED);
      /* a header name that long is simply not a known one */
    } else if (rc < 0) { /* skip the rest, from the offending byte */
      mark(o, RF_INV, (tc_err_t)rc);
    } else {
      break; /* more to come */
    }
    /* either way the rest of the string is skipped */
    o->rec_len = o->str_start;
    o->sink = SK_SKIP;
    o->esc = tc_json__unesc_after_bs(&o->unesc);
    break;
  case SK_DELTA:
    return delta_piece(o, pp, e);
  default: /* SK_SKIP: find the closing quote */
    while (p < e) {
      if (o->esc) {
        o->esc = false;
        p++;
        continue;
      }
      p += tc_json__plain(p, e);
      if (p >= e) break;
      if (*p == '"') {
        *pp = p + 1;
        return string_end(o);
      }
      o->esc = *p == '\\';
      p++;
    }
    break;
  }
  *pp = p;
  return TC_OK;
}

/* What the value starting with c means here (marks the record invalid when
 * a known field has the wrong type); < 0: fatal error. */
TC_OS_NOINLINE static int value_role(tc_outstream_t *o, unsigned c)
{
  bool obj = c == '{', arr = c == '[', str = c == '"', num = c == '-' || c - '0' < 10u;
  if (o->skip) return R_SKIP;
  switch (o->depth) {
  case 0: return obj ? R_CONT : TC_ERR_JSON_SYNTAX;
  case 1: return o->key == K_RECORDS && arr ? R_CONT : R_SKIP;
  case 2:
    if (!obj) return TC_ERR_SEQ_NUM;
    record_begin(o);
    return R_CONT;
  case 3:
    switch (o->key) {
    case K_SEQ: return num ? R_SEQ : TC_ERR_SEQ_NUM;
    case K_TS: return num ? R_TS : R_SKIP;
    case K_HEADERS:
      if (arr) return R_CONT;
      break;
    case K_BODY:
      if (str) return R_BODY;
      if (c == 'n') return R_SKIP; /* "body": null, as if absent */
      break;
    default: return R_SKIP;
    }
    break;
  case 4:
    if (arr) {
      o->hidx = 0;
      return R_CONT;
    }
    break;
  default: /* 5: a header pair */
    if (str && o->hidx < 2) return o->hidx++ ? R_HVAL : R_HNAME;
    o->hidx = 2;
    break;
  }
  mark(o, RF_INV, TC_ERR_JSON_TYPE);
  return R_SKIP;
}

TC_OS_NOINLINE static void str_begin(tc_outstream_t *o, uint8_t role, uint8_t sink)
{
  o->st = S_STR;
  o->strrole = role;
  o->sink = sink;
  o->esc = false;
  o->str_start = (uint32_t)o->rec_len;
  tc_json_unesc_init(&o->unesc);
}

/* A value starts with byte c (consumed unless a number). */
static tc_err_t value_start(tc_outstream_t *o, unsigned c)
{
  int role = value_role(o, c);
  if (role < 0) return (tc_err_t)role;
  switch (c) {
  case '{':
  case '[':
    if (o->depth >= TC_JSON_DEPTH_MAX) return TC_ERR_JSON_DEPTH;
    o->stack = o->stack << 1 | (c == '[');
    o->depth++;
    if (role == R_SKIP && !o->skip) o->skip = o->depth;
    o->st = c == '[' ? S_VAL1 : S_KEY1;
    return TC_OK;
  case '"':
    /* stored: a header name, a known header's value, a body (but a second
     * body after a long delta's fragments went out: the record was
     * delivered, and what the buffer holds is not its text; reading it made
     * the result depend on where pieces were cut) */
    str_begin(o, (uint8_t)role,
              role == R_HNAME || (role == R_HVAL && o->hname < TC_OUT_HDRS_) ||
                      (role == R_BODY && !(o->rflags & (RF_CMD | RF_CTRL | RF_OVER | RF_INV | RF_FRAG)))
                  ? SK_REC
                  : SK_SKIP);
    return TC_OK;
  case 't':
  case 'f':
  case 'n':
    o->st = S_LIT;
    o->sub = (uint8_t)(tc_json__literal(c) + 1); /* while it is read: its next byte's offset */
    o->key = (uint8_t)role; /* R_SEQ is impossible here; R_TS: timestamp stays -1 */
    return TC_OK;
  default:
    if (c != '-' && c - '0' >= 10u) return TC_ERR_JSON_SYNTAX;
    o->st = S_NUM;
    o->sub = TC_JSON__N_START;
    o->num = 0;
    o->num_ok = true;
    o->key = (uint8_t)role;
    return TC_OK;
  }
}

/* A scalar (number or literal) ended. */
static tc_err_t scalar_end(tc_outstream_t *o)
{
  if (o->key == R_SEQ) {
    if (!o->num_ok) return TC_ERR_SEQ_NUM;
    o->seq = o->num;
    o->rflags |= RF_SEQ;
  } else if (o->key == R_TS) {
    o->ts = o->num_ok && o->num <= (uint64_t)INT64_MAX ? (int64_t)o->num : -1;
  }
  o->st = S_AFTER;
  return TC_OK;
}

/* A container closed with byte c. */
static tc_err_t close_container(tc_outstream_t *o, unsigned c)
{
  unsigned d = o->depth;
  if (c != ((o->stack & 1) ? ']' : '}')) return TC_ERR_JSON_SYNTAX;
  o->stack >>= 1;
  o->depth--;
  o->st = o->depth ? S_AFTER : S_END;
  if (o->skip) {
    if (d == o->skip) o->skip = 0;
    return TC_OK;
  }
  if (d == 5 && o->hidx != 2) mark(o, RF_INV, TC_ERR_JSON_TYPE);
  if (d == 3) return record_end(o);
  return TC_OK;
}

#if TC_DECODE_FAST
/* True when p[0..8) are 8 decimal digits; *v = their value. */
static bool eight_digits(const char *p, uint64_t *v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t w;
  memcpy(&w, p, 8);
  if ((w & 0xF0F0F0F0F0F0F0F0u) != 0x3030303030303030u ||
      ((w + 0x0606060606060606u) & 0xF0F0F0F0F0F0F0F0u) != 0x3030303030303030u)
    return false;
  w -= 0x3030303030303030u;
  w = w * 10u + (w >> 8);  /* pairs */
  w = ((w & 0x000000FF000000FFu) * (100u + (1000000ull << 32)) +
       ((w >> 16) & 0x000000FF000000FFu) * (1u + (10000ull << 32))) >> 32;
  *v = w;
  return true;
#else
  (void)p;
  (void)v;
  return false;
#endif
}

/* True when p[0..4) are 4 decimal digits; *v = their value. */
static bool four_digits(const char *p, uint32_t *v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint32_t w;
  memcpy(&w, p, 4);
  if ((w & 0xF0F0F0F0u) != 0x30303030u || ((w + 0x06060606u) & 0xF0F0F0F0u) != 0x30303030u) return false;
  w -= 0x30303030u;
  w = w * 10u + (w >> 8); /* pairs in bytes 0 and 2 */
  *v = (w & 0xFFu) * 100u + (w >> 16 & 0xFFu);
  return true;
#else
  (void)p;
  (void)v;
  return false;
#endif
}

/* Fast path over a record's usual members while they are whole in this
 * piece: "seq_num":N, "timestamp":N and the opening of "body":". p is just
 * after a key's opening quote at depth 3. Returns where to go on: p itself
 * when nothing was taken (state unchanged), else a later position with the
 * state set. Anything unusual is left to the general scanner. */
static const char *record_fast(tc_outstream_t *o, const char *p, const char *e)
{
  const char *start = p;
  for (;;) {
    const char *q, *d0;
    uint64_t v = 0;
    bool seq;
    if (e - p > 7 && memcmp(p, "body\":\"", 7) == 0) {
      o->key = K_BODY;
      value_start(o, '"');
      return p + 7;
    }
    if (e - p > 9 && memcmp(p, "seq_num\":", 9) == 0) {
      q = p + 9;
      seq = true;
    } else if (e - p > 11 && memcmp(p, "timestamp\":", 11) == 0) {
      q = p + 11;
      seq = false;
    } else {
      break;
    }
    {
      const char *lim = e - q > 19 ? q + 19 : e; /* 19 digits never overflow */
      unsigned d;
      d0 = q;
      if (lim - q >= 8 && eight_digits(q, &v)) q += 8; /* a timestamp's first 8 */
      if (lim - q >= 4) { /* then 4 more, or a seq_num's first 4 */
        uint32_t x;
        if (four_digits(q, &x)) {
          v = v * 10000u + x;
          q += 4;
        }
      }
      for (; q < lim && (d = (unsigned)(unsigned char)*q - '0') < 10u; q++) v = v * 10u + d;
    }
    if (q == d0 || q + 1 >= e || (*q != ',' && *q != '}') || (*d0 == '0' && q - d0 > 1)) break;
    if (seq) {
      o->seq = v;
      o->rflags |= RF_SEQ;
    } else {
      o->ts = v <= (uint64_t)INT64_MAX ? (int64_t)v : -1;
    }
    if (*q == '}') {
      o->st = S_AFTER;
      return q;
    }
    if (q[1] != '"') {
      o->st = S_KEY;
      return q + 1;
    }
    p = q + 2;
  }
  if (p == start) return p;
  o->st = S_KEY;
  return p - 1;
}
#endif

#if TC_DECODE_FAST
/* At the start of a data record's body (*pp just after its opening quote):
 * when the whole body and the record's closing brace are in this piece in
 * the usual shape, the chunk is parsed straight from the escaped text
 * (tc_chunk__parse_esc) and the record delivered; *pp then points after the
 * brace. Otherwise nothing changes and the general path goes on. */
static tc_err_t body_fast(tc_outstream_t *o, const char **pp, const char *e)
{
  const char *p = *pp, *q, *lim = e;
  size_t room = o->rec_cap - o->rec_len;
  tc_record_info_t ri;
  tc_slice_t id;
  tc_chunk_t ch;
  uint32_t h;
  tc_err_t err;
  if ((size_t)(e - p) > room) lim = p + room;
  if (!tc_chunk__parse_esc(p, lim, o->rec + o->rec_len, &ch, &id, &h, &q) || q >= e || *q != '}') return TC_OK;
  *pp = q + 1;
  o->stack >>= 1; /* the record object closes */
  o->depth--;
  o->st = S_AFTER;
  if ((err = take_seq(o)) != TC_OK) return err;
  ri = rec_info(o, TC_REC_DATA);
  ri.envelope_id = id;
  ri.duplicate = id.len && dedupe(o, id, h);
  return data_record(o, &ri, &ch);
}
#endif

static tc_err_t scan(tc_outstream_t *o, const char *p, size_t n)
{
  const char *e = p + n;
  tc_err_t err;
  while (p < e) {
    unsigned c;
    if (o->st == S_STR) {
      if ((err = str_piece(o, &p, e)) != TC_OK) return err;
      continue;
    }
    c = (unsigned char)*p;
    if (o->st == S_NUM) {
      unsigned d, next;
#if TC_DECODE_FAST
      if (o->sub == TC_JSON__N_INT) { /* fast path: the digits of an integer */
        uint64_t v = o->num;
        while ((d = (unsigned)(unsigned char)*p - '0') < 10u) {
          if (v >= UINT64_MAX / 10u && (v > UINT64_MAX / 10u || d > UINT64_MAX % 10u)) o->num_ok = false;
          v = v * 10u + d;
          if (++p == e) break;
        }
        o->num = v;
        if (p == e) break;
        c = (unsigned char)*p;
      }
#endif
      /* the grammar is json_str.c's automaton; the value of a plain
       * non-negative integer is kept on the side (seq_num, timestamp) */
      next = tc_json__num_step(o->sub, c);
      if (next == TC_JSON__N_BAD) return TC_ERR_JSON_SYNTAX;
      if (next != TC_JSON__N_END) {
        d = c - '0';
        if (next == TC_JSON__N_INT || next == TC_JSON__N_ZERO) {
          if (o->num >= UINT64_MAX / 10u && (o->num > UINT64_MAX / 10u || d > UINT64_MAX % 10u)) o->num_ok = false;
          o->num = o->num * 10u + d;
        } else {
          o->num_ok = false; /* a sign, fraction or exponent: not a cursor */
        }
        o->sub = (uint8_t)next;
        p++;
        continue;
      }
      if ((err = scalar_end(o)) != TC_OK) return err;
      /* c is handled below, as the byte after a value */
    } else if (o->st == S_LIT) {
      if ((unsigned char)tc_json__literals[o->sub] != c) return TC_ERR_JSON_SYNTAX;
      p++;
      if (tc_json__literals[++o->sub] == 0 && (err = scalar_end(o)) != TC_OK) return err;
      continue;
    }
    p++;
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    switch (o->st) {
    case S_VAL1:
      if (c == ']') {
        err = close_container(o, c);
        break;
      }
      /* fall through */
    case S_VAL:
      err = value_start(o, c);
      if (o->st == S_NUM) p--; /* the number's first byte is read again */
      break;
    case S_KEY1:
      if (c == '}') {
        err = close_container(o, c);
        break;
      }
      /* fall through */
    case S_KEY:
      if (c != '"') return TC_ERR_JSON_SYNTAX;
#if TC_DECODE_FAST
      if (o->depth == 3 && !o->skip) {
        const char *q = record_fast(o, p, e);
        if (q != p) {
          p = q;
          if (o->st == S_STR && o->strrole == SR_BODY && o->sink == SK_REC &&
              (err = body_fast(o, &p, e)) != TC_OK)
            return err;
          continue;
        }
      }
      { /* fast path: a short plain key and its colon, all in this piece */
        const char *q = p;
        while (q < e && q - p <= (ptrdiff_t)sizeof o->keybuf && *q != '"' && *q != '\\') q++;
        if (q + 1 < e && *q == '"' && q[1] == ':') {
          o->keylen = (uint8_t)(q - p);
          if (o->keylen <= sizeof o->keybuf) memcpy(o->keybuf, p, o->keylen);
          set_key(o);
          o->st = S_VAL;
          p = q + 2;
          continue;
        }
      }
#endif
      o->keylen = 0;
      o->st = S_STR;
      o->strrole = SR_KEY;
      o->sink = SK_KEY;
      o->esc = false;
      err = TC_OK;
      break;
    case S_COLON:
      if (c != ':') return TC_ERR_JSON_SYNTAX;
      o->st = S_VAL;
      err = TC_OK;
      break;
    case S_AFTER:
      if (c == ',') {
        o->st = (o->stack & 1) ? S_VAL : S_KEY;
        err = TC_OK;
      } else {
        err = close_container(o, c);
      }
      break;
    default: /* S_END */
      return TC_ERR_JSON_SYNTAX;
    }
    if (err != TC_OK) return err;
  }
  return TC_OK;
}

/* ------------------------------------------------------------- SSE events */

static uint8_t event_kind(const tc_sse_t *s)
{
  int k = tc_json__name_index(ev_names, N_EV_NAMES, s->event, s->event_len);
  return k < 0 || s->event_truncated ? EV_OTHER : (uint8_t)(EV_MESSAGE + k);
}

TC_OS_NOINLINE static void event_reset(tc_outstream_t *o)
{
  o->ev = EV_NONE;
  o->st = S_VAL;
  o->depth = 0;
  o->skip = 0;
  o->stack = 0;
  o->key = K_OTHER;
  o->keylen = 0;
  o->err_len = 0;
  o->rflags = 0;
}

static tc_err_t sse_data(void *user, const tc_sse_t *s, const char *p, size_t n)
{
  tc_outstream_t *o = user;
  size_t k;
  if (o->ev == EV_NONE) o->ev = event_kind(s);
  switch (o->ev) {
  case EV_BATCH:
    return scan(o, p, n);
  case EV_ERROR:
  case EV_MESSAGE: /* (a message event's text: only "[DONE]" matters) */
    k = TC_OUT_ERROR_TEXT_MAX - o->err_len;
    if (k > n) k = n;
    memcpy(o->err_text + o->err_len, p, k);
    o->err_len = (uint8_t)(o->err_len + k);
    break;
  default: break;
  }
  return TC_OK;
}

static tc_err_t sse_dispatch(void *user, const tc_sse_t *s)
{
  tc_outstream_t *o = user;
  tc_out_event_t ev;
  tc_slice_t text = TC_SLICE_NULL;
  uint8_t kind = o->ev == EV_NONE ? event_kind(s) : o->ev;
  bool fire = true;

  switch (kind) {
  case EV_BATCH:
    if (o->st == S_VAL && o->depth == 0) { /* empty data: nothing to do */
      fire = false;
    } else if (o->st != S_END) {
      return TC_ERR_RECORD_TRUNCATED;
    }
    ev = TC_OUT_EV_BATCH_END;
    break;
  case EV_PING:
    ev = TC_OUT_EV_PING;
    break;
  case EV_ERROR: {
    size_t n = o->err_len, i = n;
    /* do not end the text inside a UTF-8 sequence */
    while (i > 0 && n - i < 3 && ((unsigned char)o->err_text[i - 1] & 0xC0) == 0x80) i--;
    if (i > 0 && (unsigned char)o->err_text[i - 1] >= 0xC0 &&
        tc_json__utf8((const unsigned char *)o->err_text + i - 1, n - i + 1) < 0)
      n = i - 1;
    text.ptr = o->err_text;
    text.len = n;
    ev = TC_OUT_EV_ERROR;
    break;
  }
  case EV_MESSAGE:
    /* (a longer text is cut at TC_OUT_ERROR_TEXT_MAX, never to 6 bytes) */
    fire = tc_json__name_index("[DONE]", 1, o->err_text, o->err_len) == 0;
    ev = TC_OUT_EV_DONE;
    break;
  default:
    fire = false;
    ev = TC_OUT_EV_PING;
    break;
  }
  event_reset(o);
  if (fire && o->cb && o->cb->on_event) return o->cb->on_event(o->user, ev, text);
  return TC_OK;
}

static tc_err_t sse_discard(void *user, const tc_sse_t *s)
{
  (void)s;
  event_reset(user);
  return TC_OK;
}

static const tc_sse_cb_t sse_cbs = { sse_data, sse_dispatch, sse_discard, NULL, NULL };

/* ----------------------------------------------------------------- public */

void tc_outstream_init(tc_outstream_t *o, char *rec_buf, size_t rec_cap, const tc_outstream_cb_t *cb,
                       void *user)
{
  memset(o, 0, sizeof *o);
  tc_sse_init(&o->sse, NULL, 0, &sse_cbs, o);
  o->cb = cb;
  o->user = user;
  /* no buffer: a real pointer with no room (nothing is written through it;
   * offsets from NULL, even zero, are undefined behaviour) */
  o->rec = rec_buf ? rec_buf : o->err_text;
  o->rec_cap = rec_buf ? (rec_cap < 0x7FFFFFFFu ? rec_cap : 0x7FFFFFFFu) : 0;
  /* (the memset did event_reset's work: EV_NONE, S_VAL and K_OTHER are 0) */
}
_Static_assert(EV_NONE == 0 && S_VAL == 0 && K_OTHER == 0, "tc_outstream_init: the memset is event_reset");

void tc_outstream_set_cursor(tc_outstream_t *o, uint64_t seq)
{
  o->cursor = seq;
  o->have_cursor = true;
}

tc_err_t tc_outstream_feed(tc_outstream_t *o, const char *p, size_t n)
{
  return tc_sse_feed(&o->sse, p, n);
}

bool tc_outstream_cursor(const tc_outstream_t *o, uint64_t *seq)
{
  if (o->have_cursor && seq) *seq = o->cursor;
  return o->have_cursor;
}

bool tc_outstream_idle(const tc_outstream_t *o)
{
  return tc_sse_idle(&o->sse);
}
