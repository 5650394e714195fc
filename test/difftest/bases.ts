// The configurations the mistakes are made in: real `server` blocks of ../shared/corpus, made runnable here
// (addresses on 127.0.0.1, certificates the layout writes, log files in the case folder) and then repaired
// with the real nginx: while `nginx -t` refuses the site file, the statement it names is removed (a module
// this build lacks, a host name nothing resolves offline, a variable of a map the snippet did not bring).
// What is left is what nginx accepts: each case then makes one mistake in it.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CORPUS, haveShared, readManifest } from "../support/shared";
import { writeCase } from "./layout";
import { nginxT, pool } from "./oracle";
import { statementAtLine, statements } from "./statements";

export interface Base {
  /** The corpus file the server blocks come from. */
  source: string;
  /** conf.d/site.conf, with `__PORT0__`, `__PORT1__`… where the listen ports go (given per case). */
  site: string;
  ports: number;
}

const KEEP_LISTEN = /^(default_server|default|ssl|http2|proxy_protocol|deferred|(backlog|rcvbuf|sndbuf|fastopen)=\d+)$/;
const CERT = new Set(["ssl_certificate", "proxy_ssl_certificate"]);
const KEY = new Set(["ssl_certificate_key", "proxy_ssl_certificate_key"]);
const CA = new Set([
  "ssl_trusted_certificate",
  "ssl_client_certificate",
  "lua_ssl_trusted_certificate",
  "proxy_ssl_trusted_certificate",
]);
/** Statements that name files the layout does not make: removed before the repair. */
const DROP = new Set([
  "include",
  "ssl_dhparam",
  "ssl_crl",
  "ssl_stapling_file",
  "ssl_session_ticket_key",
  "ssl_password_file",
  "modsecurity_rules_file",
  "modsecurity_rules_remote",
  "proxy_ssl_crl",
  "proxy_ssl_password_file",
  "auth_basic_user_file",
]);

/** The corpus's server blocks of the `http` level, each file's as one snippet. */
export function corpusSnippets(): { source: string; text: string }[] {
  if (!haveShared()) return [];
  const out: { source: string; text: string }[] = [];
  const seen = new Set<string>();
  const entries = readManifest()
    .filter((e) => !e.linkTo && e.kind !== "include" && /\.(conf|nginx)$|^[^.]+$/.test(path.basename(e.path)))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  for (const e of entries) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(CORPUS, e.path), "utf8");
    } catch {
      continue;
    }
    if (text.length > 60_000 || text.includes("\r")) continue;
    const servers = statements(text).filter(
      (s) =>
        s.d.name === "server" && s.d.block && (s.path.length === 0 || (s.path.length === 1 && s.path[0] === "http")),
    );
    if (servers.length === 0) continue;
    const snippet = servers.map((s) => text.slice(s.start, s.end)).join("\n\n") + "\n";
    if (seen.has(snippet)) continue;
    seen.add(snippet);
    out.push({ source: e.path, text: snippet });
  }
  return out;
}

/** The snippet made runnable here: listen ports as placeholders, files the layout has. */
export function sanitize(text: string): { site: string; ports: number } {
  const list = statements(text);
  const ports = new Map<string, number>();
  const edits: { start: number; end: number; text: string }[] = [];
  let logs = 0;
  for (const s of list) {
    const d = s.d;
    if (d.name === "listen" && s.path[s.path.length - 1] === "server" && d.argCount > 0) {
      const addr = d.argValue(0)!;
      if (!ports.has(addr)) ports.set(addr, ports.size);
      const kept = d
        .argValues()
        .slice(1)
        .filter((a) => KEEP_LISTEN.test(a));
      edits.push({
        start: s.start,
        end: s.end,
        text: ["listen", `127.0.0.1:__PORT${ports.get(addr)}__`, ...kept].join(" ") + ";",
      });
    } else if (DROP.has(d.name) || (d.name === "ssl_stapling" && d.argValue(0) === "on")) {
      edits.push({ start: s.start, end: s.end, text: "" });
    } else if ((CERT.has(d.name) || KEY.has(d.name) || CA.has(d.name)) && d.argCount === 1) {
      const file = CERT.has(d.name) ? "certs/server.pem" : KEY.has(d.name) ? "certs/server.key" : "certs/ca.pem";
      edits.push({ start: s.start, end: s.end, text: `${d.name} ${file};` });
    } else if ((d.name === "access_log" || d.name === "error_log") && d.argCount > 0) {
      const p = d.argValue(0)!;
      if (p === "off" || p === "stderr" || p.startsWith("syslog:") || p.startsWith("memory:")) continue;
      const rest = d.argValues().slice(1);
      edits.push({ start: s.start, end: s.end, text: [d.name, `logs/site-${logs++}.log`, ...rest].join(" ") + ";" });
    }
  }
  // Innermost edits first would overlap their blocks' edits: a block is never edited whole here except a
  // removed one, so edits inside a removed block are dropped.
  edits.sort((a, b) => a.start - b.start);
  const kept: typeof edits = [];
  for (const e of edits) if (!kept.length || e.start >= kept[kept.length - 1].end) kept.push(e);
  let out = text;
  for (const e of kept.reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { site: out, ports: ports.size };
}

export function withPorts(site: string, ports: readonly number[]): string {
  return site.replace(/__PORT(\d+)__/g, (_, i: string) => String(ports[Number(i)]));
}

let nextPort = 20_000 + Math.floor(Math.random() * 20_000);
/** Ports for one case: a fresh block of the range each time (cases run four at a time). */
export function casePorts(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(n, 4); i++) {
    if (nextPort > 60_000) nextPort = 20_000;
    out.push(nextPort++);
  }
  return out;
}

function removeStatement(text: string, start: number, end: number): string {
  return text.slice(0, start) + text.slice(end);
}

/**
 * The snippet repaired until nginx accepts it (at most `rounds` removals), or null when nginx still
 * refuses it for a reason no statement of the snippet is named for.
 */
export async function repair(
  snippet: { source: string; text: string },
  work: string,
  rounds = 30,
): Promise<Base | null> {
  const clean = sanitize(snippet.text);
  const ports = clean.ports;
  let site = clean.site;
  for (let round = 0; round < rounds; round++) {
    const p = casePorts(ports);
    const text = withPorts(site, p);
    writeCase(work, { site: text });
    const r = await nginxT(work);
    if (r.ok) {
      const list = statements(site);
      if (list.length < 4) return null;
      return { source: snippet.source, site, ports };
    }
    const e = r.error;
    if (!e) return null;
    const sitePath = path.join(work, "conf.d", "site.conf");
    if (e.file === sitePath && e.line !== null) {
      // The placeholders are as long as nothing in particular: lines do not move with the ports.
      const s = statementAtLine(statements(site), e.line);
      if (!s) return null;
      site = removeStatement(site, s.start, s.end);
      continue;
    }
    const unknownVar = /^unknown "([^"]+)" variable$/.exec(e.message);
    if (unknownVar) {
      const name = unknownVar[1];
      const uses = statements(site).filter(
        (s) =>
          !s.d.block && new RegExp(`\\$(${name}|\\{${name}\\})(?![A-Za-z0-9_])`, "i").test(site.slice(s.start, s.end)),
      );
      if (uses.length === 0) return null;
      for (const s of uses.reverse()) site = removeStatement(site, s.start, s.end);
      continue;
    }
    return null;
  }
  return null;
}

/** Every usable base of the corpus (at most `limit` snippets tried, spread over the corpus). */
export async function corpusBases(limit: number, concurrency = 4): Promise<{ bases: Base[]; tried: number }> {
  const all = corpusSnippets();
  const step = Math.max(1, all.length / limit);
  const chosen: typeof all = [];
  for (let i = 0; i < all.length && chosen.length < limit; i += step) chosen.push(all[Math.floor(i)]);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-bases-"));
  try {
    const repaired = await pool(
      chosen.map((snippet, i) => () => repair(snippet, path.join(root, String(i)))),
      concurrency,
    );
    return { bases: repaired.filter((b): b is Base => b !== null), tried: chosen.length };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
