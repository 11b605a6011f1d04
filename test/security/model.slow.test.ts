/**
 * Model-based tests (fast-check commands): random sequences of authorize, exchange, refresh,
 * use, revoke, rotate secret, delete client, remove connected app and clock moves, run against
 * the real server over HTTP and against a small reference model of SPEC R3.4-R6 (consent and the
 * first-consent refresh rule, caps and evictions, cascades, replay, rotation, throttles). Every
 * answer must be the model's, and after every step the store must hold exactly the model's live
 * tokens and consents.
 *
 * Three runs per store: serial steps with small caps and no throttles (evictions happen often);
 * serial steps with the shipped limits and throttles on; and concurrent bursts against the
 * shipped 20/20 caps, where the model learns the order the server chose and checks the counts.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createAdminKey } from '../../src/core/admin-keys.ts';
import { generateOpaque, hashSecret } from '../../src/core/ids.ts';
import { storeKinds, type StoreKind } from '../helpers/stores.ts';
import {
  authorizeUrl,
  hiddenField,
  postForm,
  startServer,
  type TestServer,
} from '../helpers/server.ts';
import { pkcePair } from './attack-helpers.ts';

// ---------------------------------------------------------------- configuration

interface Limits {
  refreshCap: number;
  accessCap: number;
  throttle: boolean;
  codeLimit: number;
  mintLimit: number;
  clientAuthLimit: number;
}

const MIN = 60_000;
const CODE_TTL = 120_000;
const ACCESS_TTL = 3_600_000;
const THROTTLE_WINDOW = 600_000;
const CLIENT_AUTH_WINDOW = 900_000;
/** Clock moves of 7 and 61 minutes never sum to a lifetime or window (2, 10, 15, 60 min), so no step lands on a boundary. */
const ADVANCES = [7 * MIN, 61 * MIN];
const SCOPE_SETS = [
  ['AaaServer.profile.READ'],
  ['SalesIQ.portals.READ'],
  ['AaaServer.profile.READ', 'SalesIQ.portals.READ'],
];
const PROFILE = 'AaaServer.profile.READ';

// ---------------------------------------------------------------- the model

type Answer = 'ok' | 'invalid_code' | 'invalid_client' | 'invalid_client_secret' | 'throttled';

/** What the sequences exercised, printed after each run so a quiet run is noticed. */
const SEEN: Record<string, number> = {};
const saw = (what: string): void => {
  SEEN[what] = (SEEN[what] ?? 0) + 1;
};

interface MClient {
  id: string;
  secret: string;
  oldSecrets: string[];
  type: 'server' | 'mobile';
  redirectUri: string;
  deleted: boolean;
}
interface MCode {
  value: string;
  client: number;
  user: number;
  scopes: string[];
  offline: boolean;
  verifier: string | null;
  issuedAt: number;
  state: 'fresh' | 'consumed' | 'gone';
}
interface MRefresh {
  value: string;
  /** Issue order; tokens of one concurrent burst share a value until the server's order is learnt. */
  seq: number;
  client: number;
  user: number;
  family: number;
  code: number;
  scopes: string[];
  exists: boolean;
  rotated: boolean;
}
interface MAccess {
  value: string;
  seq: number;
  client: number;
  user: number;
  refresh: number | null;
  code: number | null;
  scopes: string[];
  expiresAt: number;
  exists: boolean;
}
/** Tokens of which the server evicted `deaths` in an order the model cannot know; learnt from the store. */
interface Pending {
  kind: 'refresh' | 'access';
  members: number[];
  deaths: number;
}

class Model {
  now = 0;
  seq = 0;
  families = 0;
  clients: MClient[] = [];
  users: { zuid: number }[] = [];
  codes: MCode[] = [];
  refresh: MRefresh[] = [];
  access: MAccess[] = [];
  consents = new Map<string, Set<string>>();
  counters = new Map<string, { count: number; end: number }>();
  pending: Pending[] = [];
  constructor(readonly limits: Limits) {}

  // ---- counters (fixed windows, as the store keeps them)
  hit(key: string, windowMs: number): number {
    const c = this.counters.get(key);
    const next =
      !c || c.end <= this.now
        ? { count: 1, end: this.now + windowMs }
        : { count: c.count + 1, end: c.end };
    this.counters.set(key, next);
    return next.count;
  }
  peek(key: string): number {
    const c = this.counters.get(key);
    return !c || c.end <= this.now ? 0 : c.count;
  }

  // ---- client authentication (client-auth.ts)
  authenticate(
    client: number,
    secret: string | null,
  ): 'ok' | 'invalid_client' | 'invalid_client_secret' | 'throttled' {
    const c = this.clients[client] as MClient;
    const key = `clientauth:${c.id}`;
    if (this.limits.throttle && this.peek(key) >= this.limits.clientAuthLimit) return 'throttled';
    const ok =
      !c.deleted &&
      (c.type === 'mobile' ? secret === null || secret === c.secret : secret === c.secret);
    if (ok) return 'ok';
    if (this.limits.throttle) this.hit(key, CLIENT_AUTH_WINDOW);
    // R13.6: a known client's wrong secret is named (zoho profile).
    return !c.deleted && secret !== null ? 'invalid_client_secret' : 'invalid_client';
  }

  liveAccess(a: MAccess): boolean {
    return a.exists && a.expiresAt > this.now;
  }
  liveRefresh(r: MRefresh): boolean {
    return r.exists && !r.rotated;
  }

  // ---- cascades
  killRefreshFamily(family: number): void {
    this.refresh.forEach((r, i) => {
      if (r.family === family && r.exists) {
        r.exists = false;
        this.killAccessOf(i);
      }
    });
  }
  killAccessOf(refresh: number): void {
    for (const a of this.access) if (a.refresh === refresh) a.exists = false;
  }
  /** RFC 6749 §4.1.2 (SPEC R4.4): what a replayed code issued dies. */
  revokeFromCode(code: number): void {
    this.refresh.forEach((r) => {
      if (r.code === code && r.exists) this.killRefreshFamily(r.family);
    });
    for (const a of this.access) if (a.code === code) a.exists = false;
  }
  killGrant(user: number, client: number): void {
    for (const r of this.refresh) if (r.user === user && r.client === client) r.exists = false;
    for (const a of this.access) if (a.user === user && a.client === client) a.exists = false;
    for (const c of this.codes) if (c.user === user && c.client === client) c.state = 'gone';
    this.consents.delete(`${user}:${client}`);
  }
  deleteClient(client: number): void {
    (this.clients[client] as MClient).deleted = true;
    for (let u = 0; u < this.users.length; u++) this.killGrant(u, client);
  }

  /** Keeps the `cap` newest; a tie at the boundary (a concurrent burst) becomes a pending question. */
  applyCap(kind: 'refresh' | 'access', ids: number[], cap: number): void {
    const list = kind === 'refresh' ? this.refresh : this.access;
    const bySeq = [...ids].sort(
      (a, b) => (list[b] as { seq: number }).seq - (list[a] as { seq: number }).seq,
    );
    if (bySeq.length <= cap) return;
    const boundarySeq = (list[bySeq[cap] as number] as { seq: number }).seq;
    const keepSeq = (list[bySeq[cap - 1] as number] as { seq: number }).seq;
    const dieFor = (i: number): void => {
      if (kind === 'refresh') this.killRefreshFamily((this.refresh[i] as MRefresh).family);
      else (this.access[i] as MAccess).exists = false;
    };
    saw(`${kind} cap eviction`);
    // A tie left open by an earlier cap (two exchanges in one step, say) is still counted live
    // here, so this cap's answer about its members is cumulative: it replaces the earlier question
    // (or ends it, when all of them now die).
    const beyond = new Set(bySeq.slice(cap));
    this.pending = this.pending.filter(
      (p) => p.kind !== kind || !p.members.some((i) => beyond.has(i)),
    );
    if (boundarySeq !== keepSeq) {
      bySeq.slice(cap).forEach(dieFor);
      return;
    }
    const tie = bySeq.filter((i) => (list[i] as { seq: number }).seq === boundarySeq);
    const deaths = bySeq
      .slice(cap)
      .filter((i) => (list[i] as { seq: number }).seq === boundarySeq).length;
    bySeq
      .slice(cap)
      .filter((i) => (list[i] as { seq: number }).seq !== boundarySeq)
      .forEach(dieFor);
    this.pending.push({ kind, members: tie, deaths });
  }

  liveRefreshOf(user: number, client: number): number[] {
    return this.refresh.flatMap((r, i) =>
      r.user === user && r.client === client && this.liveRefresh(r) ? [i] : [],
    );
  }
  liveAccessOf(refresh: number): number[] {
    return this.access.flatMap((a, i) => (a.refresh === refresh && this.liveAccess(a) ? [i] : []));
  }

  // ---- the token endpoint
  /** Predicts an authorization-code exchange and applies it; returns the answer and, for `ok`, what to record. */
  exchange(codeIdx: number, client: number): { answer: Answer; refresh: boolean } {
    const auth = this.authenticate(
      client,
      (this.clients[client] as MClient).type === 'mobile'
        ? null
        : (this.clients[client] as MClient).secret,
    );
    if (auth !== 'ok') return { answer: auth, refresh: false };
    const code = this.codes[codeIdx] as MCode;
    if (code.state === 'gone') return { answer: 'invalid_code', refresh: false };
    if (code.state === 'consumed') {
      saw('code replay');
      this.revokeFromCode(codeIdx);
      return { answer: 'invalid_code', refresh: false };
    }
    code.state = 'consumed';
    if (code.client !== client || this.now - code.issuedAt >= CODE_TTL)
      return { answer: 'invalid_code', refresh: false };
    return { answer: 'ok', refresh: code.offline };
  }
  recordExchange(codeIdx: number, access: string, refresh: string | undefined, seq: number): void {
    const code = this.codes[codeIdx] as MCode;
    let r: number | null = null;
    if (refresh !== undefined) {
      r =
        this.refresh.push({
          value: refresh,
          seq,
          client: code.client,
          user: code.user,
          family: ++this.families,
          code: codeIdx,
          scopes: code.scopes,
          exists: true,
          rotated: false,
        }) - 1;
    }
    this.access.push({
      value: access,
      seq,
      client: code.client,
      user: code.user,
      refresh: r,
      code: codeIdx,
      scopes: code.scopes,
      expiresAt: this.now + ACCESS_TTL,
      exists: true,
    });
  }
  capRefresh(user: number, client: number): void {
    this.applyCap('refresh', this.liveRefreshOf(user, client), this.limits.refreshCap);
  }

  /** Predicts a refresh and applies everything but the new tokens. */
  refreshGrant(rtIdx: number, client: number): Answer {
    const c = this.clients[client] as MClient;
    const auth = this.authenticate(client, c.type === 'mobile' ? null : c.secret);
    if (auth !== 'ok') return auth;
    const rt = this.refresh[rtIdx] as MRefresh;
    if (!rt.exists || rt.client !== client || (this.clients[rt.client] as MClient).deleted)
      return 'invalid_code';
    if (rt.rotated) {
      saw('rotated refresh token reused');
      this.killRefreshFamily(rt.family);
      return 'invalid_code';
    }
    if (this.limits.throttle && this.hit(`mint:${rtIdx}`, THROTTLE_WINDOW) > this.limits.mintLimit)
      return 'throttled';
    return 'ok';
  }
  recordRefresh(rtIdx: number, access: string, rotatedTo: string | undefined, seq: number): number {
    const rt = this.refresh[rtIdx] as MRefresh;
    let holder = rtIdx;
    if (rotatedTo !== undefined) {
      rt.rotated = true;
      this.killAccessOf(rtIdx);
      holder = this.refresh.push({ ...rt, value: rotatedTo, seq, rotated: false }) - 1;
    }
    this.access.push({
      value: access,
      seq,
      client: rt.client,
      user: rt.user,
      refresh: holder,
      code: null,
      scopes: rt.scopes,
      expiresAt: this.now + ACCESS_TTL,
      exists: true,
    });
    return holder;
  }
}

// ---------------------------------------------------------------- the real side

/** A browser with a session made in the store (signing in with scrypt per sequence would be slow). */
class Jar {
  cookies = new Map<string, string>();
  constructor(readonly base: string) {}
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(new URL(path, this.base), {
      ...init,
      redirect: 'manual',
      headers: { cookie, ...(init.headers as Record<string, string> | undefined) },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair && eq > 0) this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return res;
  }
  post(path: string, form: Record<string, string>): Promise<Response> {
    return this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }
}

interface Real {
  server: TestServer;
  adminKey: string;
  jars: Jar[];
}

const token = (s: TestServer, form: Record<string, string>) =>
  postForm(s.url, '/oauth/v2/token', form);

/** The answer of the token endpoint, in the model's words (zoho profile). */
function answerOf(body: Record<string, unknown>): Answer {
  if (typeof body.access_token === 'string') return 'ok';
  if (body.error === 'Access Denied') return 'throttled';
  return body.error as Answer;
}

function clientForm(c: MClient, secret = c.secret): Record<string, string> {
  return c.type === 'mobile' ? { client_id: c.id } : { client_id: c.id, client_secret: secret };
}

/** The other confidential client of the sequence (0 and 1 are confidential, 2 is public). */
const otherClient = (c: number): number => (c === 0 ? 1 : 0);

type Cmd = fc.AsyncCommand<Model, Real>;

/** An index into a list: from the start for n >= 0, from the end (the newest) for n < 0. */
const pick = (n: number, length: number): number =>
  n >= 0 ? n % length : length - 1 - ((-1 - n) % length);

/** Authorizes (possibly several times in one step) and records the codes. */
class Authorize implements Cmd {
  constructor(
    readonly user: number,
    readonly client: number,
    readonly scopes: number,
    readonly offline: boolean,
    readonly prompt: boolean,
    readonly times: number,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const c = m.clients[this.client] as MClient;
    const jar = r.jars[this.user] as Jar;
    const scopes = SCOPE_SETS[this.scopes] as string[];
    for (let t = 0; t < this.times; t++) {
      const pkce = c.type === 'mobile' ? pkcePair() : null;
      const url = authorizeUrl({
        clientId: c.id,
        redirectUri: c.redirectUri,
        scope: scopes.join(','),
        accessType: this.offline ? 'offline' : 'online',
        ...(this.prompt ? { prompt: 'consent' } : {}),
        ...(pkce ? { codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' } : {}),
      });
      let res = await jar.request(url);
      if (c.deleted) {
        expect(res.status, 'deleted client: error page').toBe(400);
        return;
      }
      const key = `${this.user}:${this.client}`;
      const granted = m.consents.get(key);
      const remembered =
        granted !== undefined && scopes.every((s) => granted.has(s)) && !this.prompt;
      let offline = false;
      if (remembered) {
        expect(res.status, 'remembered consent redirects at once').toBe(302);
      } else {
        expect(res.status, 'consent page').toBe(200);
        const page = await res.text();
        res = await jar.post('/oauth/v2/auth', {
          _csrf: hiddenField(page, '_csrf'),
          request: hiddenField(page, 'request'),
          decision: 'accept',
        });
        expect(res.status).toBe(302);
        offline = this.offline && (granted === undefined || this.prompt);
        m.consents.set(key, new Set([...(granted ?? []), ...scopes]));
      }
      const to = new URL(res.headers.get('location') ?? '');
      const throttled =
        m.limits.throttle && m.hit(`codes:${c.id}`, THROTTLE_WINDOW) > m.limits.codeLimit;
      saw(remembered ? 'authorize, consent remembered' : 'authorize, consent page');
      if (throttled) {
        saw('authorize throttled');
        expect(to.searchParams.get('error')).toBe('access_denied');
        continue;
      }
      const code = to.searchParams.get('code');
      expect(code, to.toString()).toBeTruthy();
      m.codes.push({
        value: code ?? '',
        client: this.client,
        user: this.user,
        scopes,
        offline,
        verifier: pkce?.verifier ?? null,
        issuedAt: m.now,
        state: 'fresh',
      });
    }
  }
  toString = (): string =>
    `Authorize(u${this.user}, c${this.client}, ${SCOPE_SETS[this.scopes]?.join('+')}, ${this.offline ? 'offline' : 'online'}${this.prompt ? ', prompt=consent' : ''}, x${this.times})`;
}

/** The common path: authorize, then exchange the new code at once. */
class Flow implements Cmd {
  constructor(readonly authorize: Authorize) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const before = m.codes.length;
    await this.authorize.run(m, r);
    for (let i = before; i < m.codes.length; i++) await new Exchange(i, false).run(m, r);
  }
  toString = (): string => `Flow(${this.authorize.toString()})`;
}

class Exchange implements Cmd {
  constructor(
    readonly code: number,
    readonly byOther: boolean,
  ) {}
  check = (m: Model): boolean => m.codes.length > 0;
  async run(m: Model, r: Real): Promise<void> {
    const i = pick(this.code, m.codes.length);
    const code = m.codes[i] as MCode;
    const client = this.byOther ? otherClient(code.client) : code.client;
    const c = m.clients[client] as MClient;
    const form: Record<string, string> = {
      grant_type: 'authorization_code',
      code: code.value,
      redirect_uri: (m.clients[code.client] as MClient).redirectUri,
      ...clientForm(c),
    };
    if (code.verifier) form.code_verifier = code.verifier;
    const predicted = m.exchange(i, client);
    const res = await token(r.server, form);
    expect(answerOf(res.body), JSON.stringify(res.body)).toBe(predicted.answer);
    saw(`exchange ${predicted.answer}${predicted.refresh ? ' with refresh token' : ''}`);
    if (predicted.answer !== 'ok') return;
    expect(typeof res.body.refresh_token === 'string', 'refresh token per R5.1').toBe(
      predicted.refresh,
    );
    expect(res.body.scope).toBe(code.scopes.join(' '));
    m.recordExchange(
      i,
      String(res.body.access_token),
      res.body.refresh_token as string | undefined,
      ++m.seq,
    );
    m.capRefresh(code.user, code.client);
  }
  toString = (): string => `Exchange(code#${this.code}${this.byOther ? ', by the other app' : ''})`;
}

class Refresh implements Cmd {
  constructor(
    readonly rt: number,
    readonly byOther: boolean,
    readonly follow: boolean,
    readonly times: number,
  ) {}
  check = (m: Model): boolean => m.refresh.length > 0;
  async run(m: Model, r: Real): Promise<void> {
    let i = pick(this.rt, m.refresh.length);
    for (let t = 0; t < this.times; t++) {
      if (this.follow) {
        const family = (m.refresh[i] as MRefresh).family;
        i = m.refresh.reduce(
          (best, x, j) =>
            x.family === family && x.seq >= (m.refresh[best] as MRefresh).seq ? j : best,
          i,
        );
      }
      const rt = m.refresh[i] as MRefresh;
      const client = this.byOther ? otherClient(rt.client) : rt.client;
      const predicted = m.refreshGrant(i, client);
      const res = await token(r.server, {
        grant_type: 'refresh_token',
        refresh_token: rt.value,
        ...clientForm(m.clients[client] as MClient),
      });
      expect(answerOf(res.body), JSON.stringify(res.body)).toBe(predicted);
      saw(`refresh ${predicted}`);
      if (predicted !== 'ok') continue;
      const rotates = (m.clients[rt.client] as MClient).type === 'mobile';
      expect(
        typeof res.body.refresh_token === 'string',
        'public clients rotate, others do not',
      ).toBe(rotates);
      expect(res.body.scope).toBe(rt.scopes.join(' '));
      const holder = m.recordRefresh(
        i,
        String(res.body.access_token),
        res.body.refresh_token as string | undefined,
        ++m.seq,
      );
      m.applyCap('access', m.liveAccessOf(holder), m.limits.accessCap);
      i = holder;
    }
  }
  toString = (): string =>
    `Refresh(rt#${this.rt}${this.byOther ? ', by the other app' : ''}${this.follow ? ', newest of family' : ''}, x${this.times})`;
}

class UseAccess implements Cmd {
  constructor(readonly at: number) {}
  check = (m: Model): boolean => m.access.length > 0;
  async run(m: Model, r: Real): Promise<void> {
    const a = m.access[pick(this.at, m.access.length)] as MAccess;
    const res = await fetch(`${r.server.url}/oauth/user/info`, {
      headers: { authorization: `Zoho-oauthtoken ${a.value}` },
    });
    const body = (await res.json()) as { ZUID?: number; error?: { code: number } };
    if (!m.liveAccess(a)) expect(body.error?.code, 'dead token').toBe(1003);
    else if (!a.scopes.includes(PROFILE)) expect(body.error?.code, 'insufficient scope').toBe(1007);
    else expect(body.ZUID).toBe((m.users[a.user] as { zuid: number }).zuid);
  }
  toString = (): string => `UseAccess(at#${this.at})`;
}

class Revoke implements Cmd {
  constructor(
    readonly kind: 'access' | 'refresh',
    readonly index: number,
    readonly how: 'zoho' | 'rfc' | 'rfc by the other app',
  ) {}
  check = (m: Model): boolean => (this.kind === 'access' ? m.access : m.refresh).length > 0;
  async run(m: Model, r: Real): Promise<void> {
    const list = this.kind === 'access' ? m.access : m.refresh;
    const i = pick(this.index, list.length);
    const t = list[i] as MAccess | MRefresh;
    const apply = (): void => {
      if (this.kind === 'refresh') m.killRefreshFamily((t as MRefresh).family);
      else (t as MAccess).exists = false;
    };
    if (this.how === 'zoho') {
      const res = await postForm(r.server.url, '/oauth/v2/token/revoke', { token: t.value });
      // An expired access token's row may already be gone (see checkStore): either answer is right.
      const expired = this.kind === 'access' && t.exists && !m.liveAccess(t as MAccess);
      const known = expired ? res.body.status === 'success' : t.exists;
      expect(res.body).toEqual(
        known ? { status: 'success' } : { status: 'failure', error: 'invalid_token' },
      );
      if (known) apply();
      return;
    }
    const client = this.how === 'rfc' ? t.client : otherClient(t.client);
    const c = m.clients[client] as MClient;
    const auth = m.authenticate(client, c.type === 'mobile' ? null : c.secret);
    const res = await postForm(r.server.url, '/oauth/v2/revoke', {
      token: t.value,
      ...clientForm(c),
    });
    if (auth !== 'ok') {
      expect(answerOf(res.body)).toBe(auth);
      return;
    }
    expect(res.status).toBe(200);
    if (client === t.client && t.exists) apply();
  }
  toString = (): string => `Revoke(${this.kind}#${this.index}, ${this.how})`;
}

class RotateSecret implements Cmd {
  constructor(readonly client: number) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const c = m.clients[this.client] as MClient;
    const res = await fetch(`${r.server.url}/admin/api/clients/${c.id}/rotate-secret`, {
      method: 'POST',
      headers: { authorization: `Bearer ${r.adminKey}` },
    });
    const body = (await res.json()) as { client_secret?: string };
    if (c.deleted) return expect(res.status).toBe(404);
    // A public app has no secret to rotate (issue 17).
    if (c.type === 'mobile') return expect(res.status).toBe(400);
    expect(res.status).toBe(200);
    c.oldSecrets.push(c.secret);
    c.secret = body.client_secret ?? '';
  }
  toString = (): string => `RotateSecret(c${this.client})`;
}

/** A refresh with a secret the app no longer has (or never had): invalid_client_secret (invalid_client once deleted), counted by the throttle. */
class StaleSecret implements Cmd {
  constructor(readonly client: number) {}
  check = (m: Model): boolean => (m.clients[this.client] as MClient).type !== 'mobile';
  async run(m: Model, r: Real): Promise<void> {
    const c = m.clients[this.client] as MClient;
    const secret = c.oldSecrets.at(-1) ?? randomBytes(21).toString('hex');
    const key = `clientauth:${c.id}`;
    let predicted: Answer = c.deleted ? 'invalid_client' : 'invalid_client_secret';
    if (m.limits.throttle && m.peek(key) >= m.limits.clientAuthLimit) predicted = 'throttled';
    else if (m.limits.throttle) m.hit(key, CLIENT_AUTH_WINDOW);
    const res = await token(r.server, {
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_id: c.id,
      client_secret: secret,
    });
    expect(answerOf(res.body)).toBe(predicted);
    saw(`stale secret ${predicted}`);
  }
  toString = (): string => `StaleSecret(c${this.client})`;
}

class DeleteClient implements Cmd {
  constructor(readonly client: number) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const c = m.clients[this.client] as MClient;
    const res = await fetch(`${r.server.url}/admin/api/clients/${c.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${r.adminKey}` },
    });
    await res.body?.cancel();
    expect(res.status).toBe(c.deleted ? 404 : 200);
    m.deleteClient(this.client);
  }
  toString = (): string => `DeleteClient(c${this.client})`;
}

class RemoveConnectedApp implements Cmd {
  constructor(
    readonly user: number,
    readonly client: number,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const jar = r.jars[this.user] as Jar;
    const page = await (await jar.request('/account/connected-apps')).text();
    const res = await jar.post(
      `/account/connected-apps/${(m.clients[this.client] as MClient).id}/revoke`,
      { _csrf: hiddenField(page, '_csrf') },
    );
    await res.body?.cancel();
    expect(res.status).toBe(m.consents.has(`${this.user}:${this.client}`) ? 303 : 404);
    m.killGrant(this.user, this.client);
  }
  toString = (): string => `RemoveConnectedApp(u${this.user}, c${this.client})`;
}

class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    m.now += this.ms;
    r.server.advance(this.ms);
  }
  toString = (): string => `Advance(${this.ms / MIN} min)`;
}

/** Exchanges `k` fresh offline codes of one user and app at once: the refresh-token cap must hold. */
class ConcurrentExchange implements Cmd {
  constructor(
    readonly user: number,
    readonly client: number,
    readonly k: number,
  ) {}
  check = (m: Model): boolean => !(m.clients[this.client] as MClient).deleted;
  async run(m: Model, r: Real): Promise<void> {
    const c = m.clients[this.client] as MClient;
    const from = m.codes.length;
    await new Authorize(this.user, this.client, 0, true, true, this.k).run(m, r);
    const indexes = m.codes.slice(from).map((_, j) => from + j);
    const liveBefore = m.liveRefreshOf(this.user, this.client).length;
    const forms = indexes.map((i) => {
      const code = m.codes[i] as MCode;
      return {
        grant_type: 'authorization_code',
        code: code.value,
        redirect_uri: c.redirectUri,
        ...clientForm(c),
        ...(code.verifier ? { code_verifier: code.verifier } : {}),
      };
    });
    const answers = await Promise.all(forms.map((f) => token(r.server, f)));
    const seq = ++m.seq;
    answers.forEach((res, j) => {
      const i = indexes[j] as number;
      expect(m.exchange(i, this.client).answer).toBe('ok');
      expect(answerOf(res.body), JSON.stringify(res.body)).toBe('ok');
      m.recordExchange(
        i,
        String(res.body.access_token),
        res.body.refresh_token as string | undefined,
        seq,
      );
    });
    m.capRefresh(this.user, this.client);
    saw('concurrent exchange');
    expect(
      await r.server.store.countLiveRefreshTokens(
        (m.users[this.user] as { zuid: number }).zuid,
        c.id,
      ),
    ).toBe(Math.min(m.limits.refreshCap, liveBefore + this.k));
  }
  toString = (): string => `ConcurrentExchange(u${this.user}, c${this.client}, x${this.k})`;
}

/** `k` refreshes of one token at once: the access-token cap holds; a public app's token is reused, so its family dies. */
class ConcurrentRefresh implements Cmd {
  constructor(
    readonly rt: number,
    readonly k: number,
  ) {}
  check = (m: Model): boolean => m.refresh.length > 0;
  async run(m: Model, r: Real): Promise<void> {
    const i = pick(this.rt, m.refresh.length);
    const rt = m.refresh[i] as MRefresh;
    const c = m.clients[rt.client] as MClient;
    const answers = await Promise.all(
      Array.from({ length: this.k }, () =>
        token(r.server, { grant_type: 'refresh_token', refresh_token: rt.value, ...clientForm(c) }),
      ),
    );
    const oks = answers.filter((a) => answerOf(a.body) === 'ok');
    const first = m.refreshGrant(i, rt.client);
    saw(`concurrent refresh ${c.type} ${first}`);
    if (first !== 'ok') {
      expect(oks.length).toBe(0);
      return;
    }
    if (c.type === 'mobile') {
      // One request rotates it; the next presents a rotated token and the family ends (RFC 9700 §4.14).
      expect(oks.length).toBe(1);
      const winner = oks[0] as { body: Record<string, unknown> };
      m.recordRefresh(
        i,
        String(winner.body.access_token),
        String(winner.body.refresh_token),
        ++m.seq,
      );
      if (this.k > 1) m.killRefreshFamily(rt.family);
      return;
    }
    expect(oks.length, 'every refresh of a confidential app succeeds').toBe(this.k);
    const liveBefore = m.liveAccessOf(i).length;
    const seq = ++m.seq;
    for (const ok of oks) m.recordRefresh(i, String(ok.body.access_token), undefined, seq);
    m.applyCap('access', m.liveAccessOf(i), m.limits.accessCap);
    const rows = await Promise.all(
      m.access
        .filter((a) => a.refresh === i)
        .map((a) => r.server.store.findAccessToken(hashSecret(a.value))),
    );
    expect(rows.filter((x) => x !== undefined && x.expiresAt > r.server.now()).length).toBe(
      Math.min(m.limits.accessCap, liveBefore + this.k),
    );
  }
  toString = (): string => `ConcurrentRefresh(rt#${this.rt}, x${this.k})`;
}

// ---------------------------------------------------------------- checking the store against the model

async function checkStore(m: Model, r: Real): Promise<void> {
  const store = r.server.store;
  const serverNow = r.server.now();
  // First learn what the server chose where the model could not know (concurrent ties).
  for (const p of m.pending.splice(0)) {
    const list = p.kind === 'refresh' ? m.refresh : m.access;
    const alive = await Promise.all(
      p.members.map(async (i) => {
        const t = list[i] as MRefresh | MAccess;
        if (p.kind === 'refresh')
          return (await store.findRefreshToken(hashSecret(t.value)))?.rotatedAt === null;
        return (await store.findAccessToken(hashSecret(t.value))) !== undefined;
      }),
    );
    expect(alive.filter((x) => !x).length, `${p.kind} tokens evicted from a concurrent burst`).toBe(
      p.deaths,
    );
    p.members.forEach((i, j) => {
      if (alive[j]) return;
      if (p.kind === 'refresh') m.killRefreshFamily((m.refresh[i] as MRefresh).family);
      else (m.access[i] as MAccess).exists = false;
    });
  }
  for (const a of m.access) {
    const row = await store.findAccessToken(hashSecret(a.value));
    // An expired token is dead either way; the store may clean its row up whenever it likes.
    if (a.exists && !m.liveAccess(a) && row === undefined) a.exists = false;
    expect(row !== undefined, `access token ${a.value.slice(0, 12)} exists`).toBe(a.exists);
    if (row) expect(row.expiresAt > serverNow, 'access token live').toBe(m.liveAccess(a));
  }
  for (const t of m.refresh) {
    const row = await store.findRefreshToken(hashSecret(t.value));
    expect(row !== undefined, `refresh token ${t.value.slice(0, 12)} exists`).toBe(t.exists);
    if (row) expect(row.rotatedAt !== null, 'refresh token rotated').toBe(t.rotated);
  }
  for (let u = 0; u < m.users.length; u++) {
    for (let c = 0; c < m.clients.length; c++) {
      const zuid = (m.users[u] as { zuid: number }).zuid;
      const id = (m.clients[c] as MClient).id;
      const live = await store.countLiveRefreshTokens(zuid, id);
      expect(live, `live refresh tokens u${u} c${c}`).toBe(m.liveRefreshOf(u, c).length);
      expect(live).toBeLessThanOrEqual(m.limits.refreshCap);
      const consent = await store.findConsent(zuid, id);
      expect(new Set(consent?.scopes ?? []), `consent u${u} c${c}`).toEqual(
        m.consents.get(`${u}:${c}`) ?? new Set(),
      );
    }
  }
}

// ---------------------------------------------------------------- running it

/** Every step is followed by the full comparison of the store with the model. */
class Checked implements Cmd {
  constructor(
    readonly inner: Cmd,
    readonly tally: { steps: number },
  ) {}
  check = (m: Readonly<Model>): boolean => this.inner.check(m);
  async run(m: Model, r: Real): Promise<void> {
    await this.inner.run(m, r);
    await checkStore(m, r);
    this.tally.steps++;
  }
  toString = (): string => this.inner.toString();
}

const PASSWORD_HASH =
  'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** Two people signed in, two confidential apps and one public (mobile) app, fresh for each sequence. */
async function newWorld(
  server: TestServer,
  adminKey: string,
  limits: Limits,
): Promise<{ model: Model; real: Real }> {
  const model = new Model(limits);
  const jars: Jar[] = [];
  for (let u = 0; u < 2; u++) {
    const created = await server.store.createUser(
      {
        email: `model-${randomBytes(6).toString('hex')}@example.com`,
        passwordHash: PASSWORD_HASH,
        firstName: 'M',
        lastName: 'B',
        displayName: 'M B',
      },
      server.now(),
    );
    if (created.outcome !== 'created') throw new Error('model user emails are unique');
    const { user } = created;
    const session = generateOpaque();
    await server.store.createSession(hashSecret(session), {
      zuid: user.zuid,
      createdAt: server.now(),
      expiresAt: server.now() + 30 * 24 * 3_600_000,
    });
    const jar = new Jar(server.url);
    jar.cookies.set('tg_session', session);
    jars.push(jar);
    model.users.push({ zuid: user.zuid });
  }
  const specs = [
    { type: 'server' as const, redirectUris: ['https://app.example.com/callback'] },
    { type: 'server' as const, redirectUris: ['https://other.example.com/callback'] },
    { type: 'mobile' as const, redirectUris: ['http://127.0.0.1/callback'] },
  ];
  for (const spec of specs) {
    const c = await server.addClient(spec);
    model.clients.push({
      id: c.clientId,
      secret: c.clientSecret,
      oldSecrets: [],
      type: spec.type,
      redirectUri: c.redirectUri,
      deleted: false,
    });
  }
  return { model, real: { server, adminKey, jars } };
}

function commandsFor(
  variant: 'serial' | 'throttled' | 'concurrent',
  tally: { steps: number },
): fc.Arbitrary<Iterable<Cmd>> {
  const times = variant === 'throttled' ? fc.constantFrom(1, 1, 1, 11) : fc.constant(1);
  const refreshTimes =
    variant === 'throttled'
      ? fc.constantFrom(1, 1, 12)
      : variant === 'serial'
        ? fc.constantFrom(1, 1, 4)
        : fc.constant(1);
  const client = fc.constantFrom(0, 1, 2);
  const user = fc.constantFrom(0, 1);
  const arbs: fc.Arbitrary<Cmd>[] = [
    fc
      .tuple(user, client, fc.nat(2), fc.boolean(), fc.boolean(), times)
      .map(([u, c, s, o, p, t]) => new Authorize(u, c, s, o, p, t)),
    fc
      .tuple(user, client, fc.nat(2), fc.constant(true), fc.boolean(), times)
      .map(([u, c, s, o, p, t]) => new Authorize(u, c, s, o, p, t)),
    fc
      .tuple(user, client, fc.nat(2), fc.boolean(), fc.boolean())
      .map(([u, c, sc, o, p]) => new Flow(new Authorize(u, c, sc, o, p, 1))),
    fc
      .tuple(user, client, fc.nat(2), fc.boolean())
      .map(([u, c, sc, p]) => new Flow(new Authorize(u, c, sc, true, p, 1))),
    // New offline grants of one person to one app pile up refresh tokens towards the cap.
    fc
      .tuple(fc.constantFrom(0, 2), fc.nat(2), fc.constantFrom(1, 2, 3))
      .map(([c, sc, t]) => new Flow(new Authorize(0, c, sc, true, true, t))),
    fc.tuple(fc.nat(), fc.boolean()).map(([i, o]) => new Exchange(i, o)),
    // Most steps act on the newest codes and tokens, where the interesting answers are.
    fc.nat(2).map((i) => new Exchange(-1 - i, false)),
    fc.nat(2).map((i) => new Exchange(-1 - i, false)),
    fc
      .tuple(fc.nat(), fc.boolean(), fc.boolean(), refreshTimes)
      .map(([i, o, f, t]) => new Refresh(i, o, f, t)),
    fc
      .tuple(fc.nat(3), fc.boolean(), refreshTimes)
      .map(([i, f, t]) => new Refresh(-1 - i, false, f, t)),
    fc
      .tuple(fc.nat(3), fc.boolean(), refreshTimes)
      .map(([i, f, t]) => new Refresh(-1 - i, false, f, t)),
    fc.nat().map((i) => new UseAccess(i)),
    fc.nat(3).map((i) => new UseAccess(-1 - i)),
    fc
      .tuple(
        fc.constantFrom('access' as const, 'refresh' as const),
        fc.nat(),
        fc.constantFrom('zoho' as const, 'rfc' as const, 'rfc by the other app' as const),
      )
      .map(([k, i, h]) => new Revoke(k, i, h)),
    client.map((c) => new RotateSecret(c)),
    fc.constantFrom(0, 1).map((c) => new StaleSecret(c)),
    client.map((c) => new DeleteClient(c)),
    fc.tuple(user, client).map(([u, c]) => new RemoveConnectedApp(u, c)),
    fc.constantFrom(...ADVANCES).map((ms) => new Advance(ms)),
  ];
  if (variant === 'concurrent') {
    arbs.push(
      fc
        .tuple(user, fc.constantFrom(0, 1), fc.integer({ min: 2, max: 25 }))
        .map(([u, c, k]) => new ConcurrentExchange(u, c, k)),
      fc
        .tuple(fc.nat(), fc.integer({ min: 2, max: 25 }))
        .map(([i, k]) => new ConcurrentRefresh(i, k)),
      fc
        .tuple(fc.nat(3), fc.integer({ min: 2, max: 25 }))
        .map(([i, k]) => new ConcurrentRefresh(-1 - i, k)),
    );
  }
  return fc.commands(
    arbs.map((a) => a.map((c) => new Checked(c, tally))),
    { maxCommands: variant === 'concurrent' ? 20 : 25, size: 'max' },
  );
}

const VARIANTS: {
  name: string;
  variant: 'serial' | 'throttled' | 'concurrent';
  runs: number;
  limits: Limits;
}[] = [
  {
    name: 'serial steps, caps 2/3, no throttles',
    variant: 'serial',
    runs: 60,
    limits: {
      refreshCap: 2,
      accessCap: 3,
      throttle: false,
      codeLimit: 10,
      mintLimit: 10,
      clientAuthLimit: 20,
    },
  },
  {
    name: 'serial steps, shipped caps 20/20 and throttles',
    variant: 'throttled',
    runs: 30,
    limits: {
      refreshCap: 20,
      accessCap: 20,
      throttle: true,
      codeLimit: 10,
      mintLimit: 10,
      clientAuthLimit: 20,
    },
  },
  {
    name: 'concurrent bursts, shipped caps 20/20',
    variant: 'concurrent',
    runs: 25,
    limits: {
      refreshCap: 20,
      accessCap: 20,
      throttle: false,
      codeLimit: 10,
      mintLimit: 10,
      clientAuthLimit: 20,
    },
  },
];

const seed = process.env.MODEL_SEED === undefined ? undefined : Number(process.env.MODEL_SEED);

/**
 * Sequences that once failed, replayed on every run by their seed and path (while the generators
 * stay as they are, the same commands). -933497309/12: two exchanges in one step each evicted one
 * refresh token of an earlier concurrent burst; the model asked about the tie twice (CI, 12-01).
 */
const REPLAYS = [{ variant: 'concurrent', seed: -933497309, path: '12' }] as const;

describe.each(storeKinds)(
  'model-based: the server answers as SPEC R3-R6 say on $name',
  (kind: StoreKind) => {
    const servers = new Map<string, { server: TestServer; adminKey: string }>();
    beforeAll(async () => {
      for (const v of VARIANTS) {
        const server = await startServer(kind, {
          throttle: v.limits.throttle,
          refreshTokenCap: v.limits.refreshCap,
          accessTokensPerRefresh: v.limits.accessCap,
        });
        servers.set(v.variant, {
          server,
          adminKey: (await createAdminKey(server.store, 'model', server.now())).key,
        });
      }
    });
    afterAll(async () => {
      for (const { server } of servers.values()) await server.close();
    });

    const run = async (
      { variant, runs, limits }: (typeof VARIANTS)[number],
      replay: Partial<Pick<fc.Parameters<unknown>, 'seed' | 'path' | 'numRuns'>>,
      tally: { steps: number },
    ): Promise<number> => {
      const { server, adminKey } = servers.get(variant) as {
        server: TestServer;
        adminKey: string;
      };
      let sequences = 0;
      await fc.assert(
        fc.asyncProperty(commandsFor(variant, tally), async (cmds) => {
          sequences++;
          const world = await newWorld(server, adminKey, limits);
          await fc.asyncModelRun(() => world, cmds);
        }),
        // No shrinking: each step is real HTTP; the failing sequence and seed are printed as found.
        { numRuns: runs, endOnFailure: true, ...replay },
      );
      return sequences;
    };

    it.each(REPLAYS.map((r) => [`${r.seed}/${r.path}`, r] as const))(
      'replays %s, a sequence that once failed',
      async (_name, replay) => {
        const v = VARIANTS.find((x) => x.variant === replay.variant) as (typeof VARIANTS)[number];
        const tally = { steps: 0 };
        expect(await run(v, { seed: replay.seed, path: replay.path, numRuns: 1 }, tally)).toBe(1);
        expect(tally.steps).toBeGreaterThan(0);
      },
      120_000,
    );

    it.each(VARIANTS.map((v) => [v.name, v] as const))(
      '%s',
      async (_name, v) => {
        const tally = { steps: 0 };
        const sequences = await run(v, seed === undefined ? {} : { seed }, tally);
        console.log(
          `model-based (${kind.name}, ${v.variant}): ${sequences} sequences, ${tally.steps} steps; exercised ${JSON.stringify(SEEN)}`,
        );
        for (const k of Object.keys(SEEN)) delete SEEN[k];
      },
      900_000,
    );
  },
);
