// Which parts of an edited buffer's tree are new since an older tree of it (ParseCache.editedSince).
//
// The incremental parse (parse/incremental.ts) moves a cached tree in place: every node it keeps holds the
// positions of the newest text, and only the nodes it re-parsed are new objects. What was derived from an
// older tree (an analysis: its model keys sites by Directive) therefore still describes every kept node,
// at that node's current position; only where an edit re-parsed is there something it has never seen.
// The log keeps, per edit, the span it re-parsed (in the offsets of the text after it), and folds the spans
// of the edits since a given tree into the offsets of the newest text.

import type { Directive, Node, ParsedFile } from "../parse/ast";
import { lastStartingAtOrBefore, type ParseUpdate } from "../parse/incremental";

/** A closed interval of offsets `[start, end]` (a cursor at either end touches it). */
export type Span = readonly [number, number];

interface LoggedEdit {
  /** The change: `[start, oldEnd)` of the text before it became `[start, newEnd)`. */
  start: number;
  oldEnd: number;
  newEnd: number;
  /** What the edit re-parsed, in the text after it: its new nodes and the change's own text. */
  made: Span;
}

/** Edits kept per buffer; an older tree than the oldest kept is answered as unknown (bounded memory). */
const MAX_EDITS = 512;

export class EditLog {
  private edits: LoggedEdit[] = [];
  /** Edits dropped from the front (the index of `edits[0]` among all edits logged). */
  private dropped = 0;

  /** The number of edits logged so far: a tree current now is marked with it. */
  get mark(): number {
    return this.dropped + this.edits.length;
  }

  /** Logs one applied update (its nodes after the change are the new ones). */
  add(u: ParseUpdate): void {
    const c = u.change;
    const newEnd = c.start + c.text.length;
    let made: Span;
    if (u.kind === "full") made = [0, u.parsed.text.length];
    else {
      let a = c.start;
      let b = newEnd;
      if (u.added.length > 0) {
        a = Math.min(a, u.added[0].startOffset);
        b = Math.max(b, u.added[u.added.length - 1].endOffset);
      }
      made = [a, b];
    }
    this.edits.push({ start: c.start, oldEnd: c.end, newEnd, made });
    if (this.edits.length > MAX_EDITS) {
      const drop = this.edits.length - MAX_EDITS / 2;
      this.edits = this.edits.slice(drop);
      this.dropped += drop;
    }
  }

  /**
   * The spans of the newest text that hold what the edits after `mark` re-parsed, sorted and disjoint;
   * null when those edits are no longer logged. O(edits since × spans).
   */
  madeSince(mark: number): Span[] | null {
    if (mark < this.dropped) return null;
    let spans: Span[] = [];
    for (let i = mark - this.dropped; i < this.edits.length; i++) {
      const e = this.edits[i];
      const d = e.newEnd - e.oldEnd;
      const moved: Span[] = [e.made];
      // A span reaching into the changed text grows over all of it (closed ends: touching counts).
      for (const [a, b] of spans)
        moved.push([
          a < e.start ? a : a >= e.oldEnd ? a + d : e.start,
          b < e.start ? b : b >= e.oldEnd ? b + d : e.newEnd,
        ]);
      spans = merge(moved);
    }
    return spans;
  }
}

function merge(spans: Span[]): Span[] {
  spans.sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of spans) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** Whether the closed interval `[start, end]` touches one of `spans` (sorted, disjoint). */
export function touchesSpans(spans: readonly Span[], start: number, end: number): boolean {
  let lo = 0;
  let hi = spans.length - 1;
  // The first span ending at or after `start`: binary search, spans are sorted by both ends.
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid][1] < start) lo = mid + 1;
    else hi = mid - 1;
  }
  return lo < spans.length && spans[lo][0] <= end;
}

/** Trees an EditLog covers: each tree the cache held, with its log and the mark at which it was current. */
export type EditMarks = WeakMap<ParsedFile, { log: EditLog; mark: number }>;

/**
 * Whether `d` is a node of the tree `children`, not one an edit since replaced (a model may still name it):
 * found down its blocks by its start, O(depth × log siblings).
 */
export function treeHolds(children: readonly Node[], d: Directive): boolean {
  const at = d.startOffset;
  let nodes = children;
  for (;;) {
    const i = lastStartingAtOrBefore(nodes, at);
    if (i < 0) return false;
    const n = nodes[i];
    if (n === d) return true;
    if (n.kind !== "directive" || !n.block) return false;
    nodes = n.block.children;
  }
}
