// What the nginx process may lock and which capabilities it has, as the files around the configuration say:
// `docker run` commands (scripts, units, CI files), docker-compose services and Kubernetes containers that run
// an nginx image, and (systemd.ts) nginx units. For rule quic-bpf-limits: `quic_bpf on` makes the master
// create a BPF map and load a program, which needs CAP_BPF + CAP_NET_ADMIN or CAP_SYS_ADMIN, and on kernels
// before 5.11 room under RLIMIT_MEMLOCK. Line-based and forgiving like every reader here.

import { blankOrComment, type FileCtx, type Lines } from "./file-context";
import { yamlInlineScalar, yamlSequenceAt, type YamlItem } from "./yaml";
import type { LimitEvidenceKind, PrivilegeEvidence } from "./types";

/** An image, container or service that runs nginx: its name says so (`nginx:1.27`, `openresty/openresty`, `web-nginx`). */
export function isNginxName(s: string): boolean {
  return /nginx|openresty/i.test(s) && !/exporter/i.test(s);
}

/** A command whose program is nginx or OpenResty (`/usr/sbin/nginx -g 'daemon off;'`). */
export function isNginxProgram(command: string): boolean {
  const first = command.trim().split(/\s+/)[0] ?? "";
  return /^(nginx|openresty|nginx-debug)$/.test(first.slice(first.lastIndexOf("/") + 1));
}

/** `CAP_NET_ADMIN cap_bpf`, `NET_ADMIN,BPF` → `NET_ADMIN`, `BPF` (upper case, without `CAP_`). */
export function capabilityList(s: string): string[] {
  return s
    .split(/[\s,]+/)
    .map((c) =>
      c
        .trim()
        .replace(/^["']|["']$/g, "")
        .toUpperCase()
        .replace(/^CAP_/, ""),
    )
    .filter((c) => /^[A-Z_]+$/.test(c));
}

const SYSTEMD_SUFFIX: Record<string, number> = {
  K: 2 ** 10,
  M: 2 ** 20,
  G: 2 ** 30,
  T: 2 ** 40,
  P: 2 ** 50,
  E: 2 ** 60,
};

/** One limit value in bytes; null for unlimited; undefined when it is not a value. */
function limitValue(v: string, style: "systemd" | "docker"): number | null | undefined {
  const t = v.trim().replace(/^["']|["']$/g, "");
  if (/^(infinity|unlimited)$/i.test(t) || t === "-1") return null;
  if (style === "systemd") {
    const m = /^(\d+(?:\.\d+)?)\s*([KMGTPE]?)i?B?$/i.exec(t);
    if (!m) return undefined;
    return Math.round(Number(m[1]) * (m[2] ? SYSTEMD_SUFFIX[m[2].toUpperCase()] : 1));
  }
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

/**
 * A memlock limit as systemd (`64K`, `8M`, `infinity`, `soft:hard`, base 1024) or Docker and compose (bytes,
 * `-1` unlimited, `soft:hard`) write it; null when it is not one.
 */
export function memlockBytes(
  value: string,
  style: "systemd" | "docker",
): { soft: number | null; hard: number | null } | null {
  const parts = value.trim().split(":");
  if (parts.length > 2) return null;
  const soft = limitValue(parts[0], style);
  const hard = parts.length === 2 ? limitValue(parts[1], style) : soft;
  if (soft === undefined || hard === undefined) return null;
  return { soft, hard };
}

function describeCaps(e: { privileged: boolean; add: readonly string[]; drop: readonly string[] }): string {
  const parts: string[] = [];
  if (e.privileged) parts.push("privileged");
  if (e.drop.length > 0) parts.push(`drops ${e.drop.join(", ")}`);
  if (e.add.length > 0) parts.push(`adds ${e.add.join(", ")}`);
  return parts.length > 0 ? ` (${parts.join("; ")})` : " (default capabilities)";
}

function pushContainer(
  ctx: FileCtx,
  kind: LimitEvidenceKind,
  start: number,
  end: number,
  subject: string,
  where: string,
  caps: { privileged: boolean; add: string[]; drop: string[] },
): void {
  const e: PrivilegeEvidence = {
    kind,
    path: ctx.path,
    range: ctx.lines.range(start, end),
    subject,
    container: true,
    ...caps,
    keep: null,
    description: `${where}${describeCaps(caps)}`,
  };
  ctx.scan.privileges.push(e);
}

// ---------------------------------------------------------------------------------------------------
// docker run

interface Token {
  value: string;
  start: number;
  end: number;
}

/** The words of the command starting at `from`, to the end of the simple command (line continuations followed). */
function commandTokens(text: string, from: number): Token[] {
  const out: Token[] = [];
  let i = from;
  for (;;) {
    while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
    if (text[i] === "\\" && (text[i + 1] === "\n" || (text[i + 1] === "\r" && text[i + 2] === "\n"))) {
      i += text[i + 1] === "\n" ? 2 : 3;
      continue;
    }
    if (i >= text.length || /[\n\r;&|)`#]/.test(text[i])) return out;
    const start = i;
    let value = "";
    while (i < text.length && !/[\s;&|)`]/.test(text[i])) {
      const c = text[i];
      if (c === "'" || c === '"') {
        const close = text.indexOf(c, i + 1);
        const end = close < 0 ? text.length : close;
        value += text.slice(i + 1, end);
        i = end + 1;
      } else if (c === "\\" && i + 1 < text.length && text[i + 1] !== "\n" && text[i + 1] !== "\r") {
        value += text[i + 1];
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    out.push({ value, start, end: Math.min(i, text.length) });
  }
}

/** `docker run` options that take no value (docker-run(1)); every other option takes one. */
const RUN_FLAGS = new Set([
  "--detach",
  "--interactive",
  "--tty",
  "--rm",
  "--init",
  "--privileged",
  "--publish-all",
  "--read-only",
  "--no-healthcheck",
  "--oom-kill-disable",
  "--quiet",
  "--sig-proxy",
  "--disable-content-trust",
]);

const DOCKER_RUN = /\b(?:docker|podman)(?:\s+container)?\s+run(?=[\s\\])/g;

/** Each `docker run` (or `podman run`) of an nginx image: its capabilities and its memlock ulimit. */
export function readDockerRuns(ctx: FileCtx): void {
  const { text } = ctx;
  for (const m of text.matchAll(DOCKER_RUN)) {
    const at = m.index ?? 0;
    const tokens = commandTokens(text, at + m[0].length);
    let privileged: Token | null = null;
    const add: string[] = [];
    const drop: string[] = [];
    let capAt: Token | null = null;
    let ulimit: Token | null = null;
    let name = "";
    let image: Token | null = null;
    for (let i = 0; i < tokens.length && image === null; i++) {
      const t = tokens[i].value;
      if (!t.startsWith("-") || t === "-") {
        image = tokens[i];
        break;
      }
      const eq = t.indexOf("=");
      let opt = eq > 0 ? t.slice(0, eq) : t;
      let value: Token | null = null;
      if (eq > 0) {
        const tok = tokens[i];
        // The value is the word's end (a quote inside it makes the start approximate, never outside the word).
        value = { value: t.slice(eq + 1), start: Math.max(tok.start, tok.end - (t.length - eq - 1)), end: tok.end };
      } else if (t.startsWith("--")) {
        if (!RUN_FLAGS.has(opt)) value = tokens[++i] ?? null;
      } else if (/^-[ditPq]+$/.test(t)) {
        // -d, -it, -dit: flags only.
      } else if (t.length === 2) {
        value = tokens[++i] ?? null;
      } else {
        opt = t.slice(0, 2); // -p80:80: the value attached
      }
      if (opt === "--privileged") {
        if (value === null || /^true$/i.test(value.value)) privileged = tokens[i];
      } else if (opt === "--cap-add" && value) {
        for (const c of capabilityList(value.value)) add.push(c);
        capAt ??= value;
      } else if (opt === "--cap-drop" && value) {
        for (const c of capabilityList(value.value)) drop.push(c);
        capAt ??= value;
      } else if (opt === "--ulimit" && value && /^memlock=/i.test(value.value)) {
        ulimit = value;
      } else if (opt === "--name" && value) name = value.value;
    }
    if (image === null || (!isNginxName(image.value) && !isNginxName(name))) continue;
    const where = `\`docker run\` of ${isNginxName(image.value) ? image.value : "the nginx container"} in ${ctx.display}`;
    const focus = capAt ?? privileged ?? image;
    pushContainer(ctx, "docker-run", focus.start, focus.end, image.value, where, {
      privileged: privileged !== null,
      add,
      drop,
    });
    if (ulimit !== null) {
      const v = memlockBytes(ulimit.value.slice("memlock=".length), "docker");
      if (v !== null)
        ctx.scan.memlock.push({
          kind: "docker-run",
          path: ctx.path,
          range: ctx.lines.range(ulimit.start, ulimit.end),
          ...v,
          subject: image.value,
          description: `${where} sets --ulimit ${ulimit.value}`,
        });
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// YAML: docker-compose services and Kubernetes containers

interface YamlKey {
  /** The keys from the top of the file to this one. */
  path: string[];
  line: number;
  /** Column of the key. */
  col: number;
  /** Column of the `-` when the key opens a sequence item (`- name: web`), else -1. */
  dash: number;
  /** Offset just after the key's `:`. */
  after: number;
}

const YAML_KEY = /^( *)((?:- +)*)([A-Za-z_][\w.-]*|"[^"\n]*"|'[^'\n]*')[ \t]*:(?=\s|$)/;

/** Every mapping key of the file with its path (sequence items do not add to the path). */
function yamlKeys(lines: Lines): YamlKey[] {
  const out: YamlKey[] = [];
  const stack: { col: number; key: string }[] = [];
  for (let i = 0; i < lines.count; i++) {
    const l = lines.line(i);
    if (blankOrComment(l)) continue;
    const m = YAML_KEY.exec(l);
    if (!m) continue;
    const col = m[1].length + m[2].length;
    const dash = m[2].length > 0 ? m[1].length : -1;
    // A `- key:` line starts an item of the sequence whose key is above the dash (or at its column).
    while (stack.length > 0 && (dash >= 0 ? stack[stack.length - 1].col > dash : stack[stack.length - 1].col >= col))
      stack.pop();
    const key = m[3].replace(/^["']|["']$/g, "");
    out.push({ path: [...stack.map((s) => s.key), key], line: i, col, dash, after: lines.starts[i] + m[0].length });
    stack.push({ col, key });
  }
  return out;
}

function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => path[i] === p);
}

function scalarOf(lines: Lines, k: YamlKey): YamlItem | null {
  return yamlInlineScalar(lines, k.line, k.after);
}

function sequenceOf(lines: Lines, k: YamlKey): YamlItem[] {
  return yamlSequenceAt(lines, k.line, k.after, k.col) ?? [];
}

/** One service or container: its keys with paths relative to it. */
interface Scope {
  keys: { rel: string[]; key: YamlKey }[];
  /** Where it starts (the service's key, the item's first key). */
  head: YamlKey;
  name: string;
}

function find(scope: Scope, ...rel: string[]): YamlKey | null {
  return scope.keys.find((k) => k.rel.length === rel.length && startsWith(k.rel, rel))?.key ?? null;
}

const CONTAINER_LISTS = new Set(["containers", "initContainers", "ephemeralContainers"]);

/** docker-compose `services:` (each child key a service) and Kubernetes container list items. */
function scopesOf(keys: readonly YamlKey[]): { compose: Scope[]; kubernetes: Scope[] } {
  const compose: Scope[] = [];
  const kubernetes: Scope[] = [];
  let service: { scope: Scope; prefix: string[] } | null = null;
  let item: { scope: Scope; parent: string[]; dash: number } | null = null;
  for (const k of keys) {
    if (service !== null && !(startsWith(k.path, service.prefix) && k.path.length > service.prefix.length))
      service = null;
    if (k.path.length === 2 && k.path[0] === "services" && k.dash < 0) {
      service = { scope: { keys: [], head: k, name: k.path[1] }, prefix: k.path };
      compose.push(service.scope);
      continue;
    }
    if (service !== null) service.scope.keys.push({ rel: k.path.slice(service.prefix.length), key: k });

    if (item !== null) {
      const inside =
        startsWith(k.path, item.parent) &&
        k.path.length > item.parent.length &&
        (k.dash < 0 ? k.col > item.dash : k.dash > item.dash);
      if (!inside) item = null;
    }
    if (k.dash >= 0 && k.path.length >= 2 && CONTAINER_LISTS.has(k.path[k.path.length - 2])) {
      const parent = k.path.slice(0, -1);
      item = { scope: { keys: [], head: k, name: "" }, parent, dash: k.dash };
      kubernetes.push(item.scope);
    }
    if (item !== null) item.scope.keys.push({ rel: k.path.slice(item.parent.length), key: k });
  }
  return { compose, kubernetes };
}

export function readContainerPrivileges(ctx: FileCtx): void {
  const { lines, text } = ctx;
  // Literal tests first: most YAML files are neither compose files nor workloads.
  const maybeCompose = /^services\s*:/m.test(text);
  const maybeK8s = /ontainers\s*:/.test(text);
  if (!maybeCompose && !maybeK8s) return;
  const { compose, kubernetes } = scopesOf(yamlKeys(lines));
  for (const s of compose) readComposeService(ctx, s);
  for (const s of kubernetes) readKubernetesContainer(ctx, s);
}

function isTrue(lines: Lines, k: YamlKey | null): boolean {
  return k !== null && /^(true|yes|on)$/i.test(scalarOf(lines, k)?.value ?? "");
}

function capsAt(lines: Lines, k: YamlKey | null): { caps: string[]; first: YamlItem | null } {
  if (k === null) return { caps: [], first: null };
  const items = sequenceOf(lines, k);
  const caps: string[] = [];
  for (const it of items) for (const c of capabilityList(it.value)) caps.push(c);
  return { caps, first: items[0] ?? null };
}

function readComposeService(ctx: FileCtx, s: Scope): void {
  const { lines } = ctx;
  const imageKey = find(s, "image");
  const image = imageKey ? (scalarOf(lines, imageKey)?.value ?? "") : "";
  const containerKey = find(s, "container_name");
  const container = containerKey ? (scalarOf(lines, containerKey)?.value ?? "") : "";
  if (!isNginxName(s.name) && !isNginxName(image) && !isNginxName(container)) return;
  const privKey = find(s, "privileged");
  const add = capsAt(lines, find(s, "cap_add"));
  const drop = capsAt(lines, find(s, "cap_drop"));
  const focus = add.first ?? drop.first;
  const headLineEnd = lines.starts[s.head.line] + lines.line(s.head.line).length;
  const [start, end] = focus
    ? [focus.start, focus.end]
    : privKey && isTrue(lines, privKey)
      ? [lines.starts[privKey.line] + privKey.col, lines.starts[privKey.line] + lines.line(privKey.line).length]
      : [lines.starts[s.head.line] + s.head.col, headLineEnd];
  const where = `docker-compose service \`${s.name}\` in ${ctx.display}`;
  pushContainer(ctx, "compose", start, end, s.name, where, {
    privileged: isTrue(lines, privKey),
    add: add.caps,
    drop: drop.caps,
  });

  // ulimits: memlock: N | "soft:hard" | { soft: N, hard: N }
  const memlock = find(s, "ulimits", "memlock");
  if (memlock === null) return;
  const scalar = scalarOf(lines, memlock);
  let value: { soft: number | null; hard: number | null } | null = null;
  let range: { start: number; end: number } | null = null;
  let written = "";
  if (scalar !== null) {
    value = memlockBytes(scalar.value, "docker");
    range = scalar;
    written = scalar.value;
  } else {
    const softKey = find(s, "ulimits", "memlock", "soft");
    const hardKey = find(s, "ulimits", "memlock", "hard");
    const soft = softKey ? scalarOf(lines, softKey) : null;
    const hard = hardKey ? scalarOf(lines, hardKey) : null;
    if (soft !== null) {
      value = memlockBytes(`${soft.value}:${hard?.value ?? soft.value}`, "docker");
      range = soft;
      written = `soft ${soft.value}${hard ? `, hard ${hard.value}` : ""}`;
    }
  }
  if (value === null || range === null) return;
  ctx.scan.memlock.push({
    kind: "compose",
    path: ctx.path,
    range: lines.range(range.start, range.end),
    ...value,
    subject: s.name,
    description: `${where} sets ulimits memlock ${written}`,
  });
}

function readKubernetesContainer(ctx: FileCtx, s: Scope): void {
  const { lines } = ctx;
  const nameKey = find(s, "name");
  const name = nameKey ? (scalarOf(lines, nameKey)?.value ?? "") : "";
  const imageKey = find(s, "image");
  const image = imageKey ? (scalarOf(lines, imageKey)?.value ?? "") : "";
  if (!isNginxName(name) && !isNginxName(image)) return;
  const privKey = find(s, "securityContext", "privileged");
  const add = capsAt(lines, find(s, "securityContext", "capabilities", "add"));
  const drop = capsAt(lines, find(s, "securityContext", "capabilities", "drop"));
  const focus = add.first ?? drop.first;
  const at = focus ?? (privKey && isTrue(lines, privKey) ? privKey : (imageKey ?? s.head));
  const [start, end] =
    "value" in at
      ? [at.start, at.end]
      : [lines.starts[at.line] + at.col, lines.starts[at.line] + lines.line(at.line).length];
  const where = `Kubernetes container \`${name || image}\` in ${ctx.display}`;
  pushContainer(ctx, "kubernetes", start, end, name || image, where, {
    privileged: isTrue(lines, privKey),
    add: add.caps,
    drop: drop.caps,
  });
}
