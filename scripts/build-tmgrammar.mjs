// Writes syntaxes/nginx.tmLanguage.json, the TextMate grammar of the extension, from the rules below.
//
// Why a generator: nginx's word rules (see server/src/parse/scanner.ts) recur in most patterns — a bare word
// stops at whitespace, `;`, `{`, `}`, but `${name}` and `\x` belong to it; `"`/`'` open a string and `#` a
// comment only at the start of a word — and one regex fragment per rule, spelled once here, keeps them equal.
// `node scripts/build-tmgrammar.mjs` rewrites the JSON; `--check` exits 1 when the JSON is not what this file
// makes (test/client/grammar.test.ts runs it too).
//
// What the grammar cannot know: it sees one line at a time and no tree. So a block name is recognised by a
// `{` later on the same line (or by being a block-only directive), and a statement split over lines keeps its
// scopes because its rule stays open until `;`, `{` or `}`.
import * as fs from "fs";
import * as path from "path";
import { fileURLToPath } from "url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(REPO, "syntaxes/nginx.tmLanguage.json");

// ---- nginx word rules as regex fragments --------------------------------------------------------------------
/** Not preceded by anything but whitespace (or the line start): the start of a word inside a statement. */
const WORD_START = String.raw`(?<![^\s])`;
/** The start of a statement: the line start, whitespace or the `;`, `{`, `}` that ended the one before. */
const STMT_START = String.raw`(?<![^\s;{}])`;
/** The end of a bare word: whitespace (vscode-textmate gives every line its "\n"), `;`, `{`, `}`. */
const WORD_END = String.raw`(?=[\s;{}]|$)`;
/** `${name}` inside a word: nginx keeps the braces in the word (up to `}` or whitespace). */
const VAR_BRACES = String.raw`\$\{[^\s}]*\}?`;
/** One character of a bare word after its first. */
const WORD_CHAR = String.raw`(?:[^\s;{}\\$]|\\.|${VAR_BRACES}|\$)`;
/** A bare word: not starting with a quote or `#` (a string and a comment there). */
const BARE = String.raw`(?:[^\s;{}\\$"'#]|\\.|${VAR_BRACES}|\$)${WORD_CHAR}*`;
const DQ = String.raw`"(?:[^"\\]|\\.)*"`;
const SQ = String.raw`'(?:[^'\\]|\\.)*'`;
/** One whole word on one line, quoted or bare. */
const WORD = String.raw`(?:${DQ}|${SQ}|${BARE})`;
/**
 * A `{` later on the line, past words and quoted strings: the statement opens a block. Atomic, so a long line
 * without one fails fast.
 */
const OPENS_BLOCK = String.raw`(?=(?>\s+|${DQ}|${SQ}|${VAR_BRACES}|\\.|[^\s;{}"'#\\])*\{)`;
/** Directives that always take a block (server/data/directives.json, block: true), wherever the `{` is. */
const BLOCK_ONLY = "events|http|stream|mail|imap|upstream|limit_except|geoip2|charset_map|split_clients";
/** Blocks whose body is a table of entries (`key value;`) rather than directives. */
const TABLE_BLOCKS = "map|geo|geoip2|split_clients|types|charset_map";
const SIZE_OR_TIME_UNIT = "ms|[kKmMgGshdwy%]";

const TERMINATOR = { 1: { name: "punctuation.terminator.statement.nginx" } };
/** The end of a statement: its `;`, or before the `{` / `}` that ends it. */
const STATEMENT_END = String.raw`(;)|(?=[{}])`;

const escape = { match: String.raw`\\.`, name: "constant.character.escape.nginx" };
/** The inside of a regex word: escapes are regex escapes, `${…}` is consumed so its `{` opens nothing. */
const regexInside = [{ match: String.raw`\\.`, name: "constant.character.escape.regexp.nginx" }, { match: VAR_BRACES }];
const regexCapture = (extra = "") => ({ name: `string.regexp.nginx${extra}`, patterns: regexInside });

/** A quoted string; `$var` and `${var}` are interpolated in both kinds, `\x` escapes. */
const quoted = (q, kind) => ({
  begin: `${WORD_START}${q}`,
  beginCaptures: { 0: { name: "punctuation.definition.string.begin.nginx" } },
  end: q,
  endCaptures: { 0: { name: "punctuation.definition.string.end.nginx" } },
  name: `string.quoted.${kind}.nginx`,
  patterns: [{ include: "#escape" }, { include: "#variable" }],
});

const grammar = {
  $schema: "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
  name: "nginx",
  scopeName: "source.nginx",
  fileTypes: ["conf", "nginx"],
  patterns: [{ include: "#statements" }],
  repository: {
    statements: {
      comment:
        "Between statements every word starts one: the first word names the directive, and a `#` always starts a comment.",
      patterns: [
        { include: "#comment" },
        { include: "#lua-block-directive" },
        { include: "#lua-inline-directive" },
        { include: "#location" },
        { include: "#if" },
        { include: "#table-block" },
        { include: "#rewrite" },
        { include: "#directive" },
        { include: "#string-double" },
        { include: "#string-single" },
        { include: "#block-punctuation" },
        { match: ";", name: "punctuation.terminator.statement.nginx" },
      ],
    },
    comment: {
      comment: "Only reached at the start of a word (statements, arguments), where nginx starts a comment too.",
      match: "(#).*$",
      name: "comment.line.number-sign.nginx",
      captures: { 1: { name: "punctuation.definition.comment.nginx" } },
    },
    "argument-comment": {
      comment: "Inside a statement `#` starts a comment only at the start of a word: `a#b` is one word.",
      match: `${WORD_START}(#).*$`,
      name: "comment.line.number-sign.nginx",
      captures: { 1: { name: "punctuation.definition.comment.nginx" } },
    },
    "block-punctuation": {
      patterns: [
        { match: String.raw`\{`, name: "punctuation.section.block.begin.nginx" },
        { match: String.raw`\}`, name: "punctuation.section.block.end.nginx" },
      ],
    },
    directive: {
      comment:
        "Any other statement: the name, then arguments up to `;`, or up to the `{` of its block or the `}` that cuts it short.",
      begin: `${STMT_START}(?:(${BLOCK_ONLY})(?=[\\s{]|$)|((?>${WORD}))${OPENS_BLOCK}|(${WORD}))`,
      beginCaptures: {
        1: { name: "storage.type.directive.block.nginx" },
        2: { name: "storage.type.directive.block.nginx" },
        3: { name: "keyword.other.directive.nginx" },
      },
      end: STATEMENT_END,
      endCaptures: TERMINATOR,
      name: "meta.directive.nginx",
      patterns: [{ include: "#arguments" }],
    },
    location: {
      begin: `${STMT_START}(location)${WORD_END}`,
      beginCaptures: { 1: { name: "storage.type.directive.block.nginx" } },
      end: STATEMENT_END,
      endCaptures: TERMINATOR,
      name: "meta.directive.location.nginx",
      patterns: [
        { include: "#argument-comment" },
        {
          comment: "`~ regex` and `~* regex`, the modifier written apart or attached.",
          match: `${WORD_START}(~\\*?)\\s*(${WORD})`,
          captures: { 1: { name: "keyword.operator.modifier.nginx" }, 2: regexCapture() },
        },
        {
          match: `${WORD_START}(\\^~|=)\\s*(${WORD})?`,
          captures: { 1: { name: "keyword.operator.modifier.nginx" }, 2: { name: "string.unquoted.uri.nginx" } },
        },
        {
          match: `${WORD_START}(~\\*?|\\^~|=)${WORD_END}`,
          name: "keyword.operator.modifier.nginx",
        },
        { match: `${WORD_START}@${WORD_CHAR}+`, name: "entity.name.function.named-location.nginx" },
        { include: "#string-double" },
        { include: "#string-single" },
        { match: `${WORD_START}${BARE}`, name: "string.unquoted.uri.nginx" },
      ],
    },
    if: {
      begin: `${STMT_START}(if)(?=[\\s(]|$)`,
      beginCaptures: { 1: { name: "keyword.control.conditional.nginx" } },
      end: STATEMENT_END,
      endCaptures: TERMINATOR,
      name: "meta.directive.if.nginx",
      patterns: [{ include: "#argument-comment" }, { include: "#condition" }, { include: "#arguments" }],
    },
    condition: {
      comment:
        "nginx strips the `(` of the first word and the `)` of the last; an unquoted `{` or `;` cannot be inside, so the condition stops there when the `)` is missing.",
      begin: `${WORD_START}\\(`,
      beginCaptures: { 0: { name: "punctuation.section.condition.begin.nginx" } },
      end: `(\\))${WORD_END}|(?=[{;}])`,
      endCaptures: { 1: { name: "punctuation.section.condition.end.nginx" } },
      name: "meta.condition.nginx",
      patterns: [
        {
          comment: "The regex is one word; a `)` that ends the word closes the condition, not the regex.",
          match: `(?<![^\\s(])(!?~\\*?)\\s*(${DQ}|${SQ}|(?:[^\\s;{}\\\\$"'#]|\\\\.|${VAR_BRACES}|\\$)${WORD_CHAR}*?(?=\\)?(?:[\\s;{}]|$)))`,
          captures: { 1: { name: "keyword.operator.regexp.nginx" }, 2: regexCapture() },
        },
        { match: `(?<![^\\s(])!?-[fdex]${WORD_END}`, name: "keyword.operator.file-test.nginx" },
        { match: `${WORD_START}!?=${WORD_END}`, name: "keyword.operator.comparison.nginx" },
        { include: "#arguments" },
      ],
    },
    rewrite: {
      begin: `${STMT_START}(rewrite)(?:\\s+(${WORD}))?${WORD_END}`,
      beginCaptures: { 1: { name: "keyword.other.directive.nginx" }, 2: regexCapture() },
      end: STATEMENT_END,
      endCaptures: TERMINATOR,
      name: "meta.directive.rewrite.nginx",
      patterns: [
        { match: `${WORD_START}(last|break|redirect|permanent)${WORD_END}`, name: "keyword.control.flag.nginx" },
        { include: "#arguments" },
      ],
    },
    "table-block": {
      comment: "map, geo, types, …: the body is a table of `key value;` entries, not directives.",
      begin: `${STMT_START}(${TABLE_BLOCKS})${WORD_END}`,
      beginCaptures: { 1: { name: "storage.type.directive.block.nginx" } },
      end: String.raw`(;)|(?<=\})|(?=\})`,
      endCaptures: TERMINATOR,
      name: "meta.directive.table.nginx",
      patterns: [
        { include: "#argument-comment" },
        { include: "#table-body" },
        { include: "#variable-before-brace" },
        { include: "#arguments" },
      ],
    },
    "table-body": {
      comment: "Nested braces are invalid here, but kept balanced so the rest of the file is scoped right.",
      begin: String.raw`\{`,
      beginCaptures: { 0: { name: "punctuation.section.block.begin.nginx" } },
      end: String.raw`\}`,
      endCaptures: { 0: { name: "punctuation.section.block.end.nginx" } },
      name: "meta.block.table.nginx",
      patterns: [
        { include: "#comment" },
        { include: "#table-body" },
        { match: ";", name: "punctuation.terminator.statement.nginx" },
        { include: "#table-entry" },
      ],
    },
    "table-entry": {
      patterns: [
        {
          begin: `${STMT_START}(default|hostnames|volatile|include|ranges|proxy|delete)${WORD_END}`,
          beginCaptures: { 1: { name: "keyword.other.directive.nginx" } },
          end: STATEMENT_END,
          endCaptures: TERMINATOR,
          name: "meta.entry.nginx",
          patterns: [{ include: "#arguments" }],
        },
        {
          comment: "A regex key: `~re`, `~*re`, or quoted with the `~` inside the quotes.",
          begin: `${STMT_START}(?:(~\\*?)(${WORD_CHAR}+)|(")(~\\*?)((?:[^"\\\\]|\\\\.)*)(")|(')(~\\*?)((?:[^'\\\\]|\\\\.)*)('))${WORD_END}`,
          beginCaptures: {
            1: { name: "keyword.operator.regexp.nginx" },
            2: regexCapture(),
            3: { name: "string.regexp.nginx punctuation.definition.string.begin.nginx" },
            4: { name: "keyword.operator.regexp.nginx" },
            5: regexCapture(),
            6: { name: "string.regexp.nginx punctuation.definition.string.end.nginx" },
            7: { name: "string.regexp.nginx punctuation.definition.string.begin.nginx" },
            8: { name: "keyword.operator.regexp.nginx" },
            9: regexCapture(),
            10: { name: "string.regexp.nginx punctuation.definition.string.end.nginx" },
          },
          end: STATEMENT_END,
          endCaptures: TERMINATOR,
          name: "meta.entry.nginx",
          patterns: [{ include: "#arguments" }],
        },
        {
          begin: `${STMT_START}(?=[^\\s;{}#])`,
          end: STATEMENT_END,
          endCaptures: TERMINATOR,
          name: "meta.entry.nginx",
          patterns: [
            {
              comment: "The key: the first word of the entry.",
              begin: String.raw`\G(?=[^\s;{}])`,
              end: WORD_END,
              contentName: "entity.other.attribute-name.nginx",
              patterns: [
                { include: "#string-double-key" },
                { include: "#string-single-key" },
                { include: "#variable" },
                { include: "#escape" },
              ],
            },
            { include: "#arguments" },
          ],
        },
      ],
    },
    "string-double-key": { ...quoted('"', "double"), begin: String.raw`\G"` },
    "string-single-key": { ...quoted("'", "single"), begin: String.raw`\G'` },
    "lua-block-directive": {
      comment:
        "content_by_lua_block { … }, set_by_lua_block $var { … }: the body is Lua, read as Lua up to the `}` that closes it.",
      begin: `${STMT_START}((["']?)[^\\s;{}"'#]*_by_lua_block\\2)(?=[\\s{;}]|$)`,
      beginCaptures: { 1: { name: "storage.type.directive.block.lua.nginx" } },
      end: String.raw`(;)|(?<=\})|(?=\})`,
      endCaptures: TERMINATOR,
      name: "meta.directive.lua-block.nginx",
      patterns: [
        { include: "#argument-comment" },
        {
          begin: String.raw`\{`,
          beginCaptures: { 0: { name: "punctuation.section.block.begin.nginx" } },
          end: String.raw`\}`,
          endCaptures: { 0: { name: "punctuation.section.block.end.nginx" } },
          contentName: "meta.embedded.block.lua",
          patterns: [{ include: "#lua-block-code" }],
        },
        { include: "#variable-before-brace" },
        { include: "#arguments" },
      ],
    },
    "variable-before-brace": {
      comment:
        "`${var}` with the space after it: in rules that end right after their body's `}`, a variable's own `}` must not look like that end.",
      match: String.raw`(\$\{)(\w+)(\})(\s+)`,
      captures: {
        0: { name: "variable.other.nginx" },
        1: { name: "punctuation.definition.variable.begin.nginx" },
        3: { name: "punctuation.definition.variable.end.nginx" },
        4: { name: "meta.whitespace.nginx" },
      },
    },
    "lua-inline-directive": {
      comment: "content_by_lua '…', set_by_lua $var \"…\": the quoted argument is Lua.",
      begin: `${STMT_START}([^\\s;{}"'#]*_by_lua)${WORD_END}`,
      beginCaptures: { 1: { name: "keyword.other.directive.lua.nginx" } },
      end: STATEMENT_END,
      endCaptures: TERMINATOR,
      name: "meta.directive.lua-inline.nginx",
      patterns: [
        { include: "#argument-comment" },
        {
          begin: `${WORD_START}"`,
          beginCaptures: { 0: { name: "string.quoted.double.nginx punctuation.definition.string.begin.nginx" } },
          end: '"',
          endCaptures: { 0: { name: "string.quoted.double.nginx punctuation.definition.string.end.nginx" } },
          contentName: "meta.embedded.inline.lua",
          patterns: [{ include: "#escape" }, { include: "#lua-inline-dq" }, { include: "source.lua" }],
        },
        {
          begin: `${WORD_START}'`,
          beginCaptures: { 0: { name: "string.quoted.single.nginx punctuation.definition.string.begin.nginx" } },
          end: "'",
          endCaptures: { 0: { name: "string.quoted.single.nginx punctuation.definition.string.end.nginx" } },
          contentName: "meta.embedded.inline.lua",
          patterns: [{ include: "#escape" }, { include: "#lua-inline-sq" }, { include: "source.lua" }],
        },
        { include: "#arguments" },
      ],
    },
    "lua-inline-dq": {
      comment:
        "Lua strings and comments inside a \"…\" argument: they end at the argument's own closing quote too, as nginx's word does.",
      patterns: luaInline('"'),
    },
    "lua-inline-sq": { patterns: luaInline("'") },
    "lua-block-code": {
      comment:
        "Braces, strings, long brackets and comments first, as the scanner reads them, so a `}` inside them never closes the nginx block, with or without a Lua grammar; the Lua grammar colours the rest.",
      patterns: [{ include: "#lua-braces" }, { include: "#lua-fallback" }, { include: "source.lua" }],
    },
    "lua-braces": {
      begin: String.raw`\{`,
      beginCaptures: { 0: { name: "punctuation.section.table.begin.lua" } },
      end: String.raw`\}`,
      endCaptures: { 0: { name: "punctuation.section.table.end.lua" } },
      patterns: [{ include: "#lua-block-code" }],
    },
    "lua-fallback": {
      patterns: [
        {
          begin: String.raw`--\[(=*)\[`,
          beginCaptures: { 0: { name: "punctuation.definition.comment.begin.lua" } },
          end: String.raw`\]\1\]`,
          endCaptures: { 0: { name: "punctuation.definition.comment.end.lua" } },
          name: "comment.block.lua",
        },
        {
          match: "(--).*$",
          name: "comment.line.double-dash.lua",
          captures: { 1: { name: "punctuation.definition.comment.lua" } },
        },
        {
          begin: String.raw`\[(=*)\[`,
          beginCaptures: { 0: { name: "punctuation.definition.string.begin.lua" } },
          end: String.raw`\]\1\]`,
          endCaptures: { 0: { name: "punctuation.definition.string.end.lua" } },
          name: "string.quoted.other.multiline.lua",
        },
        luaBlockString('"', "double"),
        luaBlockString("'", "single"),
        {
          comment:
            "A quote that starts no string on its line: lua-nginx-module's lexer reads it as plain text, so the braces after it count (Lua fails to compile it).",
          match: `["']`,
          name: "invalid.illegal.unfinished-string.lua",
        },
      ],
    },
    arguments: {
      patterns: [
        { include: "#argument-comment" },
        { include: "#string-double" },
        { include: "#string-single" },
        { include: "#variable" },
        {
          comment: "A word starting with `~` is a regex (server_name, map keys, proxy_redirect, valid_referers, …).",
          match: `${WORD_START}(~\\*?)(${WORD_CHAR}+)`,
          captures: { 1: { name: "keyword.operator.regexp.nginx" }, 2: regexCapture() },
        },
        {
          comment: "The same with the `~` inside the quotes.",
          match: `${WORD_START}(?:(")(~\\*?)((?:[^"\\\\]|\\\\.)*)(")|(')(~\\*?)((?:[^'\\\\]|\\\\.)*)('))`,
          captures: {
            1: { name: "string.regexp.nginx punctuation.definition.string.begin.nginx" },
            2: { name: "keyword.operator.regexp.nginx" },
            3: regexCapture(),
            4: { name: "string.regexp.nginx punctuation.definition.string.end.nginx" },
            5: { name: "string.regexp.nginx punctuation.definition.string.begin.nginx" },
            6: { name: "keyword.operator.regexp.nginx" },
            7: regexCapture(),
            8: { name: "string.regexp.nginx punctuation.definition.string.end.nginx" },
          },
        },
        { include: "#escape" },
        { match: `${WORD_START}(on|off)${WORD_END}`, name: "constant.language.boolean.nginx" },
        { match: `${WORD_START}@${WORD_CHAR}+`, name: "entity.name.function.named-location.nginx" },
        {
          match: String.raw`(?<![^\s=:/\[])\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?=[\s;{}:/,\]]|$)`,
          name: "constant.numeric.ip-address.nginx",
        },
        {
          comment:
            "A number with an optional unit, as a whole word or after `=` / `:` (`weight=5`, `keys_zone=a:10m`); `1h30m` is two.",
          match: String.raw`(?:(?<![^\s=:])|(?<=\dms|\d[kKmMgGshdwy]))(-?\d+(?:\.\d+)?)(${SIZE_OR_TIME_UNIT})?(?=(?:\d+(?:ms|[smhdwMy]))*(?:[\s;{}:,]|$))`,
          name: "constant.numeric.nginx",
          captures: { 2: { name: "keyword.other.unit.nginx" } },
        },
      ],
    },
    variable: {
      patterns: [
        {
          match: String.raw`(\$\{)(\w+)(\})`,
          name: "variable.other.nginx",
          captures: {
            1: { name: "punctuation.definition.variable.begin.nginx" },
            3: { name: "punctuation.definition.variable.end.nginx" },
          },
        },
        {
          comment: "`${` that nginx reads to the next `}` or space: its brace must not open a block.",
          match: VAR_BRACES,
          name: "invalid.illegal.variable.nginx",
        },
        {
          match: String.raw`(\$)\w+`,
          name: "variable.other.nginx",
          captures: { 1: { name: "punctuation.definition.variable.nginx" } },
        },
      ],
    },
    escape: escape,
    "string-double": quoted('"', "double"),
    "string-single": quoted("'", "single"),
  },
};

/**
 * A Lua string in a `*_by_lua_block` body as lua-nginx-module's lexer matches it (util/gen-lexer-c:
 * `"(?:\\[^\n]|[^"\n\\])*"`): on one line, a CR allowed, `\` escaping any character but LF. One match, so a
 * quote that starts no such string is left to the rule after it.
 */
function luaBlockString(q, kind) {
  return {
    match: String.raw`(${q})((?:\\.|[^${q}\\\n])*)(${q})`,
    name: `string.quoted.${kind}.lua`,
    captures: {
      1: { name: "punctuation.definition.string.begin.lua" },
      2: { patterns: [{ match: String.raw`\\.`, name: "constant.character.escape.lua" }] },
      3: { name: "punctuation.definition.string.end.lua" },
    },
  };
}

/** Lua strings, long brackets and comments inside a quoted nginx argument: all stop before its closing quote. */
function luaInline(outer) {
  const stop = `(?=${outer})`;
  const other = outer === '"' ? "'" : '"';
  return [
    {
      begin: String.raw`--\[(=*)\[`,
      end: String.raw`\]\1\]|${stop}`,
      name: "comment.block.lua",
      patterns: [{ include: "#escape" }],
    },
    { match: `--(?:(?!${outer}).)*`, name: "comment.line.double-dash.lua" },
    {
      begin: String.raw`\[(=*)\[`,
      end: String.raw`\]\1\]|${stop}`,
      name: "string.quoted.other.multiline.lua",
      patterns: [{ include: "#escape" }],
    },
    {
      begin: other,
      end: `${other}|${stop}|$`,
      name: `string.quoted.${other === '"' ? "double" : "single"}.lua`,
      patterns: [{ include: "#escape" }],
    },
  ];
}

const text = JSON.stringify(grammar, null, 2) + "\n";
if (process.argv.includes("--check")) {
  const current = fs.existsSync(OUT) ? fs.readFileSync(OUT, "utf8") : "";
  if (current !== text) {
    console.error(`${path.relative(REPO, OUT)} is not what scripts/build-tmgrammar.mjs makes: run it`);
    process.exit(1);
  }
} else {
  fs.writeFileSync(OUT, text);
  console.log(`wrote ${path.relative(REPO, OUT)}`);
}
