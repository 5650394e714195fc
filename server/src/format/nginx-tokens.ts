// What nginx reads from one configuration file: the words and statement ends of ngx_conf_read_token()
// (src/core/ngx_conf_file.c), the block structure ngx_conf_parse() checks, and the body of a
// `*_by_lua_block` as lua-nginx-module's block reader takes it (ngx_http_lua_conf_lua_block_parse over
// ngx_http_lua_conf_read_lua_token, whose lexer util/gen-lexer-c generates).
//
// Why a second reader: the formatter proves its result by reading it again. Reading it with the parser it
// formats from would share that parser's mistakes (a lone CR that ends a `#` comment for us and not for
// nginx turned commented-out directives into live ones). This one is written from nginx's functions alone,
// character by character as they run, and shares no code with parse/; it knows nothing but tokens.
//
// Not modelled: the 4096-byte read buffer (NGX_CONF_BUFFER: a word, string or comment of 4096 bytes or more
// is "too long parameter", a Lua body stretch of 4096 bytes without a brace, string or comment likewise),
// which the formatter cannot reach: it never lengthens a token. One effect of that buffer does depend on
// where a Lua block lies in the file: lua-nginx-module looks for the end of a long bracket (`[[…]]`,
// `--[[…]]`) only in what the buffer holds (at least 2 KiB past the token before it, up to 4 KiB), so a
// long bracket of 2 to 4 KiB may be accepted or not depending on the block's offset. Nor whether a
// `*_by_lua_block` directive exists in the build: every name with that suffix is taken as one (nginx says
// "unknown directive" otherwise).

/**
 * The stream nginx reads: `w:<word>` (after nginx's quote and escape processing, as it stores it), `;`,
 * `{`, `}`, `lua:<body>` for a Lua block's body (its `{`…`}` consumed), and last `error:<message>` where
 * nginx would stop with an error. Comments are not in it.
 */
export interface NginxReading {
  tokens: string[];
  /** The `#` comments nginx skips, from `#` to before the LF that ends them (lone CRs included). */
  comments: string[];
}

const LF = 0x0a;
const CR = 0x0d;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === CR || c === LF;
}

/** A word as ngx_conf_read_token stores it: `\"`, `\'`, `\\` unescaped; `\t`, `\r`, `\n` made control characters. */
function stored(raw: string): string {
  if (raw.indexOf("\\") < 0) return raw;
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === "\\" && i + 1 < raw.length) {
      const n = raw[i + 1];
      if (n === '"' || n === "'" || n === "\\") {
        out += n;
        i++;
        continue;
      }
      const control = n === "t" ? "\t" : n === "r" ? "\r" : n === "n" ? "\n" : null;
      if (control !== null) {
        out += control;
        i++;
        continue;
      }
    }
    out += c;
  }
  return out;
}

/** Reads `text` as nginx does (a UTF-8 byte order mark is a character like any other: nginx does not skip it). */
export function nginxTokens(text: string): NginxReading {
  const tokens: string[] = [];
  const comments: string[] = [];
  const args: string[] = [];
  const n = text.length;
  let depth = 0;
  // ngx_conf_read_token's state, with its names.
  let lastSpace = true;
  let needSpace = false;
  let sharpComment = false;
  let quoted = false;
  let dQuoted = false;
  let sQuoted = false;
  let variable = false;
  let start = 0;

  const fail = (message: string): NginxReading => {
    tokens.push(`error:${message}`);
    return { tokens, comments };
  };
  /** A statement ended by `;` or `{`: returns the offset to go on from (after a Lua body), or an error. */
  const statement = (end: ";" | "{", at: number): number | string => {
    for (const a of args) tokens.push(`w:${a}`);
    tokens.push(end);
    const name = args[0];
    const count = args.length;
    args.length = 0;
    if (end === ";") return at + 1;
    if (!name.endsWith("_by_lua_block")) {
      depth++;
      return at + 1;
    }
    // ngx_conf_handler checks the arguments before the module's handler reads the body: the Lua block
    // directives take none (NGX_CONF_NOARGS), set_by_lua_block its variable (NGX_CONF_TAKE1).
    if (count !== (name === "set_by_lua_block" ? 2 : 1)) return `invalid number of arguments in "${name}" directive`;
    const body = luaBody(text, at + 1);
    if (typeof body === "string") return body;
    tokens.push(`lua:${text.slice(at + 1, body)}`);
    return body + 1;
  };

  let i = 0;
  while (i < n) {
    const ch = text.charCodeAt(i);
    const at = i++;
    if (ch === LF && sharpComment) {
      sharpComment = false;
      comments.push(text.slice(start, at));
    }
    if (sharpComment) continue;
    if (quoted) {
      quoted = false;
      continue;
    }
    if (needSpace) {
      if (isSpace(ch)) {
        lastSpace = true;
        needSpace = false;
        continue;
      }
      if (ch === 0x3b /* ; */ || ch === 0x7b /* { */) {
        needSpace = false;
        lastSpace = true;
        const next = statement(ch === 0x3b ? ";" : "{", at);
        if (typeof next === "string") return fail(next);
        i = next;
        continue;
      }
      if (ch !== 0x29 /* ) */) return fail(`unexpected "${text[at]}"`);
      lastSpace = true;
      needSpace = false;
    }
    if (lastSpace) {
      start = at;
      if (isSpace(ch)) continue;
      switch (ch) {
        case 0x3b: // ;
        case 0x7b: {
          // {
          if (args.length === 0) return fail(`unexpected "${text[at]}"`);
          const next = statement(ch === 0x3b ? ";" : "{", at);
          if (typeof next === "string") return fail(next);
          i = next;
          continue;
        }
        case 0x7d: // }
          if (args.length !== 0) return fail('unexpected "}"');
          if (depth === 0) return fail('unexpected "}"');
          depth--;
          tokens.push("}");
          continue;
        case 0x23: // #
          sharpComment = true;
          continue;
        case 0x5c: // \
          quoted = true;
          lastSpace = false;
          continue;
        case 0x22: // "
          start++;
          dQuoted = true;
          lastSpace = false;
          continue;
        case 0x27: // '
          start++;
          sQuoted = true;
          lastSpace = false;
          continue;
        case 0x24: // $
          variable = true;
          lastSpace = false;
          continue;
        default:
          lastSpace = false;
      }
      continue;
    }
    if (ch === 0x7b && variable) continue;
    variable = false;
    if (ch === 0x5c) {
      quoted = true;
      continue;
    }
    if (ch === 0x24) {
      variable = true;
      continue;
    }
    let found = false;
    if (dQuoted) {
      if (ch === 0x22) {
        dQuoted = false;
        needSpace = true;
        found = true;
      }
    } else if (sQuoted) {
      if (ch === 0x27) {
        sQuoted = false;
        needSpace = true;
        found = true;
      }
    } else if (isSpace(ch) || ch === 0x3b || ch === 0x7b) {
      lastSpace = true;
      found = true;
    }
    if (!found) continue;
    args.push(stored(text.slice(start, at)));
    if (ch === 0x3b || ch === 0x7b) {
      const next = statement(ch === 0x3b ? ";" : "{", at);
      if (typeof next === "string") return fail(next);
      i = next;
    }
  }
  if (sharpComment) comments.push(text.slice(start, n));
  if (args.length > 0 || !lastSpace) return fail('unexpected end of file, expecting ";" or "}"');
  if (depth > 0) return fail('unexpected end of file, expecting "}"');
  return { tokens, comments };
}

/**
 * From just after a Lua block's `{`: the offset of the `}` that closes it, or an error message. The lexer
 * finds the leftmost of `{`, `}`, `[=*[`, `--[=*[`, `]=*]`, `--[^\n]*`, `"(?:\\[^\n]|[^"\n\\])*"`,
 * `'(?:\\[^\n]|[^'\n\\])*'` (a long comment before a line comment: checked with nginx 1.22.1); a long
 * bracket runs to its closing bracket of the same level (ngx_http_lua_strlstrn).
 */
function luaBody(text: string, from: number): number | string {
  const n = text.length;
  let level = 1;
  let p = from;
  while (p < n) {
    const c = text.charCodeAt(p);
    if (c === 0x7b) {
      level++;
      p++;
    } else if (c === 0x7d) {
      if (--level === 0) return p;
      p++;
    } else if (c === 0x2d && text.charCodeAt(p + 1) === 0x2d) {
      const eq = longBracket(text, p + 2);
      if (eq >= 0) {
        const close = text.indexOf("]" + "=".repeat(eq) + "]", p + 2 + eq + 2);
        if (close < 0) return "Lua code block missing the closing long bracket";
        p = close + eq + 2;
      } else {
        const lf = text.indexOf("\n", p);
        p = lf < 0 ? n : lf;
      }
    } else if (c === 0x5b) {
      const eq = longBracket(text, p);
      if (eq >= 0) {
        const close = text.indexOf("]" + "=".repeat(eq) + "]", p + eq + 2);
        if (close < 0) return "Lua code block missing the closing long bracket";
        p = close + eq + 2;
      } else p++;
    } else if (c === 0x22 || c === 0x27) {
      p = luaString(text, p, c);
    } else p++;
  }
  return "unexpected end of file, expecting terminating characters for lua code block";
}

/** At `[`: the number of `=` of a long bracket `[==[`, or -1. */
function longBracket(text: string, p: number): number {
  if (text.charCodeAt(p) !== 0x5b) return -1;
  let q = p + 1;
  while (text.charCodeAt(q) === 0x3d) q++;
  return text.charCodeAt(q) === 0x5b ? q - p - 1 : -1;
}

/** After a Lua string opening at `p` (on one line, no LF, `\` escaping anything but LF); p + 1 when none. */
function luaString(text: string, p: number, quote: number): number {
  for (let q = p + 1; q < text.length; q++) {
    const c = text.charCodeAt(q);
    if (c === quote) return q + 1;
    if (c === LF) break;
    if (c === 0x5c) {
      if (q + 1 >= text.length || text.charCodeAt(q + 1) === LF) break;
      q++;
    }
  }
  return p + 1;
}

/** Whether two readings are the same stream of tokens (comments aside). */
export function sameReading(a: NginxReading, b: NginxReading): boolean {
  if (a.tokens.length !== b.tokens.length) return false;
  for (let i = 0; i < a.tokens.length; i++) if (a.tokens[i] !== b.tokens[i]) return false;
  return true;
}
