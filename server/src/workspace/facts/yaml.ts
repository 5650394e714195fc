// YAML manifests, read line by line (no YAML library, so broken files still give what they can): Kubernetes
// liveness/readiness/startup probes and docker-compose health checks that run `nginx -t`, with their period,
// and the `image:` lines that pin an nginx or OpenResty version.

import { addImageVersion } from "./docker";
import { addEvidence, blankOrComment, type FileCtx, type Lines } from "./file-context";
import { everySeconds, goDuration } from "./schedule";
import { shellTestInvocation, testInvocation } from "./shell";

export interface YamlItem {
  value: string;
  start: number;
  end: number;
}

export function indentOf(line: string): number {
  return /^ */.exec(line)?.[0].length ?? 0;
}

/** The lines after `at` that belong to the mapping value of a key at column `keyCol`. */
function yamlBlockEnd(lines: Lines, at: number, keyCol: number): number {
  let j = at + 1;
  let last = at;
  for (; j < lines.count; j++) {
    const l = lines.line(j);
    if (blankOrComment(l)) continue;
    if (indentOf(l) <= keyCol) break;
    last = j;
  }
  return last;
}

/** A scalar starting at `offset` in `text` (double-, single-quoted or plain up to `stop`). */
function yamlScalar(text: string, offset: number, stop: RegExp): YamlItem {
  const c = text[offset];
  if (c === '"') {
    let j = offset + 1;
    let v = "";
    const esc: Record<string, string> = { n: "\n", t: "\t", r: "\r", "0": "\0" };
    while (j < text.length && text[j] !== '"') {
      if (text[j] === "\\" && j + 1 < text.length) {
        v += esc[text[j + 1]] ?? text[j + 1];
        j += 2;
      } else v += text[j++];
    }
    return { value: v, start: offset, end: Math.min(j + 1, text.length) };
  }
  if (c === "'") {
    let j = offset + 1;
    let v = "";
    while (j < text.length) {
      if (text[j] === "'" && text[j + 1] === "'") {
        v += "'";
        j += 2;
      } else if (text[j] === "'") break;
      else v += text[j++];
    }
    return { value: v, start: offset, end: Math.min(j + 1, text.length) };
  }
  let j = offset;
  while (j < text.length && !stop.test(text.slice(j, j + 2))) j++;
  let end = j;
  while (end > offset && /\s/.test(text[end - 1])) end--;
  return { value: text.slice(offset, end), start: offset, end };
}

/** A flow sequence `[a, "b", 'c']` starting at `offset` (at the `[`); may span lines. */
function yamlFlowSequence(text: string, offset: number): YamlItem[] | null {
  const items: YamlItem[] = [];
  let j = offset + 1;
  for (;;) {
    while (j < text.length && /\s/.test(text[j])) j++;
    if (j >= text.length) return null;
    if (text[j] === "]") return items;
    const item = yamlScalar(text, j, /^[,\]]|^\s#/);
    items.push(item);
    j = item.end;
    while (j < text.length && /[ \t\r\n]/.test(text[j])) j++;
    if (text[j] === ",") j++;
    else if (text[j] !== "]") return null;
  }
}

/** A block scalar (`|`, `>-`, …) whose indicator ends line `at`: its text and extent. */
function yamlBlockScalar(lines: Lines, at: number, parentCol: number, folded: boolean): YamlItem & { last: number } {
  const parts: string[] = [];
  let start = -1;
  let end = lines.starts[at] + lines.line(at).length;
  let last = at;
  for (let j = at + 1; j < lines.count; j++) {
    const l = lines.line(j);
    if (l.trim() !== "" && indentOf(l) <= parentCol) break;
    parts.push(l.trim());
    if (l.trim() !== "") {
      if (start < 0) start = lines.starts[j] + indentOf(l);
      end = lines.starts[j] + l.length;
      last = j;
    }
  }
  const value = parts.join(folded ? " " : "\n").trim();
  return { value, start: start < 0 ? end : start, end, last };
}

/**
 * The sequence value of the key whose `:` ends at `offset` on line `at` (key at column `keyCol`): a flow
 * sequence, or a block sequence on the following lines. Null for anything else.
 */
export function yamlSequenceAt(lines: Lines, at: number, offset: number, keyCol: number): YamlItem[] | null {
  const text = lines.text;
  const lineEnd = lines.starts[at] + lines.line(at).length;
  let j = offset;
  while (j < lineEnd && (text[j] === " " || text[j] === "\t")) j++;
  if (text[j] === "[") return yamlFlowSequence(text, j);
  if (j < lineEnd && text[j] !== "#") return null;
  const items: YamlItem[] = [];
  let seqCol = -1;
  for (let k = at + 1; k < lines.count; k++) {
    const l = lines.line(k);
    if (blankOrComment(l)) continue;
    const col = indentOf(l);
    const dash = /^ *- ?/.exec(l);
    if (!dash || !/^ *-(\s|$)/.test(l) || col < keyCol || (seqCol >= 0 && col !== seqCol)) break;
    seqCol = col;
    const vStart = lines.starts[k] + dash[0].length;
    const rest = l.slice(dash[0].length);
    const block = /^([|>])[-+]?\d*\s*(#.*)?$/.exec(rest);
    if (block) {
      const b = yamlBlockScalar(lines, k, col, block[1] === ">");
      items.push(b);
      k = b.last;
    } else items.push(yamlScalar(text, vStart, /^\s#|^[\r\n]/));
  }
  return items.length > 0 ? items : null;
}

/** A scalar value (quoted or plain) after the `:` at `offset`, on the same line; null if none. */
export function yamlInlineScalar(lines: Lines, at: number, offset: number): YamlItem | null {
  const lineEnd = lines.starts[at] + lines.line(at).length;
  let j = offset;
  while (j < lineEnd && (lines.text[j] === " " || lines.text[j] === "\t")) j++;
  if (j >= lineEnd || lines.text[j] === "#" || lines.text[j] === "[" || lines.text[j] === "{") return null;
  const item = yamlScalar(lines.text.slice(0, lineEnd), j, /^\s#/);
  return item.value === "" ? null : item;
}

function itemsCommand(items: readonly YamlItem[]): string {
  return items.map((it) => (/\s/.test(it.value) ? JSON.stringify(it.value) : it.value)).join(" ");
}

const PROBE = /^( *)(- +)?(livenessProbe|readinessProbe|startupProbe)\s*:\s*(#.*)?$/;

export function readProbes(ctx: FileCtx): void {
  const { lines } = ctx;
  for (let i = 0; i < lines.count; i++) {
    const m = PROBE.exec(lines.line(i));
    if (!m) continue;
    const keyCol = m[1].length + (m[2]?.length ?? 0);
    const last = yamlBlockEnd(lines, i, keyCol);
    let period: number | undefined;
    let items: YamlItem[] | null = null;
    let childCol = -1;
    for (let j = i + 1; j <= last; j++) {
      const l = lines.line(j);
      if (blankOrComment(l)) continue;
      if (childCol < 0) childCol = indentOf(l);
      const ps = /^ *periodSeconds\s*:\s*["']?(\d+)/.exec(l);
      if (ps && indentOf(l) === childCol) period = Number(ps[1]);
      const cmd = /(^ *(?:- +)?|[{,]\s*)command\s*:/.exec(l);
      if (cmd && items === null) {
        const col = /^[ -]*$/.test(cmd[1]) ? cmd[1].length : indentOf(l);
        items = yamlSequenceAt(lines, j, lines.starts[j] + cmd.index + cmd[0].length, col);
      }
    }
    if (!items || items.length === 0) continue;
    const invocation = testInvocation(items.map((it) => it.value));
    if (!invocation) continue;
    addEvidence(
      ctx,
      "kubernetes-probe",
      items[0].start,
      items[items.length - 1].end,
      itemsCommand(items),
      invocation,
      `Kubernetes ${m[3]} in ${ctx.display}`,
      everySeconds(period ?? 10),
      "",
    );
  }
}

const HEALTHCHECK = /^( *)(- +)?healthcheck\s*:\s*(#.*)?$/;

export function readComposeHealthchecks(ctx: FileCtx): void {
  const { lines } = ctx;
  for (let i = 0; i < lines.count; i++) {
    const m = HEALTHCHECK.exec(lines.line(i));
    if (!m) continue;
    const keyCol = m[1].length + (m[2]?.length ?? 0);
    const last = yamlBlockEnd(lines, i, keyCol);
    let interval: number | null = 30; // compose's default
    let disabled = false;
    let found: { items: YamlItem[]; shell: boolean } | null = null;
    let childCol = -1;
    for (let j = i + 1; j <= last; j++) {
      const l = lines.line(j);
      if (blankOrComment(l)) continue;
      if (childCol < 0) childCol = indentOf(l);
      if (indentOf(l) !== childCol) continue;
      const kv = /^ *(test|interval|disable)\s*:/.exec(l);
      if (!kv) continue;
      const after = lines.starts[j] + kv[0].length;
      if (kv[1] === "interval") {
        const v = yamlInlineScalar(lines, j, after);
        if (v) interval = goDuration(v.value);
      } else if (kv[1] === "disable") {
        disabled = /^\s*true\b/.test(l.slice(kv[0].length));
      } else {
        const seq = yamlSequenceAt(lines, j, after, childCol);
        if (seq && seq.length > 0) {
          const head = seq[0].value.toUpperCase();
          if (head === "NONE") found = null;
          else if (head === "CMD-SHELL") found = seq.length > 1 ? { items: seq.slice(1), shell: true } : null;
          else found = { items: head === "CMD" ? seq.slice(1) : seq, shell: false };
        } else {
          const v = yamlInlineScalar(lines, j, after);
          found = v ? { items: [v], shell: true } : null;
        }
      }
    }
    if (disabled || !found || found.items.length === 0) continue;
    const { items, shell } = found;
    const invocation = shell
      ? shellTestInvocation(items.map((it) => it.value).join(" "))
      : testInvocation(items.map((it) => it.value));
    if (!invocation) continue;
    addEvidence(
      ctx,
      "docker-healthcheck",
      items[0].start,
      items[items.length - 1].end,
      shell ? items.map((it) => it.value).join(" ") : itemsCommand(items),
      invocation,
      `docker-compose healthcheck in ${ctx.display}`,
      interval === null ? undefined : everySeconds(interval),
      "",
    );
  }
}

export function readImages(ctx: FileCtx): void {
  const { lines } = ctx;
  for (let i = 0; i < lines.count; i++) {
    const l = lines.line(i);
    const m = /^( *(?:- +)?image\s*:\s*)(["']?)([^\s"'#]+)\2/.exec(l);
    if (!m) continue;
    const start = lines.starts[i] + m[1].length + m[2].length;
    addImageVersion(ctx, m[3], start, start + m[3].length, `${ctx.display} image ${m[3]}`, 3);
  }
}
