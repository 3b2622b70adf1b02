/*
 * chat_req.c — what the chat writes on the wire: ChatInputChunk bodies
 * (protocol.md §4, key order as 4.8.3 emits it), request heads for every
 * endpoint (§2.4, §2.5, §2.1/§2.2), and the random ids (X-Part-Id, message ids).
 *
 * The token is never copied into a head: the head ends before the blank line
 * and the connection sends "Authorization: Bearer ", the token from the
 * session record, and the final CRLF CRLF as separate segments.
 */
#include <stdarg.h>
#include <string.h>

#include "chat_int.h"
#include "tc_json.h"

/* ------------------------------------------------------------ ids */

const char chat_hex[17] = "0123456789abcdef";

void chat_hex_id(const uint8_t *rnd, char *out, bool uuid)
{
  size_t o = 0, n = uuid ? 16 : 8;
  for (size_t i = 0; i < n; i++) {
    uint8_t b = rnd[i];
    if (uuid && i == 6) b = (uint8_t)((b & 0x0f) | 0x40); /* version 4 */
    if (uuid && i == 8) b = (uint8_t)((b & 0x3f) | 0x80); /* RFC 4122 variant */
    if (uuid && (i == 4 || i == 6 || i == 8 || i == 10)) out[o++] = '-';
    out[o++] = chat_hex[b >> 4];
    out[o++] = chat_hex[b & 15];
  }
  out[o] = '\0';
}

/* ------------------------------------------------------------ bodies */

/* Appends fmt, replacing %s (a C string as is), %q (a C string as a JSON
 * string), %j (a tc_slice_t as a JSON string) and %r (a tc_slice_t as is):
 * one call per piece of JSON instead of one per literal. */
void chat_put(tc_buf_t *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  for (;;) {
    const char *lit = fmt;
    tc_slice_t s;
    while (*fmt && *fmt != '%') fmt++;
    tc_buf_put(b, lit, (size_t)(fmt - lit));
    if (*fmt == '\0') break;
    switch (fmt[1]) {
    case 's': tc_buf_puts(b, va_arg(ap, const char *)); break;
    case 'q': tc_json_put_cstr(b, va_arg(ap, const char *)); break;
    case 'j': tc_json_put_str(b, va_arg(ap, tc_slice_t)); break;
    default:
      s = va_arg(ap, tc_slice_t);
      tc_buf_put(b, s.ptr, s.len);
      break;
    }
    fmt += 2;
  }
  va_end(ap);
}

static const char *trigger_name(tc_chat_source_t s)
{
  switch (s) {
  case TC_CHAT_SRC_REGENERATE: return "regenerate-message";
  case TC_CHAT_SRC_ACTION: return "action";
  case TC_CHAT_SRC_CLOSE: return "close";
  default: return "submit-message";
  }
}

/* The slim tool parts (§4.4): each is type, toolCallId, state, [toolName],
 * then approval or output; a tool output is one part, approvals one part
 * per answer, in the app's order. Tool names are checked when tracked (safe
 * characters). */
static void put_tool_parts(const tc_chat_t *c, tc_buf_t *b, const chat_payload_t *p)
{
  bool output = p->msg == MSG_TOOL_OUTPUT;
  unsigned n = output ? 1u : p->answers;
  for (unsigned k = 0; k < n; k++) {
    unsigned i = output ? p->tool : p->slot[k];
    const tc_chat_tool_t *t = &c->sess.tools[i];
    bool dynamic = (c->sess.tools_dynamic >> i) & 1u;
    chat_put(b, k ? "," : "[");
    if (dynamic) chat_put(b, "{\"type\":\"dynamic-tool\"");
    else chat_put(b, "{\"type\":\"tool-%s\"", t->name);
    chat_put(b, ",\"toolCallId\":%q,\"state\":\"%s\"", t->call_id, output ? "output-available" : "approval-responded");
    if (dynamic) chat_put(b, ",\"toolName\":%q", t->name);
    if (output) {
      chat_put(b, ",\"output\":%r}", p->content);
      continue;
    }
    chat_put(b, ",\"approval\":{\"id\":%q,\"approved\":%s", t->approval_id, p->answer[k].approved ? "true" : "false");
    if (p->answer[k].reason != NULL) chat_put(b, ",\"reason\":%q", p->answer[k].reason);
    chat_put(b, "}}");
  }
  chat_put(b, "]");
}

tc_err_t chat_build_body(const tc_chat_t *c, tc_buf_t *b, const chat_payload_t *p)
{
  const char *cd = c->cfg->client_data;
  bool user = p->msg == MSG_TEXT || p->msg == MSG_PARTS;
  tc_slice_t msgid = chat_cslice(c->send.msg_id); /* a tool answer: the turn's assistant message (§4.4) */
  if (p->source == TC_CHAT_SRC_STOP) {
    chat_put(b, "{\"kind\":\"stop\"}");
    return b->overflow ? TC_ERR_NOSPACE : TC_OK;
  }
  chat_put(b, "{\"kind\":\"message\",\"payload\":{");
  if (p->msg != MSG_NONE) {
    chat_put(b, "\"message\":{\"id\":%j,\"role\":\"%s\",\"parts\":", msgid, user ? "user" : "assistant");
    if (p->msg == MSG_TEXT) chat_put(b, "[{\"type\":\"text\",\"text\":%j}]", p->content);
    else if (p->msg == MSG_PARTS) chat_put(b, "%r", p->content);
    else put_tool_parts(c, b, p);
    chat_put(b, "},");
  }
  chat_put(b, "\"chatId\":%q,\"trigger\":\"%s\"", c->chat_id, trigger_name((tc_chat_source_t)p->source));
  if (p->source == TC_CHAT_SRC_REGENERATE && tc_slice_present(p->content)) chat_put(b, ",\"messageId\":%j", p->content);
  if (p->msg >= MSG_APPROVAL) chat_put(b, ",\"messageId\":%j", msgid);
  if (p->source == TC_CHAT_SRC_ACTION) chat_put(b, ",\"action\":%r", p->content);
  /* (close: none, as 4.8.3's AgentChat.close() sends it, §4.7) */
  if (p->source != TC_CHAT_SRC_CLOSE && (cd != NULL || tc_slice_present(p->metadata))) {
    /* "{}" rather than TC_SLICE_NULL for an absent side: json_str.c's
     * check_object does pointer arithmetic on a NULL slice (reported). */
    tc_slice_t none = { "{}", 2 };
    tc_slice_t base = cd ? (tc_slice_t){ cd, strlen(cd) } : none;
    tc_err_t err;
    chat_put(b, ",\"metadata\":");
    err = tc_json_put_merged(b, base, tc_slice_present(p->metadata) ? p->metadata : none);
    if (err != TC_OK) return err;
  }
  chat_put(b, "}}");
  return b->overflow ? TC_ERR_NOSPACE : TC_OK;
}

/* ------------------------------------------------------------ heads */

/* The base URL of .in or .out (before the hook). */
static const char *base_url(const tc_chat_t *c, tc_chat_endpoint_t ep)
{
  const tc_chat_config_t *g = c->cfg;
  const char *own = ep == TC_CHAT_EP_IN ? g->in_url : g->out_url;
  return own ? own : g->base_url ? g->base_url : CHAT_DEFAULT_BASE;
}

/* ASCII case-insensitive equality of a and b, which may go on after a ':'
 * (the Authorization line's name). */
static bool ieq(const char *a, const char *b)
{
  for (; *a && *b; a++, b++)
    if ((*a | 0x20) != (*b | 0x20)) return false;
  return *a == '\0' && (*b == '\0' || *b == ':');
}

/* The names the chat writes itself, spelled as it writes them, back to back
 * (each string stored once; reserved_header walks them). Authorization is
 * the line sent as a segment of its own before the token (ieq stops at its
 * ':'). (Padding, were there any, would be zero bytes: empty names, which
 * match no header name.) */
#define NAME(f, s) char f[sizeof s]
static const struct {
  NAME(auth_line, "Authorization: Bearer ");
  NAME(content_type, "Content-Type");
  NAME(accept, "Accept");
  NAME(part_id, "X-Part-Id");
  NAME(last_event_id, "Last-Event-ID");
  NAME(timeout, "Timeout-Seconds");
  NAME(peek, "X-Peek-Settled");
  NAME(source, "x-trigger-source");
  NAME(host, "Host");
  NAME(content_length, "Content-Length");
  NAME(transfer_encoding, "Transfer-Encoding");
} names = { "Authorization: Bearer ", "Content-Type", "Accept", "X-Part-Id", "Last-Event-ID", "Timeout-Seconds",
            "X-Peek-Settled", "x-trigger-source", "Host", "Content-Length", "Transfer-Encoding" };

static bool reserved_header(const char *name)
{
  /* (the object read as bytes, as C allows for any object) */
  for (const char *n = (const char *)&names; n < (const char *)(&names + 1); n += strlen(n) + 1)
    if (ieq(name, n)) return true;
  return false;
}

/* The path after the base URL's own path. */
static void put_target_suffix(const tc_chat_t *c, tc_buf_t *t, tc_chat_endpoint_t ep, const chat_target_t *pt)
{
  if (pt != NULL) {
    if (pt->path) tc_buf_puts(t, pt->path);
    return;
  }
  tc_buf_puts(t, "/realtime/v1/sessions/");
  tc_http_put_path_segment(t, (tc_slice_t){ c->chat_id, strlen(c->chat_id) });
  tc_buf_puts(t, ep == TC_CHAT_EP_IN ? "/in/append" : "/out");
}

/* Composes the request target at the start of mem[0..cap): the head goes
 * right after it. */
static tc_err_t compose_target(const tc_chat_t *c, tc_chat_endpoint_t ep, const chat_target_t *pt,
                               const tc_url_t *u, char *mem, size_t cap, tc_slice_t *target)
{
  tc_buf_t t = tc_buf_make(mem, cap);
  tc_buf_put(&t, u->path.ptr, u->path.len);
  put_target_suffix(c, &t, ep, pt);
  if (t.len == 0) tc_buf_puts(&t, "/");
  if (t.overflow) return TC_ERR_HTTP_REQUEST_TOO_LONG;
  *target = (tc_slice_t){ mem, t.len };
  return TC_OK;
}

static void put_fixed_headers(const tc_chat_t *c, tc_http_req_t *q, tc_chat_endpoint_t ep, const chat_target_t *pt)
{
  const tc_chat_config_t *g = c->cfg;
  if (ep == TC_CHAT_EP_OUT) {
    tc_http_req_header_str(q, names.accept, "text/event-stream");
  } else {
    tc_http_req_header_str(q, names.content_type, "application/json");
  }
  if (ep == TC_CHAT_EP_IN) {
    tc_http_req_header_str(q, names.source, "sdk");
    tc_http_req_header_str(q, names.part_id, c->send.part_id);
  }
  if (pt == NULL) {
    for (size_t i = 0; i < g->header_count; i++)
      if (!reserved_header(g->headers[i].name))
        tc_http_req_header_str(q, g->headers[i].name, g->headers[i].value);
  } else if (pt->key_name && pt->key_value) {
    tc_http_req_header_str(q, pt->key_name, pt->key_value);
  }
}

/* GET .out only, after the hook's headers (4.8.3 order: §2.5). */
static void put_out_headers(const tc_chat_t *c, tc_http_req_t *q)
{
  if (c->out.peek) tc_http_req_header_str(q, names.peek, "1");
  if (c->has_cursor) tc_http_req_header_u64(q, names.last_event_id, c->cursor);
  tc_http_req_header_u64(q, names.timeout, c->cfg->timeout_seconds ? c->cfg->timeout_seconds : CHAT_TIMEOUT_S);
}

/* Queues head, the Authorization line (the PAT on IN/OUT, else t's bearer),
 * the blank line and the body on connection k, in place of what it held. */
static void queue(tc_chat_t *c, tc_chat_conn_t *k, const chat_target_t *t, tc_slice_t head, const char *body,
                  size_t body_len)
{
  tc_slice_t secret = t ? t->bearer : (tc_slice_t){ c->sess.token, c->sess.token_len };
  k->seg_n = 0;
  k->live_len = NULL;
  if (tc_slice_present(secret)) {
    chat_conn_add(k, head.ptr, head.len - 2); /* up to the blank line */
    chat_conn_add(k, names.auth_line, sizeof names.auth_line - 1);
    /* the session token is read where it lives when its turn comes: a
     * token adopted while the request waits (a TLS handshake) goes whole */
    if (t == NULL) {
      k->live_seg = k->seg_n;
      k->live_len = &c->sess.token_len;
    }
    chat_conn_add(k, secret.ptr, secret.len);
    chat_conn_add(k, "\r\n\r\n", 4);
  } else {
    chat_conn_add(k, head.ptr, head.len);
  }
  chat_conn_add(k, body, body_len); /* (none: nothing is added) */
}

tc_err_t chat_req_head(tc_chat_t *c, tc_chat_endpoint_t ep, const chat_target_t *t, char *mem, size_t cap,
                       const char *body, size_t body_len, tc_url_t *u)
{
  tc_chat_request_t r = { ep, t ? t->url : base_url(c, ep), NULL };
  tc_http_req_t q;
  tc_slice_t target;
  tc_err_t err;
  if (c->cfg->request_hook && (err = c->cfg->request_hook(c->cfg->user, c, &r)) != TC_OK) return err;
  if (r.url == NULL) return TC_ERR_CONFIG;
  if ((err = tc_url_parse(r.url, strlen(r.url), u)) != TC_OK) return err;
  /* a host no DNS name can be (checked here, so that .out reports it
   * instead of retrying the connection forever) */
  if (u->host.len > CHAT_HOST_MAX) return TC_ERR_HTTP_URL;
  if ((err = compose_target(c, ep, t, u, mem, cap, &target)) != TC_OK) return err;
  tc_http_req_begin(&q, mem + target.len, cap - target.len, ep == TC_CHAT_EP_OUT ? "GET" : "POST", u, target);
  put_fixed_headers(c, &q, ep, t);
  r.req = &q;
  if (c->cfg->request_hook && (err = c->cfg->request_hook(c->cfg->user, c, &r)) != TC_OK) return err;
  if (ep == TC_CHAT_EP_OUT) put_out_headers(c, &q);
  if ((err = tc_http_req_end(&q, ep != TC_CHAT_EP_OUT, body_len)) != TC_OK) return err;
  queue(c, ep == TC_CHAT_EP_OUT ? &c->oc : &c->rc, t, (tc_slice_t){ q.buf.ptr, q.buf.len }, body, body_len);
  return TC_OK;
}
