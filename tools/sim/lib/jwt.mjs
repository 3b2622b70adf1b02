// HS256 JWTs as Trigger.dev mints public access tokens (protocol.md §3.2/§3.3):
// header {"alg":"HS256"}, claims {sub, pub, scopes, iss, aud, iat, exp}, key =
// the UTF-8 bytes of the secret API key.
import { createHmac, timingSafeEqual } from "node:crypto";

const b64u = (buf) => Buffer.from(buf).toString("base64url");

export const ISS = "https://id.trigger.dev";
export const AUD = "https://api.trigger.dev";

export function signJwt(claims, key) {
  const head = b64u(JSON.stringify({ alg: "HS256" }));
  const body = b64u(JSON.stringify(claims));
  const sig = createHmac("sha256", key).update(`${head}.${body}`).digest();
  return `${head}.${body}.${b64u(sig)}`;
}

/** Mint a session PAT like the server does on POST /api/v1/sessions. */
export function mintSessionToken({ key, sessionKey, ttlSeconds, sub = "env_sim", now = Date.now() }) {
  const iat = Math.floor(now / 1000);
  return signJwt(
    { sub, pub: true, scopes: [`read:sessions:${sessionKey}`, `write:sessions:${sessionKey}`], iss: ISS, aud: AUD, iat, exp: iat + ttlSeconds },
    key,
  );
}

/**
 * Verify an HS256 JWT. Returns {ok:true, claims} or {ok:false, status, error}
 * with the webapp's 401 messages.
 */
export function verifyJwt(token, key, now = Date.now()) {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, status: 401, error: "Public Access Token is invalid" };
  let header, claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  } catch {
    return { ok: false, status: 401, error: "Public Access Token is invalid" };
  }
  if (header.alg !== "HS256") return { ok: false, status: 401, error: "Public Access Token is invalid" };
  const want = createHmac("sha256", key).update(`${parts[0]}.${parts[1]}`).digest();
  const got = Buffer.from(parts[2], "base64url");
  if (got.length !== want.length || !timingSafeEqual(got, want)) return { ok: false, status: 401, error: "Public Access Token is invalid" };
  if (!claims.sub) return { ok: false, status: 401, error: "Public Access Token is missing subject" };
  // R-TOK verifies with jose's issuer/audience options: a missing claim fails like a wrong one.
  if (claims.iss !== ISS) return { ok: false, status: 401, error: "Public Access Token is invalid" };
  if (claims.aud !== AUD && !(Array.isArray(claims.aud) && claims.aud.includes(AUD))) return { ok: false, status: 401, error: "Public Access Token is invalid" };
  if (typeof claims.exp === "number" && claims.exp * 1000 <= now)
    return { ok: false, status: 401, error: "Public Access Token has expired. See https://trigger.dev/docs/frontend/overview#authentication for more information." };
  return { ok: true, claims };
}

/**
 * Does a PAT's scope list grant `action` ("read"|"write") on session `ids`
 * (any of the URL key, friendly id, external id)?
 */
export function scopeAllows(scopes, action, ids, io) {
  if (!Array.isArray(scopes)) return false;
  for (const s of scopes) {
    if (s === "admin" || s === `${action}:all` || s === `${action}:sessions`) return true;
    const m = /^(read|write):sessions:(.+)$/.exec(s);
    if (!m || m[1] !== action) continue;
    let id = m[2];
    // 4.8.3 docs: read:sessions:<chatId>:out subscribes .out only.
    if (id.endsWith(":out")) {
      if (io !== "out") continue;
      id = id.slice(0, -4);
    }
    if (ids.includes(id)) return true;
  }
  return false;
}
