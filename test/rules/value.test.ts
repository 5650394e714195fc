// Rule `value` against the real `nginx -t`. Cases are generated from the directive table: every directive
// whose handler is one of nginx's standard setters (flag, num, size, off, msec, sec, bufs, enum, bitmask), in
// the outermost context it is allowed in, gets the values nginx's readers are picky about (case, units,
// signs, overflow, empty); plus the own handlers value-custom.ts models. Each case runs through nginx -t and
// through the product (loadConfiguration + runChecks, every rule): the verdicts must agree, and where nginx
// fails, the product must have an error on the line nginx names. Nothing here says what nginx answers.
//
// A directive is tested only when nginx accepts one of its plain values in the generated configuration: a
// directive this binary lacks (not built, a newer release), or one that needs more around it than the
// wrapper gives, has no base to vary; their count is printed.

import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { lookupDirective, directiveNames, type DirectiveVariant } from "../../server/src/parse/directives";
import { runChecks } from "../../server/src/rules";
import type { Finding } from "../../server/src/rules/types";
import { loadConfiguration } from "../../server/src/workspace/configuration";
import { MemoryFileSource } from "../../server/src/workspace/files";
import valuesJson from "../../server/data/values.json";
import { oracleVersions } from "../support/nginx";
import { nginxBinary } from "../support/shared";

const MODULES_DIR = "/usr/lib/nginx/modules";
/** The dynamic modules the machine has, in load order (ndk before lua); a case loads the ones it needs. */
const MODULES = [
  "ndk_http_module.so",
  "ngx_http_lua_module.so",
  "ngx_stream_module.so",
  "ngx_mail_module.so",
  "ngx_http_modsecurity_module.so",
];

type Place = "main" | "events" | "http" | "server" | "location" | "upstream" | "stream" | "stream_server" | "mail";
const PLACES: Place[] = ["http", "server", "location", "main", "events", "stream", "stream_server", "mail"];

interface Case {
  /** What is tested, for the report. */
  label: string;
  /** A statement the http block needs first (the zone a limit_req names). */
  before?: string;
  /** The dynamic modules it needs (file names in MODULES_DIR); none: nginx's own. */
  modules?: string[];
  place: Place;
  name: string;
  args: string[];
}

interface Outcome {
  ok: boolean;
  line: number | null;
  message: string;
  warns: { line: number; message: string }[];
}

/** The modules a table entry's directive needs loaded. */
function modulesFor(v: DirectiveVariant): string[] {
  switch (v.repo) {
    case "openresty/lua-nginx-module":
      return ["ndk_http_module.so", "ngx_http_lua_module.so"];
    case "vision5/ngx_devel_kit":
      return ["ndk_http_module.so"];
    case "owasp-modsecurity/ModSecurity-nginx":
      return ["ngx_http_modsecurity_module.so"];
    default:
      return [];
  }
}

/**
 * Disagreements whose reason is known: nginx refuses the value later than its handler, where no value
 * check sees it (printed with the reason, counted against the agreement like any other).
 */
const KNOWN: { statement: RegExp; reason: string }[] = [
  {
    statement: /^variables_hash_(max_size|bucket_size) 0;$/,
    reason:
      "the setter accepts 0; building the variables hash fails afterwards (ngx_http_variables_init_vars, no line)",
  },
];

const TEMP = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `${t}_temp_path tmp_${t};`).join(" ");

function quote(a: string): string {
  return a === "" || /[\s;{}"'#]/.test(a) ? `"${a.replace(/(["\\])/g, "\\$1")}"` : a;
}

function statement(c: Case): string {
  return `${c.name} ${c.args.map(quote).join(" ")}${c.name === "if" ? " { }" : ";"}`;
}

/** The main configuration around the statements (all of one place) and the (1-based) line of each. */
function wrapAll(cs: Case[], port: number): { text: string; lines: number[] } {
  const place = cs[0].place;
  const wanted = new Set(cs.flatMap((c) => c.modules ?? []));
  if (place === "stream" || place === "stream_server") wanted.add("ngx_stream_module.so");
  if (place === "mail") wanted.add("ngx_mail_module.so");
  const load = MODULES.filter((m) => wanted.has(m) && fs.existsSync(path.join(MODULES_DIR, m))).map(
    (m) => `load_module ${MODULES_DIR}/${m};`,
  );
  // `{P}`: a port of the case's own (listen cases: nginx -t binds what it listens on).
  const stmts = cs.map(statement).map((t) => t.replace(/\{P\}/g, String(1024 + ((port + 30000) % 60000))));
  const lines: string[] = [...load];
  const events = place === "events" ? ["events {", ...stmts, "}"] : ["events { }"];
  let first = -1;
  const put = (before: string[], after: string[]): void => {
    lines.push(...before);
    first = lines.length;
    lines.push(...stmts);
    lines.push(...after);
  };
  if (place === "main") put([], events);
  else if (place === "events") {
    first = lines.length + 1;
    lines.push(...events);
  } else {
    lines.push(...events);
    const http = `http { access_log off; ${TEMP} ${cs.map((c) => c.before ?? "").join(" ")}`;
    const srv = `server { listen 127.0.0.1:${port};`;
    if (place === "http") put([http], ["}"]);
    else if (place === "server") put([http, srv], ["}", "}"]);
    else if (place === "location") put([http, srv, "location / {"], ["}", "}", "}"]);
    else if (place === "upstream") put([http, "upstream u {", "server 127.0.0.1:9;"], ["}", "}"]);
    else if (place === "stream") put(["stream {"], ["}"]);
    else if (place === "stream_server") put(["stream {", srv, "return x;"], ["}", "}"]);
    else put(["mail {"], ["}"]);
  }
  return { text: lines.join("\n") + "\n", lines: stmts.map((_, i) => first + i + 1) };
}

function wrap(c: Case, port: number): { text: string; line: number } {
  const w = wrapAll([c], port);
  return { text: w.text, line: w.lines[0] };
}

function runNginx(text: string): Promise<Outcome> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-risk-value-"));
  const conf = path.join(dir, "nginx.conf");
  fs.writeFileSync(conf, text);
  return new Promise((resolve) => {
    const p = spawn(nginxBinary()!, [
      "-t",
      "-q",
      "-c",
      conf,
      "-p",
      dir + "/",
      "-e",
      "stderr",
      "-g",
      `pid ${dir}/nginx.pid;`,
    ]);
    let out = "";
    p.stdout.on("data", (b: Buffer) => (out += b.toString()));
    p.stderr.on("data", (b: Buffer) => (out += b.toString()));
    p.on("close", (status) => {
      fs.rmSync(dir, { recursive: true, force: true });
      const m = /\[emerg\] \d+#\d+: (.*?)(?: in (\S+):(\d+))?$/m.exec(out);
      const warns = [...out.matchAll(/\[warn\] \d+#\d+: (.*?) in \S+:(\d+)$/gm)].map((w) => ({
        message: w[1],
        line: Number(w[2]),
      }));
      resolve({ ok: status === 0, message: m ? m[1] : "", line: m?.[3] ? Number(m[3]) : null, warns });
    });
  });
}

async function pool<T, R>(items: T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]);
      }
    }),
  );
  return out;
}

function product(text: string): Finding[] {
  const file = "/w/nginx.conf";
  const config = loadConfiguration(file, { source: new MemoryFileSource({ [file]: text }) });
  return runChecks(config, { strict: false, ...oracleVersions() });
}

const POSTS = (
  valuesJson as unknown as {
    directives: Record<string, { type: string; enum?: string[]; bitmask?: string[]; bounds?: number[] }[]>;
  }
).directives;

const STANDARD = new Set([
  "ngx_conf_set_flag_slot",
  "ngx_conf_set_num_slot",
  "ngx_conf_set_size_slot",
  "ngx_conf_set_off_slot",
  "ngx_conf_set_msec_slot",
  "ngx_conf_set_sec_slot",
  "ngx_conf_set_bufs_slot",
  "ngx_conf_set_enum_slot",
  "ngx_conf_set_bitmask_slot",
]);

const TIMES = [
  "maybe",
  "5x",
  "-1",
  "1.5",
  "1h30m",
  "1h 30m",
  "500ms",
  "1y",
  "1M",
  "30m10s",
  "10s5m",
  "9223372036854775",
  "9223372036854776",
  "",
  "1w2d3h4m5s",
];
const SIZES = [
  "maybe",
  "10Q",
  "-1",
  "1.5",
  "1g",
  "1G",
  "10K",
  "1M",
  "99999999999999999999",
  "9007199254740993k",
  "",
  "8 k",
];
const NUMS = ["maybe", "10Q", "-1", "1.5", "0", "99999999999999999999", "9223372036854775808", "", "+1"];

/** The values to try (each an argument list) and the ones to try first as a base nginx accepts. */
function valuesFor(name: string, v: DirectiveVariant): { base: string[][]; tries: string[][] } | null {
  const post = POSTS[name]?.find((p) => p.type === v.type);
  const one = (xs: string[]): string[][] => xs.map((x) => [x]);
  switch (v.handler) {
    case "ngx_conf_set_flag_slot":
      return { base: one(["off", "on"]), tries: one(["ON", "Off", "maybe", "1", ""]) };
    case "ngx_conf_set_num_slot": {
      const low = post?.bounds ? String(post.bounds[0]) : "1";
      const high = post?.bounds && post.bounds[1] !== -1 ? [String(post.bounds[1] + 1)] : [];
      return { base: one([low, "8", "64"]), tries: one([...NUMS, ...high]) };
    }
    case "ngx_conf_set_size_slot":
    case "ngx_conf_set_off_slot":
      return {
        base: one(["8k", "16k", "64k", "1m", "4k"]),
        tries: one([...SIZES, ...(post ? ["100", "0", "3k"] : [])]),
      };
    case "ngx_conf_set_msec_slot":
    case "ngx_conf_set_sec_slot":
      return { base: one(["10s", "60", "1h"]), tries: one(TIMES) };
    case "ngx_conf_set_bufs_slot":
      return {
        base: [
          ["8", "8k"],
          ["4", "16k"],
          ["2", "64k"],
        ],
        tries: [
          ["0", "8k"],
          ["4", "0"],
          ["x", "8k"],
          ["4", "8x"],
          ["4", "1g"],
          ["-1", "8k"],
        ],
      };
    case "ngx_conf_set_enum_slot": {
      const words = post?.enum;
      if (!words) return null;
      return { base: one(words), tries: one([...words, words[0].toUpperCase(), "maybe", ""]) };
    }
    case "ngx_conf_set_bitmask_slot": {
      const words = post?.bitmask;
      if (!words) return null;
      return {
        base: one(words),
        tries: [
          ...one(words),
          [words[0], words[0]],
          ["maybe"],
          [words[0], "maybe"],
          [words[words.length - 1].toUpperCase()],
        ],
      };
    }
    default:
      return null;
  }
}

const PLACE_CONTEXT: Record<Place, string> = {
  main: "main",
  events: "events",
  http: "http",
  server: "server",
  location: "location",
  upstream: "upstream",
  stream: "stream",
  stream_server: "stream_server",
  mail: "mail",
};

/** The table's directives with a standard setter, each in the outermost context the wrapper has. */
function tableDirectives(): { name: string; place: Place; v: DirectiveVariant }[] {
  const out: { name: string; place: Place; v: DirectiveVariant }[] = [];
  for (const name of directiveNames()) {
    const seen = new Set<string>();
    for (const v of lookupDirective(name)) {
      if (!v.handler || !STANDARD.has(v.handler) || v.block || seen.has(v.type)) continue;
      const place = PLACES.find((p) => v.contexts.includes(PLACE_CONTEXT[p] as never));
      if (!place) continue;
      seen.add(v.type);
      out.push({ name, place, v });
    }
  }
  return out;
}

/** The own handlers value-custom.ts models: statements (place, name, args) to try. */
function customCases(): Case[] {
  const c = (place: Place, name: string, ...lists: string[][]): Case[] =>
    lists.map((args) => ({ label: `${name} (custom)`, place, name, args }));
  return [
    ...c("main", "worker_processes", ["auto"], ["2"], ["Auto"], ["maybe"], ["-1"], [""], ["99999999999999999999"]),
    ...c("events", "worker_connections", ["64"], ["maybe"], ["-1"], [""]),
    ...c(
      "location",
      "return",
      ["200"],
      ["301", "/x"],
      ["999"],
      ["1000"],
      ["http://x"],
      ["https://x"],
      ["$scheme://x"],
      ["/x"],
      ["maybe"],
      ["302x"],
      ["-1"],
      ["200", "text"],
      ["http://x", "y"],
      ["0"],
    ),
    ...c(
      "location",
      "rewrite",
      ["^/a", "/b", "last"],
      ["^/a", "/b", "break"],
      ["^/a", "/b", "redirect"],
      ["^/a", "/b", "permanent"],
      ["^/a", "/b", "Last"],
      ["^/a", "/b", "foo"],
      ["^/a", "http://x/b", "last"],
    ),
    ...c(
      "location",
      "error_page",
      ["404", "/x"],
      ["404", "=200", "/x"],
      ["404", "=", "/x"],
      ["=200", "/x"],
      ["499", "/x"],
      ["299", "/x"],
      ["300", "/x"],
      ["599", "/x"],
      ["600", "/x"],
      ["abc", "/x"],
      ["404", "=abc", "/x"],
      ["500", "502", "503", "504", "/50x.html"],
      ["500", "1", "/50x.html"],
      ["404", "@fallback"],
    ),
    ...["allow", "deny"].flatMap((name) =>
      c(
        "location",
        name,
        ["all"],
        ["unix:"],
        ["10.0.0.0/8"],
        ["10.0.0.1/8"],
        ["10.0.0.0/33"],
        ["256.1.1.1"],
        ["1.2.3"],
        ["::1"],
        ["2001:db8::/32"],
        ["2001:db8::1/32"],
        ["fe80::/129"],
        ["::ffff:1.2.3.4"],
        ["1..2.3"],
        ["255.255.255.255"],
        ["localhost"],
        ["10.0.0.0/"],
        ["1:2:3:4:5:6:7:8"],
        ["1:2:3:4:5:6:7:8:9"],
        ["1::2::3"],
        ["0.0.0.0/0"],
        ["ALL"],
      ),
    ),
    ...c("stream_server", "allow", ["10.0.0.0/8"], ["10.0.0.1/8"], ["bogus"], ["all"]),
    ...c(
      "location",
      "expires",
      ["30d"],
      ["epoch"],
      ["max"],
      ["off"],
      ["Max"],
      ["modified", "1h"],
      ["modified", "epoch"],
      ["Modified", "1h"],
      ["@15h30m"],
      ["@25h"],
      ["modified", "@1h"],
      ["-1"],
      ["-1h"],
      ["+1h"],
      ["1x"],
      ["$arg_e"],
      [""],
    ),
    ...c(
      "location",
      "keepalive_timeout",
      ["65"],
      ["65", "60"],
      ["75s"],
      ["maybe"],
      ["65", "500ms"],
      ["1y"],
      ["65", "1y"],
    ),
    ...c(
      "server",
      "listen",
      ...[
        ["default_server"],
        ["foo"],
        ["backlog=0"],
        ["backlog=511"],
        ["backlog=x"],
        ["rcvbuf=64k"],
        ["rcvbuf=64x"],
        ["sndbuf=1m"],
        ["sndbuf="],
        ["fastopen=10"],
        ["fastopen=x"],
        ["ipv6only=on"],
        ["ipv6only=of"],
        ["ipv6only=yes"],
        ["so_keepalive=on"],
        ["so_keepalive=30m::10"],
        ["so_keepalive=x"],
        ["so_keepalive=0:0:0"],
        ["so_keepalive=::"],
        ["so_keepalive=1:2:3:4"],
        ["reuseport"],
        ["bind"],
        ["http2"],
        ["proxy_protocol"],
        ["deferred"],
        ["setfib=1"],
        ["accept_filter=x"],
        ["Default_server"],
        ["spdy"],
      ].map((p) => ["127.0.0.1:{P}", ...p]),
      ["127.0.0.1:0"],
      ["127.0.0.1:70000"],
      ["127.0.0.1:x"],
      ["0"],
      ["127.0.0.1/x"],
      [":{P}"],
      ["127.0.0.1:{P}-1"],
      ["*:{P}"],
      ["{P}"],
      ["127.0.0.1:{P}?"],
    ),
    ...c(
      "location",
      "if",
      ["($arg_a)"],
      ["($arg_a", "=", "b)"],
      ["($arg_a", "!=", "b)"],
      ["($arg_a", "~", "^b)"],
      ["($arg_a", "~*", "b)"],
      ["($arg_a", "!~", "b)"],
      ["($arg_a", "!~*", "b)"],
      ["($arg_a", "==", "b)"],
      ["($arg_a", "b)"],
      ["(", "$arg_a", ")"],
      ["(-f", "/x)"],
      ["(!-e", "/x)"],
      ["(-x", "/x)"],
      ["(!-d", "/x)"],
      ["(-q", "/x)"],
      ["(!-q", "/x)"],
      ["(-f)"],
      ["($arg_a"],
      ["$arg_a)"],
      ["($arg_a", "=", "b", "c)"],
      ["()"],
      ["(", ")"],
      ["(abc)"],
      ["(-d", "/x", "y)"],
      ["($arg_a", "=)"],
      ["($)"],
      ["(", "$arg_a", "=", "", ")"],
    ),
    ...c(
      "http",
      "limit_req_zone",
      ["$binary_remote_addr", "zone=a{P}:10m", "rate=1r/s"],
      ["$binary_remote_addr", "zone=a{P}:10m", "rate=30r/m"],
      ["$binary_remote_addr", "zone=a{P}:10m", "rate=5"],
      ["$binary_remote_addr", "zone=a{P}:10m", "rate=0r/s"],
      ["$binary_remote_addr", "zone=a{P}:10m", "rate=1.5r/s"],
      ["$binary_remote_addr", "zone=a{P}:10m", "rate=1r/h"],
      ["$binary_remote_addr", "zone=a{P}:10m", "rate="],
      ["$binary_remote_addr", "zone=a{P}:10m", "rate=r/s"],
      ["$binary_remote_addr", "zone=a{P}:10m"],
      ["$binary_remote_addr", "zone=a{P}", "rate=1r/s"],
      ["$binary_remote_addr", "zone=a{P}:10x", "rate=1r/s"],
      ["$binary_remote_addr", "zone=a{P}:16k", "rate=1r/s"],
      ["$binary_remote_addr", "zone=a{P}:32k", "rate=1r/s"],
      ["$binary_remote_addr", "zone=:10m", "rate=1r/s"],
      ["$binary_remote_addr", "rate=1r/s"],
      ["$binary_remote_addr", "zone=a{P}:10m", "burst=5"],
    ),
    ...c(
      "http",
      "limit_conn_zone",
      ["$binary_remote_addr", "zone=c{P}:10m"],
      ["$binary_remote_addr", "zone=c{P}:1k"],
      ["$binary_remote_addr", "zone=c{P}"],
      ["$binary_remote_addr", "zone=c{P}:10m", "rate=1r/s"],
      ["$binary_remote_addr"],
    ),
    ...c(
      "location",
      "limit_req",
      ["zone=z", "burst=5"],
      ["zone=z", "burst=0"],
      ["zone=z", "burst=x"],
      ["zone=z", "burst=5", "nodelay"],
      ["zone=z", "burst=5", "delay=2"],
      ["zone=z", "delay=0"],
      ["zone=z", "NoDelay"],
      ["burst=5"],
    ).map((k) => ({ ...k, before: "limit_req_zone $binary_remote_addr zone=z:1m rate=1r/s;" })),
    ...c("location", "limit_conn", ["z", "10"], ["z", "0"], ["z", "65535"], ["z", "65536"], ["z", "x"]).map((k) => ({
      ...k,
      before: "limit_conn_zone $binary_remote_addr zone=z:1m;",
    })),
    ...c(
      "upstream",
      "server",
      ...[
        ["weight=2"],
        ["weight=0"],
        ["weight=x"],
        ["max_fails=3"],
        ["max_fails=-1"],
        ["max_conns=10"],
        ["max_conns=1k"],
        ["fail_timeout=30s"],
        ["fail_timeout=30x"],
        ["fail_timeout=500ms"],
        ["backup"],
        ["down"],
        ["Backup"],
        ["slow_start=10s"],
        ["resolve"],
        ["weight=2", "max_fails=3", "fail_timeout=10s"],
      ].map((p) => ["127.0.0.1:{P}", ...p]),
      ["127.0.0.1:0"],
      ["127.0.0.1:65536"],
      ["127.0.0.1:x", "weight=2"],
      ["127.0.0.1:x", "weight=0"],
    ),
    ...c("location", "limit_rate", ["10k"], ["$arg_r"], ["10x"], ["1g"], [""]),
    ...c("location", "limit_rate_after", ["1m"], ["$arg_r"], ["-1"]),
    ...c("location", "proxy_limit_rate", ["10k"], ["$arg_r"], ["10x"]),
    ...c("stream_server", "proxy_upload_rate", ["10k"], ["$remote_port"], ["10x"]),
    ...c(
      "location",
      "resolver",
      ["127.0.0.1", "valid=30s"],
      ["127.0.0.1", "valid=x"],
      ["127.0.0.1", "valid=500ms"],
      ["127.0.0.1", "valid="],
      ["127.0.0.1", "ipv6=off"],
      ["127.0.0.1", "ipv6=no"],
      ["127.0.0.1", "ipv6=OFF"],
      ["127.0.0.1:53", "127.0.0.2", "valid=1h30m"],
    ),
    ...c("stream_server", "resolver", ["127.0.0.1", "valid=x"], ["127.0.0.1", "ipv6=on"]),
    ...c(
      "http",
      "log_format",
      ["f", "escape=json", "$remote_addr"],
      ["f", "escape=none", "$remote_addr"],
      ["f", "escape=default", "$remote_addr"],
      ["f", "escape=JSON", "$remote_addr"],
      ["f", "escape=", "$remote_addr"],
      ["f", "escape=xml", "$remote_addr"],
      ["f", "$remote_addr", "escape=xml"],
    ),
    ...c("location", "add_header", ["X-A", "b", "always"], ["X-A", "b", "Always"], ["X-A", "b", "foo"], ["X-A", "b"]),
  ];
}

describe("rule value: argument values as nginx's handlers check them (oracle: nginx -t)", function () {
  this.timeout(180_000);

  it("agrees with nginx -t on the table's standard setters and the modelled handlers", async function () {
    if (!nginxBinary()) {
      if (process.env.CI) throw new Error("CI must install nginx");
      this.skip();
    }
    const started = Date.now();
    let port = 20000 + (process.pid % 20000);
    const ports = new Map<Case, number>();
    const portOf = (c: Case): number => {
      let p = ports.get(c);
      if (p === undefined) ports.set(c, (p = port++));
      return p;
    };
    const nginxOn = (c: Case): Promise<Outcome> => runNginx(wrap(c, portOf(c)).text);

    // Phase 1: a base value nginx accepts, per directive: the candidates in rounds, all directives of a place
    // in one configuration; the statement nginx names is dropped from the round (and from the test when
    // nginx does not know it there), the rest run again. An error at no statement's line splits the batch.
    const table = tableDirectives();
    const pending = table
      .map((t) => ({ t, values: valuesFor(t.name, t.v) }))
      .filter(
        (x): x is { t: (typeof table)[number]; values: NonNullable<ReturnType<typeof valuesFor>> } => x.values !== null,
      );
    const based: { name: string; place: Place; handler: string; tries: string[][]; modules: string[] }[] = [];
    const noBase = new Map<string, string>();
    let baseRuns = 0;
    const settle = async (group: typeof pending, round: number): Promise<void> => {
      let left = group;
      while (left.length > 0) {
        const cs = left.map((x) => ({
          label: "base",
          place: x.t.place,
          name: x.t.name,
          args: x.values.base[round],
          modules: modulesFor(x.t.v),
        }));
        const w = wrapAll(cs, port++);
        const out = await runNginx(w.text);
        baseRuns++;
        if (out.ok) {
          for (const x of left)
            based.push({
              name: x.t.name,
              place: x.t.place,
              handler: x.t.v.handler!,
              tries: x.values.tries,
              modules: modulesFor(x.t.v),
            });
          return;
        }
        const at = out.line === null ? -1 : w.lines.indexOf(out.line);
        if (at < 0) {
          if (left.length === 1) {
            noBase.set(`${left[0].t.name} (${left[0].t.place})`, out.message);
            return;
          }
          const half = Math.ceil(left.length / 2);
          await settle(left.slice(0, half), round);
          await settle(left.slice(half), round);
          return;
        }
        const x = left[at];
        noBase.set(`${x.t.name} (${x.t.place})`, out.message);
        if (!/unknown directive|is not allowed here|invalid number of arguments/.test(out.message)) nextRound.push(x);
        left = left.filter((_, i) => i !== at);
      }
    };
    let nextRound: typeof pending = [];
    for (let round = 0; pending.length > 0; round++) {
      const byPlace = new Map<Place, typeof pending>();
      for (const x of pending)
        if (round < x.values.base.length)
          (byPlace.get(x.t.place) ?? byPlace.set(x.t.place, []).get(x.t.place)!).push(x);
      nextRound = [];
      await Promise.all([...byPlace.values()].map((g) => settle(g, round)));
      pending.splice(0, pending.length, ...nextRound);
    }
    for (const b of based) noBase.delete(`${b.name} (${b.place})`);

    // Phase 2: the values to try. Every value for the directives whose entries carry data (enum and bitmask
    // words, bounds, post handlers) and for the first few of each setter; one value each, in turn, for the
    // rest (VALUE_CASES=all: every value of every directive).
    const all = process.env.VALUE_CASES === "all";
    const cases: Case[] = [];
    const perHandler = new Map<string, number>();
    for (const b of based.sort((a, z) => (a.name < z.name ? -1 : a.name > z.name ? 1 : 0))) {
      const n = perHandler.get(b.handler) ?? 0;
      perHandler.set(b.handler, n + 1);
      const rich = all || n < 3 || POSTS[b.name] !== undefined;
      const tries = rich ? b.tries : [b.tries[n % b.tries.length]];
      for (const args of tries)
        cases.push({ label: `${b.name} ${args.join(" ")}`, place: b.place, name: b.name, args, modules: b.modules });
    }
    cases.push(...customCases());
    const outcomes = await pool(cases, 4, nginxOn);

    let verdictAgree = 0;
    let lineAgree = 0;
    let failing = 0;
    let warnCases = 0;
    let warnAgree = 0;
    let nginxFailed = 0;
    const disagreements: string[] = [];
    /** [warn] lines nginx printed for the statement that the product has no warning for (reported, not asserted). */
    const warnMissed: string[] = [];
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      const real = outcomes[i];
      const { text, line } = wrap(c, portOf(c));
      const findings = product(text);
      const errors = findings.filter((f) => f.severity === "error");
      const ours = errors.length === 0;
      const stmt = statement(c);
      if (process.env.VALUE_TRACE && c.label.endsWith("(custom)"))
        console.log(
          `      ${c.place}: ${stmt} — nginx ${real.ok ? "ok" : real.message}; product ${ours ? "ok" : errors[0].message}`,
        );
      const known = KNOWN.find((k) => k.statement.test(stmt));
      if (ours === real.ok) verdictAgree++;
      else if (known) disagreements.push(`${c.place}: ${stmt} — known: ${known.reason}`);
      else
        disagreements.push(
          `${c.place}: ${stmt} — nginx ${real.ok ? "accepts" : `fails: ${real.message}`}; product ${
            ours ? "accepts" : `fails: ${errors.map((e) => `${e.ruleId}: ${e.message}`).join("; ")}`
          }`,
        );
      if (!real.ok) {
        nginxFailed++;
        if (real.line !== null) {
          failing++;
          const at = errors.find((e) => e.range.start.line + 1 === real.line);
          if (at) lineAgree++;
          else if (!ours)
            disagreements.push(
              `${c.place}: ${stmt} — nginx line ${real.line}, product ${errors.map((e) => e.range.start.line + 1).join(",")}`,
            );
          if (at && at.message !== real.message && real.line === line)
            disagreements.push(`${c.place}: ${stmt} — wording: nginx "${real.message}", product "${at.message}"`);
        }
      } else if (real.warns.some((w) => w.line === line)) {
        warnCases++;
        const w = real.warns.find((x) => x.line === line)!;
        if (
          findings.some((f) => f.severity === "warning" && f.range.start.line + 1 === line && f.message === w.message)
        )
          warnAgree++;
        else warnMissed.push(`${c.place}: ${stmt} — [warn] ${w.message}`);
      }
    }
    const pct = (a: number, b: number): string => (b === 0 ? "n/a" : `${((100 * a) / b).toFixed(2)}%`);
    console.log(
      `      value: ${based.length} directives with a base (${noBase.size} without; ${baseRuns} runs), ${cases.length} cases, ` +
        `${nginxFailed} refused by nginx; verdict ${verdictAgree}/${cases.length} (${pct(verdictAgree, cases.length)}), ` +
        `line ${lineAgree}/${failing} (${pct(lineAgree, failing)}), [warn] ${warnAgree}/${warnCases}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    if (process.env.VALUE_VERBOSE) console.log([...noBase].map(([k, m]) => `      no base: ${k}: ${m}`).join("\n"));
    if (process.env.VALUE_VERBOSE) console.log(warnMissed.map((s) => `      ${s}`).join("\n"));
    if (disagreements.length > 0) console.log(disagreements.map((s) => `      ${s}`).join("\n"));
    assert.ok(verdictAgree / cases.length >= 0.99, `verdict agreement ${pct(verdictAgree, cases.length)} < 99%`);
    assert.ok(lineAgree / Math.max(1, failing) >= 0.99, `line agreement ${pct(lineAgree, failing)} < 99%`);
  });
});
