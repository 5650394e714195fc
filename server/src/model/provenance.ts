// Where a directive comes from, in words that stay true across include instances. A file included by
// several blocks (a snippet such as ssl.conf in every server) gives one site per include instance, each in
// the block that includes it (nginx reads the file once per `include`: ngx_conf_parse is called again for
// each): such a directive is "set in ssl.conf, included by 7 servers", never "inherited from" the first one.

import * as path from "path";
import type { Configuration } from "../workspace/configuration";
import { siteKey, type ConfigContext, type ConfigModel, type DirectiveSite } from "./index";

/** A workspace path as short as it is clear: relative to the main file's folder when inside it. */
export function fileLabel(config: Configuration, p: string): string {
  const rel = path.posix.relative(path.posix.dirname(config.rootPath), p);
  return rel !== "" && !rel.startsWith("..") && !path.posix.isAbsolute(rel) ? rel : p;
}

/** Per model and directive name: the sites of each directive as written (siteKey), built once. */
const instanceIndex = new WeakMap<ConfigModel, Map<string, Map<string, DirectiveSite[]>>>();

/**
 * Every instance of the directive `site` is one of (the same text, once per include of its file), in
 * reading order. The sites of a name are grouped once per model: asked for each of 10,000 locations that
 * each set the directive, filtering the name's sites every time was 10^8 steps.
 */
export function instancesOf(model: ConfigModel, site: DirectiveSite): DirectiveSite[] {
  let byName = instanceIndex.get(model);
  if (!byName) instanceIndex.set(model, (byName = new Map()));
  const name = site.directive.name;
  let byKey = byName.get(name);
  if (!byKey) {
    byName.set(name, (byKey = new Map()));
    for (const s of model.sitesOf(name)) {
      const k = siteKey(s);
      let list = byKey.get(k);
      if (!list) byKey.set(k, (list = []));
      list.push(s);
    }
  }
  return byKey.get(siteKey(site)) ?? [site];
}

const KIND_NOUNS: Partial<Record<ConfigContext["kind"], [string, string]>> = {
  main: ["main context", "main contexts"],
  http: ["http block", "http blocks"],
  server: ["server", "servers"],
  location: ["location", "locations"],
  if: ["if block", "if blocks"],
  limit_except: ["limit_except block", "limit_except blocks"],
  stream: ["stream block", "stream blocks"],
  "stream-server": ["stream server", "stream servers"],
  mail: ["mail block", "mail blocks"],
  "mail-server": ["mail server", "mail servers"],
};

/** "7 servers", "1 location", "3 blocks" (blocks of different kinds). */
export function blocksPhrase(blocks: readonly ConfigContext[]): string {
  const kinds = new Set(blocks.map((b) => b.kind));
  const nouns = kinds.size === 1 ? KIND_NOUNS[blocks[0].kind] : undefined;
  const [one, many] = nouns ?? ["block", "blocks"];
  const n = blocks.length;
  return `${String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",")} ${n === 1 ? one : many}`;
}

export interface WrittenIn {
  /** The file the directive is written in (a label relative to the main file's folder). */
  file: string;
  /** Its instances: one per include of its file (one when the file is read once). */
  instances: DirectiveSite[];
  /** The blocks the instances are in (each include site's block), distinct, in reading order. */
  blocks: ConfigContext[];
}

export function writtenIn(model: ConfigModel, site: DirectiveSite): WrittenIn {
  const instances = instancesOf(model, site);
  const blocks = [...new Set(instances.map((s) => s.context))];
  return { file: fileLabel(model.config, site.file.path), instances, blocks };
}

/**
 * "set in ssl.conf, included by 7 servers" when the directive's file is read by several blocks; null when
 * it is read once (the directive's own position says where it is).
 */
export function includedByPhrase(w: WrittenIn): string | null {
  if (w.instances.length < 2) return null;
  if (w.blocks.length < w.instances.length)
    return `set in ${w.file}, included ${w.instances.length} times by ${blocksPhrase(w.blocks)}`;
  return `set in ${w.file}, included by ${blocksPhrase(w.blocks)}`;
}
