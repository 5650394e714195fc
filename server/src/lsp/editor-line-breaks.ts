// An editor that rewrites line breaks when it opens a file can make a commented-out directive live.
//
// nginx ends a `#` comment only at LF (ngx_conf_read_token): a lone CR inside a comment is part of it, and so
// is the text after it. VS Code, opening a file with mixed line breaks, turns every line break into the file's
// main one (its text buffer normalises them on load, without marking the document changed): the buffer the
// server receives then holds a real line break where the disk holds a lone CR, and the next save writes it.
// A `# return 503;` hidden behind a lone CR on disk is a live `return 503;` after the save, and the server,
// which analyses the buffer, shows it as live already.
//
// This module only compares: the disk text (what nginx reads today) with the buffer (what a save writes).
// When the buffer is the disk text with its line breaks normalised, every place where a comment on disk
// continues past a lone CR is a directive the save would bring to life, and is reported where the editor
// shows it. Plain data (no LSP types): server.ts publishes the findings with the analysis's.

import type { Position, Range } from "../parse/ast";
import { parse } from "../parse/parser";
import type { Finding } from "../rules/types";
import { decodeConfigBytes } from "../workspace/files";

const LONE_CR = /\r(?!\n)/;

/** Offsets where each line starts, counting LF, CRLF and a lone CR as one line break each (editor lines). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return starts;
}

/** The buffer's position of an editor line and character (the same in both texts: only the breaks differ). */
function inBuffer(starts: number[], p: Position): Position {
  const line = Math.min(p.line, starts.length - 1);
  return { line, character: p.character, offset: starts[line] + p.character };
}

/**
 * Findings for the places where `buffer` (an editor's copy of the file at `path`) brings to life text that nginx
 * reads, from `disk`, as part of a comment: empty unless the buffer is the disk text with its line breaks
 * rewritten (the editor did it on opening; any other difference is the user's own edit, and positions
 * could not be trusted).
 */
export function lineBreakHazards(path: string, disk: string, buffer: string): Finding[] {
  if (disk === buffer || !LONE_CR.test(disk) || LONE_CR.test(buffer)) return [];
  const eol = buffer.includes("\r\n") ? "\r\n" : "\n";
  if (disk.replace(/\r\n|\r|\n/g, eol) !== buffer) return [];
  const starts = lineStarts(buffer);
  const out: Finding[] = [];
  for (const e of parse(disk).errors) {
    if (e.code !== "comment-continues-past-cr") continue;
    // From the hidden text's first word (the scanner's range starts right after the CR).
    const lead = /^[ \t]*/.exec(disk.slice(e.range.start.offset))![0].length;
    const start = { ...e.range.start, character: e.range.start.character + lead };
    const range: Range = { start: inBuffer(starts, start), end: inBuffer(starts, e.range.end) };
    out.push({
      ruleId: "syntax",
      code: "editor-changed-line-breaks",
      severity: "warning",
      path,
      range,
      message:
        "the editor turned a lone carriage return (CR) into a line break when it opened this file: on disk this " +
        'text is part of the "#" comment before it, which nginx ends only at a line feed, so nginx does not ' +
        "run it today. Saving the file from this editor makes it a directive nginx runs; delete it (or the " +
        "comment) first if it is meant to stay off",
    });
  }
  return out;
}

/**
 * lineBreakHazards of the file's bytes as read from disk, decoded only when they hold a lone CR: without one
 * there is nothing to find, and a CR byte is a CR whatever surrounds it in UTF-8 (invalid bytes decode to
 * U+FFFD, never to a CR). Decoding the 1.3 MB large-config on opening cost more than reading it (8-20 ms
 * of the server's first diagnostics, measured in issue 13's start-up work).
 */
export function diskLineBreakHazards(path: string, bytes: Buffer, buffer: string): Finding[] {
  for (let i = bytes.indexOf(13); i !== -1; i = bytes.indexOf(13, i + 1))
    if (bytes[i + 1] !== 10) return lineBreakHazards(path, decodeConfigBytes(bytes).text, buffer);
  return [];
}
